import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ConfigError, ConfigRoot, collectProblems, keyPath, parseConfig } from "../rules/errors";
import { clusterNetworkProblems } from "../rules/cluster-network";
import { K3S_CLUSTER_CIDR, K3S_SERVICE_CIDR, cidrListSchema } from "../rules/cidr";
import { flannelBackendSchema } from "../rules/flannel";
import { DATASTORES } from "../rules/datastore";
import { NodeSpec } from "./types";
import { InventoryRoots, goneInventoryNodes, inventoryNodes, keyPassword, parseInventoryConfig, withInventoryKey } from "./inventory";
import { passwordWithoutKeyProblem, privateKeyProblems } from "../remote/private-key";
import { inventorySchema } from "./inventory/schema";
import { localNodes, localSchema, parseLocalConfig } from "./local";
import { CloudClusterInfo, CloudConfig, cloudSchema } from "./cloud/config";
import { CloudRoots, parseCloudConfig } from "./cloud/validate";
import type { CloudNodes } from "./cloud/result";

/*
 * The stack's node sources for a program of its own: the same parsers, rules and defaults as the
 * stack keys k3s-stacks:inventory, k3s-stacks:local and k3s-stacks:cloud, given the function's
 * arguments as their roots, so problems name the argument and word their fixes for code.
 */

const INVENTORY_ROOTS: InventoryRoots = {
  inventory: { arg: "inventoryNodeSpecs.inventory" },
  privateKey: { arg: "inventoryNodeSpecs.secrets.privateKey" },
  privateKeyPassword: { arg: "inventoryNodeSpecs.secrets.privateKeyPassword" },
};
const CLOUD_ROOTS: CloudRoots = { cloud: { arg: "cloudNodeSpecs.args.cloud" }, cluster: { arg: "cloudNodeSpecs.args.cluster" } };

/**
 * An SSH inventory as `k3s-stacks:inventory` takes it: `{ user? ("root"), port? (22),
 * privateKeyPath?, fixCgroups? (false), allowReboot? (false), installPackages? (false), firewall?
 * ("open"), reachabilityTimeout? (20 s; the stack's pre-flight check, not run here), hosts: [{ name,
 * address, role, arch (x64|amd64|x86_64|arm64|aarch64|armhf|arm), internalAddress? and externalAddress? (an IP or an IPv4,IPv6 pair),
 * flannelIface?, port?, user?, bastion? (a host name or { address, port?, user? }), labels?, taints?,
 * gone? }] }`.
 */
export type InventoryArgs = z.input<typeof inventorySchema>;

/** `k3s-stacks:local`: `{ name? (this machine's host name), labels?, taints? }`. */
export type LocalArgs = z.input<typeof localSchema>;

/** `k3s-stacks:cloud`: provider (`hetzner` or `aws`), network, pools and the provider's settings (README "Cloud nodes"). */
export type CloudArgs = z.input<typeof cloudSchema>;

/** Secret credentials of the nodes: never part of the plain arguments. */
export interface NodeSecrets {
  /** PEM private key for SSH (secret); the inventory's privateKeyPath, else the SSH agent, when absent. */
  privateKey?: pulumi.Input<string>;
  /** Passphrase of an encrypted privateKey or privateKeyPath file (secret); only for an encrypted key. */
  privateKeyPassword?: pulumi.Input<string>;
  /** Password for sudo when a host's user is not root and sudo asks for one (secret). */
  sudoPassword?: pulumi.Input<string>;
}

/**
 * The nodes of an SSH inventory, for `K3sCluster.args.nodes` (live hosts, servers in inventory order)
 * and `K3sCluster.args.gone` (hosts marked `gone: true`). Throws a ConfigError naming
 * `inventoryNodeSpecs.inventory...` for a bad inventory (unique names and addresses, bastions, gone first server),
 * or `inventoryNodeSpecs.secrets...` for a key that does not fit its passphrase (remote/private-key.ts).
 */
export function inventoryNodeSpecs(inventory: InventoryArgs, secrets: NodeSecrets = {}): { nodes: NodeSpec[]; gone: NodeSpec[] } {
  const inv = parseInventoryConfig(inventory, INVENTORY_ROOTS.inventory);
  // The key file is read and checked once for both lists (a passphrase check takes about half a second).
  secrets = withInventoryKey(inv, secrets, INVENTORY_ROOTS);
  return { nodes: inventoryNodes(inv, secrets, INVENTORY_ROOTS), gone: goneInventoryNodes(inv, secrets, INVENTORY_ROOTS) };
}

/**
 * The machine running Pulumi as the one server of a cluster (scripts run directly, through sudo when
 * the user is not root). Never reboots and never edits the boot command line. Throws a ConfigError
 * naming `localNodeSpecs.local...` when the name is not a node name or the machine's arch has no k3s release.
 */
export function localNodeSpecs(local: LocalArgs = {}, secrets: Pick<NodeSecrets, "sudoPassword"> = {}): NodeSpec[] {
  const cfg = parseLocalConfig(local, undefined, { arg: "localNodeSpecs.local" });
  return localNodes(cfg, secrets);
}

