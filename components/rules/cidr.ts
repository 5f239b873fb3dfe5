import * as ipaddr from "ipaddr.js";

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

function parse(cidr: string): Range {
  return ipaddr.parseCIDR(cidr);
}

/** Whether two CIDRs share any address (one contains the other's network address). */
export function cidrsOverlap(a: string, b: string): boolean {
  const [addrA, lenA] = parse(a);
  const [addrB, lenB] = parse(b);
  if (addrA.kind() !== addrB.kind()) return false;
  return addrA.match([addrB, lenB]) || addrB.match([addrA, lenA]);
}

/** Whether `inner` lies entirely inside `outer`. */
export function cidrContains(outer: string, inner: string): boolean {
  const [addrO, lenO] = parse(outer);
  const [addrI, lenI] = parse(inner);
  return addrO.kind() === addrI.kind() && lenI >= lenO && addrI.match([addrO, lenO]);
}

/** A /0 range: the whole IPv4 or IPv6 internet. */
export function isWorld(cidr: string): boolean {
  return parse(cidr)[1] === 0;
}

/** Splits a k3s comma-separated CIDR list (dual-stack) into its parts. */
export function splitCidrs(value: string): string[] {
  return value.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
}

export function isIpv6Cidr(cidr: string): boolean {
  return parse(cidr)[0].kind() === "ipv6";
}

/** k3s's default pod range (`cluster-cidr`; test/fixtures/reference/k3s-reference.md, firewall section). */
export const K3S_CLUSTER_CIDR = "10.42.0.0/16";
/** k3s's default service range (`--service-cidr`). */
export const K3S_SERVICE_CIDR = "10.43.0.0/16";
