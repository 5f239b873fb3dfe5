import * as pulumi from "@pulumi/pulumi";

/** A registration the mock monitor saw. */
export interface Seen {
  type: string;
  name: string;
  inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** What /etc/rancher/k3s/k3s.yaml looks like on a fresh server (certificate data left out). */
const KUBECONFIG = [
  "apiVersion: v1",
  "kind: Config",
  "clusters:",
  "- cluster: {server: 'https://127.0.0.1:6443'}",
  "  name: default",
  "contexts:",
  "- context: {cluster: default, user: default}",
  "  name: default",
  "current-context: default",
  "users:",
  "- name: default",
  "  user: {}",
  "",
].join("\n");

/** Fake public/private addresses and keys the providers would compute. */
function computed(type: string, name: string, index: number): Record<string, unknown> {
  switch (type) {
    case "tls:index/privateKey:PrivateKey":
      return { publicKeyOpenssh: "ssh-ed25519 AAAAgenerated", privateKeyOpenssh: "-----BEGIN OPENSSH PRIVATE KEY-----generated" };
    case "command:remote:Command":
      // The k3s layer reads the admin kubeconfig from the first server.
      return name.endsWith("-kubeconfig") ? { stdout: KUBECONFIG } : {};
    case "random:index/randomPassword:RandomPassword":
      return { result: "mock-cluster-token" };
    case "hcloud:index/server:Server":
      return { ipv4Address: `198.51.100.${index}`, networks: [{ ip: `10.0.1.${index}`, networkId: 1 }] };
    case "hcloud:index/loadBalancer:LoadBalancer":
      return { ipv4: "198.51.100.250" };
    case "aws:ec2/instance:Instance":
      return { publicIp: `192.0.2.${index}`, privateIp: `10.0.1.${index}` };
    case "aws:ec2/keyPair:KeyPair":
      return { keyName: "generated-key" };
    case "aws:lb/loadBalancer:LoadBalancer":
      return { dnsName: `${name}.elb.example`, arn: `arn:${name}` };
    case "aws:lb/targetGroup:TargetGroup":
      return { arn: `arn:${name}` };
    default:
      return {};
  }
}

/**
 * Mocks for the cloud providers: hcloud IDs are numeric like the real API's (the SDK wants numbers
 * for network/firewall/placement-group IDs), the AMI lookup answers per architecture, and any other
 * invoke throws.
 */
/** A failed invoke as the engine reports it: the SDK rethrows the gRPC error's `details` (runtime/invoke.ts). */
const notFound = (details: string) => Object.assign(new Error(details), { details });

/** The mocked account's VPCs (CIDR blocks, primary first) and subnets, for getVpc and getSubnet. */
/** `k3s-stacks:cloud` of a small AWS stack: one server and one agent in one zone, admin access from a documentation range. */
export const AWS_ONE_SERVER_ONE_AGENT = {
  provider: "aws",
  aws: { region: "eu-central-1", availabilityZones: ["eu-central-1a"] },
  os: "ubuntu-24.04",
  adminCidrs: ["203.0.113.0/24"],
  network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/24"] },
  pools: [
    { name: "control", role: "server", count: 1, type: "m7i.large" },
    { name: "worker", role: "agent", count: 1, type: "m7i.large" },
  ],
};

export const MOCK_VPCS: Record<string, string[]> = { "vpc-0abc": ["172.31.0.0/16", "100.64.0.0/16"], "vpc-0def": ["10.1.0.0/16"] };
export const MOCK_SUBNETS: Record<string, { vpcId: string; cidrBlock: string; availabilityZone: string }> = {
  "subnet-01": { vpcId: "vpc-0abc", cidrBlock: "172.31.0.0/20", availabilityZone: "us-east-1a" },
  "subnet-02": { vpcId: "vpc-0abc", cidrBlock: "172.31.16.0/20", availabilityZone: "us-east-1b" },
  "subnet-0aaa": { vpcId: "vpc-0abc", cidrBlock: "100.64.1.0/24", availabilityZone: "us-east-1c" },
  "subnet-0def": { vpcId: "vpc-0def", cidrBlock: "10.1.0.0/24", availabilityZone: "us-east-1a" },
  "subnet-0b0b": { vpcId: "vpc-0abc", cidrBlock: "172.31.32.0/20", availabilityZone: "us-east-1a" },
  "subnet-0c0c": { vpcId: "vpc-0abc", cidrBlock: "172.31.48.0/20", availabilityZone: "us-east-1b" },
};

/**
 * Route tables of the mocked VPCs, by the subnet explicitly associated with them (Route table
 * lookups by subnet find only those) and, under `main:<vpc>`, each VPC's main table, which every other
 * subnet uses: subnet-01 has a public table of its own, subnet-02 and subnet-0aaa use vpc-0abc's main
 * table (public), subnet-0b0b routes the internet through a NAT gateway, subnet-0c0c has no way out.
 */
export const MOCK_ROUTE_TABLES: Record<string, Array<{ cidrBlock: string; gatewayId?: string; natGatewayId?: string }>> = {
  "subnet-01": [{ cidrBlock: "172.31.0.0/16", gatewayId: "local" }, { cidrBlock: "0.0.0.0/0", gatewayId: "igw-0abc" }],
  "subnet-0b0b": [{ cidrBlock: "172.31.0.0/16", gatewayId: "local" }, { cidrBlock: "0.0.0.0/0", natGatewayId: "nat-0abc" }],
  "subnet-0c0c": [{ cidrBlock: "172.31.0.0/16", gatewayId: "local" }],
  "main:vpc-0abc": [{ cidrBlock: "172.31.0.0/16", gatewayId: "local" }, { cidrBlock: "0.0.0.0/0", gatewayId: "igw-0abc" }],
  "main:vpc-0def": [{ cidrBlock: "10.1.0.0/16", gatewayId: "local" }, { cidrBlock: "0.0.0.0/0", gatewayId: "igw-0def" }],
};

/**
 * Zones of the mocked regions and the types each zone lacks (us-east-1e has no t3.micro; a1.medium
 * is in us-east-1a, c and d only, longhorn/longhorn-tests#1130); every other type is in every zone.
 */
export const MOCK_ZONES: Record<string, string[]> = {
  "us-east-1": ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"],
  "eu-central-1": ["eu-central-1a", "eu-central-1b", "eu-central-1c"],
};
export const MOCK_NOT_OFFERED: Record<string, string[]> = {
  "t3.micro": ["us-east-1e"],
  "a1.medium": ["us-east-1b", "us-east-1e", "us-east-1f"],
};

/** The mocked Hetzner project's SSH keys (getSshKeys); a test sets them before it builds. */
export const MOCK_HCLOUD_SSH_KEYS: Array<{ id: number; name: string; fingerprint: string; publicKey: string; labels: Record<string, string> }> = [];

export async function installCloudMocks(): Promise<Seen[]> {
  const seen: Seen[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = args.inputs as Record<string, unknown>;
        seen.push({ type: args.type, name: args.name, inputs });
        const index = seen.filter((s) => s.type === args.type).length;
        const id = args.type.startsWith("hcloud:") ? String(1000 + seen.length) : `${args.name}-id`;
        const stackRef = args.type === "pulumi:pulumi:StackReference" ? { outputs: {} } : {};
        return { id, state: { ...inputs, ...stackRef, ...computed(args.type, args.name, index) } };
      },
      call(args) {
        if (args.token === "aws:ec2/getAmi:getAmi") {
          const filters = (args.inputs.filters ?? []) as Array<{ name: string; values: string[] }>;
          const arch = filters.find((f) => f.name === "architecture")?.values[0];
          if (arch !== "x86_64" && arch !== "arm64") throw new Error(`getAmi without an architecture filter: ${JSON.stringify(args.inputs)}`);
          return { id: `ami-${arch}`, architecture: arch };
        }
        // An account with vpc-0abc (172.31.0.0/16, plus 100.64.0.0/16) and vpc-0def; anything else is not found.
        if (args.token === "aws:ec2/getVpc:getVpc") {
          const vpc = MOCK_VPCS[args.inputs.id as string];
          if (!vpc) throw notFound("invoking aws:ec2/getVpc:getVpc: 1 error occurred:\n\t* no matching EC2 VPC found");
          return { id: args.inputs.id, cidrBlock: vpc[0], cidrBlockAssociations: vpc.map((cidrBlock) => ({ cidrBlock })) };
        }
        if (args.token === "aws:ec2/getSubnet:getSubnet") {
          const subnet = MOCK_SUBNETS[args.inputs.id as string];
          if (!subnet) throw notFound("invoking aws:ec2/getSubnet:getSubnet: 1 error occurred:\n\t* no matching EC2 Subnet found");
          return { id: args.inputs.id, ...subnet };
        }
        // As EC2 answers: by subnet only an explicit association; the main table by the association.main filter.
        if (args.token === "aws:ec2/getRouteTable:getRouteTable") {
          const main = ((args.inputs.filters ?? []) as Array<{ name: string; values: string[] }>).some((f) => f.name === "association.main" && f.values.includes("true"));
          const routes = MOCK_ROUTE_TABLES[main ? `main:${args.inputs.vpcId as string}` : args.inputs.subnetId as string];
          if (!routes) throw notFound("invoking aws:ec2/getRouteTable:getRouteTable: 1 error occurred:\n\t* no matching EC2 Route Table found");
          return { id: "rtb-mock", routeTableId: "rtb-mock", vpcId: args.inputs.vpcId, routes };
        }
        if (args.token === "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings") {
          const types = ((args.inputs.filters ?? []) as Array<{ name: string; values: string[] }>).find((f) => f.name === "instance-type")?.values ?? [];
          const zones = MOCK_ZONES[args.inputs.region as string] ?? [];
          const offers = types.flatMap((type) => zones.filter((z) => !(MOCK_NOT_OFFERED[type] ?? []).includes(z)).map((zone) => ({ type, zone })));
          return { id: "offerings", instanceTypes: offers.map((o) => o.type), locations: offers.map((o) => o.zone), locationTypes: offers.map(() => "availability-zone"), region: args.inputs.region };
        }
        if (args.token === "hcloud:index/getSshKeys:getSshKeys") return { sshKeys: MOCK_HCLOUD_SSH_KEYS };
        throw new Error(`Mock not implemented: ${args.token}`);
      },
    },
    "k3s-stacks",
    "test",
    false,
  );
  return seen;
}

/** Resolves an Output (or plain value). */
export function valueOf<T>(o: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(o).apply((v) => { resolve(v as T); return v; }));
}

/** Waits until pending registrations reached the mock monitor. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}
