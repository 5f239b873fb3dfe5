import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ConfigError, ConfigRoot, collectProblems, parseConfig } from "../rules/errors";
import { filled, mapping } from "../rules/issues";
import { required } from "../rules/required";
import { nonEmptyInput } from "../rules/inputs";
import { addressInput, addressSchema } from "../rules/address";
import { NodeArgs, NodeSpec } from "../nodes/types";
import { NODES_ARG, parseNodes } from "../nodes/spec";
import { ClusterArgs, ClusterSettings, checkClusterSettings, clusterArgsSchema, settingsFromArgs } from "../k3s/settings";
import { TopologyRoots, endpointScheme, validateTopology } from "../k3s/topology";
import { ConfigContribution, InstallStager, NodeFile, RolloutSettings } from "../k3s/types";
import { upgradeSchema } from "../day-two/config";
import { datastoreEndpointProblem } from "../rules/datastore";
import { clusterNodeProblems } from "../k3s/cluster-nodes";
import { apiVipNetworkProblems } from "../k3s/api-vip";
import type { RemovedHost } from "../day-two/removed-node";
import { longhornPlacement } from "../nodes/storage-eligibility";
import { longhornDrainProblems } from "../day-two/longhorn-drain";
import { contributionSchema, checkContributions } from "./contributions";
import { mergedDisable, mergedNodeMask, nodeMaskArgs } from "./merged-config";
import { checkNodeFiles, fileSchema } from "./node-files";

/**
 * Arguments of {@link K3sCluster}: plain data and Inputs of it, so that the component can be offered to
 * Python, Go and YAML programs as a Pulumi component package. Every field is checked before any
 * resource is registered; a problem throws a ConfigError naming the argument (`K3sCluster.args.nodes[2].name`).
 *
 * Cluster settings (the same fields, rules and defaults as the stack key `k3s-stacks:cluster`, whose
 * `k3sVersion` is `version` here; components/k3s/settings.ts holds them once):
 * - `version` (required): a pinned k3s release tag, `v<major>.<minor>.<patch>+k3s<n>`, e.g. `v1.33.4+k3s1`.
 * - `datastore`: `sqlite` (default; exactly one server), `etcd` (embedded, an odd number of servers for
 *   quorum) or `postgres` (external; needs `datastoreEndpoint`). k3s docs: "High Availability".
 * - `disable`: packaged components to switch off (`traefik`, `servicelb`, `local-storage`, ...); default `[]`.
 * - `tlsSans`: extra names/IPs in the API server certificate; the first that is no wildcard is the kubeconfig's host. Default `[]`.
 * - `apiEndpoint` or `apiVip` (`{ address, interface?, subnet? }`, kube-vip in ARP mode), not both:
 *   the fixed API address joins and the kubeconfig use; the first server's address when neither is set.
 * - `clusterCidr` / `serviceCidr`: default `10.42.0.0/16` / `10.43.0.0/16` (k3s's defaults).
 * - `clusterDomain`, `flannelBackend` (`vxlan` default in k3s, `host-gw`, `wireguard-native`, `none`).
 * - `secretsEncryption`: encrypt Secrets at rest; default `true`.
 * - `installScriptUrl` (default `https://get.k3s.io`), `artifactUrl`: where nodes download k3s.
 * - `serverConfig` / `agentConfig`: extra config.yaml keys, checked against the k3s flag table; keys
 *   these arguments manage (node-ip, cluster-cidr, token, ...) are refused with the argument to use.
 * - `drainTimeout`: how long removal may drain a node, `90s`, `5m` (default), `1h`.
 */
