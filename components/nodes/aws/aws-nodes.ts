import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { Arch, NodeSpec } from "../types";
import { renderCloudInit } from "../cloud/cloud-init";
import { adminSources } from "../cloud/firewall";
import { planNodes, subnetIndex } from "../cloud/pools";
import { cloudPrefix, CloudNodes, CloudNodesArgs, resourceLabels } from "../cloud/result";
import { nodeKeyPair, nodeLogin, waitForNode } from "../cloud/ssh";
import { amiLoginUser, amiQuery } from "./ami";
import { cidrSource, nodeSecurityGroups } from "./security-groups";
import { awsPlacement } from "./vpc";

/**
 * EC2 instances for k3s in one region: key pair, VPC (created or given), security groups, one
 * instance per planned node spread over the subnets, and optionally an NLB for the API.
 */
export class AwsNodes extends pulumi.ComponentResource implements CloudNodes {
  public readonly nodes: NodeSpec[];
  public readonly apiEndpoint?: pulumi.Output<string>;
  public readonly privateKey?: pulumi.Output<string>;

  constructor(name: string, args: CloudNodesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k3s:nodes:AwsNodes", name, {}, opts);
    const { config, cluster } = args;
    const a = config.aws;
    if (config.provider !== "aws" || !a) throw new Error("AwsNodes needs a validated aws config");
    const provider = new aws.Provider(`${name}-${a.region}`, { region: a.region }, { parent: this });
    const child = { parent: this, provider };
    const prefix = cloudPrefix(pulumi.getStack(), name);
    const tags = resourceLabels(prefix);

    const keys = nodeKeyPair(name, config.sshPublicKey, this);
    this.privateKey = keys.privateKey;
    const keyPair = new aws.ec2.KeyPair(`${name}-key`, { keyName: `${prefix}-key`, publicKey: keys.publicKey, tags }, child);

    const placement = awsPlacement(name, config, tags, child);
    const sources = adminSources(config.adminCidrs, config.allowWorldApi);
    const groups = nodeSecurityGroups(name, {
      vpcId: placement.vpcId,
      vpcCidr: config.network.cidr,
      adminSources: sources,
      firewall: { embeddedRegistry: cluster.embeddedRegistry, flannelBackend: cluster.flannelBackend, datastore: cluster.datastore, layerPorts: cluster.layerPorts },
      tags,
    }, child);

    const amis = new Map<Arch, pulumi.Output<string>>();
    const amiFor = (arch: Arch) => {
      let id = amis.get(arch);
      if (!id) {
        const q = amiQuery(config.os, arch);
        id = aws.ec2.getAmiOutput({
          owners: q.owners,
          mostRecent: true,
          filters: [
            { name: "name", values: [q.namePattern] },
            { name: "architecture", values: [q.architecture] },
            { name: "virtualization-type", values: ["hvm"] },
          ],
        }, { parent: this, provider }).id;
        amis.set(arch, id);
      }
      return id;
    };

    const userData = renderCloudInit(config.packages);
    const login = nodeLogin(keys, args);
    const user = amiLoginUser(config.os);
    const servers = new Map<string, aws.ec2.Instance>();
    this.nodes = planNodes(config).map((n) => {
      // getAmi follows the newest image; existing instances keep theirs (new ones get the new AMI) and their
      // key pair (keyName is ForceNew: a new key would replace every instance at once, as Hetzner's sshKeys). A
      // new subnet is a new instance (ForceNew), and so is a new type here: the provider's in-place type
      // change stops the instance without a drain, every changed one at once. Deleted before its
      // replacement, after the node's k3s chain (replace-chain.ts machineTrigger; day-two/machines.ts).
      const instance = new aws.ec2.Instance(`${name}-${n.name}`, {
        ami: n.pool.image?.id ?? amiFor(n.arch),
        instanceType: n.pool.type,
        subnetId: placement.subnetIds[subnetIndex(n.index, placement.subnetIds.length)],
        vpcSecurityGroupIds: [groups.nodes.id, ...(n.role === "server" ? [groups.servers.id] : [])],
        keyName: keyPair.keyName,
        associatePublicIpAddress: true,
        rootBlockDevice: { volumeSize: a.rootVolumeGb, volumeType: "gp3", encrypted: true, deleteOnTermination: true },
        metadataOptions: { httpTokens: "required", httpEndpoint: "enabled" },
        userData,
        tags: { ...tags, Name: `${prefix}-${n.name}`, pool: n.pool.name, role: n.role },
      }, { ...child, ignoreChanges: ["ami", "userData", "keyName"], replaceOnChanges: ["instanceType"], deleteBeforeReplace: true });
      if (n.role === "server") servers.set(n.name, instance);
      const connection = { host: instance.publicIp, user: n.pool.image?.user ?? user, ...login };
      const ready = waitForNode(`${name}-${n.name}-wait-ssh`, n.name, connection, instance.id, { parent: this });
      return {
        name: n.name,
        role: n.role,
        arch: n.arch,
        connection,
        internalAddress: instance.privateIp,
        externalAddress: instance.publicIp,
        labels: n.labels,
        taints: n.taints,
        allowReboot: true,
        fixCgroups: false,
        dependsOn: [instance, ready],
        machine: instance.id,
      };
    });

    if (config.apiLoadBalancer) {
      this.apiEndpoint = this.apiLoadBalancer(name, { vpcId: placement.vpcId, subnetIds: placement.subnetIds, vpcCidr: config.network.cidr, sources, servers, tags }, child);
    }
    this.registerOutputs({ apiEndpoint: this.apiEndpoint, nodeNames: this.nodes.map((n) => n.name) });
  }

