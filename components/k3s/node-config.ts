import { stringify } from "yaml";
import { ClusterSettings, apiHost } from "./settings";
import { NodeRole } from "../nodes/types";
import { ConfigValue, LayerPorts } from "./types";
import { flagType } from "../rules/flags";
import { kubeletMaySet } from "../rules/kubelet-labels";
import { mergeLayerKeys } from "./layer-keys";
import { splitNodeIps } from "../rules/node-ips";

/** Where the join token lives on every node (root-only), so it never appears in config.yaml or argv. */
/** Where k3s-stacks keeps its own records on a node (managed labels, removals in progress, rollout records). */
export const STATE_DIR = "/var/lib/rancher/k3s-stacks";
export const TOKEN_FILE = "/etc/rancher/k3s/token";
export const CONFIG_FILE = "/etc/rancher/k3s/config.yaml";
/** The kubelet's own kubeconfig on every k3s node: it may read its Node (Kubernetes Node authorizer). */
export const KUBELET_KUBECONFIG = "/var/lib/rancher/k3s/agent/kubelet.kubeconfig";

/** Plain (resolved) facts about one node that its config.yaml depends on. */
export interface NodeConfigInput {
  name: string;
  role: NodeRole;
  /** This node starts the cluster. */
  bootstrap: boolean;
  labels: Record<string, string>;
  taints: string[];
  /** node-ip: one address or an IPv4,IPv6 pair, primary family first (rules/node-ips.ts). */
  internalAddress?: string;
  /** node-external-ip, spelled the same way. */
  externalAddress?: string;
  flannelIface?: string;
}

/** Resolved contributions from other layers. */
export interface ResolvedContributions {
  server: Record<string, ConfigValue>;
  all: Record<string, ConfigValue>;
  disable: string[];
  /** Inbound ports the layers need, joined (ConfigContribution.ports); none when absent. */
  ports?: LayerPorts;
}

/** `https://<host>:6443`, bracketing IPv6 literals. */
export function apiUrl(host: string): string {
  return `https://${host.includes(":") ? `[${host}]` : host}:6443`;
}

/**
 * The k3s config.yaml keys for one node. Pure: the component resolves Outputs first. Server-only keys
 * are never given to an agent, because a k3s agent fails on flags it does not define.
 */
export function renderNodeConfig(
  settings: ClusterSettings,
  node: NodeConfigInput,
  joinUrl: string,
  extra: ResolvedContributions,
  datastoreEndpoint?: string,
): Record<string, ConfigValue> {
  const config: Record<string, ConfigValue> = { "token-file": TOKEN_FILE, "node-name": node.name };
  // Labels the kubelet may not set itself reach the Node through the member step (kubectl) alone.
  const labels = Object.entries(node.labels).filter(([k]) => kubeletMaySet(k)).map(([k, v]) => `${k}=${v}`);
  if (labels.length) config["node-label"] = labels;
  if (node.taints.length) config["node-taint"] = [...node.taints];
  // stringSlice flags: one list entry per address, in the order written (the first is the node's primary IP).
  if (node.internalAddress) config["node-ip"] = splitNodeIps(node.internalAddress);
  if (node.externalAddress) config["node-external-ip"] = splitNodeIps(node.externalAddress);
  if (node.flannelIface) config["flannel-iface"] = node.flannelIface;

  if (node.role === "agent") {
    config.server = joinUrl;
    // Layers add to the user's lists (layer-keys.ts).
    return mergeLayerKeys({ ...config, ...settings.agentConfig as Record<string, ConfigValue> }, extra.all);
  }

  switch (settings.datastore) {
    case "etcd":
      if (node.bootstrap) config["cluster-init"] = true;
      else config.server = joinUrl;
      break;
    case "postgres":
      if (!datastoreEndpoint) throw new Error("postgres datastore without an endpoint reached the renderer");
      config["datastore-endpoint"] = datastoreEndpoint;
      break;
    case "sqlite":
      break;
  }
  const fixedHost = apiHost(settings);
  const sans = [...new Set([...settings.tlsSans, ...(fixedHost ? [fixedHost] : [])])];
  if (sans.length) config["tls-san"] = sans;
  const disable = [...new Set([...settings.disable, ...extra.disable])].sort();
  if (disable.length) config.disable = disable;
  // stringSlice flags: the flag table's config-file form is a YAML list.
  config["cluster-cidr"] = [settings.clusterCidr];
  config["service-cidr"] = [settings.serviceCidr];
  if (settings.clusterDomain) config["cluster-domain"] = settings.clusterDomain;
  if (settings.flannelBackend) config["flannel-backend"] = settings.flannelBackend;
  if (settings.secretsEncryption) config["secrets-encryption"] = true;
  config["write-kubeconfig-mode"] = "0600";
  // Layers add to lists rather than replace them: the user's `*-arg` entries, our certificate names
  // next to a cloud load balancer's (layer-keys.ts).
  const user: Record<string, ConfigValue> = { ...config, ...serverUserConfig(settings.agentConfig, settings.serverConfig) };
  return mergeLayerKeys(mergeLayerKeys(user, extra.all), extra.server);
}

/**
 * The user's keys in a server's config.yaml: agentConfig applies to servers too, except agent-only
 * flags (a server would drop them with a warning); serverConfig's keys replace agentConfig's.
 */
export function serverUserConfig(agentConfig: Record<string, unknown>, serverConfig: Record<string, unknown>): Record<string, ConfigValue> {
  const agentKeys = Object.entries(agentConfig as Record<string, ConfigValue>).filter(([k]) => flagType("server", k.replace(/\+$/, "")));
  return { ...Object.fromEntries(agentKeys), ...serverConfig as Record<string, ConfigValue> };
}

/** config.yaml text, keys in a stable order so unchanged settings never show as a diff. */
export function renderConfigYaml(config: Record<string, ConfigValue>): string {
  return `# Managed by k3s-stacks; edits are overwritten on the next pulumi up.\n${stringify(config, { sortMapEntries: true })}`;
}
