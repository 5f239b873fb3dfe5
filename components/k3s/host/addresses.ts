import * as ipaddr from "ipaddr.js";
import { shq } from "../../remote/shell";
import { ConfigValue } from "../types";
import { failNewNodeOrWarn } from "./k3s-unit";

/** What k3s will take from a node's own interfaces: its node-ip addresses and flannel-iface, as its config.yaml says. */
export interface NodeInterfaces {
  /** k3s node-ip, each address as iproute2 prints it (RFC 5952 form for IPv6); empty when k3s detects it. */
  nodeIps: string[];
  /** k3s flannel-iface, when set. */
  flannelIface?: string;
  /** How long to wait for the interfaces to come up (a cloud VM's private NIC gets its address after boot), in seconds; default 60. */
  waitSeconds?: number;
}

/**
 * The interface facts of a node's config.yaml keys; undefined when there is nothing to check (no
 * node-ip and no flannel-iface) or when vpn-auth/vpn-auth-file is set: k3s then brings the VPN up
 * itself at start and takes node-ip and flannel's interface from it (k3s docs "Distributed hybrid or
 * multicloud cluster", Tailscale integration), so they do not exist before.
 */
export function nodeInterfacesOf(config: Record<string, ConfigValue>): NodeInterfaces | undefined {
  if (["vpn-auth", "vpn-auth-file"].some((k) => config[k] !== undefined)) return undefined;
  const raw = config["node-ip"];
  const list = Array.isArray(raw) ? raw.map(String) : typeof raw === "string" ? [raw] : [];
  const nodeIps = list.flatMap((v) => v.split(",")).map((a) => a.trim()).filter((a) => ipaddr.isValid(a)).map((a) => ipaddr.parse(a).toString());
  const iface = typeof config["flannel-iface"] === "string" ? (config["flannel-iface"] as string) : undefined;
  if (nodeIps.length === 0 && !iface) return undefined;
  return { nodeIps, ...(iface ? { flannelIface: iface } : {}) };
}

/**
 * Shell run with the other checks, before anything changes on the node: the interfaces k3s is told to
 * use must be there, and flannel must end up on the network node-ip names. Skipped where iproute2's
 * `ip` is missing (nothing to ask). Waits up to `waitSeconds` for missing addresses first. Fails, naming
 * the fix, when:
 * - flannel-iface names no interface, or one without a global address: k3s stops at start ("unable to
 *   find interface", "does not have a correct global unicast ip", k3s-io/k3s#8345);
 * - a node-ip is on no interface: the kubelet refuses it ("node IP ... not found in the host's network
 *   interfaces", Kubernetes pkg/kubelet/nodestatus validateNodeIP; k3s-io/k3s#284);
 * - without flannel-iface, a node-ip is not on the interface of its family's default route, or there is
 *   no such route, or the first one is multipath (ECMP: flannel finds no interface on it and stops): flannel takes the default route's interface and its first address whatever node-ip
 *   says (flannel LookupExtInterface; k3s-io/k3s#12056, #12459, #72), so pod traffic between nodes
 *   leaves from another network (Vagrant's NAT address, which every VM shares; a public NIC the cloud
 *   firewall closes), or flannel stops ("failed to get default interface"). Only on a node where k3s does
 *   not run yet: where it runs, a warning with the same fix, so a working cluster's run goes on.
 */
