import { indent } from "../../remote/shell";
import { renderRebootOrAsk } from "./reboot";
import { renderPackageInstall } from "./packages";
import { FlannelBackend } from "./network";

/**
 * Kernel modules of kube-proxy's modes other than iptables: ipvs needs IPVS with the schedulers it
 * may use and conntrack (Kubernetes docs "IPVS-Based In-Cluster Load Balancing", pkg/proxy/ipvs:
 * ip_vs, ip_vs_rr, ip_vs_wrr, ip_vs_sh, nf_conntrack; without them kube-proxy refuses the mode),
 * nftables needs nf_tables.
 */
const PROXY_MODULES: Record<string, string[]> = {
  ipvs: ["ip_vs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_sh", "nf_conntrack"],
  nftables: ["nf_tables"],
};

/**
 * Kernel modules k3s needs: br_netfilter and overlay always (containerd's overlayfs snapshotter,
 * bridged traffic through iptables), plus the flannel backend's: vxlan for `vxlan` (the default),
 * wireguard for `wireguard-native`; host-gw and none need none (k3s-io/docs networking, flannel
 * backends); plus kube-proxy's for its `proxyMode` (iptables, the default, needs none of its own).
 */
export function kernelModules(backend: FlannelBackend, proxyMode?: string): string[] {
  const extra = backend === "vxlan" ? ["vxlan"] : backend === "wireguard-native" ? ["wireguard"] : [];
  return ["br_netfilter", "overlay", ...extra, ...(PROXY_MODULES[proxyMode ?? ""] ?? [])];
}

/**
 * Kernel config symbols of the modules above: a kernel built with them `=y` has them built in even
 * where it ships no modules.builtin and no /proc/modules (custom and VM kernels); Linux Kconfig
 * (net/bridge, fs/overlayfs, drivers/net).
 */
const KERNEL_CONFIG: Record<string, string> = {
  br_netfilter: "CONFIG_BRIDGE_NETFILTER",
  overlay: "CONFIG_OVERLAY_FS",
  vxlan: "CONFIG_VXLAN",
  wireguard: "CONFIG_WIREGUARD",
  ip_vs: "CONFIG_IP_VS",
  ip_vs_rr: "CONFIG_IP_VS_RR",
  ip_vs_wrr: "CONFIG_IP_VS_WRR",
  ip_vs_sh: "CONFIG_IP_VS_SH",
  nf_conntrack: "CONFIG_NF_CONNTRACK",
  nf_tables: "CONFIG_NF_TABLES",
};

/**
 * Shell: which of `modules` the running kernel lacks (not loaded, not built in by modules.builtin or
 * the kernel config in /proc/config.gz or /boot/config-<release>, modprobe fails), in
 * $missing_modules; the package that carries them for this family and kernel in $module_package (empty
 * when no package helps); and `install_command`/`install_package` (renderPackageInstall). Needs the facts
 * (family, os_id, kernel, transactional, tx_tool). Package names: Ubuntu's Raspberry Pi kernels split vxlan into
 * linux-modules-extra-raspi (k3s docs, Ubuntu 21.10–23.10; k3s-ansible installs it); other Ubuntu
 * kernels ship the same split as linux-modules-extra-<release>; RHEL 10 needs kernel-modules-extra
 * (k3s docs), named per running kernel so the modules match it (Oracle Linux's default UEK kernels,
 * release *uek*, split theirs into kernel-uek-modules-extra); on SUSE all four are supported modules
 * of the full kernel-<flavor> package: only a minimal kernel-<flavor>-base (its base subset, without
 * br_netfilter: openSUSE/kernel-source supported.conf `+base` marks) lacks them, and
 * kernel-<flavor>-extra holds unsupported modules only (SLE Workstation Extension and SLED; SLE
 * Micro's own images install kernel-default, SUSE/manager-build-profiles SLE-Micro.kiwi); Debian and
 * Raspberry Pi OS build them into linux-image-<release>. On Arch a module of the running kernel is
 * only missing after pacman replaced that kernel: a reboot fixes it. On image-based systems
 * /usr is read-only and no zypper or dnf can install: renderPackageInstall uses transactional-update
 * (SUSE) or rpm-ostree, into the next snapshot or deployment.
 */
