import { parseIp, sameIp } from "./address";
import { splitNodeIps } from "./node-ips";

/** A node as the apiEndpoint check reads it: its name, role and the addresses it is known by. */
export interface EndpointNode {
  name: string;
  role: "server" | "agent";
  address?: string;
  internalAddress?: string;
}

/** localhost, names under .localhost (RFC 6761 §6.3), 127.0.0.0/8 and ::1: on each machine, that machine itself. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === "localhost" || h.endsWith(".localhost") || parseIp(h)?.range() === "loopback";
}

/**
 * `cluster.apiEndpoint` against the nodes that join through it (`key` names the setting): k3s
 * writes it as each joining node's `server: https://<apiEndpoint>:6443`, so it must name a machine
 * that serves the API on 6443 to every node:
 * - a loopback name or address is, on each node, that node itself: a joining server has no API
 *   running yet, and an agent serves none (its own load balancer listens on 6444, k3s docs
 *   "Architecture"), so only a single-node cluster can use it;
 * - an agent's address: agents run no API server.
 * Names are not resolved. Returns "key: what is wrong. Fix: ..." lines.
 */
export function apiEndpointProblems(apiEndpoint: string | undefined, nodes: EndpointNode[], key: string): string[] {
  if (apiEndpoint === undefined) return [];
  const fix = "give the address or DNS name of a load balancer, a VIP (or apiVip) or a server that every node reaches on port 6443";
  if (isLoopback(apiEndpoint) && nodes.length > 1) {
    return [`${key}: ${apiEndpoint} is, on each node, that node itself, and the other ${nodes.length - 1} node(s) join through it: a joining server has no API yet and an agent serves none on 6443. Fix: ${fix}; for a tunnel from this machine, leave apiEndpoint out and put 127.0.0.1 first in tlsSans.`];
  }
  if (!parseIp(apiEndpoint)) return [];
  const agent = nodes.find((n) => n.role === "agent" && [n.address, ...(n.internalAddress ? splitNodeIps(n.internalAddress) : [])].some((a) => a !== undefined && parseIp(a) && sameIp(a, apiEndpoint)));
  return agent ? [`${key}: ${apiEndpoint} is the address of ${agent.name}, an agent, which runs no API server, so no node could join through it. Fix: ${fix}.`] : [];
}
