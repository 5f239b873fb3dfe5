import { FAMILY_NAME, Family, ipFamily, parseIp } from "./address";
import { ConfigRoot, keyPath, settingName } from "./key-path";
import { cidrFamily, cidrHas, splitCidrs } from "./cidr";
import { splitNodeIps } from "./node-ips";
import { isLoopback } from "./api-endpoint";

/** The addresses of one node as written in its source (inventory host, local machine, K3sCluster node). */
export interface NodeAddresses {
  /** The key of the node, e.g. `k3s-stacks:inventory.hosts[2]`. */
  key: string;
  name: string;
  /** server or agent; a server's first node-external-ip is its API advertise address. */
  role?: "server" | "agent";
  /** The SSH address. Without internalAddress, k3s detects the node IPs itself, usually this address on a LAN. */
  address?: string;
  /** Where `address` is written under `key`: `address` (an inventory host, the default) or `connection.host` (a library NodeArgs). */
  addressField?: string;
  /** k3s node-ip, one address or an IPv4,IPv6 pair (rules/node-ips.ts): written to config.yaml only when set. */
  internalAddress?: string;
  /** k3s node-external-ip, spelled the same way. */
  externalAddress?: string;
  /** Other nodes join this node's address (the first server, when no apiEndpoint or apiVip is set). */
  joinTarget?: boolean;
}

/**
 * Address ranges (ipaddr.js names) the kubelet refuses as a node IP: its validateNodeIP rejects
 * loopback, link-local unicast, multicast and unspecified addresses (pkg/kubelet/kubelet_node_status.go);
 * the IPv4 broadcast address is on no interface.
 */
const SPECIAL_RANGES: Record<string, string> = {
  loopback: "a loopback address",
  unspecified: "the unspecified address",
  linkLocal: "a link-local address",
  multicast: "a multicast address",
  broadcast: "the broadcast address",
};

interface KnownIp {
  field: string;
  address: string;
  explicit: boolean;
}

/** The node's known IPs and where they come from: internalAddress (its node-ips), else an SSH address that is an IP. */
function nodeIps(n: NodeAddresses): KnownIp[] {
  if (n.internalAddress !== undefined) return splitNodeIps(n.internalAddress).map((address) => ({ field: "internalAddress", address, explicit: true }));
  if (n.address !== undefined && parseIp(n.address)) return [{ field: n.addressField ?? "address", address: n.address, explicit: false }];
  return [];
}

/**
 * Node addresses against the cluster's ranges and the kubelet's rules, checked where they apply:
 * - every known IP of a node (each internalAddress, else its SSH address, and each externalAddress)
 *   must lie outside the pod and service ranges, or traffic to the node is routed into the overlay or to kube-proxy;
 * - node-ip rules only where k3s-stacks writes node-ip (an explicit internalAddress): the kubelet refuses
 *   loopback, link-local, multicast and unspecified node IPs (validateNodeIP), and k3s refuses a node-ip
 *   whose families differ from cluster-cidr's ("cluster-cidr and node-ip must share the same IP
 *   version", K3S:pkg/agent/run.go, k3s-io/k3s#11735): a dual-stack cluster needs both, a single-stack
 *   one takes one address of its family (k3s enables only cluster-cidr's families, so another would
 *   serve no pod or Service). Without one, k3s detects the node IPs itself from the default routes,
 *   both families on a dual-stack node (k3s-io/k3s#5918, PR #5920), so the SSH address is no node-ip;
 * - the primary family comes first ({@link familyProblems});
 * - the address other nodes join (`joinTarget`, the primary one) must be one they can reach, never loopback and the like;
 * - an internalAddress may not be another node's address (its internalAddress or, without one, its SSH address),
 *   nor an externalAddress another node's internalAddress.
 * `cluster` names the cluster settings (the stack's `k3s-stacks:cluster` by default, or `{ arg: "K3sCluster.args" }`).
 */
