import { shq } from "../remote/shell";
import { CONFIG_FILE } from "./node-config";
import { K3S_ACTIVE } from "./host/k3s-unit";

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
  running_name=$(sed -n -E "s/^node-name:[[:space:]]*['\\"]?([^'\\"]*)['\\"]?[[:space:]]*$/\\1/p" "$k3s_config" | head -n 1)
  if [ -n "$running_name" ] && [ "$running_name" != ${shq(node)} ]; then
    echo "k3s-stacks: this machine ($(hostname)) runs k3s as node '$running_name', not as '${node}'. Installing '${node}' here would take over '$running_name', whose removal would then uninstall k3s from this machine. Fix: give '${node}' the address of its own machine; to rename '$running_name', remove it in one pulumi up and add '${node}' in the next." >&2
    exit 1
  fi
fi`;
}