export interface K3sClusterArgs extends ClusterArgs {
  /**
   * Every node; the servers' order is their join order (the first server starts the cluster and can
   * never be removed as gone). Names are unique Kubernetes Node names (lowercase DNS names). See {@link NodeArgs}.
   */
  nodes: NodeArgs[];
  /** Hosts gone for good: removed from the cluster from the first server (bounded forced drain, Node deleted), never dialled. Default none. */
  gone?: NodeArgs[];
  /** External datastore URL, `postgres://user:password@host:5432/k3s` (keep it a secret); required for, and only for, datastore `postgres`. */
  datastoreEndpoint?: pulumi.Input<string>;
  /** config.yaml keys other layers need (e.g. {@link addonsK3sConfig} for ClusterAddons), held to serverConfig's rules (components/cluster/contributions.ts): k3s flags of each role, no key k3s-stacks manages but the etcd-snapshot/etcd-s3 families and tls-san names, credentials (vpn-auth, S3 keys) only with `secret: true`. */
  contributions?: ConfigContribution[];
  /** Extra files written on nodes before k3s starts (e.g. registries.yaml); a change restarts k3s on those nodes, rolled. Not k3s's config.yaml or a config.yaml.d drop-in (their keys go in serverConfig/agentConfig or contributions, where they are checked), the token file or k3s-stacks' state directory (components/cluster/node-files.ts). */
  files?: NodeFile[];
  /**
   * How a version or configuration change rolls through the nodes: servers one at a time, then agents
   * in batches of `agentBatchSize` (default 1), drained first when `drain` (default true) with
   * `kubectl drain --timeout` `drainTimeout` (default: `drainTimeout` above); `preUpgradeScript` runs
   * on the first server before it upgrades (none by default).
   */
  rollout?: Partial<RolloutSettings>;
  /** Host for the kubeconfig when it is only known at run time (e.g. a load balancer's address); default: apiEndpoint, apiVip, the first tlsSans entry that is no wildcard, else the first server's SSH host. Whichever it is, and the host joins use, goes into the servers' tls-san unless k3s's certificate already names it (components/k3s/api-sans.ts). */
  kubeconfigHost?: pulumi.Input<string>;
  /**
   * Hosts the servers' certificate is known to name already, left out of the tls-san this component
   * adds (a tls-san change restarts every server). The stack passes the first server's SSH address
   * when it is an IP its last successful update reached the cluster at: the joins and the add-ons went
   * through it then. Default none.
   */
  knownApiHosts?: string[];
  /** Move k3s versions through SSH steps (cordon, upgrade, uncordon); false when system-upgrade-controller upgrades in-cluster. Default true. */
  sshRollout?: boolean;
  /**
   * A certificate renewal to roll (YYYY-MM-DD, the day the current certificates expire): each node's
   * restart step runs `k3s certificate rotate` once, servers one at a time, then agents
   * (day-two/certificates.ts). The stack sets it from its previous kubeconfig. Default none.
   */
  certificateRenewal?: string;
  /**
   * The nodes the last successful update installed (the stack reads them from its previous
   * `restartKeys`). Agents not listed are new: their rollout steps run nothing, so they roll as one
   * last batch rather than in batches of `rollout.agentBatchSize` (day-two/rollout-plan.ts). Default:
   * every node counts as installed.
   */
  knownNodes?: string[];
  /**
   * Each node's install identity (`role/arch`) in the last successful update (the stack's previous
   * `nodeIdentities` output). A node whose identity differs is replaced in this run (drained,
   * uninstalled, its Node deleted, installed again): that starts only at its turn in the roll, after
   * the node or batch before it, so that no two nodes are out at once and an etcd server leaves only
   * while the others are up. Default: none known (a node's replacement starts with its host preparation).
   */
  knownIdentities?: Record<string, string>;
  /**
   * The server that started the cluster (config.yaml `cluster-init` with embedded etcd): one in `nodes`,
   * or in `gone` once lost and the next server took its place (day-two/servers.ts firstServerHandover);
   * `null` once its entry is deleted. Default: the first server in `nodes`. Kept in the stack output `clusterInitServer`.
   */
  clusterInitServer?: string | null;
}

/**
 * What the stack program passes besides the public arguments. An install stager (airgap) is an object
 * with a function, which a component package cannot carry: it stays out of {@link K3sClusterArgs}
 * until airgap staging is described by plain data (the bundle directory) below the cluster layer.
 */
export interface K3sClusterProgramArgs extends K3sClusterArgs {
  stager?: InstallStager;
  /** Where the program lists its gone hosts, for run-time messages: the stack's `inventory`; `K3sCluster.args.gone` by default. */
  goneRoot?: ConfigRoot;
  /**
   * Hosts the last update installed that are no longer listed (the stack reads them from its last
   * outputs): removed in this run before the outputs resolve (day-two/removed-node.ts). Default none.
   */
  removed?: RemovedHost[];
}

/** The arguments checked and completed with their defaults: what the component wires. */
export interface ResolvedK3sClusterArgs {
  settings: ClusterSettings;
  nodes: NodeSpec[];
  gone: NodeSpec[];
  datastoreEndpoint?: pulumi.Input<string>;
  contributions: ConfigContribution[];
  files: NodeFile[];
  rollout: RolloutSettings;
  kubeconfigHost?: pulumi.Input<string>;
  knownApiHosts: string[];
  sshRollout: boolean;
  certificateRenewal?: string;
  knownNodes?: string[];
  knownIdentities?: Record<string, string>;
  /** The server that started the cluster (live or gone), if still listed. */
  clusterInit?: string;
  stager?: InstallStager;
  goneRoot: ConfigRoot;
  removed: RemovedHost[];
}

const ROOT = "K3sCluster.args";

