// Host preparation per OS family and per tool, in a real bash against fake tools (test/k3s/support/host.ts).
import * as fs from "fs";
import * as path from "path";
import { gzipSync } from "zlib";
import { LOG_CALL } from "./support/shell";
import { put } from "./support/host";
import { AGENT, exists, host, read, render, run, sb } from "./support/prep-host";

describe("host facts", () => {
  test.each([
    ["debian", "debian"], ["ubuntu", "debian"], ["raspbian", "debian"], ["rocky", "rhel"], ["alma", "rhel"],
    ["sles", "suse"], ["leap", "suse"], ["tumbleweed", "suse"], ["microos", "suse"], ["slemicro", "suse"], ["arch", "arch"], ["archarm", "arch"],
  ])("%s is prepared as the %s family, in one facts line", (os, family) => {
    host(os);
    const r = run(render());
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(new RegExp(`^k3s-stacks: n1: [a-z-"]+ [0-9.]* ?\\(family ${family}\\), x86_64, kernel 6.1.0-28-amd64, init systemd, firewall none, SELinux disabled, time synchronized: yes, 30720 MiB free in /var/lib, PATH given `));
  });

  test("an unknown OS gets the generic steps and a warning naming its os-release", () => {
    host("nixos");
    const r = run(render());
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`n1: ${sb.dir}/etc/os-release names ID=nixos ID_LIKE=?, not a family k3s-stacks prepares`);
  });

  test("a host without /etc/os-release is of no family too, not a silent end of the script (pipefail)", () => {
    host("nixos");
    fs.rmSync(path.join(sb.dir, "etc/os-release"));
    const r = run(render());
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`n1: ${sb.dir}/etc/os-release names ID=? ID_LIKE=?, not a family k3s-stacks prepares`);
  });

  test("a declared arch that is not the machine fails with both values and the inventory fix, before any change", () => {
    host("debian");
    const r = run(render({ arch: "arm64" }));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("n1 is declared arch 'arm64' (k3s asset arm64) but the machine is x86_64 (uname -m). Fix: set arch: x64 for this host in the inventory.");
    expect(exists("etc/modules-load.d")).toBe(false);
    expect(run(render({ arch: "arm" }), { MACHINE: "armv7l" }).status).toBe(0);
    expect(run(render({ arch: "amd64" }), { MACHINE: "armv7l" }).stderr).toContain("Fix: set arch: armhf");
  });

  test("an ARMv6 board (Pi 1, Zero W) fails before any change, whatever arch was declared: k3s-armhf needs ARMv7", () => {
    host("raspbian");
    for (const arch of ["arm", "arm64"] as const) {
      const r = run(render({ arch }), { MACHINE: "armv6l" });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("n1 is an armv6l machine (uname -m), such as a Raspberry Pi 1 or Zero/Zero W; k3s's 32-bit Arm build (k3s-armhf) needs ARMv7 or later");
      expect(r.stderr).toContain("Fix: remove n1 from the inventory, or replace it with an ARMv7 or 64-bit board");
    }
    expect(exists("etc/modules-load.d")).toBe(false);
    // A 64-bit CPU on a 32-bit kernel is ARMv8 in 32-bit mode: k3s-armhf runs there.
    expect(run(render({ arch: "arm" }), { MACHINE: "armv8l" }).status).toBe(0);
  });

  test("no systemd: fails naming what is missing", () => {
    host("debian");
    fs.rmSync(path.join(sb.dir, "run/systemd"), { recursive: true });
    const r = run(render());
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`n1 does not run systemd (no ${sb.dir}/run/systemd/system)`);
  });

  test("a clock before the release floor fails; an unsynchronized clock and a nearly full disk are reported", () => {
    host("debian");
    sb.fake("date", 'if [ "$1" = +%s ]; then echo 946684800; else echo 2000-01-01T00:00:00Z; fi');
    const early = run(render());
    expect(early.status).toBe(1);
    expect(early.stderr).toContain("n1's clock reads 2000-01-01T00:00:00Z, before 2026-11-01T00:00:00Z");
    fs.rmSync(path.join(sb.bin, "date"));
    const r = run(render(), { NTP_SYNCED: "no", DISK_FREE: "1048576" });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("n1's clock is not synchronized (timedatectl NTPSynchronized=no)");
    expect(r.stderr).toContain("n1 has only 2 % (1024 MiB) free in /var/lib; k3s's kubelet evicts pods below 5 % and then until 10 % is free");
  });
});

