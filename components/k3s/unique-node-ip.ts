import { shq } from "../remote/shell";
import { readNodeRow } from "./node-table";

/**
 * Bash for the first server, once `node` is Ready: exits 1 when the Node registered with an InternalIP
 * another Node has too. The check the stack's inputs cannot make: without node-ip (internalAddress
 * unset) k3s takes the address of the interface with the default route, and on hosts behind one NAT
 * network that address is the same on every node (Vagrant and VirtualBox NAT give each VM 10.0.2.15:
 * k3s-io/k3s#72, alexellis/k3sup#306, flannel's troubleshooting guide; the reference sheet is silent). flannel then has one VTEP address for two nodes and the API server one
 * kubelet address for two Nodes, so pods on one never reach the other while every Node reports Ready.
 * Reads the Nodes from `$nodes` (node-table.ts); addresses it cannot read (an API that did not
 * answer) are not judged.
 */
export function renderUniqueNodeIp(node: string): string {
  const n = shq(node);
  return `my_ips=""
while ${readNodeRow({ name: "name", ips: "ips" })}; do
  if [ "$name" = ${n} ]; then my_ips=$ips; fi
done <<< "$nodes"
if [ -n "$my_ips" ]; then
  while ${readNodeRow({ name: "other", ips: "ips" })}; do
    if [ -z "$other" ] || [ "$other" = ${n} ]; then continue; fi
    for ip in $my_ips; do
      case " $ips " in
        *" $ip "*)
          echo "k3s-stacks: node ${node} registered with InternalIP $ip, which node $other has too. Without node-ip k3s takes the address of the interface with the default route, and behind a NAT network every VM shares (Vagrant's 10.0.2.15) that is the same on every node; flannel and the kubelet then cannot tell the two apart and pods on one never reach the other. Fix: set internalAddress of ${node} and of $other to each node's own address on the network the nodes share (k3s node-ip), and flannelIface to that interface if it is not the default route's, then run pulumi up again." >&2
          exit 1 ;;
      esac
    done
  done <<< "$nodes"
fi`;
}
