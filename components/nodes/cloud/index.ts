import * as pulumi from "@pulumi/pulumi";
import type { CloudNodes, CloudNodesArgs } from "./result";
import { cloudPrefix } from "./result";

export { parseCloudConfig } from "./validate";
export type { CloudClusterInfo, CloudConfig } from "./config";
export type { CloudNodes, CloudNodesArgs } from "./result";

/**
 * Creates the cloud VMs `k3s-stacks:cloud` describes and returns them as NodeSpecs for the k3s
 * layer. `args.config` must come from parseCloudConfig (which checks everything first).
 * Only the chosen cloud's module (and its Pulumi provider SDK) is loaded: each costs program start-up.
 */
export async function createCloudNodes(name: string, args: CloudNodesArgs, opts?: pulumi.ComponentResourceOptions): Promise<CloudNodes & pulumi.ComponentResource> {
  if (args.config.provider === "hetzner") {
    const { HetznerNodes } = await import("../hetzner/hetzner-nodes");
    const { readReusableProjectKey } = await import("../hetzner/ssh-key");
    // Hetzner refuses a second key of one fingerprint: the user's key already in the project is used as it is.
    const projectSshKey = await readReusableProjectKey(args.config.sshPublicKey, cloudPrefix(pulumi.getStack(), name));
    return new HetznerNodes(name, { ...args, projectSshKey }, opts);
  }
  const { AwsNodes } = await import("../aws/aws-nodes");
  return new AwsNodes(name, args, opts);
}