  /** Internet-facing NLB on 6443 with its own security group (admin CIDRs in, VPC out). */
  private apiLoadBalancer(
    name: string,
    a: { vpcId: pulumi.Input<string>; subnetIds: pulumi.Input<string>[]; vpcCidr: string; sources: string[]; servers: Map<string, aws.ec2.Instance>; tags: Record<string, string> },
    child: pulumi.CustomResourceOptions,
  ): pulumi.Output<string> {
    const sg = new aws.ec2.SecurityGroup(`${name}-api-lb`, { vpcId: a.vpcId, description: "k3s API load balancer: 6443 from admins", tags: a.tags }, child);
    a.sources.forEach((cidr, i) => new aws.vpc.SecurityGroupIngressRule(`${name}-api-lb-admin-${i}`, {
      securityGroupId: sg.id, ipProtocol: "tcp", fromPort: 6443, toPort: 6443, description: "Kubernetes API from admins", tags: a.tags, ...cidrSource(cidr),
    }, child));
    new aws.vpc.SecurityGroupEgressRule(`${name}-api-lb-servers`, {
      securityGroupId: sg.id, ipProtocol: "tcp", fromPort: 6443, toPort: 6443, cidrIpv4: a.vpcCidr, description: "to the servers' API and health checks", tags: a.tags,
    }, child);
    const lb = new aws.lb.LoadBalancer(`${name}-api`, { loadBalancerType: "network", internal: false, subnets: a.subnetIds, securityGroups: [sg.id], tags: a.tags }, child);
    const tg = new aws.lb.TargetGroup(`${name}-api`, {
      port: 6443, protocol: "TCP", vpcId: a.vpcId, targetType: "instance",
      healthCheck: { protocol: "TCP", port: "6443", interval: 10, healthyThreshold: 2, unhealthyThreshold: 2 },
      tags: a.tags,
    }, child);
    a.servers.forEach((s, nodeName) => new aws.lb.TargetGroupAttachment(`${name}-api-${nodeName}`, { targetGroupArn: tg.arn, targetId: s.id, port: 6443 }, child));
    new aws.lb.Listener(`${name}-api`, { loadBalancerArn: lb.arn, port: 6443, protocol: "TCP", defaultActions: [{ type: "forward", targetGroupArn: tg.arn }], tags: a.tags }, child);
    return lb.dnsName;
  }
}
