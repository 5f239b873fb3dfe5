import { ConfigRoot, keyPath } from "./key-path";

/** A node as the flannel-external-ip check reads it. */
export interface ExternalIpNode {
  key: string;
  name: string;
  /** node-external-ip as written; undefined when not set. */
  externalAddress?: string;
  /** It is set, but to a value known only once the program runs (a VM's Output): not judged. */
  externalAddressPending?: boolean;
}

/** Whether serverConfig turns flannel-external-ip on (a bool flag; YAML may give the string "true"). */
export function flannelExternalIpOn(serverConfig: Record<string, unknown>): boolean {
  const v = serverConfig["flannel-external-ip"];
  return v === true || v === "true";
}

/**
 * k3s's flannel-external-ip makes every node's node-external-ip the destination of flannel's traffic
 * instead of its node-ip, and applies only to nodes that set one (k3s docs "Basic Network Options"
 * and "Distributed hybrid or multicloud cluster", which sets node-external-ip on every server and
 * agent; k3s-io/k3s#6177, PR #6180). So with more than one node:
 * - a node without externalAddress is reached on its internal address, which nodes on another
 *   network cannot reach, while its own traffic leaves for the others' external addresses;
 * - host-gw routes pod ranges through next hops on one layer-2 segment (rules/layer2.ts), which
 *   external addresses on different networks are not.
 * `cluster` names the cluster settings; returns "key: what is wrong. Fix: ..." lines.
 */
export function flannelExternalIpProblems(c: { flannelBackend?: string; serverConfig: Record<string, unknown> }, nodes: ExternalIpNode[], cluster: ConfigRoot): string[] {
  if (!flannelExternalIpOn(c.serverConfig) || nodes.length < 2) return [];
  const at = keyPath(cluster, ["serverConfig", "flannel-external-ip"]);
  const problems: string[] = [];
  if (c.flannelBackend === "host-gw") {
    problems.push(`${at}: sends flannel's traffic to the nodes' external addresses, but flannelBackend host-gw routes pod ranges only through next hops on one layer-2 segment, which external addresses are not. Fix: set flannelBackend: wireguard-native (what k3s documents for nodes on different networks), or remove flannel-external-ip.`);
  }
  const lacking = nodes.filter((n) => n.externalAddress === undefined && !n.externalAddressPending);
  if (lacking.length) {
    const names = lacking.map((n) => n.name).join(", ");
    problems.push(`${at}: makes flannel send pod traffic to each node's externalAddress (k3s node-external-ip), but ${names} ${lacking.length > 1 ? "have" : "has"} none, so ${lacking.length > 1 ? "they are" : "it is"} reached on ${lacking.length > 1 ? "their" : "its"} internal address, which nodes on another network cannot reach. Fix: set externalAddress on ${lacking.map((n) => n.key).join(", ")} (the address the other nodes reach it on), or remove flannel-external-ip.`);
  }
  return problems;
}
