// An existing VPC (aws.vpcId) is described before anything is registered: subnets of another VPC,
// IDs of another region, subnets outside network.cidr and private subnets stop `pulumi up` (and
// preview) with the fix.
import { installCloudMocks, Seen, settle } from "./cloud-mocks";
import { setStackConfig } from "../support/stack";
import { ConfigError } from "../../components/rules/errors";

const stack = (aws: Record<string, unknown>, cidr = "172.31.0.0/16") => ({
  "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1", datastore: "sqlite" },
  "k3s-stacks:cloud": {
    provider: "aws",
    aws: { region: "us-east-1", vpcId: "vpc-0abc", ...aws },
    adminCidrs: ["198.51.100.7/32"],
    network: { cidr },
    pools: [{ name: "server", role: "server", count: 1, type: "t3.medium" }, { name: "agent", role: "agent", count: 2, type: "t3.medium" }],
  },
});

let seen: Seen[];
async function run(config: Record<string, unknown>): Promise<unknown> {
  seen = await installCloudMocks();
  setStackConfig(config);
  const { main } = await import("../../stacks/main");
  const error = await main().then(() => undefined, (e: unknown) => e);
  await settle();
  return error;
}

async function refused(config: Record<string, unknown>): Promise<string[]> {
  const error = await run(config);
  expect(error).toBeInstanceOf(ConfigError);
  expect(seen.filter((r) => r.type !== "pulumi:pulumi:StackReference")).toEqual([]);
  return (error as ConfigError).problems;
}

test("subnets of the VPC inside network.cidr: the instances are created in them", async () => {
  expect(await run(stack({ subnetIds: ["subnet-01", "subnet-02"] }))).toBeUndefined();
  expect(seen.filter((r) => r.type === "aws:ec2/instance:Instance").map((r) => r.inputs.subnetId).sort()).toEqual(["subnet-01", "subnet-01", "subnet-02"]);
});

test("a subnet of another VPC is refused before any resource: EC2 would refuse the instance", async () => {
  expect(await refused(stack({ subnetIds: ["subnet-01", "subnet-0def"] }))).toEqual([
    expect.stringMatching(/^k3s-stacks:cloud\.aws\.subnetIds\[1\]: subnet-0def belongs to vpc-0def, not to aws\.vpcId vpc-0abc.*Fix: use a subnet of vpc-0abc, or set vpcId to vpc-0def\./),
  ]);
});

test("IDs not found in the region are named", async () => {
  expect(await refused(stack({ subnetIds: ["subnet-0123"] }))).toEqual([expect.stringContaining("aws.subnetIds[0]: subnet-0123 was not found in region us-east-1")]);
  expect(await refused(stack({ vpcId: "vpc-0fff", subnetIds: ["subnet-01"] }))).toEqual([expect.stringContaining("aws.vpcId: vpc-0fff was not found in region us-east-1. Fix:")]);
});

test("a subnet in a secondary CIDR block outside network.cidr, which the security groups would not let node traffic in from", async () => {
  expect(await refused(stack({ subnetIds: ["subnet-01", "subnet-0aaa"] }))).toEqual([
    expect.stringMatching(/^k3s-stacks:cloud\.network\.cidr: 172\.31\.0\.0\/16 does not hold subnet-0aaa's range 100\.64\.1\.0\/24.*Fix: set network\.cidr to the VPC's CIDR block that holds it \(vpc-0abc has 172\.31\.0\.0\/16, 100\.64\.0\.0\/16\)/),
  ]);
});

test("a subnet without a route to an internet gateway is refused before any resource: the instances' public addresses would not answer SSH", async () => {
  expect(await refused(stack({ subnetIds: ["subnet-01", "subnet-0b0b", "subnet-0c0c"] }))).toEqual([
    expect.stringMatching(/^k3s-stacks:cloud\.aws\.subnetIds\[1\]: subnet-0b0b is a private subnet: its route table sends 0\.0\.0\.0\/0 to NAT gateway nat-0abc.*Fix: use a public subnet of vpc-0abc, one whose route table sends 0\.0\.0\.0\/0 to an internet gateway/),
    expect.stringMatching(/^k3s-stacks:cloud\.aws\.subnetIds\[2\]: subnet-0c0c has no route to the internet \(its route table holds no 0\.0\.0\.0\/0 route\).*Fix: use a public subnet of vpc-0abc/),
  ]);
});