export function nodeAddressProblems(net: { clusterCidr: string; serviceCidr: string; advertiseAddress?: unknown }, nodes: NodeAddresses[], cluster: ConfigRoot = "cluster"): string[] {
  const problems: string[] = [];
  const ranges = [
    ...splitCidrs(net.clusterCidr).map((r) => ({ r, what: `${keyPath(cluster, ["clusterCidr"])} (pods)` })),
    ...splitCidrs(net.serviceCidr).map((r) => ({ r, what: keyPath(cluster, ["serviceCidr"]) })),
  ];
  const families = splitCidrs(net.clusterCidr).map(cidrFamily);
  const seen = new Map<string, string>();
  for (const n of nodes) {
    const ips = nodeIps(n);
    const externals = n.externalAddress !== undefined ? splitNodeIps(n.externalAddress) : [];
    for (const { field, address } of [...ips, ...externals.map((address) => ({ field: "externalAddress", address }))]) {
      for (const { r, what } of ranges) {
        if (cidrHas(r, address)) {
          problems.push(`${n.key}.${field}: ${address} is inside ${what} ${r}, so traffic to the node would be routed into the cluster instead. Fix: give the node's LAN address here, or move the cluster's ranges away from your LAN.`);
        }
      }
    }
    ips.forEach((ip, i) => {
      const special = SPECIAL_RANGES[parseIp(ip.address)!.range()];
      if (special && ip.explicit) {
        problems.push(`${n.key}.internalAddress: ${ip.address} would be ${ips.length > 1 ? "one of the node's k3s node-ips" : "the node's k3s node-ip"}, but it is ${special}, which the kubelet refuses as a node IP. Fix: give the node's LAN address here.`);
      } else if (special && n.joinTarget && i === 0) {
        problems.push(`${n.key}.${ip.field}: ${ip.address} is ${special}, but it is the first server's address, which the other nodes join, so they would never reach it. Fix: set internalAddress to the node's LAN address (the address other nodes reach it on), or set ${settingName(cluster, ["apiEndpoint"])}.`);
      }
      const normal = parseIp(ip.address)!.toNormalizedString();
      const other = seen.get(normal);
      // Two SSH addresses alike may be one NAT address with two ports (the inventory compares them with
      // their ports); an internalAddress is a node IP, which no other node may have.
      const otherExplicit = other?.endsWith(".internalAddress") ?? false;
      if (other !== undefined && (ip.explicit || otherExplicit)) {
        const [at, of] = ip.explicit ? [`${n.key}.internalAddress`, other] : [other, `${n.key}.${ip.field}`];
        const fix = ip.explicit && otherExplicit ? "give each node its own internalAddress" : "set internalAddress on each of them to the address other nodes reach it on";
        problems.push(`${at}: ${ip.address} is also the address of ${of}; every node needs an IP of its own (a Node's InternalIP). Fix: ${fix}.`);
      }
      seen.set(normal, `${n.key}.${ip.field}`);
    });
    // A loopback name (localhost) is as unreachable for the others as 127.0.0.1, though not an IP.
    if (n.joinTarget && ips.length === 0 && n.address !== undefined && isLoopback(n.address)) {
      problems.push(`${n.key}.${n.addressField ?? "address"}: ${n.address} names the loopback address of whichever machine resolves it (RFC 6761), but it is the first server's address, which the other nodes join, so each would dial itself. Fix: set internalAddress to the node's LAN address (the address other nodes reach it on), or set ${settingName(cluster, ["apiEndpoint"])}.`);
    }
    if (n.internalAddress !== undefined) problems.push(...familyProblems(n, "internalAddress", n.internalAddress, families, net.clusterCidr));
    if (n.externalAddress !== undefined) problems.push(...familyProblems(n, "externalAddress", n.externalAddress, families, net.clusterCidr, net.advertiseAddress !== undefined));
  }
  // An externalAddress that is another node's IP: a server advertises it as its API address (k3s
  // pkg/cli/server/server.go: advertise-address defaults to the first node-external-ip), so the
  // `kubernetes` Service would lead to that other node; on any node it is where others reach this one.
  for (const n of nodes) {
    for (const address of n.externalAddress !== undefined ? splitNodeIps(n.externalAddress) : []) {
      const other = seen.get(parseIp(address)?.toNormalizedString() ?? address);
      // Only a node-ip written as such: SSH addresses may be one NAT address shared on several ports,
      // and a node behind it may rightly name it as its external address.
      if (other !== undefined && other.endsWith(".internalAddress") && !other.startsWith(`${n.key}.`)) {
        problems.push(`${n.key}.externalAddress: ${address} is the address of ${other}, another node; a node's external address is where others reach this node${n.role === "server" ? " (and a server's API advertise address)" : ""}. Fix: give this node's own public address, or remove externalAddress.`);
      }
    }
  }
  return problems;
}

