import { parseIp } from "../rules/address";
import { splitNodeIps, primaryNodeIp } from "../rules/node-ips";
import { configuredKubeconfigHost } from "./kubeconfig";
import { ClusterSettings, apiHost } from "./settings";

/** What {@link missingApiSans} reads of the first server: its name and the addresses it is known by. */
export interface FirstServerNames {
  name: string;
  /** The SSH host: an IP address or a DNS name. */
  host: string;
  /** node-ip, one address or an IPv4,IPv6 pair. */
  internalAddress?: string;
  /** node-external-ip, spelled the same way. */
  externalAddress?: string;
}

/** Names k3s's serving certificate always holds (K3S:pkg/cli/server/server.go run: "127.0.0.1", "::1", "localhost"). */
const LOOPBACK = ["127.0.0.1", "::1", "localhost"];

/** One spelling per host: IP addresses in Go's form, DNS names in lowercase. */
function canonical(host: string): string {
  return parseIp(host)?.toString() ?? host.toLowerCase();
}

/** A DNS name a wildcard SAN covers: `*.example.com` names exactly one more label (RFC 6125 §6.4.3, as Go's crypto/x509 matches). */
function wildcardCovers(san: string, host: string): boolean {
  if (!san.startsWith("*.") || parseIp(host)) return false;
  const dot = host.indexOf(".");
  return dot > 0 && host.slice(dot + 1) === san.slice(2).toLowerCase();
}

/**
 * Hosts this stack reaches the API server by that k3s's serving certificate would not name, for the
 * servers' `tls-san`. The stack names the API in two places: the joins (`server:` of every other node:
 * apiEndpoint or the VIP, else the first server's node-ip, else its SSH host) and the kubeconfig it
 * exports and applies the add-ons through (`kubeconfigHost`, apiEndpoint, the VIP or the first tlsSans
 * host, else the first server's SSH host). With `tls-san-security` (default true) k3s puts in its
 * certificate only the `tls-san` entries, the Kubernetes service names and the addresses of server
 * Nodes: their InternalIP (node-ip), ExternalIP (node-external-ip) and Hostname (the node name)
 * (K3S:pkg/cluster/address_controller.go filterCN; shared/reference §9 "SANs"); `advertise-address`
 * and the loopback names are added too (K3S:pkg/cli/server/server.go). Any other host — a DNS name such as `pi-1.lan` for a
 * node named `pi-1`, an SSH address on another interface than the node-ip, a public address NAT
 * forwards — fails TLS verification: `x509: certificate is valid for ..., not pi-1.lan`, for kubectl
 * and for a joining k3s alike (k3s-io/k3s#1381, kube-hetzner #1590). Without node-ip k3s picks the
 * address itself, so an SSH address that is an IP is not known to be the node's and is listed.
 * `knownHosts` are hosts the certificate is known to name already (K3sClusterArgs.knownApiHosts): an
 * existing cluster reached at the first server's SSH IP has its node-ip there in the usual case, and
 * adding it now would restart every server for nothing.
 * Returns the hosts in the order named, each once; empty when the certificate names them all.
 */
export function missingApiSans(
  settings: Pick<ClusterSettings, "apiEndpoint" | "apiVip" | "tlsSans" | "serverConfig">,
  first: FirstServerNames,
  kubeconfigHost?: string,
  knownHosts: string[] = [],
): string[] {
  const joinHost = apiHost(settings) ?? primaryNodeIp(first.internalAddress ?? first.host);
  const configHost = kubeconfigHost ?? configuredKubeconfigHost(settings) ?? first.host;
  const advertise = settings.serverConfig["advertise-address"];
  const fixed = apiHost(settings);
  const known = new Set([
    ...settings.tlsSans,
    ...(fixed ? [fixed] : []),
    ...(first.internalAddress ? splitNodeIps(first.internalAddress) : []),
    ...(first.externalAddress ? splitNodeIps(first.externalAddress) : []),
    ...(typeof advertise === "string" ? [advertise] : []),
    first.name,
    ...knownHosts,
    // k3s always names the loopback addresses (its own kubeconfig says https://127.0.0.1:6443).
    ...LOOPBACK,
  ].map(canonical));
  const missing: string[] = [];
  for (const host of [joinHost, configHost]) {
    const key = canonical(host);
    if (known.has(key) || settings.tlsSans.some((san) => wildcardCovers(san, key))) continue;
    known.add(key);
    missing.push(host);
  }
  return missing;
}
