import * as fs from "fs";
import * as path from "path";
import { Sandbox } from "./shell";

/** Host paths host preparation reads or writes; tests move them into the sandbox so the real host is never touched. */
export const HOST_PATHS = [
  "/var/lib/rancher/k3s-stacks/",
  "/etc/modules-load.d",
  "/etc/sysctl.d",
  "/etc/fstab",
  "/etc/os-release",
  "/etc/NetworkManager",
  "/etc/fapolicyd",
  "/etc/rancher/k3s/config.yaml.d",
  "/boot/",
  "/sys/fs/cgroup/",
  "/proc/cgroups",
  "/proc/filesystems",
  "/proc/modules",
  "/proc/config.gz",
  "/proc/cmdline",
  "/lib/modules/",
  "/run/systemd/system",
  "/run/ostree-booted",
  // The record of the host before preparation (host/undo.ts).
  "/var/lib/k3s-stacks",
  // Package managers' locks (host/package-lock.ts): never this machine's own apt or dnf.
  "/var/lib/dpkg/",
  "/var/lib/apt/",
  "/var/cache/apt/",
  "/var/lib/dnf/",
  "/var/cache/dnf/",
  "/var/run/yum.pid",
  "/var/lib/rpm/",
  "/run/zypp.pid",
  "/var/lib/pacman/",
];

/** Writes `file` under the sandbox, creating its directory. */
export function put(sb: Sandbox, file: string, content: string): void {
  fs.mkdirSync(path.dirname(path.join(sb.dir, file)), { recursive: true });
  fs.writeFileSync(path.join(sb.dir, file), content);
}

/** A Debian 12 host with systemd, plenty of disk and a synchronized clock (x86_64, kernel 6.1.0-28-amd64). */
export function debianHost(sb: Sandbox): void {
  put(sb, "etc/os-release", 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n');
  fs.mkdirSync(path.join(sb.dir, "run/systemd/system"), { recursive: true });
  put(sb, "proc/cmdline", "console=ttyS0 root=/dev/vda1\n");
  put(sb, "proc/filesystems", "nodev\tcgroup\nnodev\tcgroup2\n\text4\n");
  sb.fake("uname", 'case "$1" in -m) echo "${MACHINE:-x86_64}" ;; -r) echo "${KERNEL:-6.1.0-28-amd64}" ;; *) /usr/bin/uname "$@" ;; esac');
  sb.fake("df", 'printf "Filesystem 1024-blocks Used Available Capacity Mounted on\\n/dev/vda1 %s 0 %s 5%% /\\n" "${DISK_SIZE:-41943040}" "${DISK_FREE:-31457280}"');
  sb.fake("timedatectl", 'echo "${NTP_SYNCED:-yes}"');
  // The host's own iptables rules: none (never this machine's).
  sb.fake("iptables", 'if [ "$1" = -S ]; then printf "%s\\n" "-P INPUT ACCEPT" "-P FORWARD ACCEPT" "-P OUTPUT ACCEPT"; fi');
  sb.fake("ip6tables", 'if [ "$1" = -S ]; then printf "%s\\n" "-P INPUT ACCEPT" "-P FORWARD ACCEPT" "-P OUTPUT ACCEPT"; fi');
}
