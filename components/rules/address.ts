import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { nonEmptyInput } from "./inputs";
import { required } from "./required";
import { DNS1123_LABEL_MAX, DNS1123_SUBDOMAIN_MAX } from "./dns";

/**
 * IP addresses and DNS host names as k3s, the kubelet and OpenSSH take them. Every field that holds
 * an address or a host name is checked here, so an address with a port, a URL, `user@host` or an
 * IPv4 octet above 255 is refused with what to write instead, before anything reaches a machine.
 */

export type Family = "ipv4" | "ipv6";
export type Ip = ipaddr.IPv4 | ipaddr.IPv6;

/** How YAML users call the families. */
export const FAMILY_NAME: Record<Family, string> = { ipv4: "IPv4", ipv6: "IPv6" };

/** Address bits of a family. */
export const ADDRESS_BITS: Record<Family, number> = { ipv4: 32, ipv6: 128 };

/** An address as an unsigned integer, for range arithmetic (pools, indexed and aligned addresses). */
export function ipToBigInt(ip: Ip): bigint {
  return ip.toByteArray().reduce((n, b) => (n << 8n) | BigInt(b), 0n);
}

/** The address of `family` whose integer is `n` (the inverse of {@link ipToBigInt}). */
export function ipFromBigInt(n: bigint, family: Family): Ip {
  const bytes = ADDRESS_BITS[family] / 8;
  return ipaddr.fromByteArray(Array.from({ length: bytes }, (_, i) => Number((n >> BigInt((bytes - 1 - i) * 8)) & 0xffn)));
}

/**
 * An IP address as Go's net.ParseIP reads it, which is what k3s and the kubelet use for `node-ip`,
 * `node-external-ip`, `advertise-address` and `tls-san`: IPv4 only as four decimal numbers 0-255
 * (ipaddr.js alone would also take `10.1`, `0xa.0.0.1` or `167772161`), IPv6 without a zone
 * (`%eth0`). Undefined when it is not one.
 */
export function parseIp(value: string): Ip | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(value)) return ipaddr.IPv4.parse(value);
  if (!value.includes(":") || value.includes("%") || !ipaddr.IPv6.isValid(value)) return undefined;
  return ipaddr.IPv6.parse(value);
}

/** `value` as Go's net.IP String() writes it (RFC 5952 for IPv6), as k3s writes it in URLs; unchanged when it is no IP. */
export function canonicalIp(value: string): string {
  return parseIp(value)?.toString() ?? value;
}

export function isIp(value: string): boolean {
  return parseIp(value) !== undefined;
}

/** The family of an IP address, undefined when `value` is not one. */
export function ipFamily(value: string): Family | undefined {
  return parseIp(value)?.kind();
}

/** Whether two strings are the same IP address (`fd00::1` and `fd00:0::1` are). */
export function sameIp(a: string, b: string): boolean {
  const x = parseIp(a);
  const y = parseIp(b);
  return x !== undefined && y !== undefined && x.kind() === y.kind() && x.toNormalizedString() === y.toNormalizedString();
}

const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/;

/**
 * Why `value` is not a DNS host name (RFC 1123 §2.1 with RFC 1035 §2.3.4; unlike Kubernetes object
 * names, rules/dns.ts, host names are case-blind): labels of letters,
 * digits and '-', not starting or ending with '-', at most 63 characters each and 253 in all; and
 * never the dotted-decimal form of an address (RFC 1123 §2.1), so `10.0.0.256` is a bad address,
 * not a name. `wildcard` allows one leading `*.` label (certificate SANs). Undefined when it is one.
 */
