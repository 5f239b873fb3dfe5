import { FAMILY_NAME, Family, ipFamily } from "./address";
import { cidrFamily, cidrHas, cidrsOverlap, freeBlock, networkForm, prefixLength, splitCidrs } from "./cidr";

/** The cluster's address plan as k3s gets it: cluster-cidr, service-cidr (comma lists), its version. */
export interface ClusterNetwork {
  /** k3s cluster-cidr (pods), one range or an IPv4,IPv6 pair. */
  clusterCidr: string;
  /** k3s service-cidr, one range or a pair. */
  serviceCidr: string;
  /** The k3s release (`v1.33.5+k3s1`): the service range cap depends on it; unknown (not checked) when absent. */
  k3sVersion?: string;
  /** kube-controller-manager node-cidr-mask-size per family, when set through serverConfig or a contribution. */
  nodeCidrMaskSize?: Partial<Record<Family, number>>;
  /** Per family, the key that sets nodeCidrMaskSize (`K3sCluster.args.contributions[0].server.kube-controller-manager-arg[1]`), for messages; the key is named `node-cidr-mask-size-<family>` alone when absent. */
  nodeCidrMaskFrom?: Partial<Record<Family, string>>;
  /** `cluster.apiVip.address`, when a VIP is configured. */
  apiVip?: string;
  /** `cluster.apiEndpoint`, when set (an IP is checked against the ranges; a name is not resolved). */
  apiEndpoint?: string;
}

/** How a message names a family's node-cidr-mask-size: the setting, and the key that sets it when known. */
function maskName(net: Pick<ClusterNetwork, "nodeCidrMaskFrom">, family: Family): string {
  const from = net.nodeCidrMaskFrom?.[family];
  return `node-cidr-mask-size-${family}${from ? `, set by ${from}` : ""}`;
}

/**
 * Per-node pod range sizes k3s gives kube-controller-manager unless node-cidr-mask-size says
 * otherwise: /24 for IPv4, /64 for IPv6 (Kubernetes cmd/kube-controller-manager defaults).
 */
export const DEFAULT_NODE_MASK: Record<Family, number> = { ipv4: 24, ipv6: 64 };

/**
 * The largest service ranges kube-apiserver takes while the bitmap allocator is in use: 20 host bits,
 * i.e. /12 for IPv4 and /108 for IPv6 (cmd/kube-apiserver/app/options/validation.go, maxCIDRBits = 20:
 * "specified --service-cluster-ip-range is too large"). The cap is skipped once both
 * MultiCIDRServiceAllocator and DisableAllocatorDualWrite are on, which is the default from
 * Kubernetes 1.34 (pkg/features/kube_features.go), so it applies to k3s releases before v1.34.
 */
const SERVICE_HOST_BITS_MAX = 20;
const SERVICE_CAP_UNTIL_MINOR = 34;

/**
 * kube-controller-manager hands each node a range out of the cluster CIDR with a bitmap of at most
 * 2^16 entries for IPv6 (pkg/controller/nodeipam/ipam/cidrset/cidr_set.go, clusterSubnetMaxDiff = 16:
 * "the node CIDR size is too big"), so an IPv6 cluster CIDR is at most 16 bits shorter than the node mask.
 */
const IPV6_NODE_RANGES_BITS_MAX = 16;

function minorOf(k3sVersion: string | undefined): number | undefined {
  const m = /^v1\.(\d+)\./.exec(k3sVersion ?? "");
  return m ? Number(m[1]) : undefined;
}

/**
 * Every problem of the cluster and service CIDRs together, as "key: what is wrong. Fix: ..." lines;
 * `key(field)` names a field of `k3s-stacks:cluster`. The lists are already well-formed (cidrListSchema).
 */
