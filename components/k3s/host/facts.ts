import { Arch } from "../../nodes/types";
import { shq } from "../../remote/shell";

/**
 * `uname -m` values of each k3s asset arch (install.sh's own mapping: x86_64/amd64 → amd64,
 * aarch64/arm64 → arm64, arm* → arm), less ARMv6 and older: k3s's 32-bit Arm build needs ARMv7
 * (k3s-io/k3s#2699: built for a minimum of ARMv7 since v1.19.4; it dies with "Illegal instruction"
 * on a Raspberry Pi 1 or Zero/Zero W). `armv8l` is a 64-bit CPU running a 32-bit kernel.
 */
export const MACHINES: Record<Arch, string[]> = {
  amd64: ["x86_64", "amd64"],
  arm64: ["aarch64", "arm64"],
  arm: ["armv7l", "armv7", "armv8l", "armhf", "arm"],
};

/** Inventory spelling for a machine type, used in the fix of an arch mismatch. */
const INVENTORY_ARCH: Record<Arch, string> = { amd64: "x64", arm64: "arm64", arm: "armhf" };

/**
 * No machine running this release can have a correct clock before this instant (UTC). A Raspberry Pi
 * has no battery-backed clock: until NTP answers it runs from the last saved time or its image's
 * date, and certificates k3s issues then are not valid once the clock is right.
 */
export const CLOCK_FLOOR = "2026-11-01T00:00:00Z";

/**
 * Shell that reads what a node is, for choosing how to install packages on it: the OS family from
 * os-release (ID, then ID_LIKE: `debian`, `rhel`, `suse`, `arch` or `unknown`), os_id, os_like
 * (and os_field, to read another key), and whether it is image-based (`transactional=1`) with the tool that installs into the
 * next image (`tx_tool`: transactional-update, rpm-ostree, or empty when an ostree host has none) and
 * what that image is called (`tx_image`: snapshot or deployment). Host preparation and the Longhorn
 * node prerequisites share it, so they cannot tell a host apart differently. `root` is a shell word
 * prefixed to the host paths read (tests only; empty on a node).
 */
export function renderOsFacts(root = ""): string {
  return `# A host without os-release (pipefail would end the script on sed's status) is of no family.
os_field() { sed -n "s/^$1=//p" ${root}/etc/os-release 2>/dev/null | head -n 1 | tr -d "\\"'" || true; }
os_id=$(os_field ID); os_like=$(os_field ID_LIKE)
family=unknown
for w in $os_id $os_like; do
  case "$w" in
    debian|ubuntu|raspbian) family=debian ;;
    rhel|centos|fedora|rocky|almalinux|ol) family=rhel ;;
    suse|sles|sled|sle-micro|opensuse|opensuse-leap|opensuse-tumbleweed|opensuse-microos) family=suse ;;
    arch|archarm) family=arch ;;
    *) continue ;;
  esac
  break
done
# Image-based systems: a package goes into a new snapshot (SUSE MicroOS, SLE Micro: install.sh takes
# transactional-update as the sign) or a new deployment (rpm-ostree: Fedora CoreOS and IoT, RHEL for
# Edge; ostree's boot writes /run/ostree-booted, /usr stays read-only), which runs from the next boot.
transactional=0; tx_tool=""; tx_image=""
if [ "$family" = suse ] && command -v transactional-update >/dev/null 2>&1; then
  transactional=1; tx_tool="transactional-update"; tx_image=snapshot
elif [ -e ${root}/run/ostree-booted ]; then
  transactional=1; tx_image=deployment
  if command -v rpm-ostree >/dev/null 2>&1; then tx_tool="rpm-ostree"; fi
fi`;
}

/**
 * Shell that reads a node's facts in one pass, before anything changes: OS family (os-release ID,
 * then ID_LIKE), machine, kernel, init system, the PATH sudo gave us, active firewall, SELinux mode,
 * time sync and free disk. Sets shell variables (family, os_id, os_version, transactional with tx_tool and tx_image, machine,
 * kernel, init, firewall, selinux, time_sync, disk_free_pct, disk_free_mb) and prints one facts line. Fails on
 * what no preparation can fix: no systemd, a machine older than ARMv7 (whatever arch was declared:
 * install.sh would take it for `arm` too), a clock before CLOCK_FLOOR.
 */
