import { cidrContains, cidrFamily } from "../../rules/cidr";

/**
 * Ranges never routed on the internet: RFC 1918 private, RFC 6598 shared (carrier-grade NAT),
 * loopback, link-local, and IPv6 unique-local (RFC 4193), link-local and loopback.
 */
const NOT_ON_THE_INTERNET = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "fc00::/7", "fe80::/10", "::1/128"];

/** Whether no address of `cidr` can be the source of a packet reaching a public address. */
export function isNonPublicCidr(cidr: string): boolean {
  return NOT_ON_THE_INTERNET.some((r) => cidrFamily(r) === cidrFamily(cidr) && cidrContains(r, cidr));
}

/**
 * The problem when every admin CIDR is a private or otherwise non-public range: Pulumi dials each
 * VM's public address, and what reaches it carries this machine's public (NAT) address, so the
 * firewall (Hetzner filters public interfaces only; the AWS rules see the public source) would let
 * nothing in and every node's SSH wait would time out after the VMs exist. One public range beside
 * private ones (a VPN's) is fine. `key` is the setting's path.
 */
export function nonPublicAdminProblem(key: string, adminCidrs: string[]): string | undefined {
  if (adminCidrs.length === 0 || !adminCidrs.every(isNonPublicCidr)) return undefined;
  return `${key}: ${adminCidrs.join(", ")} ${adminCidrs.length > 1 ? "are" : "is a"} private or non-public range${adminCidrs.length > 1 ? "s" : ""}, but Pulumi connects to each VM's public address and the firewall sees your public (NAT) address, so SSH and the API would stay closed to you and the run would time out waiting for the nodes. Fix: add your public address as a /32, e.g. the address 'curl -4 https://ifconfig.me' prints, such as 203.0.113.7/32.`;
}