export function clusterNetworkProblems(net: ClusterNetwork, key: (field: string) => string): string[] {
  const problems: string[] = [];
  const pods = splitCidrs(net.clusterCidr);
  const services = splitCidrs(net.serviceCidr);
  const minor = minorOf(net.k3sVersion);

  for (const cidr of pods) {
    const family = cidrFamily(cidr);
    const mask = net.nodeCidrMaskSize?.[family] ?? DEFAULT_NODE_MASK[family];
    const prefix = prefixLength(cidr);
    const maskKey = maskName(net, family);
    // node_ipam_controller.go: "Invalid --cluster-cidr, mask size of cluster CIDR must be less than or equal to --node-cidr-mask-size".
    if (prefix > mask) {
      problems.push(`${key("clusterCidr")}: ${cidr} is smaller than the /${mask} pod range each node gets (${maskKey}), so kube-controller-manager refuses to start. Fix: use a /${mask} or larger range, e.g. ${family === "ipv4" ? "10.42.0.0/16" : "fd00:42::/56"}.`);
    } else if (family === "ipv6" && mask - prefix > IPV6_NODE_RANGES_BITS_MAX) {
      problems.push(`${key("clusterCidr")}: ${cidr} holds 2^${mask - prefix} node ranges of /${mask}; kube-controller-manager allocates from at most 2^${IPV6_NODE_RANGES_BITS_MAX} and refuses to start ("the node CIDR size is too big"). Fix: use a /${mask - IPV6_NODE_RANGES_BITS_MAX} or longer prefix, e.g. ${networkForm(`${cidr.split("/")[0]}/${mask - IPV6_NODE_RANGES_BITS_MAX}`)}${mask === DEFAULT_NODE_MASK.ipv6 ? "" : `, or a smaller ${maskKey}`}.`);
    }
  }
  if (minor !== undefined && minor < SERVICE_CAP_UNTIL_MINOR) {
    for (const cidr of services) {
      const family = cidrFamily(cidr);
      const bits = family === "ipv4" ? 32 : 128;
      if (bits - prefixLength(cidr) > SERVICE_HOST_BITS_MAX) {
        problems.push(`${key("serviceCidr")}: ${cidr} is larger than kube-apiserver of Kubernetes 1.${minor} accepts for a service range (/${bits - SERVICE_HOST_BITS_MAX} at most for ${FAMILY_NAME[family]}). Fix: use /${bits - SERVICE_HOST_BITS_MAX} or smaller, e.g. ${family === "ipv4" ? "10.43.0.0/16" : "fd00:43::/112"}, or a k3s release from v1.34 on.`);
      }
    }
  }
  for (const s of services) {
    for (const p of pods) {
      if (cidrsOverlap(s, p)) {
        problems.push(`${key("serviceCidr")}: ${s} overlaps clusterCidr ${p}; an address would be both a Service's and a pod's, and kube-proxy would send pod traffic to Services. Fix: pick disjoint ranges, e.g. the k3s defaults 10.42.0.0/16 (pods) and 10.43.0.0/16 (services).`);
      }
    }
  }
  const podFamilies = pods.map(cidrFamily);
  const serviceFamilies = services.map(cidrFamily);
  // kube-apiserver requires its advertise address (k3s: the server's first node-ip, of cluster-cidr's
  // first family) in the primary service family (validation.go validatePublicIPServiceClusterIPRangeIPFamilies).
  if (podFamilies.length && serviceFamilies.length && podFamilies[0] !== serviceFamilies[0]) {
    problems.push(`${key("serviceCidr")}: starts with an ${FAMILY_NAME[serviceFamilies[0]]} range but clusterCidr starts with ${FAMILY_NAME[podFamilies[0]]}; the API server's address (the first node IP, of clusterCidr's first family) must be of the first service family. Fix: list the families in the same order in both, e.g. clusterCidr: 10.42.0.0/16,fd00:42::/56 and serviceCidr: 10.43.0.0/16,fd00:43::/112.`);
  }
  for (const f of serviceFamilies) {
    if (!podFamilies.includes(f)) {
      problems.push(`${key("serviceCidr")}: has an ${FAMILY_NAME[f]} range but clusterCidr has none, so those Services would have no pod endpoints. Fix: add an ${FAMILY_NAME[f]} range to clusterCidr, or remove it here.`);
    }
  }
  // Every node dials apiEndpoint to join; on a node, an address inside the pod or service range is
  // routed into flannel or to kube-proxy, never to the load balancer or server it names.
  const endpointRange = net.apiEndpoint && ipFamily(net.apiEndpoint) ? [...pods, ...services].find((r) => cidrHas(r, net.apiEndpoint!)) : undefined;
  if (endpointRange) {
    const which = pods.includes(endpointRange) ? "clusterCidr (pods)" : "serviceCidr";
    problems.push(`${key("apiEndpoint")}: ${net.apiEndpoint} is inside ${which} ${endpointRange}, so on every node traffic to it is routed into the cluster network instead of to the API, and joins fail. Fix: give the load balancer's or server's LAN address, or move the cluster's ranges away from your LAN.`);
  }
  if (net.apiVip) {
    const family = ipFamily(net.apiVip);
    if (family && !podFamilies.includes(family)) {
      const have = podFamilies.map((f) => FAMILY_NAME[f]).join(" and ");
      problems.push(`${key("apiVip.address")}: ${net.apiVip} is ${FAMILY_NAME[family]} but the cluster is ${have} only (clusterCidr ${net.clusterCidr}), so the servers have no ${FAMILY_NAME[family]} node IP to hold it next to. Fix: pick a free ${have} address on the servers' LAN.`);
    }
  }
  return problems;
}

