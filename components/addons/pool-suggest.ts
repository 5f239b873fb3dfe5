import { Family } from "../rules/address";
import { Interval, cidrInterval, freeParts, part } from "./pool-ranges";
import { Lan } from "./pool-lan";

/**
 * The ranges a pool fix proposes. Every proposal avoids what the pool checks refuse (pools.ts): the
 * pod and service networks, addresses machines hold, special-purpose blocks, the other pool entries
 * and, in layer 2, anything off the nodes' LAN or on its network, broadcast or Subnet-Router anycast
 * address; so a fix written as proposed passes the check that asked for it, and every other one.
 */
export class PoolSuggestions {
  /**
   * `blocked`: what no entry may hold; `entries`: every pool entry in order (undefined where it is
   * unreadable), blocked for every entry but itself; `lans`: the LAN of each family in layer 2.
   */
  constructor(
    private readonly blocked: Interval[],
    private readonly entries: Array<Interval | undefined>,
    private readonly lans?: Partial<Record<Family, Lan>>,
  ) {}

  private blockedFor(k: number): Interval[] {
    return [...this.blocked, ...this.entries.filter((e, i): e is Interval => e !== undefined && i !== k)];
  }

  /** The largest part of `iv` that entry `k` may hold; undefined when none. */
  within(iv: Interval, k: number): Interval | undefined {
    const segments = this.segments(iv.family);
    const regions = segments ? segments.map((s) => intersect(iv, s)).filter((r): r is Interval => r !== undefined) : [iv];
    return largest(regions.flatMap((r) => freeParts(r, this.blockedFor(k))));
  }

  /**
   * Up to eleven free addresses on the nodes' LAN of `family` for entry `k`: near the top of an IPv4
   * segment (.240-.250 of a /24, clear of the broadcast address and the routers often at .254), at
   * ::100 of an IPv6 one (clear of the Subnet-Router anycast address and the reserved anycast
   * identifiers at the top, RFC 2526); undefined in BGP, when no node has an address of the family,
   * or when the LAN is full.
   */
  onLan(family: Family, k: number): Interval | undefined {
    const blocked = this.blockedFor(k);
    for (const s of this.segments(family) ?? []) {
      const [from, to] = family === "ipv4" ? [s.last - 15n, s.last - 5n] : [s.first + 0x100n, s.first + 0x10an];
      const inWindow = from <= s.last && to >= s.first ? part(family, from < s.first ? s.first : from, to > s.last ? s.last : to) : undefined;
      const best = inWindow && largest(freeParts(inWindow, blocked));
      if (best) return best;
      const free = freeParts(s, blocked);
      const top = free[free.length - 1];
      if (top) return top.last - top.first > 10n ? part(family, top.last - 10n, top.last) : top;
    }
    return undefined;
  }

  /** `write it as <part of iv>`, else free addresses on the LAN; undefined when neither is known. */
  fix(iv: Interval, k: number): string | undefined {
    const inside = this.within(iv, k);
    if (inside) return `write it as ${inside.text}`;
    const lan = this.onLan(iv.family, k);
    return lan ? `use free addresses on the nodes' LAN instead, such as ${lan.text}` : undefined;
  }

  private segments(family: Family): Interval[] | undefined {
    return this.lans?.[family]?.segments.map((s) => cidrInterval(s)).filter((s): s is Interval => s !== undefined);
  }
}

function intersect(a: Interval, b: Interval): Interval | undefined {
  if (a.family !== b.family) return undefined;
  const first = a.first > b.first ? a.first : b.first;
  const last = a.last < b.last ? a.last : b.last;
  return first <= last ? part(a.family, first, last) : undefined;
}

/** The largest interval, the lowest of equals. */
function largest(parts: Interval[]): Interval | undefined {
  return parts.reduce<Interval | undefined>((best, p) => (!best || p.last - p.first > best.last - best.first ? p : best), undefined);
}
