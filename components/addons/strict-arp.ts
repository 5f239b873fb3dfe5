import { argName } from "../rules/managed-flags";
import { ConfigRoot, keyPath } from "../rules/key-path";

/** One `kube-proxy-arg` entry as written, with where it is. */
interface ArgEntry {
  root: ConfigRoot;
  key: string;
  index?: number;
  entry: string;
}

/** A serverConfig or agentConfig with the root that names it. */
export interface K3sConfigAt {
  root: ConfigRoot;
  config: Record<string, unknown>;
}

/**
 * The `kube-proxy-arg` and `kube-proxy-arg+` (k3s appends the latter) entries a node's kube-proxy
 * gets, in the order k3s passes them: each key from the first config in `layers` that sets it (a
 * server's serverConfig key replaces its agentConfig one, components/k3s/node-config.ts).
 */
function proxyArgs(layers: K3sConfigAt[]): ArgEntry[] {
  return ["kube-proxy-arg", "kube-proxy-arg+"].flatMap((key) => {
    const from = layers.find((l) => key in l.config);
    if (!from) return [];
    const v = from.config[key];
    if (typeof v === "string") return [{ root: from.root, key, entry: v }];
    if (!Array.isArray(v)) return [];
    return v.flatMap((entry, index) => (typeof entry === "string" ? [{ root: from.root, key, index, entry }] : []));
  });
}

/** The value k3s passes for an argument (`true` for a bare name), from its last entry: a later one wins (k3s GetArgs). */
function lastValue(args: ArgEntry[], name: string): { at: ArgEntry; value: string } | undefined {
  const at = args.filter((a) => argName(a.entry) === name).at(-1);
  if (!at) return undefined;
  const eq = at.entry.indexOf("=");
  return { at, value: eq < 0 ? "true" : at.entry.slice(eq + 1).trim() };
}

/**
 * The problems of MetalLB in layer-2 mode with kube-proxy in IPVS mode: IPVS puts every
 * LoadBalancer address on each node's kube-ipvs0 interface, so without `ipvs-strict-arp` every node
 * answers ARP for them, not only the speaker MetalLB elected, and clients flip between nodes
 * (MetalLB's installation guide asks for strictARP with IPVS; metallb/metallb#153, kubespray refuses
 * MetalLB without it, kubernetes-sigs/kubespray#5180). Servers' kube-proxy reads serverConfig over
 * agentConfig, agents' (when `agents`) agentConfig; `lbRoot` names the layer in the message.
 */
export function strictArpProblems(server: K3sConfigAt, agent: K3sConfigAt, agents: boolean, lbRoot: string): string[] {
  const problems = new Set<string>();
  for (const layers of agents ? [[server, agent], [agent]] : [[server, agent]]) {
    const args = proxyArgs(layers);
    const mode = lastValue(args, "proxy-mode");
    if (mode?.value !== "ipvs" || lastValue(args, "ipvs-strict-arp")?.value === "true") continue;
    const { root, key, index, entry } = mode.at;
    problems.add(`${keyPath(root, index === undefined ? [key] : [key, index])}: '${entry}' runs kube-proxy in IPVS mode, which puts every LoadBalancer address on each node's kube-ipvs0 interface, so without strict ARP every node answers ARP for the addresses MetalLB announces in layer 2 (${lbRoot}) and clients switch between nodes. Fix: add ipvs-strict-arp=true to ${keyPath(root, ["kube-proxy-arg"])}, or announce the pools over BGP.`);
  }
  return [...problems];
}
