import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { z } from "zod";
import { collectProblems, parseConfig } from "../rules/errors";
import { filled } from "../rules/issues";
import { clusterArgsSchema } from "../k3s/settings";
import { nodeSpecSchema } from "../nodes/spec";
import { NodeSpec } from "../nodes/types";
import { upgradeSchema } from "./config";

const ROOT = "SystemUpgradePlans.args";

/** An image reference without whitespace: the controller and the Plans pass it to the container runtime as written. */
const image = filled("an image reference, such as registry.lan/rancher/k3s-upgrade, or leave it out")
  .regex(/^\S+$/, { message: "has whitespace, which no image reference holds. Fix: write the reference alone, such as registry.lan/rancher/k3s-upgrade" });

/**
 * SystemUpgradePlans' arguments with the rules of the stack keys they come from: `version` is
 * `k3s-stacks:cluster.k3sVersion` (a pinned release tag), `agentConcurrency`, `drain` and
 * `drainTimeout` are `k3s-stacks:upgrade.agentBatchSize`, `.drain` and `.drainTimeout` (day-two/config.ts),
 * `preUpgrade.node` a node as K3sCluster takes it (nodes/spec.ts) and `preUpgrade.script` the
 * rollout's preUpgradeScript.
 */
export const systemUpgradePlansArgsSchema = z
  .object({
    provider: z.custom<k8s.Provider>((v) => pulumi.ProviderResource.isInstance(v), { message: "is not a Kubernetes provider. Fix: pass new k8s.Provider(name, { kubeconfig: cluster.kubeconfig })" }),
    version: clusterArgsSchema.shape.version,
    agentConcurrency: upgradeSchema.shape.agentBatchSize.unwrap(),
    servers: z.number().int().min(1, { message: "must be at least 1: the server Plan upgrades the cluster's servers one at a time. Fix: pass the number of server nodes" }),
    etcd: z.boolean().optional(),
    drain: upgradeSchema.shape.drain.unwrap(),
    drainTimeout: upgradeSchema.shape.drainTimeout.unwrap(),
    controllerImage: image.optional(),
    kubectlImage: image.optional(),
    upgradeImage: image.optional(),
    preUpgrade: z
      .object({
        node: z.unknown(),
        script: filled("a shell script, or leave out preUpgrade"),
        dependsOn: z.array(z.unknown()).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/**
 * Checks SystemUpgradePlans' arguments before anything is registered; throws one ConfigError naming
 * each argument (`SystemUpgradePlans.args.drainTimeout`). Returns the pre-upgrade node with its
 * defaults (its credentials kept secret), when there is one.
 */
export function checkSystemUpgradePlansArgs(args: unknown): { preUpgradeNode?: NodeSpec } {
  const root = { arg: ROOT };
  let preUpgradeNode: NodeSpec | undefined;
  collectProblems([
    () => parseConfig(systemUpgradePlansArgsSchema, args, root),
    () => {
      const pre = (args as { preUpgrade?: { node?: unknown } } | undefined)?.preUpgrade;
      if (pre && typeof pre === "object") preUpgradeNode = parseConfig(nodeSpecSchema, pre.node, { arg: `${ROOT}.preUpgrade.node` }) as NodeSpec;
    },
  ]);
  return { preUpgradeNode };
}
