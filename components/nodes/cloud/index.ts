import * as pulumi from "@pulumi/pulumi";
import { AwsNodes } from "../aws/aws-nodes";
import { HetznerNodes } from "../hetzner/hetzner-nodes";
import { CloudNodes, CloudNodesArgs } from "./result";

export { parseCloudConfig } from "./validate";
export type { CloudClusterInfo, CloudConfig } from "./config";
export type { CloudNodes, CloudNodesArgs } from "./result";
export { AwsNodes, HetznerNodes };

/**
 * Creates the cloud VMs `k3s-stacks:cloud` describes and returns them as NodeSpecs for the k3s
 * layer. `args.config` must come from parseCloudConfig (which checks everything first).
 */
export function createCloudNodes(name: string, args: CloudNodesArgs, opts?: pulumi.ComponentResourceOptions): CloudNodes & pulumi.ComponentResource {
  return args.config.provider === "hetzner" ? new HetznerNodes(name, args, opts) : new AwsNodes(name, args, opts);
}
