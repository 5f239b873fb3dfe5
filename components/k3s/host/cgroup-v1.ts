import { renderMergedArgValue } from "./config-args";
import { indent } from "../../remote/shell";
import { ConfigValue } from "../types";
import { argEntries, lastArgValue } from "../../rules/component-args";

/**
 * From Kubernetes 1.35 the kubelet's `failCgroupV1` defaults to true: it exits at startup on a host
 * booted with cgroup v1 (or the hybrid hierarchy) with "kubelet is configured to not run on a host
 * using cgroup v1" (KEP-5573, kubernetes/kubernetes#134298; kubernetes.io/docs/concepts/architecture/cgroups).
 * k3s passes the default on: its 1.35 and 1.36 releases stop there too. The opt-out is the kubelet
 * flag `--fail-cgroupv1=false` (a kubelet-arg entry) or `failCgroupV1: false` in a kubelet config drop-in.
 */
const FIRST_MINOR = 35;

/** The kubelet config drop-in directory k3s passes as `--config-dir` (files ending in `.conf`). */
export const KUBELET_CONF_DIR = "/var/lib/rancher/k3s/agent/etc/kubelet.conf.d";

/** Go's strconv.ParseBool spellings of false, which pflag accepts for a boolean flag. */
const FALSE = /^(0|f|F|false|FALSE|False)$/;

/** Whether the kubelet of k3s `version` (a release tag) refuses cgroup v1 by default. */
export function kubeletRefusesCgroupV1ByDefault(version: string): boolean {
  const m = /^v(\d+)\.(\d+)\./.exec(version);
  return m !== null && (Number(m[1]) > 1 || Number(m[2]) >= FIRST_MINOR);
}

/**
 * Whether a node with this k3s config (config.yaml's keys) runs a kubelet that refuses cgroup v1:
 * `version` refuses it by default and no `kubelet-arg` / `kubelet-arg+` entry sets `fail-cgroupv1`
 * false. The last entry decides, as the kubelet keeps the last value of a repeated flag.
 */
export function kubeletRefusesCgroupV1(version: string, config: Record<string, ConfigValue>): boolean {
  if (!kubeletRefusesCgroupV1ByDefault(version)) return false;
  const value = lastArgValue(argEntries(config, "kubelet-arg"), "fail-cgroupv1");
  return value === undefined || !FALSE.test(value);
}

/**
 * Bash: sets cgroup_opt_out=1 when the node's kubelet is told to run on cgroup v1: by the last
 * `fail-cgroupv1` entry of kubelet-arg as k3s merges config.yaml and its drop-ins (host/config-args.ts),
 * else by the last kubelet config drop-in that sets `failCgroupV1` (the kubelet reads them in
 * alphanumeric order of their names; a flag overrides them, kubernetes.io/docs/tasks/administer-cluster/kubelet-config-file).
 * The kubelet parses the flag with Go's strconv.ParseBool; a drop-in is YAML or JSON.
 */
function renderOptOut(): string {
  return `${renderMergedArgValue("kubelet_fail_cgroupv1", "kubelet-arg", "fail-cgroupv1")}
cgroup_opt_out=0
if [ -n "$kubelet_fail_cgroupv1" ]; then
  case "$kubelet_fail_cgroupv1" in 0|f|F|false|FALSE|False) cgroup_opt_out=1 ;; esac
else
  while IFS= read -r cgroup_conf; do
    [ -f "$cgroup_conf" ] || continue
    cgroup_conf_value=$(grep -Eo '(^|[{,])[[:space:]]*"?failCgroupV1"?[[:space:]]*:[[:space:]]*[A-Za-z0-9]+' "$cgroup_conf" | tail -n 1 | sed 's/.*:[[:space:]]*//' || true)
    case "$cgroup_conf_value" in "") ;; false|False|FALSE) cgroup_opt_out=1 ;; *) cgroup_opt_out=0 ;; esac
  done < <(printf '%s\\n' ${KUBELET_CONF_DIR}/*.conf | LC_ALL=C sort)
fi`;
}

/**
 * Bash: exits 1 on a host booted with cgroup v1 (or hybrid: /sys/fs/cgroup is not cgroup2fs, the test
 * the kubelet makes), unless the node's own k3s config (config.yaml and its drop-ins, as written before
 * this runs) or a kubelet config drop-in opts out (renderOptOut). The fix names what boots the host
 * with cgroup v2. Render it only where kubeletRefusesCgroupV1 holds for the version being installed. It
 * names no version, so the scripts it is part of change when a cluster crosses 1.35, not on every upgrade.
 */
export function renderCgroupV1Check(node: string): string {
  return `cgroup_fs=$(stat -fc %T /sys/fs/cgroup 2>/dev/null || echo unknown)
if [ "$cgroup_fs" != cgroup2fs ]; then
${indent(renderOptOut(), 2)}
fi
if [ "$cgroup_fs" != cgroup2fs ] && [ "$cgroup_opt_out" = 0 ]; then
  kernel_release=$(uname -r)
  if ! grep -qw cgroup2 /proc/filesystems 2>/dev/null; then
    cgroup_fix="its kernel ($kernel_release) has no cgroup v2; Kubernetes needs Linux 5.8 or newer for it. Boot a newer kernel or distribution release (Debian 11+, Ubuntu 21.10+, RHEL 9+, Amazon Linux 2023)"
  elif grep -qw 'systemd.unified_cgroup_hierarchy=0' /proc/cmdline; then
    cgroup_fix="remove systemd.unified_cgroup_hierarchy=0 from its kernel command line (Raspberry Pi: cmdline.txt in /boot/firmware or /boot; RHEL family: grubby --update-kernel=ALL --remove-args=systemd.unified_cgroup_hierarchy; GRUB: GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub or grub2-mkconfig -o /boot/grub2/grub.cfg) and reboot it"
  else
    cgroup_fix="add systemd.unified_cgroup_hierarchy=1 to its kernel command line (RHEL family: grubby --update-kernel=ALL --args=systemd.unified_cgroup_hierarchy=1; Raspberry Pi: the line in cmdline.txt in /boot/firmware or /boot; GRUB: GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub or grub2-mkconfig -o /boot/grub2/grub.cfg) and reboot it"
  fi
  echo "k3s-stacks: ${node} runs cgroup v1 (/sys/fs/cgroup is $cgroup_fs, not cgroup2fs), and the kubelet of k3s v1.35 and later refuses to start there: from Kubernetes 1.35 its failCgroupV1 defaults to true (KEP-5573). Fix: $cgroup_fix, then run pulumi up again. Or keep k3s-stacks:cluster.k3sVersion below v1.35, or keep deprecated cgroup v1 with the kubelet-arg entry fail-cgroupv1=false in cluster.serverConfig / cluster.agentConfig." >&2
  exit 1
fi`;
}
