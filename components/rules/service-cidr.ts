import { ADDRESS_BITS, FAMILY_NAME, Ip, ipToBigInt, parseIp } from "./address";
import { cidrFamily, cidrHas, prefixLength, splitCidrs } from "./cidr";

/**
 * Addresses k3s takes from the service range itself, so the range must hold them:
 * - the API server's `kubernetes` Service gets the range's first address (index 1; k3s
 *   pkg/cli/server/server.go via controlplane.ServiceIPRange, also added to the serving cert's SANs);
 * - the cluster DNS Service (CoreDNS, `kube-dns`) gets cluster-dns, which defaults to index 10 of the
 *   primary service range: the first IPv4 range, else the first IPv6 one (same file: "If cluster-dns
 *   CLI arg is not set, we set ClusterDNS address to be the first IPv4 ServiceCIDR network + 10",
 *   utilsnet.GetIndexedIP(ServiceIPRange, 10)); a smaller range stops k3s with "cannot configure
 *   default cluster-dns address".
 * An explicit cluster-dns (serverConfig `cluster-dns`) must be a Service address: inside a service
 * range, not its network address, not the API server's index 1 and, for IPv4, not the broadcast
 * address, which the Service IP allocator never hands out (Kubernetes pkg/registry/core/service/ipallocator).
 */
export const CLUSTER_DNS_INDEX = 10;
const API_SERVER_INDEX = 1;

/** The index of `ip` inside `cidr` (0 = network address); `cidr` must contain it. */
function indexIn(cidr: string, ip: Ip): bigint {
  const hostBits = BigInt(ADDRESS_BITS[cidrFamily(cidr)] - prefixLength(cidr));
  return ipToBigInt(ip) & ((1n << hostBits) - 1n);
}

/** The range k3s takes its defaults from: the first IPv4 range, else the first one (k3s util.GetFirstNet). */
export function primaryServiceRange(serviceCidr: string): string | undefined {
  const ranges = splitCidrs(serviceCidr);
  return ranges.find((r) => cidrFamily(r) === "ipv4") ?? ranges[0];
}

/** The addresses of a cluster-dns value as k3s reads it: a list whose entries may hold comma-separated addresses (another shape is the flag type check's). */
function clusterDnsAddresses(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || !value.every((e) => typeof e === "string")) return undefined;
  return (value as string[]).flatMap((e) => e.split(",")).map((a) => a.trim()).filter(Boolean);
}

/**
 * Problems of the service range against the addresses k3s takes from it and of an explicit
 * cluster-dns against the range, as "key: what is wrong. Fix: ..." lines. `serviceKey` names the
 * service CIDR setting, `dnsKey` where cluster-dns is set. `clusterDns` is serverConfig's raw value
 * (a value of the wrong type is left to the flag type check).
 */
export function serviceRangeProblems(serviceCidr: string, clusterDns: unknown, serviceKey: string, dnsKey: string): string[] {
  const primary = primaryServiceRange(serviceCidr);
  if (!primary) return [];
  const ranges = splitCidrs(serviceCidr);
  const explicit = clusterDns === undefined ? undefined : clusterDnsAddresses(clusterDns);
  if (clusterDns !== undefined && explicit === undefined) return [];
  if (explicit === undefined || explicit.length === 0) {
    const family = cidrFamily(primary);
    const hostBits = ADDRESS_BITS[family] - prefixLength(primary);
    if (2 ** hostBits > CLUSTER_DNS_INDEX) return [];
    const largest = ADDRESS_BITS[family] - 4;
    return [`${serviceKey}: ${primary} holds ${2 ** hostBits} addresses, but k3s gives the cluster DNS Service the range's network address + ${CLUSTER_DNS_INDEX} (the cluster-dns default) and does not start without it ("cannot configure default cluster-dns address"). Fix: use a /${largest} or larger ${FAMILY_NAME[family]} range, such as ${family === "ipv4" ? "10.43.0.0/16" : "fd00:43::/112"}, or set cluster-dns in serverConfig to a free address inside it.`];
  }
  const problems: string[] = [];
  for (const address of explicit) {
    const ip = parseIp(address);
    if (!ip) {
      problems.push(`${dnsKey}: '${address}' is not an IP address; k3s refuses it ("invalid cluster-dns address"). Fix: give an address inside serviceCidr ${serviceCidr}, or remove cluster-dns to get the default, its network address + ${CLUSTER_DNS_INDEX}.`);
      continue;
    }
    const range = ranges.find((r) => cidrHas(r, address));
    if (!range) {
      problems.push(`${dnsKey}: ${address} is outside serviceCidr ${serviceCidr}, so no Service can hold it and pods' DNS queries go nowhere. Fix: give an address inside the service range, or remove cluster-dns to get the default, the range's network address + ${CLUSTER_DNS_INDEX}.`);
      continue;
    }
    const index = indexIn(range, ip);
    const last = (1n << BigInt(ADDRESS_BITS[cidrFamily(range)] - prefixLength(range))) - 1n;
    const taken = index === 0n ? "the network address of" : index === BigInt(API_SERVER_INDEX) ? "the address the API server's kubernetes Service takes in" : cidrFamily(range) === "ipv4" && index === last ? "the broadcast address of" : undefined;
    if (taken) problems.push(`${dnsKey}: ${address} is ${taken} ${range}, which the DNS Service cannot get. Fix: give another free address inside the range, or remove cluster-dns to get the default, its network address + ${CLUSTER_DNS_INDEX}.`);
  }
  return problems;
}
