import { scriptFrame, shq } from "../remote/shell";
import { STATE_DIR } from "./node-config";
import { clearLeavingRecord, renderEtcdQuorumGuard } from "./etcd-quorum";
import { renderNotSelfGuard } from "./node-guard";

/**
 * Node removal in the k3s maintainers' order: drain (member step), stop and uninstall k3s on the node
 * (install step), then delete the Node (leave step), and for an embedded-etcd server make sure its
 * member left. k3s removes a server's etcd member from the Node's finalizer when the Node is deleted
 * (k3s-io/k3s#3973, the managed etcd controller); a forced delete skips finalizers and leaves the member
 * behind (k3s-io/k3s discussion #14894), so the Node is deleted without --force and the script waits
 * until it is really gone. The k3s reference (shared/reference) is silent on member removal.
 */

/** Annotation k3s puts on a Node that is an etcd member (its member name); k3s-io/k3s#12920. */
export const ETCD_NODE_NAME_ANNOTATION = "etcd.k3s.cattle.io/node-name";

/**
 * Shell function `node_state NAME`: prints "present" or "absent", retrying while the API does not answer
 * (a server restarting during a replacement) for up to a minute, then fails: "absent" must mean
 * NotFound, or no k3s left on the first server (destroy uninstalls it in parallel), never "could not ask".
 */
export const NODE_STATE_FN = `node_state() {
  local out
  for _ in $(seq 1 30); do
    # No k3s on the first server any more (destroy uninstalled it): no cluster, so no Node either.
    # hash -r: bash remembers where k3s was and would keep answering with the removed path.
    hash -r
    if ! command -v k3s >/dev/null 2>&1; then echo absent; return 0; fi
    if out=$(k3s kubectl get node "$1" -o name 2>&1); then echo present; return 0; fi
    case "$out" in *NotFound*) echo absent; return 0 ;; esac
    sleep 2
  done
  echo "k3s-stacks: the Kubernetes API did not answer about node $1 for 60s: $out. Fix: check k3s on the first server, then run pulumi up again." >&2
  return 1
}`;

/** Bounded wait until the Node is gone; prints the member line when it was an etcd member. */
function deleteNode(node: string, timeoutSeconds: number): string {
  const n = shq(node);
  return `${renderNotSelfGuard(node)}
${NODE_STATE_FN}
state=$(node_state ${n})
member=""
if [ "$state" = present ]; then
  member=$(k3s kubectl get node ${n} -o jsonpath='{.metadata.annotations.${ETCD_NODE_NAME_ANNOTATION.replace(/\./g, "\\.")}}' 2>/dev/null || true)
  # No --force: k3s removes the etcd member from the Node's finalizer, which a forced delete skips.
  # A failure here is judged by the wait below: on destroy the first server's own uninstall may stop
  # the API between the look-up and the delete, and with no k3s left there is no Node to wait for.
  k3s kubectl delete node ${n} --ignore-not-found --wait=true --timeout=${timeoutSeconds}s ||
    echo "k3s-stacks: deleting the Node ${node} did not finish; checking whether it is gone" >&2
fi
gone=0
for _ in $(seq 1 ${Math.ceil(timeoutSeconds / 2)}); do
  state=$(node_state ${n})
  if [ "$state" = absent ]; then gone=1; break; fi
  sleep 2
done
if [ "$gone" != 1 ]; then
  echo "k3s-stacks: the Node ${node} still exists ${timeoutSeconds}s after it was deleted (a finalizer has not finished; for a server that is k3s removing its etcd member). Fix: check 'k3s kubectl get node ${node} -o yaml' and the k3s log on the first server, then run pulumi up again." >&2
  exit 1
fi
if [ -n "$member" ]; then echo "k3s-stacks: etcd member $member of ${node} removed with its Node"; fi
${clearLeavingRecord(node)}
echo "k3s-stacks: Node ${node} deleted"`;
}

/**
 * The leave step, run on the first server when a node is removed or replaced, after k3s was
 * uninstalled from it: deletes the Node (and with it the etcd member of a server). Nothing on create.
 */
export function renderLeaveScript(opts: { node: string; timeoutSeconds: number }): string {
  return scriptFrame(`remove ${opts.node} from the cluster`, { delete: deleteNode(opts.node, opts.timeoutSeconds) });
}

/**
 * Removal of a host marked `gone: true`, run on the first server without any SSH to the host: drain
 * with a bound (its pods cannot terminate on a dead kubelet, so eviction is bypassed and the drain gives
 * up after `drainTimeout`), then delete the Node as in renderLeaveScript. Idempotent: re-runs are no-ops.
 */
