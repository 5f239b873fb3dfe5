import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { AddressUse, FAMILY_NAME, Family, addressProblem, ipFamily } from "./address";
import { nonEmptyInput } from "./inputs";

/**
 * A node's addresses as k3s takes `node-ip` and `node-external-ip`: one IP, or an IPv4 and an IPv6
 * address for a dual-stack node. Written as k3s's flag spells it (`10.0.10.7,2001:db8::7`, split on
 * ',' without trimming, K3S:pkg/util SplitStringSlice) or as a YAML list (`[10.0.10.7, 2001:db8::7]`,
 * as in config.yaml); both become the comma form, which is how every layer carries the value. The
 * kubelet takes "either a single IP or a dual-stack pair of IPs" (cmd/kubelet/app/server.go), so a
 * pair of one family is refused. Which family goes first is the cluster's business (rules/cluster-network.ts).
 */

/** The addresses of a comma form, in the order written. */
export function splitNodeIps(value: string): string[] {
  return value.split(",");
}

/** The first address: the node's primary IP (k3s's NodeIP, the server's private and advertise address). */
export function primaryNodeIp(value: string): string {
  return splitNodeIps(value)[0];
}

/** The address of `family` in a comma form, if it holds one. */
export function nodeIpOfFamily(value: string, family: Family): string | undefined {
  return splitNodeIps(value).find((a) => ipFamily(a) === family);
}

/** Why `value` (the comma form) is not one IP or a dual-stack pair; undefined when it is. */
export function nodeIpListProblem(value: string, use: AddressUse): string | undefined {
  const parts = splitNodeIps(value);
  if (parts.length > 2) return `'${value}' lists ${parts.length} addresses; k3s takes one, or an IPv4 and an IPv6 address for a dual-stack node. Fix: keep at most one address per family, e.g. ${use.example}.`;
  for (const part of parts) {
    if (part.length === 0) return `'${value}' has an empty entry (a comma at the start or end, or two in a row). Fix: write one address, or two separated by one comma, e.g. ${use.example}.`;
    const problem = addressProblem(part, use);
    if (problem) return parts.length > 1 ? `entry ${problem}` : problem;
    // Go's net.ParseIP, which k3s and the kubelet use, reads ::ffff:a.b.c.d as the IPv4 address a.b.c.d.
    if (ipFamily(part) === "ipv6" && ipaddr.IPv6.parse(part).isIPv4MappedAddress()) {
      const v4 = ipaddr.IPv6.parse(part).toIPv4Address().toString();
      return `'${part}' is an IPv4-mapped IPv6 address, which k3s and the kubelet read as the IPv4 address ${v4}. Fix: write ${v4}, or the node's own IPv6 address.`;
    }
  }
  const [a, b] = parts.map((p) => ipFamily(p)!);
  if (b !== undefined && a === b) {
    return `'${value}' lists two ${FAMILY_NAME[a]} addresses; the kubelet takes one address, or one of each family for a dual-stack node. Fix: keep the one other nodes reach this node on, and add an ${a === "ipv4" ? "IPv6" : "IPv4"} address only for a dual-stack cluster.`;
  }
  return undefined;
}

/** The comma form of a string or a YAML list (the list's entries may hold commas themselves, as k3s reads them). */
function commaForm(value: string | string[]): string {
  return Array.isArray(value) ? value.join(",") : value;
}

const listOf = z.array(z.string()).min(1, { message: "is an empty list. Fix: give one address, or an IPv4 and an IPv6 address, or remove the key." });

/**
 * A node-ip / node-external-ip setting in a stack file: a string (one address or a comma pair) or a
 * YAML list of one or two, checked with {@link nodeIpListProblem} and carried in the comma form.
 */
export function nodeIpListSchema(use: AddressUse) {
  return z.union([z.string(), listOf], { message: `must be an IP address, an IPv4,IPv6 pair or a list of them. Fix: write e.g. ${use.example}` })
    .transform(commaForm)
    .superRefine((value, ctx) => {
      const message = nodeIpListProblem(value, use);
      if (message) ctx.addIssue({ code: "custom", message, input: value });
    });
}

/**
 * The same as a component argument: a plain string or list is checked and carried in the comma form;
 * an Output or Promise resolves only while the program runs and is accepted unchecked.
 */
export function nodeIpListInput(use: AddressUse) {
  return z.union([listOf, nonEmptyInput]).transform((v) => (Array.isArray(v) ? v.join(",") : v)).superRefine((value, ctx) => {
    const message = typeof value === "string" ? nodeIpListProblem(value, use) : undefined;
    if (message) ctx.addIssue({ code: "custom", message, input: value });
  });
}
