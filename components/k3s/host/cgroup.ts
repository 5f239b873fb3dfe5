import { indent } from "../../remote/shell";
import { renderRebootOrAsk } from "./reboot";

/** The kernel arguments k3s needs for the memory cgroup on Raspberry Pi OS / Debian. */
export const CGROUP_ARGS = "cgroup_memory=1 cgroup_enable=memory";

/**
 * Shell: the memory cgroup check. When the controller is missing: a kernel that was already booted
 * with the arguments ignores them, so fail and say where to look (never reboot again: that loops);
 * otherwise, when allowed, add the arguments to the Raspberry Pi cmdline (with a backup) and reboot,
 * or say exactly what to add. Without a Pi cmdline the arguments mean nothing (they are the Pi
 * kernel's): name the family's boot loader command that drops cgroup_disable=memory, or the kernel
 * build option. Needs the facts (family, transactional, tx_tool, kernel). Exits 1 whenever k3s cannot run yet.
 */
export function renderCgroupCheck(fixCgroups: boolean, allowReboot: boolean): string {
  return `fix_cgroups=${fixCgroups ? 1 : 0}
allow_reboot=${allowReboot ? 1 : 0}
memory_cgroup_ok() {
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    grep -qw memory /sys/fs/cgroup/cgroup.controllers
  else
    awk '$1 == "memory" && $4 == 1 { found = 1 } END { exit !found }' /proc/cgroups
  fi
}
if ! memory_cgroup_ok; then
  if grep -qw 'cgroup_enable=memory' /proc/cmdline; then
    echo "k3s-stacks: $node has no memory cgroup although its running kernel was booted with cgroup_enable=memory (/proc/cmdline: $(cat /proc/cmdline)). This kernel ignores the argument, so a reboot would not help and none is done. Fix: look for a later cgroup_disable=memory in /proc/cmdline and whether memory is listed in /sys/fs/cgroup/cgroup.controllers (cgroup v2) or enabled in /proc/cgroups (v1); check that the kernel has CONFIG_MEMCG ('zgrep MEMCG /proc/config.gz' or /boot/config-$(uname -r)); on a Raspberry Pi, use a kernel that honours the argument (or one with the memory cgroup on by default). Then run pulumi up again." >&2
    exit 1
  fi
  cmdline=""
  for f in /boot/firmware/cmdline.txt /boot/cmdline.txt; do
    if [ -f "$f" ]; then cmdline="$f"; break; fi
  done
  if [ -z "$cmdline" ]; then
    # Not a Raspberry Pi kernel: cgroup_enable= is the Pi kernel's parameter; a mainline kernel has the
    # memory controller unless booted with cgroup_disable=memory (kernel-parameters.txt) or built without CONFIG_MEMCG.
    case "$family" in
      # ostree writes the boot entries of each deployment itself; rpm-ostree kargs changes them.
      rhel) boot_fix="$([ "$tx_tool" = rpm-ostree ] && echo 'rpm-ostree kargs --delete=cgroup_disable=memory' || echo 'grubby --update-kernel=ALL --remove-args=cgroup_disable=memory')" ;;
      suse) boot_fix="remove it from GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, then $([ "$transactional" = 1 ] && echo 'transactional-update grub.cfg' || echo 'grub2-mkconfig -o /boot/grub2/grub.cfg')" ;;
      arch) boot_fix="remove it from GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, then grub-mkconfig -o /boot/grub/grub.cfg (or from the options line of your boot loader entry)" ;;
      *) boot_fix="remove it from GRUB_CMDLINE_LINUX_DEFAULT and GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub" ;;
    esac
    if grep -qw 'cgroup_disable=memory' /proc/cmdline; then
      echo "k3s-stacks: $node has no memory cgroup: its kernel was booted with cgroup_disable=memory. Fix: $boot_fix, reboot $node, then run pulumi up again." >&2
    else
      echo "k3s-stacks: $node has no memory cgroup, and nothing on its kernel command line disables it: the kernel was built without CONFIG_MEMCG ('zgrep MEMCG /proc/config.gz' or /boot/config-$kernel). Fix: boot a kernel built with CONFIG_MEMCG=y (the distribution's stock kernel), then run pulumi up again." >&2
    fi
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
${indent(renderRebootOrAsk("allow_reboot", {
    now: "$node reboots now to enable the memory cgroup. Fix: run pulumi up again once it is back.",
    ask: "$node needs a reboot to enable the memory cgroup. Fix: reboot it (or set allowReboot: true for this host) and run pulumi up again.",
    running: "$node needs a reboot to enable the memory cgroup; k3s runs on it, so it is not rebooted from here (host preparation runs on every node at once). Fix: drain and reboot $node, one node at a time, then run pulumi up again.",
  }), 2)}
  exit 1
fi`;
}