export function dnsNameProblem(value: string, opts: { wildcard?: boolean } = {}): string | undefined {
  const name = opts.wildcard && value.startsWith("*.") ? value.slice(2) : value;
  if (name.length === 0) return "is empty";
  if (name.length > DNS1123_SUBDOMAIN_MAX) return `is ${name.length} characters long; a DNS name has at most ${DNS1123_SUBDOMAIN_MAX}`;
  const labels = name.split(".");
  for (const label of labels) {
    if (label.length === 0) return "has an empty label (two dots in a row, or a dot at the start or end)";
    if (label.length > DNS1123_LABEL_MAX) return `has the label '${label.slice(0, 20)}…' of ${label.length} characters; a label has at most ${DNS1123_LABEL_MAX}`;
    if (!LABEL.test(label)) {
      return label.startsWith("-") || label.endsWith("-")
        ? `has the label '${label}', which starts or ends with '-'`
        : `has the label '${label}' with characters other than letters, digits and '-'`;
    }
  }
  if (/^\d+$/.test(labels[labels.length - 1])) return "ends in an all-numeric label, which only an IP address has";
  return undefined;
}

export function isDnsName(value: string, opts: { wildcard?: boolean } = {}): boolean {
  return dnsNameProblem(value, opts) === undefined;
}

/** What a field takes, and what to say about it in a fix. */
export interface AddressUse {
  /** `ip`: an IP address only (k3s node-ip, kube-vip); `host`: an IP address or a DNS name. */
  accepts: "ip" | "host";
  /** Why an IP is required, e.g. "it becomes k3s node-ip" (only for `ip`). */
  why?: string;
  /** Where a port belongs instead, e.g. "port". */
  portKey?: string;
  /** Without a portKey: why no port goes here, e.g. "joins and the kubeconfig use port 6443". */
  portNote?: string;
  /** Where a user name belongs, e.g. "user". */
  userKey?: string;
  /** Allow a leading `*.` (certificate SANs). */
  wildcard?: boolean;
  /** An example value for the fix. */
  example: string;
  /** What connects to the address (e.g. "SSH"): then an IP no connection can go to is refused too. */
  dial?: string;
  /** What to give instead of a host name where an IP is needed; "the machine's IP address" by default. */
  give?: string;
}

/**
 * IP ranges (ipaddr.js names) that name no single remote machine: a connection to the unspecified
 * address goes to this machine itself (Linux and BSD treat 0.0.0.0 and :: as a local address), and
 * TCP cannot connect to a multicast or the limited broadcast address (RFC 1122 4.2.3.10).
 */
const UNDIALABLE: Record<string, string> = {
  unspecified: "the unspecified address, which a connection takes as this machine itself",
  multicast: "a multicast address, which TCP cannot connect to",
  broadcast: "the broadcast address, which TCP cannot connect to",
};

const FOUR_NUMBERS = /^\d+\.\d+\.\d+\.\d+$/;

/**
 * Why `value` cannot be used where `use` says, as "'<value>' <what is wrong>. Fix: <fix>"; undefined
 * when it can. The shapes people write by mistake are named: surrounding or inner whitespace, a URL
 * with a scheme, `user@host`, `host:port` and `[v6]:port`, brackets, an IPv6 zone, IPv4 numbers
 * above 255 or with leading zeros, a DNS name where an IP is needed, and a name that breaks RFC 1123.
 */
