import * as pulumi from "@pulumi/pulumi";
import { installCloudMocks, Seen, settle, valueOf } from "./cloud-mocks";
import type { CloudNodes } from "../../components/nodes/cloud/result";

let seen: Seen[];
let cloud: typeof import("../../components/nodes/cloud");

const cluster = { clusterCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16" };

async function build(name: string, raw: Record<string, unknown>, embeddedRegistry = false) {
  const config = cloud.parseCloudConfig(raw, cluster);
  const nodes = await cloud.createCloudNodes(name, { config, cluster: { ...cluster, embeddedRegistry } });
  await Promise.all(nodes.nodes.map((n) => valueOf(n.internalAddress as pulumi.Output<string>)));
  if (nodes.apiEndpoint) await valueOf(nodes.apiEndpoint);
  await valueOf(nodes.urn);
  await settle();
  return nodes;
}

const mine = (prefix: string, type: string) => seen.filter((s) => s.type === type && s.name.startsWith(`${prefix}-`));
/** An ingress rule as `proto/from-to source -> group`. */
function describeRules(prefix: string): string[] {
  return mine(prefix, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => {
    const i = r.inputs;
    const source = i.cidrIpv4 ?? i.cidrIpv6 ?? `sg:${i.referencedSecurityGroupId}`;
    return `${i.ipProtocol}/${i.fromPort}-${i.toPort} ${source} -> ${i.securityGroupId}`;
  }).sort();
}

beforeAll(async () => {
  seen = await installCloudMocks();
  cloud = await import("../../components/nodes/cloud");
});

describe("AwsNodes: new VPC over two zones, Graviton servers, x86 agents, NLB", () => {
  let result: CloudNodes;
  beforeAll(async () => {
    result = await build("prod", {
      provider: "aws",
      aws: { region: "eu-central-1", availabilityZones: ["eu-central-1a", "eu-central-1b"], rootVolumeGb: 60 },
      os: "debian-12",
      adminCidrs: ["203.0.113.0/24", "2001:db8::/64"],
      apiLoadBalancer: true,
      network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/24", "10.0.2.0/24"] },
      pools: [
        { name: "server", role: "server", count: 3, type: "m7g.large" },
        { name: "agent", role: "agent", count: 2, type: "t3.large", labels: { tier: "x86" } },
      ],
    });
  });

  test("creates the region provider, VPC, subnets, key pair, groups and instances", () => {
    const count = (t: string) => mine("prod", t).length;
    expect(count("pulumi:providers:aws")).toBe(1);
    expect(mine("prod", "pulumi:providers:aws")[0].inputs.region).toBe("eu-central-1");
    expect(count("aws:ec2/vpc:Vpc")).toBe(1);
    expect(count("aws:ec2/internetGateway:InternetGateway")).toBe(1);
    expect(mine("prod", "aws:ec2/subnet:Subnet").map((s) => [s.inputs.cidrBlock, s.inputs.availabilityZone])).toEqual([["10.0.1.0/24", "eu-central-1a"], ["10.0.2.0/24", "eu-central-1b"]]);
    expect(count("aws:ec2/keyPair:KeyPair")).toBe(1);
    expect(count("aws:ec2/securityGroup:SecurityGroup")).toBe(3);
    expect(count("aws:ec2/instance:Instance")).toBe(5);
  });

  test("security groups hold exactly the k3s rule table, nothing wider", () => {
    expect(describeRules("prod")).toEqual([
      "tcp/10250-10250 10.0.0.0/16 -> prod-nodes-id",
      "tcp/22-22 2001:db8::/64 -> prod-nodes-id",
      "tcp/22-22 203.0.113.0/24 -> prod-nodes-id",
      "tcp/2379-2380 sg:prod-servers-id -> prod-servers-id",
      "tcp/6443-6443 10.0.0.0/16 -> prod-servers-id",
      "tcp/6443-6443 2001:db8::/64 -> prod-api-lb-id",
      "tcp/6443-6443 2001:db8::/64 -> prod-servers-id",
      "tcp/6443-6443 203.0.113.0/24 -> prod-api-lb-id",
      "tcp/6443-6443 203.0.113.0/24 -> prod-servers-id",
      "udp/8472-8472 10.0.0.0/16 -> prod-nodes-id",
    ]);
    const egress = mine("prod", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").map((r) => `${r.inputs.ipProtocol} ${r.inputs.cidrIpv4} ${r.inputs.fromPort ?? ""}`);
    expect(egress.sort()).toEqual(["-1 0.0.0.0/0 ", "tcp 10.0.0.0/16 6443"]);
  });

  test("AMIs are looked up per arch; instances get disk, IMDSv2, subnets round-robin and tags", () => {
    const byName = Object.fromEntries(mine("prod", "aws:ec2/instance:Instance").map((s) => [s.name, s.inputs]));
    expect(byName["prod-server-0"]).toMatchObject({ ami: "ami-arm64", instanceType: "m7g.large", subnetId: "prod-eu-central-1a-id", associatePublicIpAddress: true, keyName: "generated-key" });
    expect(byName["prod-server-1"].subnetId).toBe("prod-eu-central-1b-id");
    expect(byName["prod-server-2"].subnetId).toBe("prod-eu-central-1a-id");
    expect(byName["prod-agent-0"]).toMatchObject({ ami: "ami-x86_64", instanceType: "t3.large" });
    expect(byName["prod-server-0"].rootBlockDevice).toMatchObject({ volumeSize: 60, volumeType: "gp3", encrypted: true });
    expect(byName["prod-server-0"].metadataOptions).toMatchObject({ httpTokens: "required" });
    expect(byName["prod-server-0"].vpcSecurityGroupIds).toEqual(["prod-nodes-id", "prod-servers-id"]);
    expect(byName["prod-agent-0"].vpcSecurityGroupIds).toEqual(["prod-nodes-id"]);
    expect(byName["prod-agent-1"].userData).toMatch(/^#cloud-config\n/);
    expect(byName["prod-agent-1"].tags).toMatchObject({ Name: "test-prod-agent-1", pool: "agent", role: "agent", "managed-by": "k3s-stacks", "k3s-stacks-cluster": "test-prod" });
  });

  test("every taggable AWS resource carries the cluster tags", () => {
    const taggable = seen.filter((s) => s.name.startsWith("prod-") && s.type.startsWith("aws:") && !s.type.includes("routeTableAssociation") && !s.type.includes("targetGroupAttachment"));
    for (const r of taggable) expect(r.inputs.tags).toMatchObject({ "k3s-stacks-cluster": "test-prod" });
  });

  test("the NLB forwards 6443 to every server and is the API endpoint", async () => {
    expect(await valueOf(result.apiEndpoint!)).toBe("prod-api.elb.example");
    const lb = mine("prod", "aws:lb/loadBalancer:LoadBalancer")[0].inputs;
    expect(lb).toMatchObject({ loadBalancerType: "network", internal: false, securityGroups: ["prod-api-lb-id"] });
    expect(mine("prod", "aws:lb/targetGroupAttachment:TargetGroupAttachment").map((a) => a.inputs.targetId).sort()).toEqual(["prod-server-0-id", "prod-server-1-id", "prod-server-2-id"]);
    expect(mine("prod", "aws:lb/listener:Listener")[0].inputs).toMatchObject({ port: 6443, protocol: "TCP" });
  });

  test("nodes: public SSH host, private node-ip, the image's login user, no flannel-iface, secret key", async () => {
    const server = result.nodes[0];
    expect(server).toMatchObject({ name: "server-0", role: "server", arch: "arm64" });
    expect(server.flannelIface).toBeUndefined();
    expect(server.connection.user).toBe("admin");
    expect(await valueOf(server.connection.host)).toMatch(/^192\.0\.2\.\d+$/);
    expect(await valueOf(server.internalAddress!)).toMatch(/^10\.0\.1\.\d+$/);
    expect(result.nodes[3]).toMatchObject({ name: "agent-0", arch: "amd64", labels: { "k3s-stacks/pool": "agent", tier: "x86" } });
    expect(await pulumi.isSecret(result.privateKey!)).toBe(true);
    expect(server.dependsOn).toHaveLength(2);
  });
});

describe("AwsNodes: existing VPC, embedded registry", () => {
  beforeAll(async () => {
    await build("byo", {
      provider: "aws",
      aws: { region: "us-east-1", vpcId: "vpc-0abc", subnetIds: ["subnet-01", "subnet-02"] },
      adminCidrs: ["198.51.100.7/32"],
      network: { cidr: "172.31.0.0/16" },
      pools: [{ name: "server", role: "server", count: 1, type: "t3.medium" }, { name: "agent", role: "agent", count: 1, type: "t3.medium" }],
    }, true);
  });

  test("creates no VPC and places nodes in the given subnets", () => {
    expect(mine("byo", "aws:ec2/vpc:Vpc")).toHaveLength(0);
    expect(mine("byo", "aws:ec2/subnet:Subnet")).toHaveLength(0);
    expect(mine("byo", "aws:ec2/securityGroup:SecurityGroup").every((g) => g.inputs.vpcId === "vpc-0abc")).toBe(true);
    expect(mine("byo", "aws:ec2/instance:Instance").map((i) => i.inputs.subnetId)).toEqual(["subnet-01", "subnet-01"]);
    expect(mine("byo", "aws:ec2/instance:Instance")[0].inputs.ami).toBe("ami-x86_64");
  });

  test("the embedded registry opens 5001 and 6443 between all nodes, from the VPC range only", () => {
    const rules = describeRules("byo");
    expect(rules).toContain("tcp/5001-5001 172.31.0.0/16 -> byo-nodes-id");
    expect(rules).toContain("tcp/6443-6443 172.31.0.0/16 -> byo-nodes-id");
    expect(rules.filter((r) => r.includes("0.0.0.0/0"))).toEqual([]);
  });
});

describe("AwsNodes: a custom AMI with its own login user", () => {
  test("the instance boots the AMI and every step logs in as the image's user", async () => {
    const result = await build("ami", {
      provider: "aws",
      aws: { region: "eu-west-1", availabilityZones: ["eu-west-1a"] },
      adminCidrs: ["198.51.100.7/32"],
      network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/24"] },
      pools: [{ name: "server", role: "server", count: 1, type: "t3.medium", image: { id: "ami-0a1b2c3d4e5f67890", arch: "amd64", user: "ec2-user" } }],
    });
    expect(mine("ami", "aws:ec2/instance:Instance")[0].inputs.ami).toBe("ami-0a1b2c3d4e5f67890");
    expect(result.nodes[0].connection.user).toBe("ec2-user");
  });

  test("without image.user, every step logs in as the login of os, as before image.user existed", async () => {
    const result = await build("amidefault", {
      provider: "aws",
      aws: { region: "eu-west-1", availabilityZones: ["eu-west-1a"] },
      os: "debian-12",
      adminCidrs: ["198.51.100.7/32"],
      network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/24"] },
      pools: [{ name: "server", role: "server", count: 1, type: "t3.medium", image: { id: "ami-0a1b2c3d4e5f67890", arch: "amd64" } }],
    });
    expect(result.nodes[0].connection.user).toBe("admin");
  });
});