export function renderFacts(node: string): string {
  const floor = Math.floor(Date.parse(CLOCK_FLOOR) / 1000);
  return `node=${shq(node)}
${renderOsFacts()}
os_version=$(os_field VERSION_ID)
machine=$(uname -m)
kernel=$(uname -r)
init=none
if [ -d /run/systemd/system ]; then init=systemd; fi
firewall=none
if command -v firewall-cmd >/dev/null 2>&1 && [ "$(firewall-cmd --state 2>/dev/null || true)" = running ]; then
  firewall=firewalld
elif command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q '^Status: active'; then
  firewall=ufw
fi
selinux=disabled
if command -v getenforce >/dev/null 2>&1; then selinux=$(getenforce 2>/dev/null | tr '[:upper:]' '[:lower:]' || true); fi
time_sync=unknown
if command -v timedatectl >/dev/null 2>&1; then time_sync=$(timedatectl show -p NTPSynchronized --value 2>/dev/null || echo unknown); fi
now=$(date +%s)
disk_line=$(df -Pk /var/lib 2>/dev/null | awk 'NR == 2 { print $2, $4 }' || true)
read -r disk_size_kb disk_free_kb <<<"$disk_line"
disk_free_mb=$(( \${disk_free_kb:-0} / 1024 ))
disk_free_pct=$(( \${disk_size_kb:-0} > 0 ? \${disk_free_kb:-0} * 100 / disk_size_kb : 100 ))
echo "k3s-stacks: $node: \${os_id:-unknown} \${os_version:-} (family $family), $machine, kernel $kernel, init $init, firewall $firewall, SELinux $selinux, time synchronized: $time_sync, $disk_free_mb MiB free in /var/lib, PATH given \${K3S_STACKS_CALLER_PATH:-$PATH}"
if [ "$init" != systemd ]; then
  echo "k3s-stacks: $node does not run systemd (no /run/systemd/system); k3s-stacks manages k3s through its systemd units. Fix: use a systemd-based distribution on this host." >&2
  exit 1
fi
case "$machine" in
  armv6*|armv5*|armv4*)
    echo "k3s-stacks: $node is an $machine machine (uname -m), such as a Raspberry Pi 1 or Zero/Zero W; k3s's 32-bit Arm build (k3s-armhf) needs ARMv7 or later and dies there with 'Illegal instruction' (k3s-io/k3s#2699). Fix: remove $node from the inventory, or replace it with an ARMv7 or 64-bit board (Raspberry Pi 2 or later, Zero 2 W)." >&2
    exit 1 ;;
esac
if [ "$family" = unknown ]; then
  echo "k3s-stacks: $node: /etc/os-release names ID=\${os_id:-?} ID_LIKE=\${os_like:-?}, not a family k3s-stacks prepares (Debian/Ubuntu/Raspberry Pi OS, RHEL family, SUSE family, Arch); only the generic steps run, no packages are installed." >&2
fi
if [ "$now" -lt ${floor} ]; then
  echo "k3s-stacks: $node's clock reads $(date -u +%Y-%m-%dT%H:%M:%SZ), before ${CLOCK_FLOOR}: it is wrong, and certificates k3s issues now would break once it is corrected. Fix: enable time sync ('timedatectl set-ntp true', or chrony) or set the time, then run pulumi up again." >&2
  exit 1
fi
if [ "$time_sync" = no ]; then
  echo "k3s-stacks: $node's clock is not synchronized (timedatectl NTPSynchronized=no); etcd and certificates need agreeing clocks. Fix: 'timedatectl set-ntp true' or configure chrony." >&2
fi
# k3s runs the kubelet with eviction-hard nodefs.available<5% and eviction-minimum-reclaim 10% (K3S pkg/daemons/agent kubelet
# defaults, not the upstream 10%): below 5 % free it evicts pods until 10 % is free, so below 10 % the node is one step away.
if [ "$disk_free_pct" -lt 10 ]; then
  echo "k3s-stacks: $node has only $disk_free_pct % ($disk_free_mb MiB) free in /var/lib; k3s's kubelet evicts pods below 5 % and then until 10 % is free. Fix: free or add disk space." >&2
fi`;
}

/** Shell that fails, naming both values, when the declared arch is not the machine's (`uname -m`). */
export function renderArchCheck(node: string, arch: Arch): string {
  const fixes = (Object.keys(MACHINES) as Arch[])
    .map((a) => `${MACHINES[a].join("|")}) fix=${shq(INVENTORY_ARCH[a])} ;;`)
    .join("\n  ");
  return `case "$machine" in
  ${MACHINES[arch].join("|")}) ;;
  *)
    case "$machine" in
  ${fixes}
      *) fix="" ;;
    esac
    if [ -n "$fix" ]; then fix="set arch: $fix for this host in the inventory"; else fix="k3s has no release for $machine"; fi
    echo "k3s-stacks: ${node} is declared arch ${shq(INVENTORY_ARCH[arch])} (k3s asset ${arch}) but the machine is $machine (uname -m). Fix: $fix." >&2
    exit 1 ;;
esac`;
}
