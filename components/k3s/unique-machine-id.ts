import { shq } from "../remote/shell";
import { readNodeRow } from "./node-table";

/**
 * Bash for the first server, once `node` is Ready: exits 1 when its Node reports the machine ID
 * (/etc/machine-id, which the kubelet reads into status.nodeInfo.machineID) of another Node. Two
 * machines share one when they boot copies of one disk: an SD card cloned for a second Raspberry Pi,
 * an image flashed with its machine-id in it, a VM template (hypriot/image-builder-rpi#167,
 * TheRemote/Ubuntu-Server-raspi4-unofficial#74: an overlay network broken on every node). systemd derives
 * the MAC address of the virtual interfaces flannel creates (flannel.1, cni0) from the machine ID and
 * the interface name (systemd.link MACAddressPolicy=persistent, the default since systemd 242;
 * flannel-io/flannel#1155), so both nodes' VTEPs get one MAC and each peer's forwarding table sends
 * their pods' traffic to one of them; DHCP clients derive their DUID from it too. The stack's inputs
 * cannot see it, and every Node reports Ready. Reads the Nodes from `$nodes` (node-table.ts); a machine
 * ID it cannot read (an API that did not answer) is not judged.
 */
export function renderUniqueMachineId(node: string): string {
  const n = shq(node);
  return `my_machine=""
while ${readNodeRow({ name: "name", machine: "machine" })}; do
  if [ "$name" = ${n} ]; then my_machine=\${machine#m=}; fi
done <<< "$nodes"
if [ -n "$my_machine" ]; then
  while ${readNodeRow({ name: "other", machine: "machine" })}; do
    if [ -z "$other" ] || [ "$other" = ${n} ] || [ "\${machine#m=}" != "$my_machine" ]; then continue; fi
    echo "k3s-stacks: node ${node} reports machine ID $my_machine (/etc/machine-id), which node $other reports too: the two machines boot copies of one disk (a cloned SD card or VM image). systemd derives the MAC address of flannel's interfaces from the machine ID, so both nodes' flannel.1 get one MAC and pods on one of them stop reaching pods on the other. Fix: on ${node}, run 'rm -f /etc/machine-id /var/lib/dbus/machine-id && systemd-machine-id-setup' and reboot it, then run pulumi up again." >&2
    exit 1
  done <<< "$nodes"
fi`;
}
