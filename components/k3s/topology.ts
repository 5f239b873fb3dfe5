import { NodeRole } from "../nodes/types";
import { ClusterSettings } from "./settings";
import { ConfigError } from "../rules/errors";

/** What the topology check needs to know about the datastore endpoint, without its value. */
export interface EndpointFacts {
  present: boolean;
  /** URL scheme (e.g. `postgres`), when present. */
  scheme?: string;
}

/**
 * Checks servers against the datastore: at least one server, sqlite alone, etcd odd for quorum,
 * postgres with a secret endpoint. `source` names where the nodes come from (inventory or cloud).
 */
export function validateTopology(settings: ClusterSettings, nodes: Array<{ name: string; role: NodeRole }>, endpoint: EndpointFacts, source: string): void {
  const servers = nodes.filter((n) => n.role === "server").map((n) => n.name);
  const problems: string[] = [];
  if (servers.length === 0) {
    problems.push(`k3s-stacks:${source}: no node has role: server. Fix: give at least one host role: server (the first server starts the cluster).`);
  }
  const list = servers.join(", ");
  switch (settings.datastore) {
    case "sqlite":
      if (servers.length > 1) {
        problems.push(`k3s-stacks:cluster.datastore: sqlite supports a single server, but ${servers.length} are listed (${list}). Fix: use datastore: etcd with an odd number of servers, datastore: postgres, or make the others agents.`);
      }
      break;
    case "etcd":
      if (servers.length > 0 && servers.length % 2 === 0) {
        problems.push(`k3s-stacks:cluster.datastore: etcd needs an odd number of servers to keep quorum, but ${servers.length} are listed (${list}). Fix: add or remove one server.`);
      }
      break;
    case "postgres":
      if (!endpoint.present) {
        problems.push(`k3s-stacks:datastoreEndpoint: is required for datastore: postgres. Fix: pulumi config set --secret k3s-stacks:datastoreEndpoint postgres://user:password@host:5432/k3s`);
      } else if (endpoint.scheme !== "postgres" && endpoint.scheme !== "postgresql") {
        problems.push(`k3s-stacks:datastoreEndpoint: must be a postgres:// or postgresql:// URL for datastore: postgres (got scheme '${endpoint.scheme ?? "none"}'). Fix: set it again with the right URL.`);
      }
      break;
  }
  if (settings.datastore !== "postgres" && endpoint.present) {
    problems.push(`k3s-stacks:datastoreEndpoint: is set but datastore is ${settings.datastore}. Fix: set k3s-stacks:cluster.datastore: postgres, or 'pulumi config rm k3s-stacks:datastoreEndpoint'.`);
  }
  if (problems.length) throw new ConfigError(problems);
}

/** The URL scheme of a datastore endpoint, without ever returning credentials. */
export function endpointScheme(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  return m ? m[1].toLowerCase() : undefined;
}
