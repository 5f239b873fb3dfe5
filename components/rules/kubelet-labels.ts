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
 * does that with kubectl once the node is Ready.
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
