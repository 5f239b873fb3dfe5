import { writeOutputSnippet } from "../../remote/shell";

/** The sysctl.d file host preparation owns. */
export const SYSCTL_FILE = "/etc/sysctl.d/90-k3s.conf";

/** Kernel settings k3s and flannel need, whatever the host had: routing between pods, bridged traffic through iptables. */
export const K3S_SYSCTLS: Record<string, number> = {
  "net.ipv4.ip_forward": 1,
  "net.bridge.bridge-nf-call-iptables": 1,
  "net.bridge.bridge-nf-call-ip6tables": 1,
};

/**
 * Lower bounds for the inotify limits. Every containerd shim, the kubelet and each `kubectl logs -f`
 * hold inotify instances, and the kernel allows 128 per user by default: on a node with a few dozen
 * pods new containers and log streams fail with "too many open files" (k3s-io/k3s#10020, #10325 on
 * AlmaLinux 9; k0sproject/k0s#8113 on a single node). 8192 instances as kops sets
 * (kubernetes/kops#2913); 524288 watches as kind's known issues advise. Raised, never lowered:
 * a host (or a kernel sizing watches by its memory) may already allow more.
 */
export const INOTIFY_FLOORS: Record<string, number> = {
  "fs.inotify.max_user_instances": 8192,
  "fs.inotify.max_user_watches": 524288,
};

/**
 * Shell that writes SYSCTL_FILE — K3S_SYSCTLS as they are, each of INOTIFY_FLOORS as the larger of
 * its floor and the running value — and applies the sysctl files when changed=1 (this file, or one
 * written before it in the same run). Stable across runs: once applied,
 * the running value is the one written. Sets changed=1 when the file changed. `required` are further
 * settings written as they are (the kubelet's with protect-kernel-defaults, host/kernel-defaults.ts);
 * without them the file and the script are those of every other node.
 */
export function renderSysctls(required: Record<string, number> = {}): string {
  const fixed = Object.entries({ ...K3S_SYSCTLS, ...required }).map(([k, v]) => `${k} = ${v}`);
  const floors = Object.entries(INOTIFY_FLOORS).map(([k, v]) => `${k} ${v}`).join(" ");
  return `k3s_sysctls() {
  printf '%s\\n' ${fixed.map((l) => `'${l}'`).join(" ")}
  set -- ${floors}
  while [ $# -gt 0 ]; do
    v=$(sysctl -n "$1" 2>/dev/null || true)
    case "$v" in ''|*[!0-9]*) v=0 ;; esac
    if [ "$v" -lt "$2" ]; then v=$2; fi
    echo "$1 = $v"
    shift 2
  done
}
${writeOutputSnippet(SYSCTL_FILE, "k3s_sysctls", "0644")}
if [ "$changed" = 1 ]; then sysctl --system >/dev/null 2>&1 || true; fi`;
}

/** Every sysctl host preparation may set, for the record of the host before it (host/undo.ts). */
export const PREP_SYSCTLS = [...Object.keys(K3S_SYSCTLS), ...Object.keys(INOTIFY_FLOORS)];
