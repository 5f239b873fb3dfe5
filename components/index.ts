/**
 * k3s-stacks as a library: a k3s cluster, and storage, load balancing and monitoring on it, inside a
 * Pulumi program of your own, on machines of your own.
 *
 * ```ts
 * import { K3sCluster, ClusterAddons, NodeArgs, addonsK3sConfig } from "k3s-stacks"; // or "../components"
 * const nodes: NodeArgs[] = servers.map((s, i) => ({
 *   name: `cp-${i}`, role: "server", arch: "amd64",
 *   connection: { host: s.ipv4Address, privateKey: key }, // Inputs: a VM's address Output, a secret key
 * }));
 * const k3s = new K3sCluster("k3s", { nodes, version: "v1.33.4+k3s1", datastore: "etcd" });
 * export const kubeconfig = k3s.kubeconfig; // secret
 * ```
 *
 * Every argument is checked with the rules the stack program applies to its config, before any
 * resource is registered; a problem throws a {@link ConfigError} whose lines name the argument
 * (`K3sCluster.args.nodes[2].name: ... Fix: ...`). Optional arguments take the stack config's defaults.
 * The stack program (stacks/main.ts) is one user of these components.
 *
 * Towards a multi-language component package (Python, Go, YAML): the arguments are plain data and
 * Inputs of it, with these exceptions today —
 * - `NodeArgs.dependsOn` is a list of resources (cloud node sources wait for cloud-init with it); a
 *   package would carry them as resource references, or a node's address Output would carry the wait.
 * - airgap staging (an install stager object with a function) is not a public argument; the stack
 *   program passes it alone. It needs a plain `airgap: { bundleDir }` argument below the cluster layer.
 * - the node sources and `addonsK3sConfig` are functions, not components; a package would offer them
 *   as provider functions (invokes) or fold them into components' arguments.
 * - the package's schema (schema.json) is not generated yet, and `pulumi package` needs the entry
 *   built to JavaScript with its own package.json.
 */
export { K3sCluster } from "./cluster/k3s-cluster";
export type { K3sClusterArgs } from "./cluster/args";
export type { ClusterArgs, ApiVip } from "./k3s/settings";
export type { ConfigContribution, ConfigValue, NodeFile, RolloutSettings } from "./k3s/types";

export { ClusterAddons } from "./addons/cluster-addons";
export { addonsK3sConfig } from "./addons/args";
export type { AddonsArgs, ClusterAddonsArgs } from "./addons/args";

export type { Arch, NodeArgs, NodeRole, NodeSpec, SshConnection, SshEndpoint } from "./nodes/types";
export { cloudNodeSpecs, inventoryNodeSpecs, localNodeSpecs } from "./nodes/sources";
export type { CloudArgs, CloudClusterArgs, InventoryArgs, LocalArgs, NodeSecrets } from "./nodes/sources";
export type { CloudNodes } from "./nodes/cloud/result";

export { ConfigError } from "./rules/errors";
