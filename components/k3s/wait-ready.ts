import { shq } from "../remote/shell";

/** `k3s kubectl get node` columns: NAME STATUS ROLES AGE VERSION. */
const NODE_STATUS = `node_field() { k3s kubectl get node "$1" --no-headers 2>/dev/null | awk -v f="$2" '{ print $f }'; }`;

/**
 * Waits until `node` is Ready (and on `version`, when given); fails naming the node and what it saw.
 * Polls every 2 s, so a node is seen Ready soon after it is (an agent's install does not wait for it).
 */
export function waitReady(node: string, timeoutSeconds: number, version?: string): string {
  const versionCheck = version ? ` && [ "$(node_field ${shq(node)} 5)" = ${shq(version)} ]` : "";
  return `${NODE_STATUS}
ready=0
for _ in $(seq 1 ${Math.ceil(timeoutSeconds / 2)}); do
  case "$(node_field ${shq(node)} 2)" in Ready*) if true${versionCheck}; then ready=1; break; fi ;; esac
  sleep 2
done
if [ "$ready" != 1 ]; then
  # No Node at all: its k3s never registered it (it did not start, or cannot reach the servers), which
  # blank status and version fields would not say.
  status=$(node_field ${shq(node)} 2 || true)
  seen="no Node named ${node} is registered: its k3s did not start or did not reach a server"
  [ -z "$status" ] || seen="status: $status, version: $(node_field ${shq(node)} 5 || true)"
  echo "k3s-stacks: node ${node} is not Ready${version ? ` on ${version}` : ""} after ${timeoutSeconds}s ($seen). Fix: check 'journalctl -u k3s' / 'journalctl -u k3s-agent' on ${node}, then run pulumi up again." >&2
  exit 1
fi`;
}
