import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { FirewallOptions, k3sFirewallRules } from "../cloud/firewall";
import { isIpv6Cidr } from "../../rules/cidr";

/** The two groups nodes get: every node is in `nodes`, servers are in `servers` too. */
export interface NodeSecurityGroups {
  nodes: aws.ec2.SecurityGroup;
  servers: aws.ec2.SecurityGroup;
}

/** Source field of a rule: an IPv4 or IPv6 range. */
export function cidrSource(cidr: string): { cidrIpv4?: string; cidrIpv6?: string } {
  return isIpv6Cidr(cidr) ? { cidrIpv6: cidr } : { cidrIpv4: cidr };
}

/**
 * Security groups with exactly the k3s rule table: admin rules per admin CIDR, node-to-node rules
 * from the VPC range, etcd only from the servers' group. Egress stays open (install downloads,
 * image pulls); AWS drops the default egress rule when the provider creates a group.
 */
export function nodeSecurityGroups(
  name: string,
  args: { vpcId: pulumi.Input<string>; vpcCidr: string; adminSources: string[]; firewall: FirewallOptions; tags: Record<string, string> },
  opts: pulumi.CustomResourceOptions,
): NodeSecurityGroups {
  const group = (key: string, description: string) =>
    new aws.ec2.SecurityGroup(`${name}-${key}`, { vpcId: args.vpcId, description, tags: { ...args.tags, Name: `${args.tags["k3s-stacks-cluster"]}-${key}` } }, opts);
  const groups: NodeSecurityGroups = {
    nodes: group("nodes", "k3s nodes: SSH from admins, kubelet and overlay between nodes"),
    servers: group("servers", "k3s servers: API from admins and nodes, etcd between servers"),
  };
  for (const rule of k3sFirewallRules(args.firewall)) {
    const target = rule.target === "all" ? groups.nodes : groups.servers;
    const base = {
      securityGroupId: target.id,
      ipProtocol: rule.protocol,
      fromPort: rule.fromPort,
      toPort: rule.toPort,
      description: rule.description,
      tags: args.tags,
    };
    const ruleName = `${name}-${rule.target === "all" ? "nodes" : "servers"}-${rule.id}`;
    if (rule.source === "admin") {
      args.adminSources.forEach((cidr, i) => new aws.vpc.SecurityGroupIngressRule(`${ruleName}-${i}`, { ...base, ...cidrSource(cidr) }, opts));
    } else if (rule.source === "network") {
      new aws.vpc.SecurityGroupIngressRule(ruleName, { ...base, cidrIpv4: args.vpcCidr }, opts);
    } else {
      new aws.vpc.SecurityGroupIngressRule(ruleName, { ...base, referencedSecurityGroupId: groups.servers.id }, opts);
    }
  }
  new aws.vpc.SecurityGroupEgressRule(`${name}-nodes-egress-v4`, { securityGroupId: groups.nodes.id, ipProtocol: "-1", cidrIpv4: "0.0.0.0/0", description: "outbound: installs, image pulls", tags: args.tags }, opts);
  return groups;
}
