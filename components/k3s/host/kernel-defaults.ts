import { ConfigValue } from "../types";
import { argEntries, lastArgValue } from "../../rules/component-args";
import { PREP_RECORD_DIR } from "./host-state";
import { SYSCTL_FILE } from "./sysctls";

/**
 * The kernel settings a kubelet run with --protect-kernel-defaults requires as they are: it compares
 * each running value with these (exact equality) and exits at start naming the first that differs
 * ("invalid kernel flag: ..., expected value: ..., actual value: ..."), so k3s waits for it and the
 * node never becomes Ready. Kubernetes pkg/kubelet/cm/container_manager_linux.go setupKernelTunables
 * with the values of component-helpers/node/util/sysctl (RootMaxBytesSetting = 25 × RootMaxKeysSetting);
 * the k3s CIS hardening guide has these lines in /etc/sysctl.d/90-kubelet.conf. The two keyring
 * limits are checked by every kubelet since 1.14; older ones ignore them.
 */
export const KUBELET_KERNEL_DEFAULTS: Record<string, number> = {
  "vm.panic_on_oom": 0,
  "vm.overcommit_memory": 1,
  "kernel.panic": 10,
  "kernel.panic_on_oops": 1,
  "kernel.keys.root_maxkeys": 1000000,
  "kernel.keys.root_maxbytes": 25000000,
};

/** Go's strconv.ParseBool spellings, which pflag accepts for a boolean kubelet flag. */
const TRUE = /^(1|t|T|true|TRUE|True)$/;

/**
 * Whether the kubelet of a node with this k3s config (the node's merged config.yaml keys) runs with
 * protect-kernel-defaults: k3s passes --protect-kernel-defaults=true to the kubelet when its own flag
 * is set (k3s pkg/daemons/agent, kubelet args), and a kubelet-arg entry of the same name replaces it,
 * the last one winning (k3s pkg/util/args.go GetArgs).
 */
export function kubeletProtectsKernelDefaults(config: Record<string, ConfigValue>): boolean {
  const arg = lastArgValue(argEntries(config, "kubelet-arg"), "protect-kernel-defaults");
  if (arg !== undefined) return TRUE.test(arg);
  const flag = config["protect-kernel-defaults"];
  return flag === true || (typeof flag === "string" && TRUE.test(flag));
}

/**
 * Shell, right after the record before the first preparation (host/undo.ts renderPrepRecord): the
 * running values of the kubelet's kernel settings join that record once, so that the undo on removal
 * puts them back. A separate marker, because the record itself may be older than the node's
 * protect-kernel-defaults; the first values kept are those the host had before k3s-stacks set them.
 */
export function renderKernelDefaultsRecord(): string {
  return `record=${PREP_RECORD_DIR}
if [ ! -f "$record/kernel-defaults" ]; then
  for k in ${Object.keys(KUBELET_KERNEL_DEFAULTS).join(" ")}; do
    v=$(sysctl -n "$k" 2>/dev/null) && echo "$k=$v" >> "$record/sysctl"
  done
  touch "$record/kernel-defaults"
fi`;
}

/**
 * Shell, after the sysctl files are applied (host/sysctls.ts, which writes KUBELET_KERNEL_DEFAULTS on
 * such a node): exits 1 when a running value still differs, naming the sysctl files that set it. A
 * file applied after ${SYSCTL_FILE} (a later name in /etc/sysctl.d, or /etc/sysctl.conf, which
 * sysctl --system reads last) wins over it, so the kubelet would refuse to start. Applies the files
 * once more first: on a host prepared before, changed=0 and nothing applied them in this run.
 */
export function renderKernelDefaultsCheck(node: string): string {
  const pairs = Object.entries(KUBELET_KERNEL_DEFAULTS).map(([k, v]) => `${k} ${v}`).join(" ");
  return `kernel_defaults_differ() {
  set -- ${pairs}
  while [ $# -gt 0 ]; do
    v=$(sysctl -n "$1" 2>/dev/null || true)
    if [ "$v" != "$2" ]; then echo "$1 $2 \${v:-unreadable}"; fi
    shift 2
  done
}
kernel_differ=$(kernel_defaults_differ)
if [ -n "$kernel_differ" ]; then
  sysctl --system >/dev/null 2>&1 || true
  kernel_differ=$(kernel_defaults_differ)
fi
if [ -n "$kernel_differ" ]; then
  kernel_msg=""
  while read -r k want have; do
    setters=$(grep -lE "^[[:space:]]*-?\${k}[[:space:]]*=" /etc/sysctl.conf /etc/sysctl.d/*.conf /run/sysctl.d/*.conf /usr/local/lib/sysctl.d/*.conf /usr/lib/sysctl.d/*.conf /lib/sysctl.d/*.conf 2>/dev/null | grep -vxF ${SYSCTL_FILE} | tr '\\n' ' ' || true)
    kernel_msg="$kernel_msg $k is $have, not $want (set by: \${setters:-no sysctl file; something at run time sets it});"
  done <<<"$kernel_differ"
  echo "k3s-stacks: ${node}: its kubelet runs with protect-kernel-defaults and exits at start unless the kernel settings hold exactly (Kubernetes setupKernelTunables; k3s CIS hardening guide), and after applying ${SYSCTL_FILE} they do not:$kernel_msg Fix: set these values in the files named (or remove the lines there), or drop protect-kernel-defaults from cluster.serverConfig / cluster.agentConfig, then run pulumi up again." >&2
  exit 1
fi`;
}
