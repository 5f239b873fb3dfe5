import * as pulumi from "@pulumi/pulumi";
import { ConfigRoot, keyPath } from "../rules/key-path";
import { ConfigContribution, ConfigValue } from "../k3s/types";
import { mergeLayerKeys } from "../k3s/layer-keys";
import { flagType } from "../rules/flags";
import { proxyModeProblems } from "../rules/kube-proxy";
import { exitingFlagProblems, featureGateProblems, kubeletFlagProblems } from "../rules/kubernetes-flags";
import { datastoreFlagProblems } from "../rules/flag-values";
import { maxPodsProblems } from "../rules/cluster-network";
import { ClusterSettings, kubeletMaxPods, nodeCidrMaskSize } from "../k3s/settings";

/** One mapping of config.yaml keys a node's config is merged from, and how its keys are named in a message. */
interface Source {
  config: Record<string, ConfigValue>;
  /** `K3sCluster.args.contributions[1].all.kubelet-arg[0]` for a key (and list entry) of this mapping. */
  name: (key: string, index?: number) => string;
}

/** The keys whose value is known now: an Output (a layer's value not resolved yet) is checked by its key alone (contributions.ts). */
function plain(config: Record<string, unknown> | undefined): Record<string, ConfigValue> {
  return Object.fromEntries(Object.entries(config ?? {}).filter(([, v]) => !pulumi.Output.isInstance(v) && !(v instanceof Promise))) as Record<string, ConfigValue>;
}

/**
 * Which source a merged key or list entry came from, as mergeLayerKeys folds them: a list joins the
 * list before it, anything else replaces it. The last replacement starts the chain of lists the
 * entry can come from; the first of them that has the entry named it (later copies are dropped).
 */
function originOf(sources: Source[], merged: Record<string, ConfigValue>, key: string, index?: number): string {
  const having = sources.filter((s) => key in s.config);
  let start = having.length - 1;
  while (start > 0 && Array.isArray(having[start].config[key]) && Array.isArray(having[start - 1].config[key])) start--;
  const value = merged[key];
  if (index !== undefined && Array.isArray(value)) {
    for (const s of having.slice(start)) {
      const own = s.config[key];
      const at = Array.isArray(own) ? own.indexOf(value[index]) : -1;
      if (at >= 0) return s.name(key, at);
    }
  }
  return having[start].name(key);
}

/** What roleProblems needs besides the sources: the settings, and the pod range each node gets (from the servers' merged keys). */
interface RoleContext {
  settings: ClusterSettings;
  role: "server" | "agent";
  nodeMask: ReturnType<typeof nodeCidrMaskSize>;
  datastoreKey: string;
}

/**
 * The problems of one role's merged config.yaml keys (the user's, then each contribution's, in the
 * order renderNodeConfig merges them) under the rules checkClusterSettings applies to serverConfig and
 * agentConfig alone: kubelet flag names and feature gates of the pinned Kubernetes release, entries
 * that stop a component (--version, --help), kube-proxy's proxy-mode (whose gate may sit in another
 * source's list), kubelet max-pods against each node's pod range, and for servers the flags of a
 * datastore the cluster does not use. Each problem names the source of the entry at fault.
 */
function roleProblems(sources: Source[], { settings, role, nodeMask, datastoreKey }: RoleContext): string[] {
  const merged = sources.map((s) => s.config).reduce(mergeLayerKeys, {});
  const where = (key: string) => {
    const m = /^(.*?)(?:\[(\d+)\])?$/.exec(key) as RegExpExecArray;
    return originOf(sources, merged, m[1], m[2] === undefined ? undefined : Number(m[2]));
  };
  return [
    ...kubeletFlagProblems(merged, settings.k3sVersion, where),
    ...featureGateProblems(merged, settings.k3sVersion, where),
    ...exitingFlagProblems(merged, where),
    ...proxyModeProblems(merged, settings.k3sVersion, where),
    ...maxPodsProblems({ clusterCidr: settings.clusterCidr, nodeCidrMaskSize: nodeMask }, kubeletMaxPods(merged, where)),
    ...(role === "server" ? datastoreFlagProblems(merged, settings.datastore, where, datastoreKey) : []),
  ];
}

/**
 * Problems a node's config.yaml would have once the contributions join the user's serverConfig and
 * agentConfig (k3s/layer-keys.ts): the checks of checkClusterSettings (k3s/settings.ts), run on what
 * each role's nodes receive, so a layer's key is held to the rules the user's own keys are. What the
 * user's keys give alone is left out: checkClusterSettings reports it already. `root` names the list
 * (`K3sCluster.args.contributions`), `cluster` the component's arguments. Outputs are left out: their
 * values are not known yet.
 */
export function mergedConfigProblems(list: ConfigContribution[], root: ConfigRoot, cluster: ConfigRoot, settings: ClusterSettings): string[] {
  const userName = (field: string) => (key: string, index?: number) => keyPath(cluster, index === undefined ? [field, key] : [field, key, index]);
  const layer = (i: number, part: "server" | "all") => (key: string, index?: number) => keyPath(root, index === undefined ? [i, part, key] : [i, part, key, index]);
  const agentConfig = plain(settings.agentConfig);
  const serverConfig = plain(settings.serverConfig);
  // Servers take agentConfig's server flags, serverConfig replacing a key both set (renderNodeConfig).
  const serverAgentKeys = Object.fromEntries(Object.entries(agentConfig).filter(([k]) => flagType("server", k.replace(/\+$/, "")) && !(k in serverConfig)));
  const user = {
    agent: [{ config: agentConfig, name: userName("agentConfig") }],
    server: [{ config: serverAgentKeys, name: userName("agentConfig") }, { config: serverConfig, name: userName("serverConfig") }],
  };
  const all = list.map((c, i) => ({ config: plain(c.all), name: layer(i, "all") }));
  const server = list.map((c, i) => ({ config: plain(c.server), name: layer(i, "server") }));
  const merged = { agent: [...user.agent, ...all], server: [...user.server, ...all, ...server] };
  const datastoreKey = keyPath(cluster, ["datastore"]);
  // kube-controller-manager runs on servers: their merged keys set every node's pod range.
  const nodeMask = nodeCidrMaskSize(merged.server.map((s) => s.config).reduce(mergeLayerKeys, {}));
  const problems = (role: "server" | "agent", sources: Source[], mask = nodeMask) => roleProblems(sources, { settings, role, nodeMask: mask, datastoreKey });
  const alone = new Set([...problems("agent", user.agent, nodeCidrMaskSize(serverConfig)), ...problems("server", user.server, nodeCidrMaskSize(serverConfig))]);
  // An `all` entry reaches both roles: one message.
  return [...new Set([...problems("agent", merged.agent), ...problems("server", merged.server)])].filter((p) => !alone.has(p));
}