describe("kernel modules per flannel backend", () => {
  test.each([
    ["ubuntu", "6.5.0-1015-raspi", "linux-modules-extra-raspi", "apt-get"],
    ["ubuntu", "6.8.0-49-generic", "linux-modules-extra-6.8.0-49-generic", "apt-get"],
    ["raspbian", "6.6.51+rpt-rpi-v8", "linux-image-6.6.51+rpt-rpi-v8", "apt-get"],
    ["rocky", "5.14.0-427.13.1.el9_4.x86_64", "kernel-modules-extra-5.14.0-427.13.1.el9_4.x86_64", "dnf"],
    ["ol", "5.15.0-209.161.7.2.el9uek.x86_64", "kernel-uek-modules-extra-5.15.0-209.161.7.2.el9uek.x86_64", "dnf"],
    ["ol", "5.14.0-427.13.1.el9_4.x86_64", "kernel-modules-extra-5.14.0-427.13.1.el9_4.x86_64", "dnf"],
    // SUSE: the full kernel-<flavor> carries them all (only a minimal kernel-<flavor>-base lacks them).
    ["leap", "6.4.0-150600.23.25-default", "kernel-default", "zypper"],
    ["sles", "6.4.0-150600.23.25-rt", "kernel-rt", "zypper"],
  ])("%s (%s) without vxlan: fails naming %s and changes nothing; with installPackages it is installed with %s", (os, kernel, pkg, pm) => {
    host(os, kernel);
    const r = run(render({ fixCgroups: true }), { MISSING_MODULES: "vxlan" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`n1 lacks kernel modules vxlan (kernel ${kernel}), which k3s needs. Fix: install the package ${pkg} on n1 (or set installPackages: true for this host)`);
    expect(exists("etc/modules-load.d")).toBe(false);
    expect(exists("etc/rancher/k3s/config.yaml")).toBe(false);
    expect(sb.calls()).toEqual([]);

    const ok = run(render({ installPackages: true }), { MISSING_MODULES: "vxlan" });
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain(`n1: installing ${pkg} for kernel modules vxlan`);
    expect(sb.calls().filter((c) => c.startsWith(pm)).pop()).toContain(pkg);
    expect(read("etc/modules-load.d/k3s.conf")).toBe("br_netfilter\noverlay\nvxlan\n");
  });

  test.each([["microos", "6.11.8-1-default"], ["slemicro", "5.14.21-150500.55.65-default"]])("%s (transactional, read-only root): kernel-default goes in with transactional-update, never zypper, then a reboot", (os, kernel) => {
    host(os, kernel);
    sb.fake("transactional-update", LOG_CALL);
    sb.fake("zypper", 'echo "ERROR: zypper on a read-only root" >&2; exit 1');
    const named = run(render(), { MISSING_MODULES: "br_netfilter" });
    expect(named.status).toBe(1);
    expect(named.stderr).toContain("Fix: run 'transactional-update --non-interactive pkg install kernel-default' on n1 and reboot it ('systemctl reboot') (or set installPackages: true for this host)");
    expect(sb.calls()).toEqual([]);

    const noReboot = run(render({ installPackages: true }), { MISSING_MODULES: "br_netfilter" });
    expect(noReboot.status).toBe(1);
    expect(noReboot.stderr).toContain("n1: kernel-default is in a new snapshot, which runs from the next boot. Fix: reboot n1 ('systemctl reboot', or set allowReboot: true for this host), then run pulumi up again.");
    expect(sb.calls()).toEqual(["transactional-update --non-interactive pkg install kernel-default"]);
    expect(exists("etc/modules-load.d")).toBe(false);

    const reboot = run(render({ installPackages: true, allowReboot: true }), { MISSING_MODULES: "br_netfilter" });
    expect(reboot.status).toBe(1);
    expect(reboot.stderr).toContain("n1 reboots now to run it. Fix: run pulumi up again once it is back.");
  });

  test("Arch: a missing module means pacman replaced the running kernel: reboot, no package", () => {
    host("arch", "6.11.5-arch1-1");
    const r = run(render({ installPackages: true }), { MISSING_MODULES: "vxlan br_netfilter" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("n1 lacks kernel modules br_netfilter vxlan for its running kernel 6.11.5-arch1-1: pacman replaced that kernel and its modules. Fix: reboot n1 into the installed kernel");
  });

  test("a running kernel whose modules a kernel update replaced (Raspberry Pi OS 11's raspberrypi-kernel): the reboot is named, no package is installed", () => {
    host("raspbian", "6.1.21-v8+");
    put(sb, "lib/modules/6.1.63-v8+/modules.dep", "");
    const r = run(render({ installPackages: true }), { MISSING_MODULES: "vxlan br_netfilter" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`k3s-stacks: n1 lacks kernel modules br_netfilter vxlan: its running kernel 6.1.21-v8+ has no ${sb.dir}/lib/modules/6.1.21-v8+ any more, only 6.1.63-v8+: a kernel update replaced the running kernel's modules in place, so no package brings them back. Fix: reboot n1 into the installed kernel ('systemctl reboot'), then run pulumi up again.`);
    expect(sb.calls()).toEqual([]);
    expect(exists("etc/modules-load.d")).toBe(false);
    // The running kernel's own directory there: a module is missing from it, and its package is named.
    put(sb, "lib/modules/6.1.21-v8+/modules.dep", "");
    expect(run(render(), { MISSING_MODULES: "vxlan" }).stderr).toContain("lacks kernel modules vxlan (kernel 6.1.21-v8+), which k3s needs. Fix: install the package");
  });

  test("wireguard-native needs wireguard, host-gw needs no backend module; loaded or built-in modules count", () => {
    host("debian");
    expect(run(render({ network: { ...AGENT, backend: "wireguard-native" } }, "agent"), { MISSING_MODULES: "wireguard" }).stderr).toContain("lacks kernel modules wireguard");
    put(sb, "lib/modules/6.1.0-28-amd64/modules.builtin", "kernel/drivers/net/wireguard/wireguard.ko\n");
    expect(run(render({ network: { ...AGENT, backend: "wireguard-native" } }, "agent"), { MISSING_MODULES: "wireguard" }).status).toBe(0);
    expect(read("etc/modules-load.d/k3s.conf")).toBe("br_netfilter\noverlay\nwireguard\n");
    put(sb, "proc/modules", "vxlan 94208 0 - Live 0x0\n");
    expect(run(render(), { MISSING_MODULES: "vxlan" }).status).toBe(0);
    expect(run(render({ network: { ...AGENT, backend: "host-gw" } }, "agent"), { MISSING_MODULES: "vxlan wireguard" }).status).toBe(0);
    expect(read("etc/modules-load.d/k3s.conf")).toBe("br_netfilter\noverlay\n");
  });

  test("kube-proxy in ipvs mode needs IPVS and its schedulers: missing ones fail naming the package, before any change; present ones load at boot", () => {
    host("ubuntu", "6.8.0-49-generic");
    const ipvs = { network: { ...AGENT, proxyMode: "ipvs" } };
    const r = run(render(ipvs, "agent"), { MISSING_MODULES: "ip_vs ip_vs_sh" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("n1 lacks kernel modules ip_vs ip_vs_sh (kernel 6.8.0-49-generic), which k3s needs. Fix: install the package linux-modules-extra-6.8.0-49-generic on n1");
    expect(exists("etc/modules-load.d")).toBe(false);
    expect(run(render(ipvs, "agent")).status).toBe(0);
    expect(read("etc/modules-load.d/k3s.conf")).toBe("br_netfilter\noverlay\nvxlan\nip_vs\nip_vs_rr\nip_vs_wrr\nip_vs_sh\nnf_conntrack\n");
  });

  test("kube-proxy in nftables mode needs Linux 5.13 or later: RHEL 8's 4.18 and Ubuntu 20.04's 5.4 fail before any change", () => {
    const nft = { network: { ...AGENT, proxyMode: "nftables" } };
    for (const kernel of ["4.18.0-553.el8_10.x86_64", "5.4.0-200-generic"]) {
      host("rocky", kernel);
      const r = run(render(nft, "agent"));
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`n1 runs kernel ${kernel}, but kube-proxy's nftables mode (kube-proxy-arg proxy-mode=nftables) needs Linux 5.13 or later`);
      expect(exists("etc/modules-load.d")).toBe(false);
      sb.cleanup();
    }
    for (const kernel of ["5.14.0-427.13.1.el9_4.x86_64", "6.1.0-28-amd64"]) {
      host("rocky", kernel);
      expect(run(render(nft, "agent")).status).toBe(0);
      expect(read("etc/modules-load.d/k3s.conf")).toBe("br_netfilter\noverlay\nvxlan\nnf_tables\n");
      sb.cleanup();
    }
  });

  test("a kernel with the modules built in (=y in its config) but no modules.builtin or /proc/modules has them", () => {
    host("debian");
    fs.rmSync(path.join(sb.dir, "proc/modules"));
    const missing = { MISSING_MODULES: "br_netfilter overlay vxlan" };
    expect(run(render(), missing).stderr).toContain("lacks kernel modules br_netfilter overlay vxlan");
    // A module (=m) that modprobe cannot load is still missing.
    put(sb, "boot/config-6.1.0-28-amd64", "CONFIG_BRIDGE_NETFILTER=y\nCONFIG_OVERLAY_FS=y\nCONFIG_VXLAN=m\n");
    expect(run(render(), missing).stderr).toContain("lacks kernel modules vxlan");
    put(sb, "boot/config-6.1.0-28-amd64", "CONFIG_BRIDGE_NETFILTER=y\nCONFIG_OVERLAY_FS=y\nCONFIG_VXLAN=y\n");
    expect(run(render(), missing).status).toBe(0);
    // /proc/config.gz wins over /boot when the kernel exposes it.
    fs.writeFileSync(path.join(sb.dir, "proc/config.gz"), gzipSync("CONFIG_BRIDGE_NETFILTER=y\nCONFIG_OVERLAY_FS=y\n"));
    expect(run(render(), missing).stderr).toContain("lacks kernel modules vxlan");
  });

  test("a real-sized kernel config (far above a pipe's 64 KiB) with the modules built in early on: found, not lost to gzip's SIGPIPE under pipefail", () => {
    host("debian");
    fs.rmSync(path.join(sb.dir, "proc/modules"));
    const rest = Array.from({ length: 12000 }, (_, i) => `CONFIG_OPTION_${i}=m`).join("\n");
    const config = `CONFIG_BRIDGE_NETFILTER=y\nCONFIG_OVERLAY_FS=y\nCONFIG_VXLAN=y\n${rest}\n`;
    fs.writeFileSync(path.join(sb.dir, "proc/config.gz"), gzipSync(config));
    expect(run(render(), { MISSING_MODULES: "br_netfilter overlay vxlan" })).toMatchObject({ status: 0, stderr: "" });
    fs.rmSync(path.join(sb.dir, "proc/config.gz"));
    put(sb, "boot/config-6.1.0-28-amd64", config);
    expect(run(render(), { MISSING_MODULES: "br_netfilter overlay vxlan" })).toMatchObject({ status: 0, stderr: "" });
  });
});

describe("firewalld", () => {
  const FW_STATE = () => path.join(sb.dir, "firewalld");
  beforeEach(() => {
    host("rocky", "5.14.0-427.13.1.el9_4.x86_64");
    fs.writeFileSync(FW_STATE(), "");
    sb.fake("firewall-cmd", `a="$*"
case "$a" in
  --state) echo running ;;
  *--query-*) grep -qxF -- "\${a##*=}" "${FW_STATE()}" ;;
  *--add-*) ${LOG_CALL}; echo "\${a##*=}" >> "${FW_STATE()}" ;;
  --reload) ${LOG_CALL} ;;
  *) exit 2 ;;
esac`);
  });

  test("open: adds exactly the server's ports (etcd, vxlan) and trusts the pod and service CIDRs, once", () => {
    const r = run(render());
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("firewall firewalld");
    expect(sb.calls().filter((c) => c.startsWith("firewall-cmd"))).toEqual([
      "firewall-cmd --permanent --add-port=6443/tcp",
      "firewall-cmd --permanent --add-port=2379-2380/tcp",
      "firewall-cmd --permanent --add-port=10250/tcp",
      "firewall-cmd --permanent --add-port=8472/udp",
      "firewall-cmd --permanent --zone=trusted --add-source=10.42.0.0/16",
      "firewall-cmd --permanent --zone=trusted --add-source=10.43.0.0/16",
      "firewall-cmd --reload",
    ]);
    expect(run(render()).status).toBe(0);
    expect(sb.calls().filter((c) => c.startsWith("firewall-cmd"))).toEqual([]);
  });

  test("an agent opens only the kubelet and backend ports", () => {
    run(render({}, "agent"));
    expect(sb.calls().filter((c) => c.includes("--add-port"))).toEqual(["firewall-cmd --permanent --add-port=10250/tcp", "firewall-cmd --permanent --add-port=8472/udp"]);
  });

  test("open: adds the ports a layer needs from other nodes (MetalLB's memberlist, metrics scrapes) after k3s's own, once", () => {
    const layerPorts = ["7946/tcp", "7946/udp", "9100/tcp"];
    expect(run(render({ network: { ...AGENT, layerPorts } }, "agent")).status).toBe(0);
    expect(sb.calls().filter((c) => c.includes("--add-port"))).toEqual([
      "firewall-cmd --permanent --add-port=10250/tcp",
      "firewall-cmd --permanent --add-port=8472/udp",
      ...layerPorts.map((p) => `firewall-cmd --permanent --add-port=${p}`),
    ]);
    expect(run(render({ network: { ...AGENT, layerPorts } }, "agent")).status).toBe(0);
    expect(sb.calls().filter((c) => c.startsWith("firewall-cmd"))).toEqual([]);
  });

  test("keep: fails listing the exact commands, changes nothing", () => {
    fs.writeFileSync(FW_STATE(), "6443/tcp\n10.42.0.0/16\n");
    const r = run(render({ firewall: "keep" }, "agent"));
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`k3s-stacks: n1 runs firewalld, which blocks traffic k3s needs, and firewall: keep says not to change it. Fix: run these on n1 (or set firewall: open for this host), then pulumi up again:
  firewall-cmd --permanent --add-port=10250/tcp
  firewall-cmd --permanent --add-port=8472/udp
  firewall-cmd --permanent --zone=trusted --add-source=10.43.0.0/16
  firewall-cmd --reload
`);
    expect(sb.calls()).toEqual([]);
    expect(exists("etc/modules-load.d")).toBe(false);
  });
});

describe("ufw", () => {
  beforeEach(() => {
    host("ubuntu", "6.8.0-49-generic");
    const rules = path.join(sb.dir, "ufw");
    fs.writeFileSync(rules, "");
    sb.fake("ufw", `case "$1" in
  status) echo "Status: active" ;;
  show) echo "Added user rules (see 'ufw status' for running firewall):"; sed 's/^/ufw /' "${rules}" ;;
  allow) ${LOG_CALL}; echo "$*" >> "${rules}" ;;
  *) exit 2 ;;
esac`);
  });

  test("open: allows the ports and the CIDRs once; keep fails naming the commands", () => {
    const keep = run(render({ firewall: "keep" }));
    expect(keep.status).toBe(1);
    expect(keep.stderr).toContain("n1 runs ufw, which blocks traffic k3s needs");
    expect(keep.stderr).toContain("\n  ufw allow 2379:2380/tcp\n");
    expect(keep.stderr).not.toContain("reload");
    expect(run(render()).status).toBe(0);
    expect(sb.calls().filter((c) => c.startsWith("ufw"))).toEqual([
      "ufw allow 6443/tcp", "ufw allow 2379:2380/tcp", "ufw allow 10250/tcp", "ufw allow 8472/udp",
      "ufw allow from 10.42.0.0/16", "ufw allow from 10.43.0.0/16",
    ]);
    expect(run(render({ firewall: "keep" })).status).toBe(0);
    expect(sb.calls().filter((c) => c.startsWith("ufw"))).toEqual([]);
  });
});

describe("SELinux", () => {
  const DROPIN = "etc/rancher/k3s/config.yaml.d/50-k3s-stacks-selinux.yaml";
  test("enforcing on the RHEL family: selinux: true for k3s; off again: removed", () => {
    host("rocky", "5.14.0-427.13.1.el9_4.x86_64");
    sb.fake("getenforce", 'echo "${SELINUX:-Enforcing}"');
    expect(run(render()).stdout).toContain("SELinux enforcing");
    expect(read(DROPIN)).toBe("# Managed by k3s-stacks: SELinux is on on this host.\nselinux: true\n");
    expect(run(render(), { SELINUX: "Disabled" }).status).toBe(0);
    expect(exists(DROPIN)).toBe(false);
  });

  // Config steps of all nodes run at once: a restart there would restart every such node together.
  test("a running k3s is not restarted for the drop-in; its started-configuration record stays, so its restart step restarts it", () => {
    host("rocky", "5.14.0-427.13.1.el9_4.x86_64");
    sb.fake("getenforce", 'echo "${SELINUX:-Enforcing}"');
    expect(run(render()).status).toBe(0);
    const record = "var/lib/rancher/k3s-stacks/rollout/started-config";
    const started = read(record);
    sb.calls();
    // k3s runs from here on.
    sb.fake("systemctl", `${LOG_CALL}\ncase "$1" in is-enabled|list-unit-files) exit 1 ;; esac`);
    const r = run(render(), { SELINUX: "Disabled" });
    expect(r.status).toBe(0);
    expect(exists(DROPIN)).toBe(false);
    expect(sb.calls().filter((c) => /^systemctl (re)?start k3s/.test(c))).toEqual([]);
    expect(read(record)).toBe(started);
    expect(r.stdout).toContain(`k3s-stacks: host preparation changed a file k3s reads on n1 (${sb.dir}/etc/rancher/k3s/config.yaml.d/50-k3s-stacks-selinux.yaml: SELinux was turned on or off on this host); k3s is not restarted here, so that nodes restart one at a time.`);
    expect(r.stdout).toContain("Fix, to apply it now: run 'systemctl restart k3s' on n1, one node at a time, each once its Node is Ready again.");
    expect(r.stdout).not.toContain("configuration of n1 changed");
    // Nothing changed since: nothing said, nothing restarted.
    const again = run(render(), { SELINUX: "Disabled" });
    expect(again.stdout).not.toContain("host preparation changed");
    expect(sb.calls().filter((c) => c.startsWith("systemctl re"))).toEqual([]);
  });

  test("enforcing where k3s has no policy package (Debian family) fails before any change", () => {
    host("debian");
    sb.fake("getenforce", "echo Enforcing");
    const r = run(render());
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("k3s's SELinux policy (k3s-selinux) exists only as RPMs for the RHEL and SUSE families. Fix: 'setenforce 0'");
    expect(exists("etc/modules-load.d")).toBe(false);
  });
});

describe("NetworkManager", () => {
  test("leaves cni0 and flannel* alone (reloaded once) and nm-cloud-setup disabled", () => {
    host("rocky", "5.14.0-427.13.1.el9_4.x86_64");
    fs.mkdirSync(path.join(sb.dir, "etc/NetworkManager/conf.d"), { recursive: true });
    sb.fake("nmcli", LOG_CALL);
    const r = run(render(), { NM_CLOUD_SETUP: "1" });
    expect(r.status).toBe(0);
    expect(read("etc/NetworkManager/conf.d/k3s-stacks.conf")).toContain("[keyfile]\nunmanaged-devices=interface-name:cni0;interface-name:flannel*\n");
    const calls = sb.calls();
    expect(calls).toContain("nmcli general reload");
    expect(calls).toContain("systemctl disable --now nm-cloud-setup.service");
    expect(calls).toContain("systemctl disable --now nm-cloud-setup.timer");
    run(render());
    expect(sb.calls().filter((c) => c.startsWith("nmcli") || c.includes("disable"))).toEqual([]);
  });
});
