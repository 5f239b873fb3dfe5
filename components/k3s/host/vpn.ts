import { shq } from "../../remote/shell";
import { ConfigValue } from "../types";

/**
 * The VPN k3s joins at start (vpn-auth / vpn-auth-file, the Tailscale integration: k3s docs
 * "Distributed hybrid or multicloud cluster"): k3s runs the node's own `tailscale` command to join
 * the tailnet and takes node-ip and flannel's interface from it, so Tailscale must be installed on
 * every node, and a vpn-auth-file must be there for k3s to read. `file` is vpn-auth-file's path
 * (undefined when vpn-auth carries the value itself, from a secret contribution).
 */
export interface NodeVpn {
  file?: string;
}

/** The VPN a node's config.yaml keys join, or undefined when neither vpn-auth nor vpn-auth-file is set. */
export function nodeVpnOf(config: Record<string, ConfigValue>): NodeVpn | undefined {
  const file = config["vpn-auth-file"];
  if (typeof file === "string") return { file };
  return config["vpn-auth"] !== undefined ? {} : undefined;
}

/** Shell run with the other checks, before anything changes: fails naming the fix when the tailscale command or the vpn-auth-file is missing. */
export function renderVpnCheck(vpn: NodeVpn): string {
  const file = vpn.file ? `
vpn_file=${shq(vpn.file)}
if [ ! -s "$vpn_file" ]; then
  echo "k3s-stacks: $node: vpn-auth-file $vpn_file is missing or empty; k3s reads the VPN's name and join key from it at start and does not start without them. Fix: write name=tailscale,joinKey=<auth key> to $vpn_file on $node (mode 0600, owned by root), then run pulumi up again." >&2
  exit 1
fi` : "";
  return `# The VPN k3s joins at start (host/vpn.ts).
if ! command -v tailscale >/dev/null 2>&1; then
  echo "k3s-stacks: $node: k3s is set to join a Tailscale network (vpn-auth), which it does with the node's own tailscale command, but $node has none; k3s would not start. Fix: install Tailscale on $node (its package from pkgs.tailscale.com) and start tailscaled, then run pulumi up again." >&2
  exit 1
fi${file}`;
}
