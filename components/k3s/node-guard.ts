import { shq } from "../remote/shell";
import { CONFIG_FILE } from "./node-config";
import { K3S_ACTIVE } from "./host/k3s-unit";

/** Where k3s keeps the password it registers the node with (k3s pkg/agent/config, node password). */
export const NODE_PASSWORD_FILE = "/etc/rancher/node/password";

/** Bash setting $running_name to the node-name of $k3s_config (plain or quoted, as yaml.stringify writes it). */
const RUNNING_NAME = `running_name=$(sed -n -E "s/^node-name:[[:space:]]*['\\"]?([^'\\"]*)['\\"]?[[:space:]]*$/\\1/p" "$k3s_config" | head -n 1)`;

/**
 * Bash that stops a node's steps on a machine already running k3s under another node name: the
 * `node-name` of the config.yaml k3s started with (k3s-stacks always writes one) differs from `node`
 * while k3s or k3s-agent is active. A rename or an address moved between names in one update would
 * otherwise install this node over the other one, whose stored uninstall later removes k3s from the
 * machine. The stack-output check (day-two/addresses.ts) refuses this before anything runs; this guard
 * holds where the outputs cannot tell: a legacy backend, a stack without `nodeAddresses`, an address
 * that changed hands outside the inventory (DHCP). A config.yaml without node-name (k3s installed by
 * another tool, node name = host name) is not judged.
 */
export function renderNodeNameGuard(node: string): string {
  return `# A machine running k3s as another node is not this node's to take over.
k3s_config=${shq(CONFIG_FILE)}
if [ -f "$k3s_config" ] && ${K3S_ACTIVE}; then
  ${RUNNING_NAME}
  if [ -n "$running_name" ] && [ "$running_name" != ${shq(node)} ]; then
    echo "k3s-stacks: this machine ($(hostname)) runs k3s as node '$running_name', not as '${node}'. Installing '${node}' here would take over '$running_name', whose removal would then uninstall k3s from this machine. Fix: give '${node}' the address of its own machine; to rename '$running_name', remove it in one pulumi up and add '${node}' in the next." >&2
    exit 1
  fi
fi`;
}

/**
 * Bash for an install step that finds k3s missing on a node this stack installed: when the node
 * password k3s keeps (/etc/rancher/node/password) is gone too, the machine was most likely reinstalled
 * (or its removal uninstalled it before deleting its Node). The cluster still holds the old Node with
 * that machine's password, and for a server its etcd member, so k3s refuses the new one under this name
 * ("Node password rejected", k3s-io/k3s#6054, #802). The install goes on (the Node may be gone already);
 * this says why the wait for Ready may fail, and the fix: replace the node's leave step, which deletes
 * the Node first (docs/day-two.md).
 */
export function renderLostNodePasswordNote(node: string): string {
  return `if [ ! -f ${shq(NODE_PASSWORD_FILE)} ]; then
  echo "k3s-stacks: k3s and its node password (${NODE_PASSWORD_FILE}) are missing on ${node}, which this stack installed. If the machine was reinstalled, the cluster still holds the old machine's Node, its node password and, for a server, its etcd member, and refuses this one ('Node password rejected', k3s-io/k3s#6054). Fix: pulumi up --replace with the URN of its leave step (the one ending in -${node}-leave; see 'A machine reinstalled under the same name' in docs/day-two.md)." >&2
fi`;
}

/**
 * Bash that refuses to delete `node`'s Node from the machine that runs k3s as `node`: the steps that
 * delete Nodes run on the first server, and the first server is never removed from itself (the plan
 * refuses it: day-two/servers.ts). A leave step of the first server is dropped only when the stack
 * lost track of which server started the cluster (upgrade.checkPreviousOutputs turned off after a
 * lost first server's handover: the next server then counts as the one that started it and has no
 * leave step); its stored delete would take the cluster's control server out of the cluster. On
 * pulumi destroy the leave step runs after the uninstall, with k3s stopped, and is not held up.
 */
export function renderNotSelfGuard(node: string): string {
  return `# The first server never deletes its own Node.
k3s_config=${shq(CONFIG_FILE)}
if [ -f "$k3s_config" ] && ${K3S_ACTIVE}; then
  ${RUNNING_NAME}
  if [ "$running_name" = ${shq(node)} ]; then
    echo "k3s-stacks: refusing to delete the Node ${node} from ${node} itself: it runs k3s and the kubectl steps for the other nodes (the first server), and nothing removes the first server from itself. This stack no longer registers ${node}'s leave step, so it no longer knows which server started the cluster (the clusterInitServer output is read only with k3s-stacks:upgrade.checkPreviousOutputs: true). Fix: set k3s-stacks:upgrade.checkPreviousOutputs: true and run pulumi up again; nothing was deleted." >&2
    exit 1
  fi
fi`;
}
