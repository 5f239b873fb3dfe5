import { z } from "zod";
import { cidrSchema } from "../../rules/cidr";
import { labelsSchema } from "../../rules/labels";
import { taintsSchema } from "../../rules/taints";
import { filled } from "../../rules/issues";
import { poolNodeNamesProblem } from "../../rules/node-name";
import { Datastore } from "../../rules/datastore";
import { userSchema } from "../../rules/address";
import { required } from "../../rules/required";

const cidr = cidrSchema("10.0.0.0/16");
const POOL_NAME = /^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/;
/** The pool name a near-miss means (Control → control, gpu_workers → gpu-workers), when that one is valid. */
const poolNameMeant = (v: string) => {
  const near = v.trim().toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^[^a-z0-9]+|-+$/g, "");
  return near !== v && POOL_NAME.test(near) ? near : undefined;
};
const name = required(z.string().superRefine((v, ctx) => {
  if (POOL_NAME.test(v)) return;
  const near = poolNameMeant(v);
  ctx.addIssue({ code: "custom", message: `must be a lowercase DNS label of at most 32 characters, starting with a letter (nodes are named <pool>-<index>). Fix: ${near ? `write '${near}'` : "use a-z, 0-9 and '-', such as workers"}` });
}), { description: "the pool's name (nodes are named <pool>-<index>)", examples: ["workers"] });
/** Operating systems we know how to find on both clouds; the image follows each node's arch. */
export const CLOUD_OS = ["ubuntu-24.04", "ubuntu-22.04", "debian-12", "debian-13"] as const;
export type CloudOs = (typeof CLOUD_OS)[number];

const poolSchema = z
  .object({
    /** Pool name; nodes are named `<pool>-<index>`, so scaling down removes the highest indexes. */
    name,
    role: z.enum(["server", "agent"]),
    count: required(z.number().int().min(0).max(100), { description: "the number of nodes in the pool", examples: [3] }),
    /** Hetzner server type (cx23, cax21, ...) or EC2 instance type (t3.medium, m7g.large, ...). */
    type: filled("a server type (Hetzner cx23, cax21, ...) or an EC2 instance type (t3.medium, ...)"),
    /** CPU architecture; derived from the type when the type is known, required otherwise. */
    arch: z.enum(["amd64", "arm64"]).optional(),
    /** Hetzner only: a location of the same network zone, instead of hetzner.location. */
    location: z.string().optional(),
    /** A custom image (Hetzner snapshot ID or name, or AMI ID) instead of `os`; its arch must match the type. */
    image: z.object({
      id: filled("a Hetzner snapshot ID or name, or an AMI ID"),
      arch: z.enum(["amd64", "arm64"]),
      /** The image's SSH login user (passwordless sudo when not root). Default on AWS: the login of `os` (ubuntu, admin, ec2-user, rocky), right for an AMI built from that image; set it for any other. Default on Hetzner: root. */
      user: userSchema("the image (the VM's address comes from the cloud)").optional(),
    }).strict().optional(),
    labels: labelsSchema.default({}),
    taints: taintsSchema.default([]),
  })
  .strict()
  .superRefine((pool, ctx) => {
    const wrong = poolNodeNamesProblem(pool.name, pool.count);
    if (wrong) ctx.addIssue({ code: "custom", path: ["name"], message: wrong });
  });

const hetznerSchema = z
  .object({
    /** Default location of every pool: fsn1, nbg1, hel1, ash, hil or sin. */
    location: required(z.string(), { description: "a Hetzner location", examples: ["nbg1", "fsn1", "hel1"] }),
    /** Name of the private network's NIC on the VMs (flannel-iface). */
    privateInterface: z.string().regex(/^[a-z][a-z0-9]{1,14}$/, { message: "is not a network interface name. Fix: give the private NIC's name, such as enp7s0" }).optional(),
    /** Load balancer type for apiLoadBalancer. */
    loadBalancerType: z.string().regex(/^[a-z0-9]+$/, { message: "is not a Hetzner load balancer type name: they are lowercase, such as lb11, lb21 or lb31. Fix: write it in lowercase (https://docs.hetzner.cloud/#load-balancer-types)" }).default("lb11"),
  })
  .strict();

