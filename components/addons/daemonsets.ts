import { ConfigRoot, keyPath } from "../rules/key-path";
import { parseTaint } from "../rules/taints";
import type { NodeFacts } from "../nodes/types";

/** A toleration as the charts write them: `key` absent matches every key; `operator: Exists` every value. */
interface Toleration {
  key?: string;
  effect: "NoSchedule" | "NoExecute";
}

/**
 * The tolerations of the layers' host-network DaemonSets, as their pinned charts set them:
 * - MetalLB's speaker (metallb 0.16.1 templates/speaker.yaml, `speaker.tolerateMaster: true`):
 *   node-role.kubernetes.io/master and node-role.kubernetes.io/control-plane, NoSchedule;
 * - kube-prometheus-stack's node exporter (prometheus-node-exporter 4.56.1 values.yaml): every NoSchedule
 *   taint, no NoExecute one.
 */
const TOLERATIONS = {
  speaker: [{ key: "node-role.kubernetes.io/master", effect: "NoSchedule" }, { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }],
  nodeExporter: [{ effect: "NoSchedule" }],
} satisfies Record<string, Toleration[]>;
export type HostDaemonSet = keyof typeof TOLERATIONS;

/** A NoSchedule/NoExecute taint of the node that `daemonSet` does not tolerate, or undefined when it runs there. */
export function blockingTaint(daemonSet: HostDaemonSet, node: Pick<NodeFacts, "taints">): string | undefined {
  const tolerations: Toleration[] = TOLERATIONS[daemonSet];
  return node.taints.find((taint) => {
    const t = parseTaint(taint);
    if (!t || (t.effect !== "NoSchedule" && t.effect !== "NoExecute")) return false;
    return !tolerations.some((tol) => tol.effect === t.effect && (tol.key === undefined || tol.key === t.key));
  });
}

/** The nodes `daemonSet` runs on (every node is Linux, which both DaemonSets select). */
export function daemonSetNodes<N extends Pick<NodeFacts, "taints">>(daemonSet: HostDaemonSet, nodes: N[]): N[] {
  return nodes.filter((n) => blockingTaint(daemonSet, n) === undefined);
}

/**
 * The label MetalLB's speakers honour (from v0.14, metallb/metallb#2073, both layer 2 and BGP): a
 * speaker on a node that carries it, whatever its value, announces no Service from there (MetalLB's
 * IsNodeExcludedFromBalancers reads the key alone). k3s sets it on no node; an inventory may
 * (kubeadm's habit for control planes), and is allowed to, as a node.kubernetes.io/ label.
 */
export const EXCLUDE_LB_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers";

/**
 * The problem of a MetalLB whose speakers can announce from no node: each node either runs no speaker
 * (a taint it does not tolerate) or carries EXCLUDE_LB_LABEL. MetalLB then answers no ARP/NDP and
 * peers with no router for any pool address, silently: every LoadBalancer Service gets an address
 * nothing reaches (metallb/metallb#2274, metallb/metallb-operator#490). Nodes whose address is not
 * known yet are judged by their labels and taints like the others.
 */
export function speakerPlacementProblem(nodes: NodeFacts[], addonsRoot: ConfigRoot): string | undefined {
  if (nodes.length === 0) return undefined;
  const announcing = daemonSetNodes("speaker", nodes).filter((n) => !(EXCLUDE_LB_LABEL in n.labels));
  if (announcing.length > 0) return undefined;
  const why = nodes.map((n) => {
    const taint = blockingTaint("speaker", n);
    return taint !== undefined ? `${n.name} (taint ${taint}, which the speaker does not tolerate)` : `${n.name} (label ${EXCLUDE_LB_LABEL})`;
  });
  const labelled = nodes.filter((n) => EXCLUDE_LB_LABEL in n.labels).map((n) => n.name);
  const fix = labelled.length
    ? `remove the label ${EXCLUDE_LB_LABEL} from the labels of at least one of ${labelled.join(", ")} (MetalLB reads the key, so a value of "false" does not help)`
    : "leave at least one node without a NoSchedule/NoExecute taint other than node-role.kubernetes.io/control-plane:NoSchedule";
  return `${keyPath(addonsRoot, ["loadBalancer"])}: MetalLB's speakers would announce the pool addresses from no node: ${why.join(", ")}. A speaker announces nothing from a node labelled ${EXCLUDE_LB_LABEL} (MetalLB 0.14 and later) and none runs on a node with a taint it does not tolerate, so every LoadBalancer Service would get an address no client reaches. Fix: ${fix}.`;
}