export function renderModuleCheck(modules: string[]): string {
  const symbols = modules.filter((m) => KERNEL_CONFIG[m]).map((m) => `${m}) echo ${KERNEL_CONFIG[m]} ;;`).join(" ");
  return `kernel_config() { if [ -r /proc/config.gz ]; then gzip -dc /proc/config.gz 2>/dev/null; else cat "/boot/config-$kernel" 2>/dev/null; fi; }
module_symbol() { case "$1" in ${symbols} *) ;; esac; }
# grep reads the kernel config to its end: with -q it stops at the match, and pipefail fails the test on gzip's SIGPIPE.
module_present() {
  grep -q "^$1 " /proc/modules 2>/dev/null ||
    grep -q "/$1\\.ko" "/lib/modules/$kernel/modules.builtin" 2>/dev/null ||
    { sym=$(module_symbol "$1"); [ -n "$sym" ] && kernel_config | grep -x "$sym=y" >/dev/null; } ||
    modprobe -q "$1" 2>/dev/null
}
missing_modules=""
for m in ${modules.join(" ")}; do
  module_present "$m" || missing_modules="\${missing_modules:+$missing_modules }$m"
done
module_package=""
case "$family:$os_id:$kernel" in
  debian:ubuntu:*-raspi) module_package=linux-modules-extra-raspi ;;
  debian:ubuntu:*) module_package="linux-modules-extra-$kernel" ;;
  debian:*) module_package="linux-image-$kernel" ;;
  rhel:*:*uek*) module_package="kernel-uek-modules-extra-$kernel" ;;
  rhel:*) module_package="kernel-modules-extra-$kernel" ;;
  suse:*) module_package="kernel-\${kernel##*-}" ;;
esac
${renderPackageInstall()}`;
}

/**
 * Shell run after the facts and before any change: with missing modules, install their package when
 * allowed, else fail naming it (or the reboot, on Arch). Nothing else has changed on the node then.
 * A running kernel whose /lib/modules/<release> is gone while another release's is there was replaced
 * in place by a kernel update (Raspberry Pi OS up to 11 ships all kernels as one raspberrypi-kernel
 * package, one release's modules per version, uname -r like 6.1.21-v8+; Arch's linux likewise): no
 * package of the running release exists to install (linux-image-6.1.21-v8+ is no package), so on every
 * family the fix named is the reboot into the installed kernel. A host without any /lib/modules (a
 * container, a kernel with everything built in) is not such a case. k3s's reference is silent here.
 * On an image-based system the package lands in a new snapshot or deployment that only the next
 * boot runs (transactional-update(8), rpm-ostree(1); install.sh likewise skips starting k3s after
 * installing k3s-selinux there): the node reboots when `allowReboot` and k3s does not run on it,
 * else the run fails asking for the reboot. An ostree system without rpm-ostree cannot install at
 * all: it fails naming the package to build into its image.
 */