export function renderGoneScript(opts: { node: string; drainTimeout: string; timeoutSeconds: number }): string {
  const n = shq(opts.node);
  return scriptFrame(`remove ${opts.node}, marked gone, from the cluster`, {
    "create|update": `${NODE_STATE_FN}
if [ "$(node_state ${n})" = present ]; then
  k3s kubectl drain ${n} --ignore-daemonsets --delete-emptydir-data --force --disable-eviction --grace-period=1 --timeout=${opts.drainTimeout} ||
    echo "k3s-stacks: pods on ${opts.node} did not terminate within ${opts.drainTimeout} (its kubelet is gone); deleting the Node lets them reschedule" >&2
fi
${deleteNode(opts.node, opts.timeoutSeconds)}`,
  });
}

/** The drain that runs first when a node is removed or replaced (member step's delete, on the first server). */
export function drainSnippet(node: string, drainTimeout: string): string {
  const n = shq(node);
  return `${NODE_STATE_FN}
if [ "$(node_state ${n})" = present ]; then
  k3s kubectl drain ${n} --ignore-daemonsets --delete-emptydir-data --force --timeout=${drainTimeout} ||
    echo "k3s-stacks: draining ${node} did not finish within ${drainTimeout}; going on so k3s is uninstalled before its Node is deleted" >&2
fi`;
}

/**
 * Uninstalls k3s on the node (either service's uninstall script, wherever install.sh put it) and drops
 * what k3s-stacks kept there. Safe to run again: what is gone already is skipped.
 */
export function uninstallSnippet(node: string): string {
  return `for u in /usr/local/bin/k3s-uninstall.sh /usr/local/bin/k3s-agent-uninstall.sh /opt/bin/k3s-uninstall.sh /opt/bin/k3s-agent-uninstall.sh; do
  if [ -x "$u" ]; then "$u"; fi
done
rm -rf ${STATE_DIR}
# k3s-uninstall.sh keeps the node password; the Node it belonged to is gone (deleted before, or with the cluster).
rm -rf /etc/rancher/node
rmdir /etc/rancher /var/lib/rancher 2>/dev/null || true
echo "k3s-stacks: k3s removed from ${node}"`;
}

/**
 * File on the first server that says a removal of `node` (a host deleted from the inventory) has
 * drained it and not yet deleted its Node: when the host comes back into the inventory before the
 * removal finished, its membership step uncordons it once it is Ready (renderMemberScript).
 */
export function removingMarker(node: string): string {
  return `${STATE_DIR}/removing/${node}`;
}

/**
 * A node put back into the inventory while an earlier `pulumi up` was removing it (drained, perhaps
 * uninstalled, not yet deleted; removingMarker): say so before the wait for Ready, whose failure then
 * reads in that light, and set $removing so the node is uncordoned once Ready.
 */
export function takeBack(node: string): string {
  return `removing=0
if [ -f ${shq(removingMarker(node))} ]; then
  removing=1
  echo "k3s-stacks: an earlier pulumi up began removing ${node} (drained it; its uninstall may have run). If it does not become Ready: delete its entry and run pulumi up to finish the removal, then add it back" >&2
fi
`;
}

/**
 * Removal of a host deleted from the inventory, in the maintainers' order, as three steps this run
 * runs (create or update) before the stack records its outputs, so that a failure fails the run and
 * leaves the host in the last outputs (components/day-two/removed.ts): drain on the first server,
 * uninstall on the host, delete the Node on the first server. Each is idempotent. `etcdLeaving`: for a
 * live etcd server, every etcd server this run removes; its drain first checks that the others keep
 * quorum, as etcd reports it (etcd-quorum.ts renderEtcdQuorumGuard). Undefined: no check (agents; forceServerRemoval).
 */
export function renderRemovalScripts(opts: { node: string; drainTimeout: string; timeoutSeconds: number; etcdLeaving?: string[] }): { drain: string; uninstall: string; leave: string } {
  const marker = shq(removingMarker(opts.node));
  const guard = opts.etcdLeaving ? `${renderEtcdQuorumGuard(opts.node, opts.etcdLeaving)}\n` : "";
  return {
    drain: scriptFrame(`drain ${opts.node}, removed from the inventory`, {
      "create|update": `${guard}install -d -m 0700 ${shq(`${STATE_DIR}/removing`)}
: > ${marker}
${drainSnippet(opts.node, opts.drainTimeout)}`,
    }),
    uninstall: scriptFrame(`uninstall k3s from ${opts.node}, removed from the inventory`, { "create|update": uninstallSnippet(opts.node) }),
    leave: scriptFrame(`remove ${opts.node}, removed from the inventory, from the cluster`, {
      "create|update": `${deleteNode(opts.node, opts.timeoutSeconds)}
rm -f ${marker} ${shq(`${STATE_DIR}/managed/${opts.node}`)}`,
    }),
  };
}