/** Rollout rules and defaults are those of `k3s-stacks:upgrade` (components/day-two/config.ts). */
const rolloutSchema = z
  .object({
    agentBatchSize: upgradeSchema.shape.agentBatchSize,
    drain: upgradeSchema.shape.drain,
    drainTimeout: upgradeSchema.shape.drainTimeout,
    preUpgradeScript: filled("a shell script, or leave it out").optional(),
  })
  .strict();

const API_HOST = { accepts: "host", portNote: "the kubeconfig and joins use the API port 6443", example: "k3s.example.com or 192.168.1.250" } as const;

export const k3sClusterArgsSchema = clusterArgsSchema
  .extend({
    // Each node is checked by parseNodes, which names the element and checks names across both lists.
    nodes: NODES_ARG,
    gone: z.array(z.unknown()).meta({ examples: [[{ name: "pi-4", role: "agent", arch: "arm64", connection: { host: "192.168.1.14" } }]] }).default([]),
    datastoreEndpoint: nonEmptyInput.optional(),
    contributions: z.array(contributionSchema).default([]),
    files: z.array(fileSchema).default([]),
    rollout: rolloutSchema.prefault({}),
    // Hosts the kubeconfig and the servers' tls-san take: the rule of the stack's apiEndpoint (an IP or DNS name, no port or scheme).
    kubeconfigHost: addressInput(API_HOST).optional(),
    knownApiHosts: z.array(addressSchema(API_HOST)).default([]),
    sshRollout: z.boolean().default(true),
    certificateRenewal: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: "is not a day. Fix: give it as YYYY-MM-DD, such as 2027-06-30, or leave it out" }).optional(),
    knownNodes: z.array(z.string()).optional(),
    knownIdentities: mapping(z.string(), required(z.string().regex(/^(server|agent)\/[a-z0-9]+$/, { message: "is not an install identity. Fix: give role/arch as the nodeIdentities output holds it, such as server/arm64" }), { description: "the node's install identity in the last update (the nodeIdentities output)", examples: ["server/arm64"] }), "node names to their install identity (role/arch) in the last update", "{ \"pi-1\": \"server/arm64\" }").optional(),
    clusterInitServer: z.string().nullable().optional(),
    stager: z.custom<InstallStager>((v) => typeof (v as InstallStager | undefined)?.stage === "function").optional(),
    goneRoot: z.custom<ConfigRoot>((v) => typeof v === "string" || typeof (v as { arg?: unknown } | undefined)?.arg === "string").optional(),
    removed: z
      .array(z.custom<RemovedHost>((v) => typeof (v as RemovedHost | undefined)?.name === "string"))
      .meta({ examples: [[{ name: "old-1", connection: { host: "192.168.1.19" }, identity: "agent/arm64", checkQuorum: false }]] })
      .default([]),
  })
  .strict();

const TOPOLOGY: TopologyRoots = { nodes: { arg: `${ROOT}.nodes` }, datastore: { arg: `${ROOT}.datastore` }, endpoint: { arg: `${ROOT}.datastoreEndpoint` }, clusterCidr: { arg: `${ROOT}.clusterCidr` }, cluster: { arg: ROOT } };

/**
 * The planner's checks of the nodes against the cluster settings (k3s/cluster-nodes.ts, k3s/api-vip.ts),
 * naming the arguments. Addresses that are Inputs not known yet (a VM's Output) are not judged.
 */
function checkNodesAgainstCluster(settings: ClusterSettings, nodes: NodeSpec[]): void {
  const plain = (v: unknown) => (typeof v === "string" ? v : undefined);
  const facts = nodes.map((n, i) => ({
    key: `${ROOT}.nodes[${i}]`,
    name: n.name,
    role: n.role,
    address: plain(n.connection.host),
    addressField: "connection.host",
    internalAddress: plain(n.internalAddress),
    externalAddress: plain(n.externalAddress),
    externalAddressPending: n.externalAddress !== undefined && plain(n.externalAddress) === undefined,
    flannelIface: n.flannelIface,
  }));
  const root = { arg: ROOT };
  const problems = [
    ...clusterNodeProblems(settings, facts, root),
    ...(settings.apiVip ? apiVipNetworkProblems(settings.apiVip, { nodes, clusterCidr: settings.clusterCidr, serviceCidr: settings.serviceCidr }, root) : []),
  ];
  if (problems.length) throw new ConfigError(problems);
}

/** ClusterAddons's settings, where the Longhorn placement a contribution carries comes from (addonsK3sConfig). */
const ADDONS_CONFIG = { arg: "ClusterAddons.args.config" };

/**
 * The Longhorn placement a contribution announces, checked against these nodes (the rules ClusterAddons
 * applies later, nodes/storage-eligibility.ts) and against this rollout: no agent batch may drain every
 * Longhorn data node at once (day-two/longhorn-drain.ts, which the stack's planner runs on its keys).
 * K3sCluster's own batches are the ssh rollout's, whatever moves versions.
 */