export function addressProblem(value: string, use: AddressUse): string | undefined {
  const what = use.accepts === "ip" ? "an IP address" : "an IP address or a DNS name";
  const portFix = (host: string, port: string) =>
    use.portKey ? `write '${host}' here and ${port} in ${use.portKey}` : `write '${host}' without the port${use.portNote ? `; ${use.portNote}` : ""}`;
  if (value.trim() !== value) return `'${value}' has spaces around it. Fix: write '${value.trim()}'.`;
  if (/\s/.test(value)) return `'${value}' contains whitespace; it must be one ${use.accepts === "ip" ? "address" : "address or name"}. Fix: write a single value such as ${use.example}.`;
  const url = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(?:([^@/]*)@)?(\[[^\]]+\]|[^:/]*)(?::(\d+))?/.exec(value);
  if (url) {
    const host = url[3].replace(/^\[|\]$/g, "");
    const extra = [url[2] && use.userKey ? `the user ${url[2]} in ${use.userKey}` : "", url[4] ? (use.portKey ? `${url[4]} in ${use.portKey}` : "") : ""].filter(Boolean);
    return `'${value}' is a URL (${url[1]}://), not ${what}. Fix: write only the host, '${host}'${extra.length ? `, and ${extra.join(" and ")}` : ""}.`;
  }
  if (value.includes("@")) {
    const [user, host] = [value.slice(0, value.lastIndexOf("@")), value.slice(value.lastIndexOf("@") + 1)];
    return `'${value}' carries a user name. Fix: write '${host}' here and ${use.userKey ? `'${user}' in ${use.userKey}` : `no user (the user name does not belong here)`}.`;
  }
  const v6port = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (v6port) {
    return v6port[2] ? `'${value}' carries a port. Fix: ${portFix(v6port[1], v6port[2])}.` : `'${value}' has brackets, which only URLs need. Fix: write '${v6port[1]}'.`;
  }
  const hostPort = /^([^:]+):(\d+)$/.exec(value);
  if (hostPort) return `'${value}' carries a port. Fix: ${portFix(hostPort[1], hostPort[2])}.`;
  if (value.includes("%") && ipaddr.IPv6.isValid(value)) {
    return `'${value}' has an IPv6 zone (%…), which k3s and the kubelet do not accept. Fix: use a global or unique-local address such as fd00::10, without the zone.`;
  }
  if (FOUR_NUMBERS.test(value) && !isIp(value)) {
    return `'${value}' is not an IPv4 address: each of its four numbers must be 0-255, written without leading zeros. Fix: correct it, e.g. ${use.accepts === "ip" ? use.example : "192.168.1.10"}.`;
  }
  const ip = isIp(value);
  if (use.accepts === "ip") {
    if (ip) return undefined;
    const looksLikeName = dnsNameProblem(value) === undefined;
    return looksLikeName
      ? `'${value}' is not an IP address but a host name${use.why ? ` (${use.why})` : ""}. Fix: give ${use.give ?? "the machine's IP address"}, e.g. ${use.example}.`
      : `'${value}' is not an IP address${use.why ? ` (${use.why})` : ""}. Fix: write an IPv4 or IPv6 address such as ${use.example}.`;
  }
  const undialable = ip && use.dial ? UNDIALABLE[parseIp(value)!.range()] : undefined;
  if (undialable) return `'${value}' is ${undialable}, so ${use.dial} would never reach the machine. Fix: give the machine's own address or name, such as ${use.example}.`;
  if (ip) return undefined;
  if (value.includes(":")) return `'${value}' is not an IPv6 address. Fix: correct it, e.g. fd00::10.`;
  const dns = dnsNameProblem(value, { wildcard: use.wildcard });
  return dns ? `'${value}' is neither an IP address nor a DNS name: it ${dns} (RFC 1123). Fix: write an address or name such as ${use.example}.` : undefined;
}

/** A zod string checked with {@link addressProblem}; the message carries its fix. */
export function addressSchema(use: AddressUse) {
  const schema = z.string().superRefine((value, ctx) => {
    const message = addressProblem(value, use);
    if (message) ctx.addIssue({ code: "custom", message, input: value });
  });
  const description = use.accepts === "ip" ? use.give ?? "the machine's IP address" : "an IP address or DNS name";
  return required(schema, { description: `${description}, such as ${use.example}` });
}

const REGISTRY_HOST = { accepts: "host", example: "reg.local" } as const;

/**
 * Why `value` is not a registry key of k3s registries.yaml (`mirrors`, `configs`): `*`, `_default`, or
 * a registry host (IP address or DNS name, IPv6 in brackets) with an optional port, as containerd
 * names registries (k3s docs "Private Registry Configuration"; containerd hosts.toml). Undefined when it is.
 */