export function renderInterfaceCheck(n: NodeInterfaces): string {
  const tries = Math.ceil((n.waitSeconds ?? 60) / 2);
  return `# The interfaces k3s is told to use (host/addresses.ts).
flannel_iface=${shq(n.flannelIface ?? "")}
node_ips=${shq(n.nodeIps.join(" "))}
# The readers drain ip's output (no exit, no grep -q): under pipefail, ip killed by SIGPIPE on a host
# with many addresses (a node's pod veths) would fail the check or end the script.
iface_of() { ip -o addr show 2>/dev/null | awk -v a="$1" '!f { split($4, p, "/"); if (p[1] == a) { sub(/@.*/, "", $2); print $2; f = 1 } }'; }
iface_ok() { ip -o addr show dev "$1" scope global 2>/dev/null | grep -c . >/dev/null; }
addresses_here() { ip -o addr show scope global 2>/dev/null | awk '{ split($4, p, "/"); sub(/@.*/, "", $2); printf "%s%s (%s)", sep, p[1], $2; sep = ", " }'; }
if command -v ip >/dev/null 2>&1; then
  tries=${tries}
  while :; do
    net_missing=""
    if [ -n "$flannel_iface" ] && ! iface_ok "$flannel_iface"; then net_missing=1; fi
    for a in $node_ips; do [ -n "$(iface_of "$a")" ] || net_missing=1; done
    if [ -z "$net_missing" ] || [ "$tries" -le 0 ]; then break; fi
    tries=$((tries - 1))
    sleep 2
  done
  here=$(addresses_here)
  if [ -n "$flannel_iface" ] && ! ip -o link show dev "$flannel_iface" >/dev/null 2>&1; then
    echo "k3s-stacks: $node has no network interface $flannel_iface, its flannelIface (k3s flannel-iface); k3s stops with 'unable to find interface' (k3s-io/k3s#8345). Addresses here: \${here:-none}. Fix: set flannelIface of $node (hetzner.privateInterface on a Hetzner stack) to the interface on the network the nodes share, or remove it, then run pulumi up again." >&2
    exit 1
  fi
  if [ -n "$flannel_iface" ] && ! iface_ok "$flannel_iface"; then
    echo "k3s-stacks: $node's interface $flannel_iface, its flannelIface (k3s flannel-iface), has no global address; k3s stops with 'interface $flannel_iface does not have a correct global unicast ip' (k3s-io/k3s#8345). Addresses here: \${here:-none}. Fix: bring $flannel_iface up with its address, or set flannelIface of $node to the interface that has one, then run pulumi up again." >&2
    exit 1
  fi
  for a in $node_ips; do
    if [ -z "$(iface_of "$a")" ]; then
      echo "k3s-stacks: $node has no interface with $a, its internalAddress (k3s node-ip); the kubelet refuses a node IP the host does not have ('not found in the host's network interfaces', k3s-io/k3s#284). Addresses here: \${here:-none}. Fix: set internalAddress of $node to its address on the network the nodes share, then run pulumi up again." >&2
      exit 1
    fi
  done
  flannel_problem=""
  if [ -z "$flannel_iface" ]; then
    for a in $node_ips; do
      own=$(iface_of "$a")
      case "$a" in *:*) fam=6; family_name=IPv6 ;; *) fam=4; family_name=IPv4 ;; esac
      # awk reads every line: head would leave ip writing into a closed pipe, and pipefail turns its SIGPIPE (141) into a failure.
      route=$(ip -o -"$fam" route show default 2>/dev/null | awk 'NR == 1')
      route_dev=$(printf '%s\n' "$route" | awk '{ for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }')
      if [ -z "$route_dev" ]; then
        flannel_problem="$node has no $family_name default route and no flannelIface; flannel takes its interface from that route, so it would not start ('failed to get default interface'). Fix: set flannelIface of $node to $own, the interface of its internalAddress $a (k3s flannel-iface), then run pulumi up again."
      elif printf '%s\n' "$route" | grep -qw nexthop; then
        flannel_problem="$node's $family_name default route is multipath (ECMP: $route); without flannel-iface flannel takes its interface from the first default route, and a multipath one names none, so it would not start ('Found default route but could not determine interface', flannel pkg/ip GetDefaultGatewayInterface). Fix: set flannelIface of $node to $own, the interface of its internalAddress $a (k3s flannel-iface), then run pulumi up again."
      elif [ "$route_dev" != "$own" ]; then
        flannel_problem="$node's internalAddress $a (k3s node-ip) is on $own, but its $family_name default route leaves by $route_dev; without flannel-iface flannel sends pod traffic between nodes from $route_dev's address whatever node-ip says (k3s-io/k3s#12056, #12459), another network than the one the nodes know this node by (Vagrant's NAT address, the same on every VM, or a public NIC the firewall closes). Fix: set flannelIface of $node to $own, then run pulumi up again."
      fi
      [ -z "$flannel_problem" ] || break
    done
  fi
  # A node where k3s already runs works as it is (flannel may reach the others that way too): a
  # warning, so a day-two run of a working cluster goes on; a new node fails before anything changes.
  if [ -n "$flannel_problem" ]; then
    ${failNewNodeOrWarn(`k3s-stacks: warning: $flannel_problem`, `k3s-stacks: $flannel_problem`, 4)}
  fi
fi`;
}
