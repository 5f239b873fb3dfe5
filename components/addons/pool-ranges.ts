import { ADDRESS_BITS, Family, Ip, ipFromBigInt, ipToBigInt, parseIp } from "../rules/address";
import { parseCidr } from "../rules/cidr";

/** An inclusive address interval of one family: a MetalLB pool entry, a LAN segment. */
export interface Interval {
  family: Family;
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

/**
 * A `start-end` range of one family whose start is after its end, as the range it meant (the two
 * ends swapped); undefined for anything else. MetalLB refuses it ("start IP … is after the end IP",
 * metallb internal/config parseCIDR).
 */
export function backwardsRange(text: string): Interval | undefined {
  const [a, b, ...rest] = text.split("-");
  const start = parseAddr(a);
  const end = parseAddr(b ?? "");
  if (rest.length > 0 || !start || !end || start.kind() !== end.kind() || ipToBigInt(start) <= ipToBigInt(end)) return undefined;
  return { family: start.kind(), first: ipToBigInt(end), last: ipToBigInt(start), text: `${b.trim()}-${a.trim()}` };
}

/**
 * A pool entry for first..last: the CIDR when the interval is exactly one, else `start-end`. One
 * address is written /32 or /128, as MetalLB's docs write it (MetalLB before 0.13 refused a range
 * whose start equals its end).
 */
export function entryText(first: bigint, last: bigint, family: Family): string {
  const size = last - first + 1n;
  const bits = ADDRESS_BITS[family];
  const hostBits = size.toString(2).length - 1;
  if (size === 1n << BigInt(hostBits) && first % size === 0n) return `${ipFromBigInt(first, family).toString()}/${bits - hostBits}`;
  return `${ipFromBigInt(first, family).toString()}-${ipFromBigInt(last, family).toString()}`;
}

/** The parts of `iv` that no interval of `blocked` touches, in address order. */
export function freeParts(iv: Interval, blocked: Interval[]): Interval[] {
  const cuts = blocked.filter((b) => overlaps(iv, b)).sort((x, y) => (x.first < y.first ? -1 : x.first > y.first ? 1 : 0));
  const parts: Interval[] = [];
  let next = iv.first;
  for (const b of cuts) {
    if (b.first > next) parts.push(part(iv.family, next, b.first - 1n));
    if (b.last + 1n > next) next = b.last + 1n;
  }
  if (next <= iv.last) parts.push(part(iv.family, next, iv.last));
  return parts;
}

/** The interval first..last of `family`, its text the pool entry for it. */
export function part(family: Family, first: bigint, last: bigint): Interval {
  return { family, first, last, text: entryText(first, last, family) };
}