export function renderModuleFix(installPackages: boolean, allowReboot: boolean): string {
  return `install_packages=${installPackages ? 1 : 0}
module_reboot=${allowReboot ? 1 : 0}
if [ -n "$missing_modules" ]; then
  replaced_by=""
  if [ ! -d "/lib/modules/$kernel" ]; then
    for d in /lib/modules/*/; do if [ -d "$d" ]; then replaced_by="\${replaced_by:+$replaced_by, }$(basename "$d")"; fi; done
  fi
  if [ -n "$replaced_by" ]; then
    echo "k3s-stacks: $node lacks kernel modules $missing_modules: its running kernel $kernel has no /lib/modules/$kernel any more, only $replaced_by: a kernel update replaced the running kernel's modules in place, so no package brings them back. Fix: reboot $node into the installed kernel ('systemctl reboot'), then run pulumi up again." >&2
    exit 1
  fi
  install_hint="install the package $module_package on $node"
  if [ "$transactional" = 1 ]; then install_hint="run '$(install_command "$module_package")' on $node and reboot it ('systemctl reboot')"; fi
  if [ "$family" = arch ]; then
    echo "k3s-stacks: $node lacks kernel modules $missing_modules for its running kernel $kernel: pacman replaced that kernel and its modules. Fix: reboot $node into the installed kernel, then run pulumi up again." >&2
    exit 1
  fi
  if [ -z "$module_package" ]; then
    echo "k3s-stacks: $node lacks kernel modules $missing_modules (kernel $kernel). Fix: install the package of your distribution that carries them, then run pulumi up again." >&2
    exit 1
  fi
  if [ "$transactional" = 1 ] && [ -z "$tx_tool" ]; then
    echo "k3s-stacks: $node lacks kernel modules $missing_modules (kernel $kernel), which k3s needs; it boots an ostree image (/run/ostree-booted) whose /usr is read-only, and has no rpm-ostree to add a package to it. Fix: build $module_package into $node's image, boot it, then run pulumi up again." >&2
    exit 1
  fi
  if [ "$install_packages" != 1 ]; then
    echo "k3s-stacks: $node lacks kernel modules $missing_modules (kernel $kernel), which k3s needs. Fix: $install_hint (or set installPackages: true for this host), then run pulumi up again." >&2
    exit 1
  fi
  echo "k3s-stacks: $node: installing $module_package for kernel modules $missing_modules"
  install_package "$module_package" || { echo "k3s-stacks: $node: installing $module_package failed. Fix: install it by hand, then run pulumi up again." >&2; exit 1; }
  if [ "$transactional" = 1 ]; then
${indent(renderRebootOrAsk("module_reboot", {
    now: "$node: $module_package is in a new $tx_image; $node reboots now to run it. Fix: run pulumi up again once it is back.",
    ask: "$node: $module_package is in a new $tx_image, which runs from the next boot. Fix: reboot $node ('systemctl reboot', or set allowReboot: true for this host), then run pulumi up again.",
    running: "$node: $module_package is in a new $tx_image, which runs from the next boot; k3s runs on $node, so it is not rebooted from here (host preparation runs on every node at once). Fix: drain and reboot $node, one node at a time, then run pulumi up again.",
  }), 4)}
    exit 1
  fi
  for m in $missing_modules; do
    modprobe "$m" || { echo "k3s-stacks: $node: kernel module $m is still missing after installing $module_package. Fix: check 'modinfo $m' and that $module_package matches the running kernel $kernel (reboot after a kernel update)." >&2; exit 1; }
  done
fi`;
}

/**
 * Shell run with the checks, before any change: kube-proxy's nftables mode needs Linux 5.13 or later
 * (Kubernetes docs "Virtual IPs and Service Proxies", nftables proxy mode), which RHEL 8 (4.18) and
 * Ubuntu 20.04 (5.4) do not run; kube-proxy then fails and Services are not routed.
 */
export function renderNftablesKernelCheck(): string {
  return `kernel_major=\${kernel%%.*}; kernel_rest=\${kernel#*.}; kernel_minor=\${kernel_rest%%[!0-9]*}
if [ "\${kernel_major:-0}" -lt 5 ] || { [ "$kernel_major" -eq 5 ] && [ "\${kernel_minor:-0}" -lt 13 ]; }; then
  echo "k3s-stacks: $node runs kernel $kernel, but kube-proxy's nftables mode (kube-proxy-arg proxy-mode=nftables) needs Linux 5.13 or later, so Services would not be routed. Fix: use proxy-mode=iptables (the default) or ipvs, or boot a kernel from 5.13 on (RHEL 9, Debian 12, Ubuntu 22.04), then run pulumi up again." >&2
  exit 1
fi`;
}
