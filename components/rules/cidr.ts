import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { ADDRESS_BITS, FAMILY_NAME, Family, Ip, ipFromBigInt, ipToBigInt, isIp, parseIp } from "./address";
import { required } from "./required";

/**
 * CIDR ranges as k3s, Kubernetes and the clouds take them: one schema for every CIDR field
 * (cluster, service, cloud networks, admin ranges) and the range arithmetic the cross-checks use.
 */

type Range = [Ip, number];

function parse(cidr: string): Range {
  return ipaddr.parseCIDR(cidr.trim());
}

/**
 * A CIDR as Go's net.ParseCIDR reads it (k3s cluster-cidr/service-cidr): an address in the form
 * {@link parseIp} takes, '/', a decimal prefix length of its family. Undefined when it is not one.
 */
export function parseCidr(value: string): Range | undefined {
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(value);
  if (!m || (m[2].length > 1 && m[2].startsWith("0"))) return undefined;
  const addr = parseIp(m[1]);
  const prefix = Number(m[2]);
  if (!addr || prefix > (addr.kind() === "ipv4" ? 32 : 128)) return undefined;
  return [addr, prefix];
}

/** The network form of a CIDR: host bits cleared (`10.42.0.1/16` → `10.42.0.0/16`). */
export function networkForm(cidr: string): string {
  const [addr, prefix] = parse(cidr);
  const bytes = addr.toByteArray().map((b, i) => b & (0xff << (8 - Math.max(0, Math.min(8, prefix - i * 8)))) & 0xff);
  return `${ipaddr.fromByteArray(bytes).toString()}/${prefix}`;
}

/**
 * The first network of `prefix` bits, at or after the one holding `cidr`'s address, that overlaps
 * none of `avoid`; undefined when the family's space runs out. For fixes that suggest a wider range.
 */
export function freeBlock(cidr: string, prefix: number, avoid: string[]): string | undefined {
  const [addr] = parse(cidr);
  const family = addr.kind();
  const size = 1n << BigInt(ADDRESS_BITS[family] - prefix);
  for (let start = ipToBigInt(addr) & ~(size - 1n); start < 1n << BigInt(ADDRESS_BITS[family]); start += size) {
    const block = `${ipFromBigInt(start, family).toString()}/${prefix}`;
    if (!avoid.some((a) => cidrFamily(a) === family && cidrsOverlap(a, block))) return block;
  }
  return undefined;
}

/** The address at `index` of `cidr` (0 = its network address), as Kubernetes' utilsnet.GetIndexedIP counts. */
export function indexedIp(cidr: string, index: number): string {
  const [addr] = parse(cidr);
  return ipFromBigInt(ipToBigInt(addr) + BigInt(index), addr.kind()).toString();
}

/**
 * Why `value` is not a CIDR range, as "'<value>' <what is wrong>. Fix: <fix>"; undefined when it is.
 * Host bits must be clear: a range with them set (`10.42.0.1/16`) names a host, not a network, and
 * Kubernetes refuses such values in its newer CIDR fields (KEP-4858, e.g. ServiceCIDR.spec.cidrs);
 * k3s would silently use a network other than the one written.
 */
export function cidrProblem(value: string, example = "10.42.0.0/16"): string | undefined {
  if (value.trim() !== value) return `'${value}' has spaces around it. Fix: write '${value.trim()}'.`;
  const range = parseCidr(value);
  if (!range) {
    if (isIp(value)) {
      const single = `${value}/${parseIp(value)!.kind() === "ipv4" ? 32 : 128}`;
      return `'${value}' is not a valid CIDR: it has no prefix length. Fix: add one: ${single} for this address alone${single === example ? "" : `, or a network's prefix such as ${example}`}.`;
    }
    const m = /^([^/]+)\/(\d+)$/.exec(value);
    const max = m && parseIp(m[1]) ? (parseIp(m[1])!.kind() === "ipv4" ? 32 : 128) : undefined;
    if (m && max !== undefined && Number(m[2]) > max) return `'${value}' is not a valid CIDR: its prefix length is above ${max}. Fix: correct it, e.g. ${example}.`;
    if (m && max !== undefined) return `'${value}' is not a valid CIDR: its prefix length has a leading zero. Fix: write ${m[1]}/${Number(m[2])}.`;
    return `'${value}' is not a valid CIDR (an IP address, '/', a prefix length). Fix: write it like ${example}.`;
  }
  const net = networkForm(value);
  if (net !== `${range[0].toString()}/${range[1]}`) return `'${value}' is not a valid CIDR: host bits are set, so it is not the network it names. Fix: write the network form, ${net}.`;
  return undefined;
}

/** A zod string checked with {@link cidrProblem}. */
export function cidrSchema(example = "10.42.0.0/16") {
  const schema = z.string().superRefine((value, ctx) => {
    const message = cidrProblem(value, example);
    if (message) ctx.addIssue({ code: "custom", message, input: value });
  });
  return required(schema, { description: "a range in CIDR notation", examples: [example] });
}

/**
 * A k3s CIDR list (`cluster-cidr`, `service-cidr`): one range, or two for dual-stack, comma-separated,
 * one per IP family. kube-controller-manager and kube-apiserver take at most two, of different
 * families (cmd/kube-apiserver/app/options/validation.go validateClusterIPFlags: "must not contain
 * more than two entries", "must be of different IP family"; the same rule for --cluster-cidr in
 * cmd/kube-controller-manager).
 */
export function cidrListSchema(example: string) {
  return z.string().superRefine((value, ctx) => {
    // k3s splits the list on ',' and parses each part as written (no trimming), so spaces are refused, not dropped.
    const parts = value.split(",");
    for (const part of parts) {
      const message = cidrProblem(part, example);
      if (message) {
        ctx.addIssue({ code: "custom", message, input: value });
        return;
      }
    }
    if (parts.length > 2) {
      ctx.addIssue({ code: "custom", message: `'${value}' lists ${parts.length} ranges; Kubernetes takes one, or two for dual-stack. Fix: keep at most one IPv4 and one IPv6 range.`, input: value });
    } else if (parts.length === 2 && cidrFamily(parts[0]) === cidrFamily(parts[1])) {
      ctx.addIssue({ code: "custom", message: `'${value}' lists two ${FAMILY_NAME[cidrFamily(parts[0])]} ranges; dual-stack takes one range per family. Fix: keep one ${FAMILY_NAME[cidrFamily(parts[0])]} range, and add an ${cidrFamily(parts[0]) === "ipv4" ? "IPv6" : "IPv4"} one only for dual-stack.`, input: value });
    }
  });
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

/** Whether the IP address `address` lies inside `cidr` (false for another family or a non-IP). */
export function cidrHas(cidr: string, address: string): boolean {
  const ip = parseIp(address);
  const [net, prefix] = parse(cidr);
  return ip !== undefined && ip.kind() === net.kind() && ip.match(net, prefix);
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

export function cidrFamily(cidr: string): Family {
  return parse(cidr)[0].kind();
}

export function prefixLength(cidr: string): number {
  return parse(cidr)[1];
}