export function registryHostProblem(value: string): string | undefined {
  if (value === "*" || value === "_default") return undefined;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value)) return `'${value}' is a URL; a registry is keyed by its host[:port], e.g. ${value.replace(/^[^:]+:\/\//, "").replace(/\/.*$/, "")}`;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(value);
  if (!m) return `'${value}' is not a registry host[:port] such as reg.local:5000`;
  const host = m[1].replace(/^\[|\]$/g, "");
  if (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535)) return `'${value}' has port ${m[2]}, outside 1-65535`;
  if (m[1].startsWith("[") && ipFamily(host) !== "ipv6") return `'${value}' has brackets around something other than an IPv6 address`;
  const problem = addressProblem(host, REGISTRY_HOST);
  return problem ? problem.replace(/ Fix: .*$/, "").replace(/\.$/, "") : undefined;
}

/**
 * Why `value` is not a registry endpoint (registries.yaml `mirrors.<host>.endpoint`): an http or https
 * URL whose host is an IP address or DNS name and whose port, if any, is 1-65535. Undefined when it is.
 */
export function endpointUrlProblem(value: string): string | undefined {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value);
  // Only a value without a scheme is offered back with one; any other fix names its own example.
  if (!scheme) return `'${value}' is not a URL with a scheme. Fix: write it like https://${schemeless(value)}.`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return unparsableUrl(value, scheme[1], REGISTRY_URL);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `'${value}' uses ${url.protocol}//; registries are reached over http or https. Fix: write https://${url.host}${url.pathname === "/" ? "" : url.pathname}.`;
  // The value is not echoed: it holds a password.
  if (url.username || url.password) return `it carries credentials in the URL (${url.protocol}//…@${url.host}), which would sit readable in registries.yaml. Fix: remove them; set configs.<host>.auth.username and the password in the secret k3s-stacks:registryPasswords.`;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const problem = isIp(host) ? undefined : addressProblem(host, { accepts: "host", example: "https://reg.local:5000" });
  return problem ? `its host: ${problem}` : undefined;
}

