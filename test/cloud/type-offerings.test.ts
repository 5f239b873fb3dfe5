// EC2 offers each instance type in some zones of a region only; RunInstances refuses it elsewhere
// after the VPC and groups exist. The pools' types are checked against the zones their VMs go into
// before anything is registered (invokes only), by the stack and by cloudNodeSpecs.
import { installCloudMocks, Seen, settle } from "./cloud-mocks";
import { setStackConfig } from "../support/stack";
import { ConfigError } from "../../components/rules/errors";
import { parseCloudConfig } from "../../components/nodes/cloud/validate";
import { poolZones, typeOfferingProblems } from "../../components/nodes/aws/type-offerings";

const cluster = { clusterCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16" };
const zones = ["us-east-1a", "us-east-1e"];
const cloud = (pools: Array<Record<string, unknown>>, aws: Record<string, unknown> = { region: "us-east-1", availabilityZones: zones }) => ({
  provider: "aws",
  aws,
  adminCidrs: ["198.51.100.7/32"],
  network: aws.vpcId ? { cidr: "172.31.0.0/16" } : { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/24", "10.0.2.0/24"] },
  pools,
});
const server = { name: "server", role: "server", count: 1, type: "t3.medium" };

test("a pool uses the zones of its first count subnets (round-robin)", () => {
  expect(poolZones(0, zones)).toEqual([]);
  expect(poolZones(1, zones)).toEqual(["us-east-1a"]);
  expect(poolZones(5, zones)).toEqual(zones);
});

describe("typeOfferingProblems", () => {
  const c = parseCloudConfig(cloud([server, { name: "agent", role: "agent", count: 2, type: "t3.micro" }]), cluster);
  const everywhere = (type: string) => ["us-east-1a", "us-east-1b", "us-east-1e"].map((zone) => ({ type, zone }));

  test("a type missing in a zone a VM goes into names the pool, the zone, where it is offered and the fix", () => {
    const offered = [...everywhere("t3.medium"), { type: "t3.micro", zone: "us-east-1a" }, { type: "t3.micro", zone: "us-east-1b" }];
    expect(typeOfferingProblems(c, zones, offered)).toEqual([
      expect.stringMatching(/^k3s-stacks:cloud\.pools\[1\]\.type: t3\.micro is not offered in us-east-1e, where an instance goes; EC2 would refuse it .*\(it is offered in us-east-1a, us-east-1b\)\. Fix: list only zones that offer it in aws\.availabilityZones/),
    ]);
  });

  test("offered in every zone used: fine; a single VM uses the first zone only", () => {
    expect(typeOfferingProblems(c, zones, [...everywhere("t3.medium"), ...everywhere("t3.micro")])).toEqual([]);
    const one = parseCloudConfig(cloud([{ ...server, type: "a1.medium" }]), cluster);
    expect(typeOfferingProblems(one, zones, [{ type: "a1.medium", zone: "us-east-1a" }])).toEqual([]);
  });

  test("offered nowhere in the region (or a family that does not exist, which the name rules pass): the fix names the region", () => {
    const typo = parseCloudConfig(cloud([{ ...server, type: "t5.large" }]), cluster);
    expect(typeOfferingProblems(typo, zones, [])).toEqual([expect.stringMatching(/t5\.large is not offered in us-east-1a.*it is offered in no zone of us-east-1.*Fix: use a type offered in us-east-1/)]);
  });
});

describe("through the stack and cloudNodeSpecs, under the mocked account", () => {
  let seen: Seen[];
  const stack = (c: Record<string, unknown>) => ({ "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1", datastore: "sqlite" }, "k3s-stacks:cloud": c });
  async function run(config: Record<string, unknown>): Promise<unknown> {
    seen = await installCloudMocks();
    setStackConfig(config);
    const { main } = await import("../../stacks/main");
    const error = await main().then(() => undefined, (e: unknown) => e);
    await settle();
    return error;
  }
  const registered = () => seen.filter((r) => r.type !== "pulumi:pulumi:StackReference");

  test("agents of t3.micro over us-east-1a and us-east-1e (which lacks it): refused, nothing registered", async () => {
    const error = await run(stack(cloud([server, { name: "agent", role: "agent", count: 2, type: "t3.micro" }])));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([expect.stringMatching(/^k3s-stacks:cloud\.pools\[1\]\.type: t3\.micro is not offered in us-east-1e.*Fix: /)]);
    expect(registered()).toEqual([]);
  });

  test("an existing VPC: a1.medium over subnets in us-east-1a and us-east-1b is refused, one instance in us-east-1a is created", async () => {
    const existing = { region: "us-east-1", vpcId: "vpc-0abc", subnetIds: ["subnet-01", "subnet-02"] };
    const error = await run(stack(cloud([server, { name: "arm", role: "agent", count: 3, type: "a1.medium" }], existing)));
    expect((error as ConfigError).problems).toEqual([expect.stringMatching(/^k3s-stacks:cloud\.pools\[1\]\.type: a1\.medium is not offered in us-east-1b.*Fix: use subnets of zones that offer it, or another type\./)]);
    expect(registered()).toEqual([]);
    expect(await run(stack(cloud([server, { name: "arm", role: "agent", count: 1, type: "a1.medium" }], existing)))).toBeUndefined();
    expect(seen.filter((r) => r.type === "aws:ec2/instance:Instance").map((r) => `${r.inputs.instanceType} in ${r.inputs.subnetId}`).sort()).toEqual(["a1.medium in subnet-01", "t3.medium in subnet-01"]);
  });

  test("cloudNodeSpecs names its argument and declares nothing", async () => {
    seen = await installCloudMocks();
    const lib = await import("../../components");
    const error = await lib.cloudNodeSpecs("offer", { cloud: cloud([server, { name: "agent", role: "agent", count: 2, type: "t3.micro" }]) as never }).catch((e: unknown) => e);
    await settle();
    expect((error as ConfigError).problems).toEqual([expect.stringMatching(/^cloudNodeSpecs\.args\.cloud\.pools\[1\]\.type: t3\.micro is not offered in us-east-1e/)]);
    expect(registered()).toEqual([]);
  });
});