function longhornRolloutProblems(list: ConfigContribution[], nodes: NodeSpec[], rollout: RolloutSettings): void {
  const problems = list.flatMap((c, i) => {
    if (!c.longhorn) return [];
    const { placement, problems } = longhornPlacement(c.longhorn, nodes, { arg: `${ROOT}.contributions[${i}]` }, "longhorn");
    if (!placement) return problems;
    return longhornDrainProblems(placement, nodes, { mode: "ssh", drain: rollout.drain, agentBatchSize: rollout.agentBatchSize }, { batch: { arg: `${ROOT}.rollout` }, addons: ADDONS_CONFIG });
  });
  if (problems.length) throw new ConfigError(problems);
}

/**
 * Checks K3sCluster's arguments with the stack's rules (cluster settings, nodes, datastore topology,
 * node addresses and apiVip against the cluster's ranges, host-gw's one segment, contributions'
 * etcd-s3-endpoint, the Longhorn placement a contribution carries against the nodes and the rollout's
 * agent batches) and applies the defaults. Throws one ConfigError listing every problem, each naming its argument.
 */
export function resolveK3sClusterArgs(args: K3sClusterProgramArgs): ResolvedK3sClusterArgs {
  const root = { arg: ROOT };
  let parsed!: z.output<typeof k3sClusterArgsSchema>;
  let settings!: ClusterSettings;
  let nodes: NodeSpec[] = [];
  let gone: NodeSpec[] = [];
  collectProblems([
    () => {
      parsed = parseConfig(k3sClusterArgsSchema, args, root);
      settings = settingsFromArgs(parsed);
      collectProblems([
        () => checkClusterSettings(settings, root),
        () => checkContributions(parsed.contributions as ConfigContribution[], { arg: `${ROOT}.contributions` }, root, settings),
        () => checkNodeFiles(parsed.files, root),
      ]);
    },
    () => {
      if (!Array.isArray(args?.nodes)) return;
      [nodes, gone] = parseNodes([
        { nodes: args.nodes, root: { arg: `${ROOT}.nodes` } },
        { nodes: Array.isArray(args.gone) ? args.gone : [], root: { arg: `${ROOT}.gone` }, gone: true },
      ]);
    },
  ]);
  const endpoint = parsed.datastoreEndpoint;
  const rollout: RolloutSettings = { ...parsed.rollout, drainTimeout: parsed.rollout.drainTimeout ?? settings.drainTimeout };
  const contributions = parsed.contributions as ConfigContribution[];
  // The pod range per node that kube-controller-manager gets from serverConfig and the contributions together.
  const nodeMask = mergedNodeMask(contributions, { arg: `${ROOT}.contributions` }, root, settings);
  collectProblems([
    () => validateTopology(settings, nodes, {
      present: endpoint !== undefined,
      scheme: typeof endpoint === "string" ? endpointScheme(endpoint) : undefined,
      unknown: endpoint !== undefined && typeof endpoint !== "string",
      problem: typeof endpoint === "string" ? datastoreEndpointProblem(endpoint, `pass ${ROOT}.datastoreEndpoint again`) : undefined,
    }, TOPOLOGY, nodeMaskArgs(nodeMask), mergedDisable(contributions, settings)),
    () => checkNodesAgainstCluster(settings, nodes),
    () => longhornRolloutProblems(contributions, nodes, rollout),
    () => {
      const init = parsed.clusterInitServer;
      if (typeof init === "string" && ![...nodes, ...gone].some((n) => n.name === init && n.role === "server")) {
        throw new ConfigError([`${ROOT}.clusterInitServer: '${init}' is not a server in ${ROOT}.nodes or ${ROOT}.gone. Fix: name the server that started the cluster, pass null once its entry is deleted, or leave it out (the first server).`]);
      }
    },
  ]);
  return {
    settings,
    nodes,
    gone,
    // It holds the database password: secret whatever the caller passed.
    datastoreEndpoint: endpoint === undefined ? undefined : pulumi.secret(endpoint),
    contributions,
    files: parsed.files,
    rollout,
    kubeconfigHost: parsed.kubeconfigHost,
    knownApiHosts: parsed.knownApiHosts,
    sshRollout: parsed.sshRollout,
    certificateRenewal: parsed.certificateRenewal,
    knownNodes: parsed.knownNodes,
    knownIdentities: parsed.knownIdentities,
    clusterInit: parsed.clusterInitServer === undefined ? nodes.find((n) => n.role === "server")?.name : parsed.clusterInitServer ?? undefined,
    stager: parsed.stager,
    goneRoot: parsed.goneRoot ?? { arg: `${ROOT}.gone` },
    removed: parsed.removed,
  };
}
