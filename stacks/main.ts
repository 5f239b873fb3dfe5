import * as pulumi from "@pulumi/pulumi";
import { parseClusterConfig } from "../components/config/cluster";
import { ConfigError, PROJECT, collectProblems } from "../components/config/errors";
import { rawConfig, secretConfig } from "../components/config/secrets";
import { endpointScheme, validateTopology } from "../components/config/topology";
import { K3sCluster } from "../components/k3s/cluster";
import { inventoryNodes, parseInventoryConfig } from "../components/nodes/inventory";

/** A JSON config object, or undefined when unset; a clear error when it is not valid JSON/YAML structure. */
function objectConfig(name: string): unknown {
  const raw = pulumi.runtime.getConfig(`${PROJECT}:${name}`);
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new ConfigError([`${PROJECT}:${name}: is not a structured value. Fix: write it as a YAML mapping in Pulumi.<stack>.yaml.`]);
  }
}

/**
 * The whole stack: reads and validates every config key before creating anything, then builds the
 * nodes and the cluster. Returns the stack outputs.
 */
export async function main(): Promise<Record<string, unknown>> {
  let cluster!: ReturnType<typeof parseClusterConfig>;
  let inventory!: ReturnType<typeof parseInventoryConfig>;
  const rawCluster = objectConfig("cluster");
  const rawInventory = objectConfig("inventory");
  collectProblems([
    () => {
      if (rawCluster === undefined) throw new ConfigError([`${PROJECT}:cluster: is missing. Fix: add a k3s-stacks:cluster block with at least k3sVersion (see README).`]);
      cluster = parseClusterConfig(rawCluster);
    },
    () => {
      if (rawInventory === undefined) throw new ConfigError([`${PROJECT}:inventory: is missing. Fix: list your machines under k3s-stacks:inventory (see README).`]);
      inventory = parseInventoryConfig(rawInventory);
    },
  ]);

  const datastoreEndpoint = secretConfig("datastoreEndpoint", "postgres://user:password@host:5432/k3s");
  validateTopology(cluster, inventory.hosts, {
    present: datastoreEndpoint !== undefined,
    scheme: endpointScheme(rawConfig("datastoreEndpoint")),
  }, "inventory.hosts");

  const nodes = inventoryNodes(inventory, {
    privateKey: secretConfig("sshPrivateKey", "\"$(cat ~/.ssh/id_ed25519)\""),
    sudoPassword: secretConfig("sudoPassword", "<password>"),
  });

  const k3s = new K3sCluster("k3s", { settings: cluster, nodes, datastoreEndpoint });

  const servers = nodes.filter((n) => n.role === "server").map((n) => n.name);
  return {
    kubeconfig: k3s.kubeconfig,
    apiEndpoint: k3s.apiEndpoint,
    k3sVersion: cluster.k3sVersion,
    datastore: cluster.datastore,
    serverCount: servers.length,
    serverNames: servers,
    nodeNames: k3s.nodeNames,
    secretsEncryption: cluster.secretsEncryption,
  };
}