const awsSchema = z
  .object({
    region: required(z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { message: "is not an AWS region. Fix: write a region code such as eu-central-1" }), { description: "an AWS region", examples: ["eu-central-1"] }),
    /** Zones for the subnets we create, one per entry of network.subnets. Not used with vpcId. */
    availabilityZones: z.array(filled("an availability zone of the region, such as eu-central-1a")).default([]),
    /** Existing VPC; network.cidr must then be its CIDR and subnetIds its (public) subnets. */
    vpcId: z.string().regex(/^vpc-[0-9a-f]+$/, { message: "is not a VPC ID. Fix: copy it from the AWS console, such as vpc-0a1b2c3d" }).optional(),
    subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, { message: "is not a subnet ID. Fix: copy it from the AWS console, such as subnet-0a1b2c3d" })).default([]),
    /** Root volume per instance: k3s, container images and local-path volumes live here. */
    rootVolumeGb: required(z.number().int().min(20).max(16384), { description: "in GB", examples: [40] }).default(40),
  })
  .strict();

export const cloudSchema = z
  .object({
    provider: z.enum(["hetzner", "aws"]),
    hetzner: hetznerSchema.optional(),
    aws: awsSchema.optional(),
    os: z.enum(CLOUD_OS).default("ubuntu-24.04"),
    /** Who may reach SSH (22) and the Kubernetes API (6443) from outside: your workstation or CI runner. */
    adminCidrs: z.array(cidrSchema("203.0.113.7/32")).default([]),
    /** Open 22 and 6443 to the whole internet when adminCidrs is empty, or accept a /0 in it. */
    allowWorldApi: z.boolean().default(false),
    /** A cloud load balancer in front of the servers' 6443, used as the cluster's API endpoint. */
    apiLoadBalancer: z.boolean().default(false),
    network: required(z
      .object({
        /** Private network (Hetzner) or VPC (AWS) range; must not overlap the cluster/service CIDRs. */
        cidr,
        /** Subnets inside it: one on Hetzner, one per availability zone on AWS (none with an existing VPC). */
        subnets: z.array(cidr).default([]),
      })
      .strict(), { description: "the private network (Hetzner) or VPC (AWS)", examples: [{ cidr: "10.0.0.0/16" }] }),
    /** OpenSSH public key for the nodes; a key pair is generated (private half kept secret) when absent. */
    sshPublicKey: z.string().regex(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+( .*)?$/, {
      message: "is not an OpenSSH public key line. Fix: paste the whole line of your .pub file, such as 'ssh-ed25519 AAAA... you@host'",
    }).optional(),
    /** Extra Debian/Ubuntu packages cloud-init installs on every node. */
    packages: z.array(z.string().regex(/^[a-z0-9][a-z0-9+.-]*$/, { message: "is not a Debian package name. Fix: use the name apt-get install takes, such as nfs-common" })).default([]),
    pools: required(z.array(poolSchema).min(1), { description: "the node pools, servers first", examples: [[{ name: "server", role: "server", count: 3, type: "cx23" }]] }),
  })
  .strict();

export type CloudConfig = z.output<typeof cloudSchema>;
export type CloudPool = CloudConfig["pools"][number];
export type HetznerSettings = z.output<typeof hetznerSchema>;
export type AwsSettings = z.output<typeof awsSchema>;

/** What the cloud layer needs to know about the k3s cluster (from `k3s-stacks:cluster` and the registries layer). */
export interface CloudClusterInfo {
  /** k3s cluster-cidr (pods); comma-separated for dual-stack. */
  clusterCidr: string;
  /** k3s service-cidr; comma-separated for dual-stack. */
  serviceCidr: string;
  /** The embedded registry (spegel) is on: nodes need 5001 and 6443 between each other. */
  embeddedRegistry?: boolean;
  /** k3s flannel-backend (vxlan when absent): decides which overlay port nodes open to each other. */
  flannelBackend?: string;
  /** k3s flannel-external-ip is on (serverConfig): flannel would use the public addresses, which the firewalls keep closed to node traffic. */
  flannelExternalIp?: boolean;
  /** Where k3s keeps the cluster state: the etcd ports open between servers only for etcd (and when absent). */
  datastore?: Datastore;
  /** Ports the layers need between nodes (FirewallOptions.layerPorts); AWS security groups open them from the VPC range. */
  layerPorts?: { server?: string[]; all?: string[] };
}
