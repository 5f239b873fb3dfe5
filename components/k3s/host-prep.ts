import { shq, writeFileSnippet } from "./shell";

/** The kernel arguments k3s needs for the memory cgroup on Raspberry Pi OS / Debian. */
export const CGROUP_ARGS = "cgroup_memory=1 cgroup_enable=memory";

/** What host preparation may do on a node. */
export interface HostPrep {
  node: string;
  /** Add the memory cgroup to the Raspberry Pi kernel command line when it is missing. */
  fixCgroups: boolean;
  /** Reboot the node after such a fix. */
  allowReboot: boolean;
}

/** Host preparation: memory cgroup, swap, kernel modules and sysctls (like k3s-ansible's prereq role). */
export function prepBody(opts: HostPrep): string {
  return `
node=${shq(opts.node)}
fix_cgroups=${opts.fixCgroups ? 1 : 0}
allow_reboot=${opts.allowReboot ? 1 : 0}
memory_cgroup_ok() {
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    grep -qw memory /sys/fs/cgroup/cgroup.controllers
  else
    awk '$1 == "memory" && $4 == 1 { found = 1 } END { exit !found }' /proc/cgroups
  fi
}
if ! memory_cgroup_ok; then
  cmdline=""
  for f in /boot/firmware/cmdline.txt /boot/cmdline.txt; do
    if [ -f "$f" ]; then cmdline="$f"; break; fi
  done
  if [ -z "$cmdline" ]; then
    echo "k3s-stacks: $node has no memory cgroup. Fix: add '${CGROUP_ARGS}' to the kernel command line (GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub) and reboot." >&2
    exit 1
  fi
  if [ "$fix_cgroups" != 1 ]; then
    echo "k3s-stacks: $node has no memory cgroup. Fix: append ' ${CGROUP_ARGS}' to the single line in $cmdline and reboot, or set fixCgroups: true (and allowReboot: true) for this host." >&2
    exit 1
  fi
  if ! grep -q 'cgroup_enable=memory' "$cmdline"; then
    cp -p "$cmdline" "$cmdline.k3s-stacks.bak"
    sed -i '1 s/$/ ${CGROUP_ARGS}/' "$cmdline"
    echo "k3s-stacks: $node: added '${CGROUP_ARGS}' to $cmdline (backup in $cmdline.k3s-stacks.bak)"
  fi
  if [ "$allow_reboot" = 1 ]; then
    echo "k3s-stacks: $node reboots now to enable the memory cgroup. Fix: run pulumi up again once it is back." >&2
    (sleep 2; systemctl reboot) >/dev/null 2>&1 &
  else
    echo "k3s-stacks: $node needs a reboot to enable the memory cgroup. Fix: reboot it (or set allowReboot: true for this host) and run pulumi up again." >&2
  fi
  exit 1
fi
# k3s does not need swap off, but the kubelet's memory accounting is only predictable without it.
if [ -n "$(swapon --noheadings 2>/dev/null || true)" ]; then
  swapoff -a
fi
if systemctl list-unit-files dphys-swapfile.service >/dev/null 2>&1; then
  systemctl disable --now dphys-swapfile.service >/dev/null 2>&1 || true
fi
if [ -f /etc/fstab ] && grep -Eq '^[^#].*[[:space:]]swap[[:space:]]' /etc/fstab; then
  sed -i -E 's/^([^#].*[[:space:]]swap[[:space:]].*)$/# k3s-stacks: \\1/' /etc/fstab
fi
changed=0
${writeFileSnippet("/etc/modules-load.d/k3s.conf", "br_netfilter\noverlay", "0644")}
${writeFileSnippet("/etc/sysctl.d/90-k3s.conf", "net.ipv4.ip_forward = 1\nnet.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1", "0644")}
for m in br_netfilter overlay; do
  # Built-in or already loaded modules are fine; k3s's unit runs modprobe again on start.
  modprobe "$m" 2>/dev/null || grep -qw "^$m" /proc/modules 2>/dev/null || echo "k3s-stacks: $node: could not load kernel module $m (k3s will retry)" >&2
done
if [ "$changed" = 1 ]; then sysctl --system >/dev/null 2>&1 || true; fi
echo "k3s-stacks: $node prepared"`.trim();
}
