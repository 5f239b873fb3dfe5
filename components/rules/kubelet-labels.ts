/**
 * Which node labels a kubelet may set on its own Node (`--node-labels`, k3s `node-label`). The kubelet
 * refuses to start with a label in the kubernetes.io or k8s.io namespaces (the domain itself or any
 * subdomain) unless it is one of its well-known labels or under kubelet.kubernetes.io/ or
 * node.kubernetes.io/ (Kubernetes: k8s.io/kubelet/pkg/apis/well_known_labels.go IsKubeletLabel,
 * checked in cmd/kubelet/app/options; the NodeRestriction admission plugin applies the same rule,
 * plugin/pkg/admission/noderestriction, with the namespaces of k8s.io/api/core/v1 well_known_labels.go:
 * kubelet.kubernetes.io and node.kubernetes.io allowed, node-restriction.kubernetes.io never).
 * Whether a key is a valid label key at all is ./labels.ts.
 * Others, such as node-role.kubernetes.io/worker, can only be set through the API: the member step
 * does that with kubectl once the node is Ready. Labels the kubelet or k3s set on every Node
 * themselves ({@link AUTOMATIC_LABELS}) are refused: a user value would fight theirs.
 */
const KUBELET_LABELS = new Set([
  "kubernetes.io/hostname",
  "kubernetes.io/instance-type",
  "kubernetes.io/os",
  "kubernetes.io/arch",
  "beta.kubernetes.io/instance-type",
  "beta.kubernetes.io/os",
  "beta.kubernetes.io/arch",
  "failure-domain.beta.kubernetes.io/zone",
  "failure-domain.beta.kubernetes.io/region",
  "topology.kubernetes.io/zone",
  "topology.kubernetes.io/region",
]);
const KUBELET_NAMESPACES = ["kubelet.kubernetes.io", "node.kubernetes.io"];
const RESTRICTED_DOMAINS = ["kubernetes.io", "k8s.io"];

const within = (domain: string, parent: string) => domain === parent || domain.endsWith(`.${parent}`);

/** True when the kubelet accepts `key` in --node-labels (k3s `node-label`). */
export function kubeletMaySet(key: string): boolean {
  const slash = key.indexOf("/");
  if (slash < 0) return true;
  const domain = key.slice(0, slash);
  if (!RESTRICTED_DOMAINS.some((d) => within(domain, d))) return true;
  return KUBELET_LABELS.has(key) || KUBELET_NAMESPACES.some((ns) => within(domain, ns));
}

/**
 * Labels every Node gets without being asked, with who sets them: the kubelet's own (Kubernetes
 * pkg/kubelet/kubelet_node_status.go initialNode: hostname from the node name, os/arch from the
 * kubelet's build, also under the beta.kubernetes.io names) and k3s's (its embedded cloud provider
 * reports the instance type "k3s", which the cloud node controller writes to both instance-type labels).
 */
const AUTOMATIC_LABELS: Record<string, string> = {
  "kubernetes.io/hostname": "the kubelet sets it to the node name. Fix: remove it; to change it, change the node's name",
  "kubernetes.io/os": "the kubelet sets it to the machine's OS (linux). Fix: remove it; select nodes by it as it is",
  "kubernetes.io/arch": "the kubelet sets it to the machine's architecture. Fix: remove it; select nodes by it as it is (set arch for the binary k3s-stacks installs)",
  "beta.kubernetes.io/os": "the kubelet sets it to the machine's OS (linux). Fix: remove it; select nodes by kubernetes.io/os",
  "beta.kubernetes.io/arch": "the kubelet sets it to the machine's architecture. Fix: remove it; select nodes by kubernetes.io/arch",
  "node.kubernetes.io/instance-type": "k3s sets it to k3s (its cloud provider reports the instance type). Fix: remove it; use a label of your own, such as example.com/instance-type",
  "beta.kubernetes.io/instance-type": "k3s sets it to k3s (its cloud provider reports the instance type). Fix: remove it; use a label of your own, such as example.com/instance-type",
};

/** Why `key` may not be set by the user because the kubelet or k3s sets it, as "is set ...: who. Fix: ..."; undefined otherwise. */
export function automaticLabelProblem(key: string): string | undefined {
  const why = AUTOMATIC_LABELS[key];
  return why && `is set on every node automatically: ${why}`;
}