/**
 * The cluster CIDR against the number of nodes: kube-controller-manager's range allocator gives every
 * Node one pod range of node-cidr-mask-size out of it, and a Node it finds none for gets no podCIDR
 * ("no remaining CIDRs left to allocate", Kubernetes pkg/controller/nodeipam/ipam/range_allocator.go),
 * so flannel has no subnet for it and it stays NotReady. Each family of a dual-stack cluster needs
 * one range per node. `key` names the clusterCidr setting.
 */
export function podRangeCapacityProblems(net: Pick<ClusterNetwork, "clusterCidr" | "nodeCidrMaskSize" | "nodeCidrMaskFrom"> & { serviceCidr?: string }, nodeCount: number, key: string): string[] {
  const problems: string[] = [];
  for (const cidr of splitCidrs(net.clusterCidr)) {
    const family = cidrFamily(cidr);
    const mask = net.nodeCidrMaskSize?.[family] ?? DEFAULT_NODE_MASK[family];
    const bits = mask - prefixLength(cidr);
    // A negative or oversized split is clusterNetworkProblems' to report.
    if (bits < 0 || bits > IPV6_NODE_RANGES_BITS_MAX || 2 ** bits >= nodeCount) continue;
    const wanted = mask - Math.ceil(Math.log2(nodeCount));
    // Widen from the user's own range, stepping past the service range (10.42.0.0/15 would take 10.43.0.0/16).
    const example = freeBlock(cidr, wanted, splitCidrs(net.serviceCidr ?? "")) ?? networkForm(`${family === "ipv4" ? "10.0.0.0" : "fd00::"}/${wanted}`);
    const from = net.nodeCidrMaskFrom?.[family];
    const maskFix = net.nodeCidrMaskSize?.[family] !== undefined ? `, or a longer node-cidr-mask-size${from ? ` in ${from}` : ""}` : "";
    problems.push(`${key}: ${cidr} holds ${2 ** bits} pod range${bits ? "s" : ""} of /${mask} (${maskName(net, family)}), one per node, but ${nodeCount} nodes are planned; kube-controller-manager gives the others none, and they stay NotReady. Fix: use a /${wanted} or larger range, such as ${example}${maskFix}.`);
  }
  return problems;
}

/** A kubelet `max-pods` given in a kubelet-arg list, and where. */
export interface MaxPodsArg {
  /** The key of the list, e.g. `k3s-stacks:cluster.agentConfig.kubelet-arg`. */
  key: string;
  value: number;
}

/**
 * Pods a node can get addresses for out of its pod range of `mask` bits: all addresses but the
 * network address, the bridge's gateway (flannel's cni0 takes the first) and, for IPv4, the broadcast
 * address, as the host-local IPAM plugin flannel delegates to hands them out.
 */
export function podAddressesPerNode(family: Family, mask: number): number {
  const bits = (family === "ipv4" ? 32 : 128) - mask;
  return bits >= 52 ? Number.MAX_SAFE_INTEGER : 2 ** bits - (family === "ipv4" ? 3 : 2);
}

/**
 * A kubelet max-pods above what each node's pod range (node-cidr-mask-size, /24 for IPv4 by default)
 * can address: the kubelet admits the pods, and those past the range stay ContainerCreating with "no
 * IP addresses available in range set". In dual-stack every pod needs an address of each family.
 */
export function maxPodsProblems(net: Pick<ClusterNetwork, "clusterCidr" | "nodeCidrMaskSize">, maxPods: MaxPodsArg[]): string[] {
  const families = splitCidrs(net.clusterCidr).map(cidrFamily);
  return maxPods.flatMap(({ key, value }) => {
    const limits = families.map((f) => ({ f, mask: net.nodeCidrMaskSize?.[f] ?? DEFAULT_NODE_MASK[f] })).map((l) => ({ ...l, room: podAddressesPerNode(l.f, l.mask) }));
    const tight = limits.reduce((a, b) => (b.room < a.room ? b : a), limits[0]);
    if (!tight || value <= tight.room) return [];
    const wider = tight.f === "ipv4" ? Math.max(1, Math.min(tight.mask - 1, 32 - Math.ceil(Math.log2(value + 3)))) : tight.mask;
    return [`${key}: max-pods=${value} is more than the ${tight.room} pod addresses in each node's /${tight.mask} pod range (node-cidr-mask-size-${tight.f}), so pods past it would never get an IP. Fix: use max-pods=${tight.room} or less, or give nodes larger ranges with kube-controller-manager-arg: [node-cidr-mask-size-${tight.f}=${wider}] in serverConfig (clusterCidr must hold enough of them).`];
  });
}

/** Node addresses against these ranges live in their own file. */
export { nodeAddressProblems } from "./node-addresses";
