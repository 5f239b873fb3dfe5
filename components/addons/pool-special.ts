import { Interval, cidrInterval, overlaps } from "./pool-ranges";

/**
 * Address blocks that are no host's unicast address anywhere, so a Service given one is reached by
 * nobody whatever the announcement. MetalLB hands out any address of a pool (metallb internal/allocator)
 * and checks none of these. `bgpOnly`: link-local blocks work on the one link a layer-2 pool is
 * announced on, but routers never forward them, so a pool announced over BGP cannot use them.
 */
const SPECIAL: Array<{ cidr: string; what: string; bgpOnly?: boolean }> = [
  { cidr: "0.0.0.0/8", what: `"this network", only ever a source address (RFC 1122 §3.2.1.3, RFC 6890)` },
  { cidr: "127.0.0.0/8", what: "loopback, which never leaves a host (RFC 1122 §3.2.1.3)" },
  { cidr: "169.254.0.0/16", what: "link-local, which routers never forward (RFC 3927 §7)", bgpOnly: true },
  { cidr: "224.0.0.0/4", what: "multicast, a group address and no host's (RFC 5771)" },
  { cidr: "240.0.0.0/4", what: "reserved, and not forwarded (RFC 6890; 255.255.255.255 is the limited broadcast, RFC 919)" },
  { cidr: "::/128", what: "the unspecified address, never assigned to an interface (RFC 4291 §2.5.2)" },
  { cidr: "::1/128", what: "loopback, which never leaves a host (RFC 4291 §2.5.3)" },
  { cidr: "fe80::/10", what: "link-local, which routers never forward (RFC 4291 §2.5.6)", bgpOnly: true },
  { cidr: "ff00::/8", what: "multicast, a group address and no host's (RFC 4291 §2.7)" },
];

/** The special blocks that apply to pools announced in layer 2 (`bgp` false) or over BGP, as intervals. */
export function specialBlocks(bgp: boolean): Array<{ iv: Interval; what: string }> {
  return SPECIAL.filter((s) => bgp || !s.bgpOnly).map((s) => ({ iv: cidrInterval(s.cidr)!, what: s.what }));
}

/** The special blocks `iv` overlaps, named with why no Service can use them. */
export function specialHits(iv: Interval, bgp: boolean): Array<{ iv: Interval; what: string }> {
  return specialBlocks(bgp).filter((s) => overlaps(iv, s.iv));
}
