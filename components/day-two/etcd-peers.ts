import { ConfigError, PROJECT } from "../rules/errors";
import { canonicalIp as canonical } from "../rules/address";
import { primaryNodeIp } from "../rules/node-ips";
import type { Datastore } from "../rules/datastore";

/** A planned node as this check reads it: name, role and the internalAddress written in the stack (plain), if any. */
export interface PeerNode {
  name: string;
  role: string;
  internalAddress?: string;
}

/**
 * The `etcdNodeIps` stack output: embedded-etcd server → the node-ip its config.yaml names (the primary
 * of internalAddress, RFC 5952 spelling). Servers without internalAddress are left out: k3s picks their
 * address itself, which the program cannot see. Empty for sqlite and postgres.
 */
export function etcdNodeIps(nodes: PeerNode[], datastore: Datastore): Record<string, string> {
  if (datastore !== "etcd") return {};
  return Object.fromEntries(
    nodes
      .filter((n) => n.role === "server" && typeof n.internalAddress === "string")
      .map((n) => [n.name, canonical(primaryNodeIp(n.internalAddress!))]),
  );
}

/**
 * Refuses moving an embedded-etcd server to another node-ip on a running cluster. k3s registers each
 * etcd member with its peer address (https://<node-ip>:2380) when it joins and does not update it: a
 * server restarted with another node-ip refuses to start ("this server is a not a member of the etcd
 * cluster", k3s-io/k3s#4296, #5991), so the rolling restart would stop at it with k3s down there. The
 * k3s maintainers' way to move a server is to delete its Node (and member) and join it again
 * (k3s-io/k3s#10362). `previous` is the last `etcdNodeIps` output (absent in older stacks: no check).
 * The k3s reference sheet is silent on peer addresses.
 */
export function checkEtcdNodeIps(previous: Record<string, string> | undefined, next: Record<string, string>, nodesKey: string): void {
  if (!previous) return;
  const problems = Object.entries(next)
    .filter(([name, ip]) => previous[name] !== undefined && canonical(previous[name]) !== ip)
    .map(([name, ip]) =>
      `${PROJECT}:${nodesKey}: moves etcd server '${name}' from node-ip ${previous[name]} to ${ip} (internalAddress) on a running cluster. ` +
        `k3s keeps each etcd member's peer address (https://${previous[name]}:2380) and a server restarted with another node-ip refuses to start ("not a member of the etcd cluster", k3s-io/k3s#5991), so the rolling restart would stop there with k3s down on '${name}'. ` +
        `Fix: put back internalAddress ${previous[name]}. To move '${name}' to ${ip}, take it out of etcd first: in one pulumi up make it an agent and an agent a server (a swap keeps the count odd); in the next give it the new address and swap back, making it a server and that agent an agent again (its Node and member are deleted and it joins anew, k3s-io/k3s#10362).`);
  if (problems.length) throw new ConfigError(problems);
}
