/**
 * Bash that sets `$nodes` to one line per Node, "NAME v=KUBELET_VERSION cp=CONTROL_PLANE_LABEL m=MACHINE_ID IP...":
 * its kubelet version, the value of its node-role.kubernetes.io/control-plane label (k3s sets "true"
 * on servers; empty on agents), the machine ID its kubelet read from /etc/machine-id and its InternalIP
 * addresses (two on a dual-stack node). The prefixes keep every field present, so `read -r` splits a
 * line on spaces (readNodeRow).
 *
 * A membership reads it once its node is Ready, for every check it makes: each `k3s kubectl` is a
 * process start and an API request on the first server, shared by every joining node's membership,
 * and a bring-up of many agents ran five of them per membership (bench/e2e-bringup.ts).
 * Empty when the API does not answer; the checks then judge nothing.
 */
export const READ_NODE_TABLE = `nodes=$(k3s kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name}{" v="}{.status.nodeInfo.kubeletVersion}{" cp="}{.metadata.labels.node-role\\.kubernetes\\.io/control-plane}{" m="}{.status.nodeInfo.machineID}{" "}{.status.addresses[?(@.type=="InternalIP")].address}{"\\n"}{end}' 2>/dev/null || true)`;

/** The fields of a `$nodes` line, in order (READ_NODE_TABLE); the last takes the rest (one or two IPs). */
const NODE_ROW_FIELDS = ["name", "version", "cp", "machine", "ips"] as const;

/**
 * `read -r` of one `$nodes` line into the shell variables named for the fields a check wants, `_` for
 * the others: the one place that knows the fields' order, so a new field changes no check.
 */
export function readNodeRow(vars: Partial<Record<(typeof NODE_ROW_FIELDS)[number], string>>): string {
  return `read -r ${NODE_ROW_FIELDS.map((f) => vars[f] ?? "_").join(" ")}`;
}
