import { NodeRole } from "../nodes/types";
import { ClusterSettings, nodeCidrMaskSize } from "./settings";
import { ClusterNetwork, podRangeCapacityProblems } from "../rules/cluster-network";
import { ConfigError, ConfigRoot, isArgument, keyPath } from "../rules/errors";
import { sharedNodeFlagProblems } from "../rules/shared-node-flags";
import { defaultMaxPodsProblems } from "./default-max-pods";
import { systemPodTaintProblems } from "./system-pod-taints";

/** What the topology check needs to know about the datastore endpoint, without its value. */
export interface EndpointFacts {
  present: boolean;
  /** URL scheme (e.g. `postgres`), when present. */
  scheme?: string;
  /** The value is not known here (a library user's Output, a fleet site's encrypted key): its scheme is not checked. */
  unknown?: boolean;
  /** What would stop kine from using it (rules/datastore.ts datastoreEndpointProblem), without the value. */
  problem?: string;
}

/** Where the topology's facts are set, for messages: the stack's keys, or a component's arguments. */
export interface TopologyRoots {
  /** Where the nodes are listed, e.g. `inventory.hosts` (the stack key) or `{ arg: "K3sCluster.args.nodes" }`. */
  nodes: ConfigRoot;
  datastore: ConfigRoot;
  /** The datastore URL: a secret stack key, or an argument. */
  endpoint: ConfigRoot;
  /** The pods' range, whose node ranges the nodes share. */
  clusterCidr: ConfigRoot;
  /** The cluster settings, whose serverConfig and agentConfig reach every server and node. */
  cluster: ConfigRoot;
}

/** The stack's keys for a node source (`inventory.hosts`, `cloud.pools`, `local`). */
function stackRoots(source: string): TopologyRoots {
  return { nodes: source, datastore: "cluster.datastore", endpoint: "datastoreEndpoint", clusterCidr: "cluster.clusterCidr", cluster: "cluster" };
}

/**
 * Checks servers against the datastore: at least one server, sqlite alone, etcd odd for quorum,
 * postgres with a secret endpoint; and the nodes against the pod ranges the cluster CIDR holds. `source` names where the nodes come from (a stack key such as
 * `inventory.hosts`, or the paths of a component's arguments). `nodeMask`: the node-cidr-mask-size
 * in force once the layers' contributions join serverConfig (cluster/merged-config.ts mergedNodeMask);
 * serverConfig's own when absent. `disable`: the packaged components switched off once the layers'
 * contributions join (a storage layer adds local-storage); the cluster's own when absent.
 */
export function validateTopology(settings: ClusterSettings, nodes: Array<{ name: string; role: NodeRole; taints?: readonly string[] }>, endpoint: EndpointFacts, source: string | TopologyRoots,
  nodeMask: Pick<ClusterNetwork, "nodeCidrMaskSize" | "nodeCidrMaskFrom"> = { nodeCidrMaskSize: nodeCidrMaskSize(settings.serverConfig) },
  disable: readonly string[] = settings.disable, change: ServerCountChange = { gone: [], oneFewerAllowed: true }): void {
  const roots = typeof source === "string" ? stackRoots(source) : source;
  const arg = isArgument(roots.endpoint);
  const at = {
    nodes: keyPath(roots.nodes, []),
    datastore: keyPath(roots.datastore, []),
    endpoint: keyPath(roots.endpoint, []),
    setEndpoint: arg
      ? `pass ${keyPath(roots.endpoint, [])} as a secret postgres://user:password@host:5432/k3s URL`
      : `pulumi config set --secret ${keyPath(roots.endpoint, [])} postgres://user:password@host:5432/k3s`,
    removeEndpoint: arg ? `leave ${keyPath(roots.endpoint, [])} out` : `'pulumi config rm ${keyPath(roots.endpoint, [])}'`,
  };
  const servers = nodes.filter((n) => n.role === "server").map((n) => n.name);
  const problems: string[] = [];
  if (servers.length === 0) {
    problems.push(`${at.nodes}: no node has role: server. Fix: give at least one host role: server (the first server starts the cluster).`);
  }
  const list = servers.join(", ");
  switch (settings.datastore) {
    case "sqlite":
      if (servers.length > 1) {
        problems.push(`${at.datastore}: sqlite supports a single server, but ${servers.length} are listed (${list}). Fix: use datastore: etcd with an odd number of servers, datastore: postgres, or make the others agents.`);
      }
      break;
    case "etcd":
      if (servers.length > 0 && servers.length % 2 === 0) problems.push(`${at.datastore}: ${evenServerCount(servers, change)}`);
      break;
    case "postgres":
      if (!endpoint.present) {
        problems.push(`${at.endpoint}: is required for datastore: postgres. Fix: ${at.setEndpoint}`);
      } else if (endpoint.problem) {
        problems.push(`${at.endpoint}: ${endpoint.problem}`);
      } else if (!endpoint.unknown && endpoint.scheme !== "postgres" && endpoint.scheme !== "postgresql") {
        problems.push(`${at.endpoint}: must be a postgres:// or postgresql:// URL for datastore: postgres (got scheme '${endpoint.scheme ?? "none"}'). Fix: set it again with the right URL.`);
      }
      break;
  }
  problems.push(...podRangeCapacityProblems({ clusterCidr: settings.clusterCidr, serviceCidr: settings.serviceCidr, ...nodeMask }, nodes.length, keyPath(roots.clusterCidr, [])));
  problems.push(...defaultMaxPodsProblems(settings, nodes, nodeMask, roots.cluster));
  problems.push(...systemPodTaintProblems(nodes, disable, at.nodes));
  problems.push(...sharedNodeFlagProblems(settings, nodes, roots.cluster));
  if (settings.datastore !== "postgres" && endpoint.present) {
    problems.push(`${at.endpoint}: is set but datastore is ${settings.datastore}. Fix: set ${at.datastore}: postgres, or ${at.removeEndpoint}.`);
  }
  if (problems.length) throw new ConfigError(problems);
}

/** What the last update allows an even etcd server count to become, for the refusal's fix. */
export interface ServerCountChange {
  /** Servers marked gone in this run: one more server is a new one in a gone one's place. */
  gone: readonly string[];
  /** Whether one server fewer stays within what one run may remove (day-two/servers.ts oneFewerServerAllowed). */
  oneFewerAllowed: boolean;
}

/**
 * The refusal of an even etcd server count (etcd FAQ: an even member count tolerates no more
 * failures than the odd count below it), with only the counts the server-change check accepts.
 */
function evenServerCount(servers: string[], change: ServerCountChange): string {
  const n = servers.length;
  const gone = change.gone.length === 0 ? "" : `; ${change.gone.join(", ")} ${change.gone.length === 1 ? "is" : "are"} marked gone`;
  const notes = [
    ...(change.gone.length === 0 ? [] : [`one new in place of ${change.gone.length === 1 ? change.gone[0] : `one of ${change.gone.join(", ")}`}`]),
    ...(change.oneFewerAllowed ? [] : [`${n - 1} would remove more servers in one run than etcd quorum allows`]),
  ];
  const counts = `${n + 1}${change.oneFewerAllowed ? ` or ${n - 1}` : ""} servers${notes.length ? ` (${notes.join("; ")})` : ""}`;
  return `etcd needs an odd number of servers to keep quorum, but ${n} are listed (${servers.join(", ")}${gone}). Fix: list ${counts}; to swap the roles of a server and an agent, change both in the same pulumi up (each alone leaves an even count).`;
}

/** The URL scheme of a datastore endpoint, without ever returning credentials. */
export function endpointScheme(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  return m ? m[1].toLowerCase() : undefined;
}
