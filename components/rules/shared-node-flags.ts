import { ConfigRoot, keyPath } from "./key-path";
import { keyedArgEntries } from "./component-args";
import { argName } from "./managed-flags";

/**
 * k3s flags whose value is one machine's own address, set in serverConfig (which every server gets)
 * or agentConfig (every node). Scripts that install k3s node by node write them per host
 * (`--advertise-address=$(hostname -I ...)`, as hetzner-k3s and many k3sup recipes do); here one
 * value would reach them all:
 * - advertise-address, and kube-apiserver's --advertise-address through kube-apiserver-arg: the
 *   address each API server publishes in the `kubernetes` Service's endpoints (k3s docs "server"
 *   flags: "IPv4/IPv6 address that apiserver uses to advertise to members of the cluster", default
 *   node-external-ip/node-ip). Every server would publish the same one, and the agents' load
 *   balancer, which learns the servers from those endpoints (K3S:pkg/agent/tunnel), would know only
 *   that server: the cluster loses its API when it goes down, the HA the other servers were for.
 * - bind-address (k3s's listener, default 0.0.0.0) and apiserver-bind-address, and kube-apiserver's
 *   --bind-address: an address the other machines do not have, so their k3s cannot listen
 *   ("bind: cannot assign requested address") and does not start. The wildcards 0.0.0.0 and :: are
 *   every machine's and are fine.
 * One machine getting the value is fine: a single server, or agentConfig on a one-node cluster.
 */
const WILDCARDS = new Set(["0.0.0.0", "::", "[::]"]);
const ADVERTISE = "advertise-address";
const BIND = ["bind-address", "apiserver-bind-address"];

interface Node { name: string; role: string }

/** One value set for every machine of `targets`, as "key: what is wrong. Fix: ..."; undefined for a wildcard or one machine. */
function problem(key: string, flag: string, value: string, targets: Node[], field: string): string | undefined {
  if (targets.length < 2 || (flag !== ADVERTISE && WILDCARDS.has(value.trim()))) return undefined;
  const list = `${targets.length} ${field === "serverConfig" ? "servers" : "nodes"} (${targets.map((n) => n.name).join(", ")})`;
  if (flag === ADVERTISE) {
    return `${key}: ${value} is one server's address, but ${field} goes to all ${list}, so each would advertise ${value} as its API address: the kubernetes Service and the agents' load balancer would know that one server only, and the cluster loses its API when it goes down. Fix: remove it; k3s advertises each server's own node-external-ip, else node-ip (set a host's externalAddress or internalAddress to choose it).`;
  }
  return `${key}: ${value} is one machine's address, but ${field} goes to all ${list}, and k3s cannot listen on an address a machine does not have ("bind: cannot assign requested address"), so it would not start on the others. Fix: remove it (k3s listens on 0.0.0.0, every address), or write 0.0.0.0 (:: for IPv6).`;
}

/**
 * Machine-specific address flags in the cluster's serverConfig/agentConfig that reach more than one
 * machine, named under `cluster` (`"cluster"`, `{ arg: "K3sCluster.args" }`). agentConfig reaches
 * every agent, and every server whose serverConfig does not set the same key.
 */
export function sharedNodeFlagProblems(settings: { serverConfig: Record<string, unknown>; agentConfig: Record<string, unknown> }, nodes: Node[], cluster: ConfigRoot): string[] {
  const servers = nodes.filter((n) => n.role === "server");
  const problems: string[] = [];
  for (const field of ["serverConfig", "agentConfig"] as const) {
    const config = settings[field];
    const reach = (flag: string) => (field === "serverConfig" ? servers : nodes.filter((n) => n.role !== "server" || !(flag in settings.serverConfig)));
    for (const flag of [ADVERTISE, ...BIND]) {
      const value = config[flag];
      const p = typeof value === "string" ? problem(keyPath(cluster, [field, flag]), flag, value, reach(flag), field) : undefined;
      if (p) problems.push(p);
    }
  }
  // kube-apiserver-arg is a server flag (refused in agentConfig by rules/flags.ts).
  for (const { key, entry } of keyedArgEntries(settings.serverConfig, "kube-apiserver-arg")) {
    const flag = argName(entry);
    const p = flag === ADVERTISE || flag === "bind-address" ? problem(`${keyPath(cluster, ["serverConfig"])}.${key}`, flag, entry.slice(entry.indexOf("=") + 1), servers, "serverConfig") : undefined;
    if (p) problems.push(p);
  }
  return problems;
}
