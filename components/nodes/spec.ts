import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { required } from "../rules/required";
import { ConfigError, keyPath, parseConfig } from "../rules/errors";
import { nonEmptyInput } from "../rules/inputs";
import { addressInput } from "../rules/address";
import { nodeIpListInput } from "../rules/node-ips";
import { hostSchema, inventorySchema } from "./inventory/schema";
import { NodeArgs, NodeSpec } from "./types";
import { nodeListProblems } from "./node-checks";

const resource = z.custom<pulumi.Resource>((v) => pulumi.Resource.isInstance(v), { message: "is not a Pulumi resource. Fix: list the resources the node must wait for" });

/**
 * A credential: kept secret whatever the caller passed, so it never reaches state or logs in plain text.
 * One secret Output per credential, shared by every node that uses it (an inventory's hosts share the
 * stack's key): each Output costs the SDK a chain of promises per node (bench/cluster-eval.ts).
 */
const secrets = new WeakMap<object, pulumi.Output<string>>();
function secretOf(v: pulumi.Input<string>): pulumi.Output<string> {
  // A plain string is not kept: no credential's text stays in a process-wide table.
  if (typeof v === "string") return pulumi.secret(v);
  const s = secrets.get(v) ?? pulumi.secret(v);
  secrets.set(v, s);
  return s;
}
const secret = nonEmptyInput.optional().transform((v) => (v === undefined ? undefined : secretOf(v)));

const endpoint = {
  host: required(addressInput({ accepts: "host", portKey: "port", userKey: "user", example: "192.168.1.11 or pi-1.lan" }), {
    description: "the address SSH dials, an IP or DNS name",
    examples: ["192.168.1.11", "pi-1.lan"],
  }),
  port: z.number().int().min(1).max(65535).optional(),
  user: hostSchema.shape.user,
  privateKey: secret,
  privateKeyPassword: secret,
};

/**
 * The rules of a library user's node, taken from the inventory's host rules (name, labels, taints)
 * and defaults (allowReboot, fixCgroups, installPackages, firewall), so a node is held to the same
 * rules whether it comes from a stack's inventory or a user's program.
 */
export const nodeSpecSchema = z
  .object({
    name: hostSchema.shape.name,
    role: hostSchema.shape.role,
    arch: z.enum(["amd64", "arm64", "arm"], { message: "must be a k3s release architecture. Fix: use amd64, arm64 or arm (armhf)" }),
    connection: required(
      z
        .object({
          ...endpoint,
          bastion: z.object(endpoint).strict().optional(),
          sudoPassword: secret,
          local: z.boolean().optional(),
        })
        .strict(),
      { description: "how SSH reaches the node", examples: [{ host: "192.168.1.11", user: "pi" }] },
    ),
    internalAddress: nodeIpListInput({ accepts: "ip", why: "it becomes k3s node-ip", example: "192.168.1.11" }).optional(),
    externalAddress: nodeIpListInput({ accepts: "ip", why: "it becomes k3s node-external-ip", example: "192.168.1.11" }).optional(),
    flannelIface: hostSchema.shape.flannelIface,
    labels: hostSchema.shape.labels,
    taints: hostSchema.shape.taints,
    allowReboot: inventorySchema.shape.allowReboot,
    fixCgroups: inventorySchema.shape.fixCgroups,
    installPackages: inventorySchema.shape.installPackages,
    firewall: inventorySchema.shape.firewall,
    // The example is code: resources are objects of the program.
    dependsOn: z.array(resource).meta({ examples: ["[vm]"] }).optional(),
    machine: nonEmptyInput.optional(),
  })
  .strict();

/** The node list K3sCluster and ClusterAddons take, with what a program that leaves it out should pass. */
export const NODES_ARG = required(z.array(z.unknown()), {
    description: "the cluster's nodes, servers first in their join order",
    examples: [[{ name: "pi-1", role: "server", arch: "arm64", connection: { host: "192.168.1.11", user: "pi" } }]],
  });

/**
 * Checks a library user's nodes and applies the defaults. `root` names the list, e.g.
 * `{ arg: "K3sCluster.args.nodes" }`; every problem names its element (`...nodes[2].name`), and names
 * must be unique across `lists` together (gone hosts included: each is a Kubernetes Node name), and so
 * must the live nodes' SSH endpoints, and their plain SSH keys fit their passphrases (nodes/node-checks.ts);
 * a list marked `gone` holds hosts gone for good, never dialled.
 * Throws a ConfigError listing every problem.
 */
export function parseNodes(lists: Array<{ nodes: NodeArgs[]; root: { arg: string }; gone?: boolean }>): NodeSpec[][] {
  const problems: string[] = [];
  const out = lists.map(({ nodes, root }) => {
    try {
      return parseConfig(z.array(nodeSpecSchema), nodes, root) as NodeSpec[];
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(...e.problems);
      return [];
    }
  });
  const seen = new Map<string, string>();
  lists.forEach(({ nodes, root }) => {
    if (!Array.isArray(nodes)) return;
    nodes.forEach((n, i) => {
      const at = keyPath(root, [i, "name"]);
      const first = seen.get(n?.name);
      if (first !== undefined) problems.push(`${at}: '${n.name}' is also the name of ${first}. Fix: give every node its own name (it becomes the Kubernetes Node name).`);
      else if (typeof n?.name === "string") seen.set(n.name, at.replace(/\.name$/, ""));
    });
  });
  // Across entries, as an inventory is checked: SSH endpoints, keys against their passphrases.
  problems.push(...nodeListProblems(lists.filter((l) => !l.gone).map(({ nodes, root }) => ({ nodes: Array.isArray(nodes) ? nodes : [], root }))));
  if (problems.length) throw new ConfigError(problems);
  return out;
}