const other = (f: Family): Family => (f === "ipv4" ? "ipv6" : "ipv4");

/**
 * The families of a node's node-ip or node-external-ip against cluster-cidr's (`families`, primary first):
 * - none the cluster lacks (k3s refuses such a node-ip; a node-external-ip of it serves nothing);
 * - node-ip: every family of the cluster (k3s refuses a single node-ip on a dual-stack cluster);
 * - the primary family first. k3s makes a server's first node-ip its private address and, unless a
 *   node-external-ip is set (whose first entry then is), its API advertise address
 *   (K3S:pkg/cli/server/server.go), and kube-apiserver refuses an advertise address outside the first
 *   service family ("service IP family must match public address family",
 *   cmd/kube-apiserver/app/options/validation.go); on an agent k3s swaps a node-ip pair to match
 *   cluster-cidr (K3S:pkg/agent/config/config.go), so config.yaml would say other than what runs.
 *   A server's single node-external-ip must therefore be of the primary family too, unless the
 *   server sets advertise-address (which k3s then advertises instead).
 */
function familyProblems(n: NodeAddresses, field: "internalAddress" | "externalAddress", value: string, families: Family[], clusterCidr: string, advertiseSet = false): string[] {
  const addresses = splitNodeIps(value);
  const written = addresses.map((a) => ipFamily(a)!);
  const at = `${n.key}.${field}`;
  const flag = field === "internalAddress" ? "node-ip" : "node-external-ip";
  const have = families.map((f) => FAMILY_NAME[f]).join(",");
  const lacking = written.filter((f) => !families.includes(f));
  if (lacking.length && addresses.length === 1) {
    const fix = field === "internalAddress" ? `give the node's ${have} address here, or make clusterCidr and serviceCidr ${FAMILY_NAME[written[0]]}` : `give the node's public ${have} address here, or leave it out`;
    const why = field === "internalAddress" ? "k3s refuses a node-ip whose IP families differ from cluster-cidr's" : "the cluster has no network of that family, and on a server kube-apiserver refuses an advertise address outside the service family";
    return [`${at}: ${value} is ${FAMILY_NAME[written[0]]} but clusterCidr ${clusterCidr} is ${have}; ${why}. Fix: ${fix}.`];
  }
  if (lacking.length) {
    const keep = addresses[written.indexOf(families[0])];
    return [`${at}: ${value} is dual-stack but clusterCidr ${clusterCidr} is ${have} only; k3s enables only cluster-cidr's families, so the ${FAMILY_NAME[lacking[0]]} ${flag} would serve no pod or Service. Fix: write ${keep} alone, or make clusterCidr and serviceCidr dual-stack (e.g. 10.42.0.0/16,fd00:42::/56 and 10.43.0.0/16,fd00:43::/112).`];
  }
  if (field === "internalAddress" && written.length < families.length) {
    const missing = FAMILY_NAME[other(written[0])];
    const example = written[0] === families[0] ? `${value},<its ${missing} address>` : `<its ${missing} address>,${value}`;
    return [`${at}: ${value} is ${FAMILY_NAME[written[0]]} but clusterCidr ${clusterCidr} is dual-stack; k3s refuses a node-ip whose IP families differ from cluster-cidr's. Fix: give both of the node's addresses, primary family first (${example}); or leave it out (k3s then detects one address per family from the default routes) or use a single-stack ${FAMILY_NAME[written[0]]} cluster (clusterCidr and serviceCidr of that family).`];
  }
  // A set advertise-address is the advertise address instead of the first node-external-ip (same source).
  const advertises = n.role === "server" && !(field === "externalAddress" && advertiseSet);
  if (written[0] !== families[0] && (addresses.length > 1 || advertises)) {
    const fix = addresses.length > 1 ? `write ${[...addresses].reverse().join(",")}` : `put the server's public ${FAMILY_NAME[families[0]]} address first (<its ${FAMILY_NAME[families[0]]} address>,${value}), or leave it out`;
    return [`${at}: ${value} starts with an ${FAMILY_NAME[written[0]]} address but clusterCidr ${clusterCidr} starts with ${FAMILY_NAME[families[0]]}; the first ${flag} is the node's primary address (on a server, the API server's advertise address, which kube-apiserver requires in the first service family). Fix: ${fix}.`];
  }
  return [];
}
