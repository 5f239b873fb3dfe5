import * as pulumi from "@pulumi/pulumi";
import { NodeSpec } from "../types";
import { CloudClusterInfo, CloudConfig } from "./config";

/** Inputs of a cloud node component (HetznerNodes, AwsNodes). */
export interface CloudNodesArgs {
  /** `k3s-stacks:cloud`, already checked by parseCloudConfig. */
  config: CloudConfig;
  /** The cluster facts the firewall depends on. */
  cluster: CloudClusterInfo;
  /**
   * Private key matching config.sshPublicKey (secret, e.g. k3s-stacks:sshPrivateKey); the SSH agent
   * is used when both are absent. Ignored when we generate the key pair.
   */
  sshPrivateKey?: pulumi.Input<string>;
  /** Passphrase of an encrypted sshPrivateKey (secret); ignored with it when we generate the key pair. */
  sshPrivateKeyPassword?: pulumi.Input<string>;
}

/** What every cloud node source hands to the k3s layer. */
export interface CloudNodes {
  /** Servers first, in bootstrap order, then agents. */
  nodes: NodeSpec[];
  /** Public address of the API load balancer (apiLoadBalancer: true): for the kubeconfig and tls-san. */
  apiEndpoint?: pulumi.Output<string>;
  /** The generated SSH private key (secret); undefined when the user brought the key. */
  privateKey?: pulumi.Output<string>;
}

/**
 * Prefix of cloud-side names (VMs, networks, firewalls): `<stack>-<component name>`, so the dev and
 * prod stacks of one project can share a Hetzner project or AWS account without clashing.
 */
export function cloudPrefix(stack: string, name: string): string {
  return `${stack}-${name}`.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 40).replace(/-+$/, "");
}

/** The label/tag whose value (the cloudPrefix) tells clusters apart and selects LB targets. */
export const CLUSTER_LABEL = "k3s-stacks-cluster";

/** Labels/tags every resource carries. */
export function resourceLabels(prefix: string): Record<string, string> {
  return { "managed-by": "k3s-stacks", [CLUSTER_LABEL]: prefix };
}
