import { parseIp } from "./address";
import { splitNodeIps } from "./node-ips";

/** One spelling per address: IPs normalised (`fd00::1` = `fd00:0::1`), names lowercased (DNS is case-blind). */
export function sameAddressForm(address: string): string {
  return parseIp(address)?.toNormalizedString() ?? address.toLowerCase();
}

/** What SSH dials for a host: two hosts may share an address behind NAT on different ports, never the same address and port. */
export function sshEndpointKey(address: string, port: number): { key: string; shown: string } {
  return { key: `${sameAddressForm(address)}:${port}`, shown: address };
}

/** The node-ips a node is known by (either address of a dual-stack pair), compared in one spelling. */
export function nodeIpKeys(internalAddress: string | undefined): Array<{ key: string; shown: string }> {
  return internalAddress === undefined ? [] : splitNodeIps(internalAddress).map((a) => ({ key: sameAddressForm(a), shown: a }));
}

/** One machine's values that must be unique: `at` names the field, `name` how another entry refers to it (`hosts[0]`). */
export interface UniqueEntry {
  at: string;
  name: string;
  values: Array<{ key: string; shown: string }>;
}

/**
 * Values that two machines of one cluster share although each needs its own: the SSH endpoint (two
 * entries for one machine would give it two nodes' configs, and the second install would overwrite
 * the first) and node-ip (a Node's InternalIP and flannel's VTEP address identify the node), for an
 * inventory and for K3sCluster's nodes alike. Returns "key: what is wrong. Fix: ..." lines, each
 * naming the later entry; `fix` ends the sentence "every ... needs its own ...".
 */
export function duplicateValueProblems(entries: UniqueEntry[], fix: string): string[] {
  const seen = new Map<string, number>();
  const problems: string[] = [];
  entries.forEach((entry, i) => {
    for (const v of entry.values) {
      const first = seen.get(v.key);
      if (first !== undefined && first !== i) {
        problems.push(`${entry.at}: '${v.shown}' is also used by ${entries[first].name}. Fix: ${fix}.`);
      } else if (first === undefined) seen.set(v.key, i);
    }
  });
  return problems;
}
