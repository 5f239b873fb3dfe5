import { parseTaint } from "../rules/taints";

/**
 * The Deployments k3s applies itself, by the `disable` name that switches each off, and what
 * they are (K3S:manifests/coredns.yaml, metrics-server/metrics-server-deployment.yaml,
 * local-storage.yaml, traefik.yaml).
 */
const PACKAGED: Record<string, string> = {
  coredns: "CoreDNS (no pod could resolve a Service name)",
  "metrics-server": "metrics-server (kubectl top and HPAs get no metrics)",
  "local-storage": "local-path-provisioner (claims of the default local-path class stay Pending)",
  traefik: "Traefik (Ingresses get no controller)",
};

/**
 * Whether k3s's packaged Deployments tolerate a taint. Each of them carries the same tolerations:
 * `CriticalAddonsOnly` (operator Exists, any effect), and `node-role.kubernetes.io/control-plane` and
 * `node-role.kubernetes.io/master` with effect NoSchedule only. A PreferNoSchedule taint keeps no pod off.
 */
function tolerated(taint: string): boolean {
  const t = parseTaint(taint);
  if (!t || t.effect === "PreferNoSchedule" || t.key === "CriticalAddonsOnly") return true;
  return t.effect === "NoSchedule" && ["node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"].includes(t.key);
}

/**
 * Taints that leave k3s's packaged Deployments no node: the scheduler places a pod only on a node
 * each of whose NoSchedule/NoExecute taints it tolerates (Kubernetes docs, Taints and Tolerations),
 * so with every node tainted otherwise CoreDNS and the others stay Pending while every node is
 * Ready. `disable` drops those switched off; `nodesKey` names where the nodes are listed.
 */
export function systemPodTaintProblems(nodes: ReadonlyArray<{ name: string; taints?: readonly string[] }>, disable: readonly string[], nodesKey: string): string[] {
  const running = Object.keys(PACKAGED).filter((c) => !disable.includes(c));
  if (nodes.length === 0 || running.length === 0) return [];
  const blocking = nodes.map((n) => ({ name: n.name, taint: (n.taints ?? []).find((t) => !tolerated(t)) }));
  if (blocking.some((b) => b.taint === undefined)) return [];
  const list = blocking.map((b) => `${b.name}: ${b.taint}`).join(", ");
  return [`${nodesKey}: every node has a NoSchedule or NoExecute taint that k3s's own pods do not tolerate (${list}), so ${running.map((c) => PACKAGED[c]).join(", ")} stay Pending. k3s's packaged Deployments tolerate only CriticalAddonsOnly and node-role.kubernetes.io/control-plane:NoSchedule (k3s manifests/coredns.yaml). Fix: leave at least one node without such a taint (PreferNoSchedule keeps no pod off), or taint the servers CriticalAddonsOnly=true:NoExecute instead, which those pods tolerate; or switch them all off in cluster.disable (${running.join(", ")}) and deploy your own.`];
}
