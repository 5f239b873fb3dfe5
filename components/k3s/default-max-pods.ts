import { Family } from "../rules/address";
import { ClusterNetwork, podAddressesPerNode } from "../rules/cluster-network";
import { cidrFamily, splitCidrs } from "../rules/cidr";
import { keyedArgEntries } from "../rules/component-args";
import { argName } from "../rules/managed-flags";
import { flagType } from "../rules/flags";
import { ConfigRoot, keyPath } from "../rules/key-path";
import { NodeRole } from "../nodes/types";
import { ClusterSettings, kubeletMaxPods, nodeCidrMaskEntries } from "./settings";

/**
 * The kubelet's max-pods when no flag or config file sets it (KubeletConfiguration maxPods,
 * Kubernetes pkg/kubelet/apis/config/v1beta1/defaults.go); k3s passes none of its own.
 */
export const KUBELET_DEFAULT_MAX_PODS = 110;

/** The user's keys a server's kubelet gets: agentConfig's server flags, each replaced by serverConfig's (k3s/node-config.ts serverUserConfig). */
function serverKeys(s: Pick<ClusterSettings, "serverConfig" | "agentConfig">): Record<string, unknown> {
  const fromAgents = Object.entries(s.agentConfig).filter(([k]) => flagType("server", k.replace(/\+$/, "")));
  return { ...Object.fromEntries(fromAgents), ...s.serverConfig };
}

/** Whether a config's kubelet-arg leaves max-pods at the kubelet's default: no max-pods, and no kubelet config file that could set maxPods. */
function defaultsMaxPods(config: Record<string, unknown>): boolean {
  const fromFile = keyedArgEntries(config, "kubelet-arg").some(({ entry }) => ["config", "config-dir"].includes(argName(entry)));
  return !fromFile && kubeletMaxPods(config, (k) => k).length === 0;
}

/**
 * A node-cidr-mask-size that gives each node fewer pod addresses than the kubelet's default max-pods,
 * on nodes whose kubelet-arg sets no max-pods: the scheduler places up to 110 pods on such a node, and
 * those past its range's addresses stay ContainerCreating ("no IP addresses available in range set",
 * the host-local IPAM flannel delegates to). An explicit max-pods is maxPodsProblems' (rules/cluster-network.ts).
 * `nodeMask` is the mask in force (the layers' contributions included) and where it is set; the key
 * of the user's own entry under `cluster` when `nodeCidrMaskFrom` lacks it.
 */
export function defaultMaxPodsProblems(settings: ClusterSettings, nodes: Array<{ role: NodeRole }>, nodeMask: Pick<ClusterNetwork, "nodeCidrMaskSize" | "nodeCidrMaskFrom">, cluster: ConfigRoot): string[] {
  const server = serverKeys(settings);
  const unset = { server: defaultsMaxPods(server) && nodes.some((n) => n.role === "server"), agent: defaultsMaxPods(settings.agentConfig) && nodes.some((n) => n.role === "agent") };
  if (!unset.server && !unset.agent) return [];
  const own: Partial<Record<Family, string>> = {};
  for (const e of nodeCidrMaskEntries(settings.serverConfig)) for (const f of e.families) own[f] = `${keyPath(cluster, ["serverConfig"])}.${e.key}`;
  const limits = splitCidrs(settings.clusterCidr).map(cidrFamily).flatMap((f) => {
    const mask = nodeMask.nodeCidrMaskSize?.[f];
    if (mask === undefined) return [];
    return [{ f, mask, room: podAddressesPerNode(f, mask), key: nodeMask.nodeCidrMaskFrom?.[f] ?? own[f] ?? keyPath(cluster, ["serverConfig", "kube-controller-manager-arg"]) }];
  });
  const tight = limits.filter((l) => l.room < KUBELET_DEFAULT_MAX_PODS).sort((a, b) => a.room - b.room)[0];
  if (!tight) return [];
  const which = unset.server && unset.agent ? "no kubelet-arg sets max-pods" : unset.agent ? "agentConfig's kubelet-arg sets no max-pods (serverConfig's reaches the servers only)" : "the servers' kubelet-arg (serverConfig's replaces agentConfig's there) sets no max-pods";
  const where = unset.agent ? "to kubelet-arg in agentConfig (servers read it too unless serverConfig sets its own kubelet-arg)" : "to kubelet-arg in serverConfig";
  const wider = tight.f === "ipv4" ? 32 - Math.ceil(Math.log2(KUBELET_DEFAULT_MAX_PODS + 3)) : 128 - Math.ceil(Math.log2(KUBELET_DEFAULT_MAX_PODS + 2));
  return [`${tight.key}: node-cidr-mask-size-${tight.f}=${tight.mask} gives each node ${tight.room} pod addresses, but ${which}, so the kubelet admits its default ${KUBELET_DEFAULT_MAX_PODS} pods per node and those past ${tight.room} never get an IP ("no IP addresses available in range set"). Fix: add max-pods=${tight.room} ${where}, or give nodes larger ranges with node-cidr-mask-size-${tight.f}=${wider} (${podAddressesPerNode(tight.f, wider)} pods; clusterCidr must hold one per node).`];
}
