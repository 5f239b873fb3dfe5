/**
 * Bash that sets `$nodes` to one line per Node, "NAME v=KUBELET_VERSION cp=CONTROL_PLANE_LABEL m=MACHINE_ID IP...":
 * its kubelet version, the value of its node-role.kubernetes.io/control-plane label (k3s sets "true"
 * on servers; empty on agents), the machine ID its kubelet read from /etc/machine-id and its InternalIP
 * addresses (two on a dual-stack node). The prefixes keep every field present, so
 * `read -r name version cp machine ips` splits a line on spaces.
 *
 * A membership reads it once its node is Ready, for every check it makes: each `k3s kubectl` is a
 * process start and an API request on the first server, shared by every joining node's membership,
 * and a bring-up of many agents ran five of them per membership (bench/e2e-bringup.ts).
 * Empty when the API does not answer; the checks then judge nothing.
 */
export const READ_NODE_TABLE = `nodes=$(k3s kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name}{" v="}{.status.nodeInfo.kubeletVersion}{" cp="}{.metadata.labels.node-role\\.kubernetes\\.io/control-plane}{" m="}{.status.nodeInfo.machineID}{" "}{.status.addresses[?(@.type=="InternalIP")].address}{"\\n"}{end}' 2>/dev/null || true)`;
