import { ConfigError, PROJECT } from "../rules/errors";
import { keyPath } from "../rules/key-path";
import type { ClusterSettings } from "../k3s/settings";
import { firstServerHandover } from "../day-two/servers";
import { PreviousState, registration } from "../day-two/previous";
import { hostEndpoints, liveHosts, parseInventoryConfig } from "../nodes/inventory";
import { ARCH_ALIASES, InventoryConfig } from "../nodes/inventory/schema";
import { ThisMachine, parseLocalConfig, thisMachine } from "../nodes/local";
import { parseCloudConfig } from "../nodes/cloud/validate";
import { planNodes } from "../nodes/cloud/pools";
import type { ConfigReader } from "./secrets";
import type { NodePlan, NodeSource } from "./types";

/**
 * Which node source the stack uses (exactly one of inventory, cloud, local), parsed and checked.
 * `cluster` is undefined when the cluster block is invalid: the cloud's network checks need its CIDRs.
 * `previous`: the last update's outputs, when read.
 */
export function parseNodeSource(read: ConfigReader, cluster: ClusterSettings | undefined, machine?: ThisMachine, readsPrevious = true, previous: PreviousState = {}): NodeSource | undefined {
  const inventory = read.object("inventory");
  const cloud = read.object("cloud");
  const sources = [inventory !== undefined && "inventory", cloud !== undefined && "cloud", read.has("local") && "local"].filter((k): k is string => k !== false);
  if (sources.length > 1) {
    throw new ConfigError([`${sources.map((k) => `${PROJECT}:${k}`).join(" and ")}: are all set. Fix: keep one; a stack's nodes come from an SSH inventory, a cloud, or this machine (local).`]);
  }
  if (sources[0] === "local") return { kind: "local", local: parseLocalConfig(read.object("local"), machine ?? thisMachine()) };
  if (cloud !== undefined) {
    if (cluster === undefined) return undefined;
    return { kind: "cloud", cloud: parseCloudConfig(cloud, { clusterCidr: cluster.clusterCidr, serviceCidr: cluster.serviceCidr, flannelBackend: cluster.flannelBackend, flannelExternalIp: [true, "true"].includes(cluster.serverConfig["flannel-external-ip"] as never) }) };
  }
  if (inventory === undefined) {
    throw new ConfigError([`${PROJECT}:inventory: is missing. Fix: list your machines under k3s-stacks:inventory, or describe cloud nodes under k3s-stacks:cloud (see README).`]);
  }
  const parsed = parseInventoryConfig(inventory);
  if (cluster) firstServerGoneProblems(parsed, cluster, readsPrevious, previous);
  return { kind: "inventory", inventory: parsed };
}

/**
 * A first server marked gone hands its place to the next server listed, when the cluster allows it
 * (day-two/servers.ts firstServerHandover): checked here without the previous outputs, so that a
 * stack that does not read them is refused too. Such a stack is refused a handover altogether: only
 * the `clusterInitServer` output says the lost server started the cluster, and once its entry is
 * deleted the next server would be taken for it: cluster-init in its config.yaml (a restart) and its
 * leave step no longer registered, so the engine runs that step's stored delete, which deletes the
 * Node and with it the etcd member of a server that runs (k3s/removal-scripts.ts renderLeaveScript).
 */
function firstServerGoneProblems(inv: InventoryConfig, cluster: ClusterSettings, readsPrevious: boolean, previous: PreviousState): void {
  const servers = inv.hosts.map((h, i) => ({ h, i })).filter(({ h }) => h.role === "server");
  // The first server is the last update's first, where known: a gone entry may have moved in the list.
  const order = readsPrevious && previous.serverNames ? previous.serverNames : servers.map(({ h }) => h.name);
  const first = servers.find(({ h }) => h.name === order[0]);
  if (!first?.h.gone) return;
  const refused = firstServerHandover(order, servers.filter(({ h }) => !h.gone).map(({ h }) => h.name), cluster.datastore, {
    gone: servers.filter(({ h }) => h.gone).map(({ h }) => h.name),
    ...registration(readsPrevious ? previous : {}, cluster),
  });
  const key = keyPath("inventory", ["hosts", first.i, "gone"]);
  if (refused) throw new ConfigError([`${key}: ${refused}`]);
  if (!readsPrevious) {
    throw new ConfigError([
      `${key}: marks '${first.h.name}', the first server, gone while ${PROJECT}:upgrade.checkPreviousOutputs is false: which server started the cluster is known only from the last update's clusterInitServer output, ` +
        `so once this entry is deleted '${servers.find(({ h }) => !h.gone)?.h.name ?? "the next server"}' would be taken for it, and that update would delete its Node and etcd member (its leave step is dropped and runs its delete) and restart it with cluster-init. ` +
        "Fix: set checkPreviousOutputs to true (it needs a backend with project-scoped stacks, docs/day-two.md) for this update and every later one; otherwise set gone: false and follow 'Replace the first server' in docs/day-two.md.",
    ]);
  }
}

function inventoryPlan(inv: InventoryConfig, h: InventoryConfig["hosts"][number]): NodePlan {
  const { endpoint, bastion } = hostEndpoints(inv, h);
  return {
    name: h.name,
    role: h.role,
    arch: ARCH_ALIASES[h.arch],
    labels: h.labels,
    taints: h.taints,
    connection: { ...endpoint, ...(bastion ? { bastion } : {}) },
    internalAddress: h.internalAddress,
    externalAddress: h.externalAddress,
  };
}

/**
 * The nodes a source will give, before any exists: live ones and (inventory) the ones marked gone.
 * Cloud VMs are named and ordered as the cloud modules create them (nodes/cloud/pools.ts planNodes);
 * their addresses are the provider's to assign at creation, so they stay unknown here.
 */
export function plannedNodes(source: NodeSource): { nodes: NodePlan[]; gone: NodePlan[] } {
  if (source.kind === "inventory") {
    const inv = source.inventory;
    const live = new Set(liveHosts(inv));
    return {
      nodes: inv.hosts.filter((h) => live.has(h)).map((h) => inventoryPlan(inv, h)),
      gone: inv.hosts.filter((h) => !live.has(h)).map((h) => inventoryPlan(inv, h)),
    };
  }
  if (source.kind === "local") {
    const l = source.local;
    return { nodes: [{ name: l.name, role: "server", arch: l.arch, labels: l.labels, taints: l.taints, connection: { host: "127.0.0.1", local: true } }], gone: [] };
  }
  return {
    nodes: planNodes(source.cloud).map((n) => ({ name: n.name, role: n.role, arch: n.arch, labels: n.labels, taints: n.taints, pool: n.pool.name, connection: {} })),
    gone: [],
  };
}