/**
 * Cloud VMs (Hetzner Cloud or AWS) from pools, as NodeSpecs, with their network, firewall and an
 * optional API load balancer (`apiEndpoint`: pass it as K3sCluster's kubeconfigHost, which puts it
 * in the servers' `tls-san`). `cluster` gives the CIDRs the network must not overlap: default k3s's
 * `10.42.0.0/16` / `10.43.0.0/16`. A component: register it in the program like any other.
 * `sshPrivateKeyPassword`: the passphrase of an encrypted `sshPrivateKey` (secret).
 * Throws a ConfigError naming `cloudNodeSpecs.args.cloud...`, `cloudNodeSpecs.args.cluster...` or the
 * key's arguments before any VM is declared.
 */
export async function cloudNodeSpecs(
  name: string,
  args: { cloud: CloudArgs; cluster?: CloudClusterArgs; sshPrivateKey?: pulumi.Input<string>; sshPrivateKeyPassword?: pulumi.Input<string> },
  opts?: pulumi.ComponentResourceOptions,
): Promise<CloudNodes & pulumi.ComponentResource> {
  const { config, cluster } = parseCloudArgs(args);
  const problems = cloudKeyProblems(config, args);
  if (problems.length) throw new ConfigError(problems);
  if (config.provider === "aws") {
    // Types not offered in a zone the VMs go into, read from the account before anything is registered.
    const { readTypeOfferingProblems } = await import("./aws/type-offerings");
    const typeProblems = await readTypeOfferingProblems(config, CLOUD_ROOTS.cloud);
    if (typeProblems.length) throw new ConfigError(typeProblems);
  }
  const { createCloudNodes } = await import("./cloud");
  return createCloudNodes(name, { config, cluster, sshPrivateKey: args.sshPrivateKey, sshPrivateKeyPassword: args.sshPrivateKeyPassword }, opts);
}

/** cloudNodeSpecs's key and passphrase: the passphrase needs the user's own key; a plain-text key must fit it. */
function cloudKeyProblems(config: CloudConfig, args: { sshPrivateKey?: pulumi.Input<string>; sshPrivateKeyPassword?: pulumi.Input<string> }): string[] {
  const password: ConfigRoot = { arg: "cloudNodeSpecs.args.sshPrivateKeyPassword" };
  if (args.sshPrivateKeyPassword !== undefined && (!config.sshPublicKey || args.sshPrivateKey === undefined)) {
    return [passwordWithoutKeyProblem(password, config.sshPublicKey ? "sshPrivateKey is not given (SSH uses the agent)" : "cloud.sshPublicKey is not set, so the VMs get a generated key pair, whose key has no passphrase")];
  }
  if (typeof args.sshPrivateKey !== "string" || !config.sshPublicKey) return [];
  return privateKeyProblems(args.sshPrivateKey, keyPassword(args.sshPrivateKeyPassword), { key: "cloudNodeSpecs.args.sshPrivateKey", password, unsetKey: "leave out sshPrivateKey in cloudNodeSpecs's args" });
}

/**
 * cloudNodeSpecs's `cluster`: the settings of the K3sCluster the VMs will join that their network and
 * firewall depend on, with K3sCluster's rules and defaults (`embeddedRegistry`: k3s embedded-registry is on).
 */
export const cloudClusterSchema = z
  .object({
    clusterCidr: cidrListSchema(K3S_CLUSTER_CIDR).default(K3S_CLUSTER_CIDR),
    serviceCidr: cidrListSchema(K3S_SERVICE_CIDR).default(K3S_SERVICE_CIDR),
    flannelBackend: flannelBackendSchema.optional(),
    embeddedRegistry: z.boolean().optional(),
    /** K3sCluster's datastore: etcd's ports open between servers only for etcd; when absent they open, as the datastore is not known. */
    datastore: z.enum(DATASTORES).optional(),
  })
  .strict();

export type CloudClusterArgs = z.input<typeof cloudClusterSchema>;

/** cloudNodeSpecs's arguments checked (every problem naming its argument) and completed with k3s's default CIDRs; creates nothing. */
export function parseCloudArgs(args: { cloud: CloudArgs; cluster?: CloudClusterArgs }): { config: CloudConfig; cluster: CloudClusterInfo } {
  let cluster: CloudClusterInfo | undefined;
  let config!: CloudConfig;
  collectProblems([
    () => {
      cluster = parseConfig(cloudClusterSchema, args?.cluster ?? {}, CLOUD_ROOTS.cluster);
      // K3sCluster's rules for the ranges (components/k3s/settings.ts runs the same); the k3s version is not known here.
      const problems = clusterNetworkProblems(cluster, (field) => keyPath(CLOUD_ROOTS.cluster, field.split(".")));
      if (problems.length) throw new ConfigError(problems);
    },
    // The network is checked against the cluster's ranges once they parsed; the cloud settings alone before.
    () => { config = cluster ? parseCloudConfig(args?.cloud, cluster, CLOUD_ROOTS) : parseConfig(cloudSchema, args?.cloud, CLOUD_ROOTS.cloud); },
  ]);
  return { config, cluster: cluster! };
}