/** `value` without a mistyped scheme (`https:/`, `https//`, leading slashes), so a fix never writes one twice. */
function schemeless(value: string): string {
  return value.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/*(?=[^\d/])/, "").replace(/^https?\/\//i, "").replace(/^\/+/, "");
}

/** What a URL fix offers when the written host or port cannot be kept: a registry's or a web server's. */
type UrlExample = { host: string; port: string; what: string; sample: string };
const REGISTRY_URL: UrlExample = { host: "reg.local", port: "5000", what: "the registry's real port", sample: "reg.local:5000" };
const WEB_URL: UrlExample = { host: "example.com", port: "443", what: "the server's real port", sample: "example.com/path" };

/**
 * The bracketed forms of `authority` (host[:port]) when it is an IPv6 address written without the
 * brackets a URL and a host:port need (RFC 3986 §3.2.2): `[addr]:port` when the part after the last
 * ':' can be a port, `[addr]` when the whole is an address; undefined when it is not such an address.
 */
export function bracketedIpv6(authority: string): string[] | undefined {
  if (authority.startsWith("[") || authority.split(":").length < 3) return undefined;
  const cut = authority.lastIndexOf(":");
  const port = authority.slice(cut + 1);
  const forms = [
    ...(ipFamily(authority.slice(0, cut)) === "ipv6" && /^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535 ? [`[${authority.slice(0, cut)}]:${port}`] : []),
    ...(ipFamily(authority) === "ipv6" ? [`[${authority}]`] : []),
  ];
  return forms.length ? forms : undefined;
}

/** The fix for an IPv6 address without brackets: each form bracketedIpv6 offers, between `prefix` and `suffix`. */
export function bracketFix(forms: string[], prefix = "", suffix = ""): string {
  const [first, other] = forms.map((f) => `${prefix}${f}${suffix}`);
  return other === undefined ? first : `${first} (or ${other} if the last group is part of the address, not the port)`;
}

/** Why a URL with a scheme does not parse, with a fix that keeps the scheme written. */
function unparsableUrl(raw: string, scheme: string, example: UrlExample): string {
  // Credentials before '@' are never echoed (a registry URL may carry a password).
  const value = raw.replace(/^([^:]+:\/\/)[^@/]*@/, "$1…@");
  const authority = /^[^:]+:\/\/(?:[^@/]*@)?([^/?#]*)/.exec(value)?.[1] ?? "";
  const v6 = bracketedIpv6(authority);
  if (v6) return `'${value}' has an IPv6 address without brackets; a URL puts it in brackets (RFC 3986 §3.2.2). Fix: write ${bracketFix(v6, `${scheme}://`, value.slice(value.indexOf(authority) + authority.length))}.`;
  const m = /^[^:]+:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/?#]*)(?::([^/?#]*))?/.exec(value);
  // The host is echoed only when it is one; otherwise the example is.
  const written = m?.[1] ?? "";
  const ok = written && (isIp(written.replace(/^\[|\]$/g, "")) || !addressProblem(written, { accepts: "host", example: example.host }));
  const host = ok ? written : example.host;
  const port = m?.[2];
  if (port !== undefined && !/^\d*$/.test(port)) return `'${value}' has '${port}' where the port belongs, which is not a number. Fix: write the port as a number 1-65535, such as ${scheme}://${host}:${example.port}.`;
  if (port && Number(port) > 65535) return `'${value}' has port ${port}, outside 1-65535. Fix: use ${example.what}, such as ${scheme}://${host}:${example.port}.`;
  return `'${value}' is not a valid URL. Fix: write it like ${scheme}://${ok ? host : example.sample}.`;
}

/**
 * Why `value` is not a URL, worded for a fix that never writes a scheme twice: one without a scheme is
 * offered back with https://, one with a scheme keeps it and names the bad port or host. Undefined when
 * WHATWG URL parsing (as zod's url() check) takes it.
 */
export function urlProblem(value: string): string | undefined {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value);
  if (!scheme) return `'${value}' is not a URL with a scheme. Fix: write it like https://${schemeless(value)}.`;
  try {
    new URL(value);
    return undefined;
  } catch {
    return unparsableUrl(value, scheme[1], WEB_URL);
  }
}

/**
 * A component argument holding an address: a plain string is checked with {@link addressProblem};
 * an Output or Promise resolves only while the program runs and is accepted unchecked.
 */
export function addressInput(use: AddressUse) {
  return nonEmptyInput.superRefine((value, ctx) => {
    const message = typeof value === "string" ? addressProblem(value, use) : undefined;
    if (message) ctx.addIssue({ code: "custom", message, input: value });
  });
}

/**
 * A login name: letters, digits, '_', '.', '-', not starting with a digit, '.' or '-', optionally
 * ending in '$' (looser than shadow-utils' default NAME_REGEX `^[a-z_][a-z0-9_-]*[$]?$`, so no name
 * useradd creates is refused). Scripts use it as an owner (airgap staging chowns to it).
 */
export const LOGIN_NAME = /^[a-z_][a-z0-9_.-]*\$?$/i;

/**
 * A login name as OpenSSH and useradd take it ({@link LOGIN_NAME}); one that carries a host (`pi@10.0.0.5`) is refused,
 * naming the `user`/`address` split. `addressKey` names where the host belongs.
 */
export function userSchema(addressKey: string) {
  return z.string().min(1, { message: "is empty. Fix: give the SSH user (login name), such as pi, or remove the key" }).superRefine((value, ctx) => {
    if (value.includes("@")) {
      const at = value.indexOf("@");
      ctx.addIssue({ code: "custom", message: `'${value}' carries a host. Fix: write '${value.slice(0, at)}' here and '${value.slice(at + 1)}' in ${addressKey}.` });
    } else if (/[\s:/]/.test(value)) {
      ctx.addIssue({ code: "custom", message: `'${value}' is not a login name: it contains whitespace, ':' or '/'. Fix: write the user's name alone, e.g. pi.` });
    } else if (!LOGIN_NAME.test(value)) {
      ctx.addIssue({ code: "custom", message: `'${value}' is not a login name (letters, digits, '_', '.', '-', starting with a letter or '_'). Fix: write the account's name as useradd created it, e.g. pi.` });
    }
  });
}
