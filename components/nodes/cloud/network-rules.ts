import { cidrContains, cidrFamily, prefixLength } from "../../rules/cidr";
import { CloudConfig } from "./config";

type At = (...path: Array<string | number>) => string;

/** RFC 1918 private IPv4 ranges. */
export const RFC1918 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] as const;

/** How large a provider lets the private network and its subnets be, and what it keeps of each subnet. */
export interface NetworkLimits {
  /** Shortest prefix (largest range) the network may have. */
  networkMin: number;
  /** Longest prefix (smallest range) the network may have. */
  networkMax: number;
  subnetMin: number;
  subnetMax: number;
  /** Addresses of every subnet no VM gets. */
  reservedPerSubnet: number;
  /** The network must lie inside RFC 1918. */
  rfc1918Only: boolean;
  /** Where the rule is written down, for messages. */
  source: string;
}

/**
 * Hetzner Cloud: the network's ip_range must be an RFC 1918 range of /24 or larger, a subnet /30 or
 * larger (API reference, POST /networks: ip_range and subnets[].ip_range,
 * https://docs.hetzner.cloud/#networks-create-a-network). Reserved: the subnet's network and
 * broadcast addresses; the network's first address, its gateway, is counted where a subnet holds it.
 */
export const HETZNER_NETWORK: NetworkLimits = {
  networkMin: 0, networkMax: 24, subnetMin: 0, subnetMax: 30, reservedPerSubnet: 2, rfc1918Only: true,
  source: "https://docs.hetzner.cloud/#networks-create-a-network",
};

/**
 * AWS: VPC and subnet IPv4 blocks are /16 to /28, and AWS keeps the first four and the last address
 * of every subnet (VPC User Guide, "Subnet CIDR blocks"; EC2 API CreateSubnet). Public ranges are
 * allowed in a VPC, so RFC 1918 is not required.
 */
export const AWS_NETWORK: NetworkLimits = {
  networkMin: 16, networkMax: 28, subnetMin: 16, subnetMax: 28, reservedPerSubnet: 5, rfc1918Only: false,
  source: "https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html",
};

function sizeProblem(path: string, cidr: string, min: number, max: number, what: string, example: string, limits: NetworkLimits): string | undefined {
  const p = prefixLength(cidr);
  if (p >= min && p <= max) return undefined;
  const range = min === 0 ? `/${max} or larger` : `/${min} to /${max}`;
  return `${path}: ${cidr} is a /${p}, but ${what} must be ${range} (${limits.source}). Fix: use a ${p > max ? `/${max} or larger` : `/${min} or smaller`} range, e.g. ${example}.`;
}

/**
 * How many addresses a subnet has for VMs; the Hetzner network's gateway (its first host address)
 * counts against the subnet that holds it.
 */
export function usableAddresses(subnet: string, limits: NetworkLimits, networkCidr: string): number {
  const size = 2 ** (32 - prefixLength(subnet));
  const gateway = limits === HETZNER_NETWORK && subnet.split("/")[0] === networkCidr.split("/")[0] ? 1 : 0;
  return Math.max(0, size - limits.reservedPerSubnet - gateway);
}

/**
 * What the provider refuses in `network`: ranges that are not IPv4 (Hetzner networks and the VPC
 * blocks we create are IPv4), the provider's size limits, RFC 1918 on Hetzner, and subnets with
 * fewer free addresses than the VMs (and the API load balancer) placed in them. `vmsPerSubnet[i]`
 * counts what goes into network.subnets[i]. With an existing VPC (aws.vpcId) only the range rules
 * apply to network.cidr.
 */
export function providerNetworkProblems(at: At, c: CloudConfig, vmsPerSubnet: number[]): string[] {
  const limits = c.provider === "hetzner" ? HETZNER_NETWORK : AWS_NETWORK;
  const provider = c.provider === "hetzner" ? "a Hetzner private network" : "a VPC";
  const ranges = [{ cidr: c.network.cidr, path: at("network", "cidr"), subnet: false }, ...c.network.subnets.map((cidr, i) => ({ cidr, path: at("network", "subnets", i), subnet: true }))];
  const problems: string[] = [];
  for (const { cidr, path, subnet } of ranges) {
    if (cidrFamily(cidr) !== "ipv4") {
      problems.push(`${path}: ${cidr} is IPv6, but ${provider}${subnet ? "'s subnets are" : " is"} an IPv4 range (the VMs' node-ip is their private IPv4 address). Fix: use an IPv4 range such as ${subnet ? "10.0.1.0/24" : "10.0.0.0/16"}.`);
      continue;
    }
    const size = subnet
      ? sizeProblem(path, cidr, limits.subnetMin, limits.subnetMax, `a subnet of ${provider}`, "10.0.1.0/24", limits)
      : sizeProblem(path, cidr, limits.networkMin, limits.networkMax, provider, "10.0.0.0/16", limits);
    if (size) problems.push(size);
  }
  const network = c.network.cidr;
  if (limits.rfc1918Only && cidrFamily(network) === "ipv4" && !RFC1918.some((r) => cidrContains(r, network))) {
    problems.push(`${at("network", "cidr")}: ${network} is not inside a private RFC 1918 range, which Hetzner requires of a network's ip_range (${limits.source}). Fix: use a range inside ${RFC1918.join(", ")}, e.g. 10.0.0.0/16.`);
  }
  c.network.subnets.forEach((s, i) => {
    if (cidrFamily(s) !== "ipv4" || cidrFamily(network) !== "ipv4") return;
    const free = usableAddresses(s, limits, network);
    const wanted = vmsPerSubnet[i] ?? 0;
    if (wanted > free) {
      problems.push(`${at("network", "subnets", i)}: ${s} has ${free} address${free === 1 ? "" : "es"} for VMs (${limits.reservedPerSubnet} of each subnet are the provider's, ${limits.source}), but ${wanted} VMs${c.apiLoadBalancer ? " and load balancer addresses" : ""} go into it. Fix: use a larger subnet, e.g. a /24, or fewer nodes.`);
    }
  });
  return problems;
}
