import { ADDRESS_BITS, Ip, ipToBigInt, parseIp } from "../rules/address";
import { parseCidr } from "../rules/cidr";

/** An inclusive address interval of one family: a MetalLB pool entry, a LAN segment. */
export interface Interval {
  family: "ipv4" | "ipv6";
  first: bigint;
  last: bigint;
  text: string;
}

/** MetalLB trims the two ends of a `start-end` range before parsing them as IPs (Go net.ParseIP). */
export function parseAddr(s: string): Ip | undefined {
  return parseIp(s.trim());
}

/** A CIDR or `start-end` range as an interval; undefined when it is neither or the range is backwards. */
export function parsePoolEntry(text: string): Interval | undefined {
  if (text.includes("-")) {
    const [a, b, ...rest] = text.split("-");
    const start = parseAddr(a);
    const end = parseAddr(b ?? "");
    if (rest.length > 0 || !start || !end || start.kind() !== end.kind()) return undefined;
    const first = ipToBigInt(start);
    const last = ipToBigInt(end);
    return first <= last ? { family: start.kind(), first, last, text } : undefined;
  }
  return cidrInterval(text);
}

/** Every address of a CIDR (host bits ignored) as an interval; undefined when it is no CIDR. */
export function cidrInterval(text: string): Interval | undefined {
  const range = parseCidr(text);
  if (!range) return undefined;
  const [addr, prefix] = range;
  const family = addr.kind();
  const hostBits = BigInt(ADDRESS_BITS[family] - prefix);
  const first = (ipToBigInt(addr) >> hostBits) << hostBits;
  return { family, first, last: first + (1n << hostBits) - 1n, text };
}

export function overlaps(a: Interval, b: Interval): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/** Whether `addr` lies in `iv` (same family only). */
export function holds(iv: Interval, addr: Ip): boolean {
  const n = ipToBigInt(addr);
  return addr.kind() === iv.family && n >= iv.first && n <= iv.last;
}
