import { ConfigError } from "../../components/rules/errors";
import { parseCloudConfig } from "../../components/nodes/cloud/validate";
import { planNodes } from "../../components/nodes/cloud/pools";
import { awsInstanceArch } from "../../components/nodes/aws/instance-types";

const cluster = { clusterCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16" };

function hetzner(overrides: Record<string, unknown> = {}) {
  return {
    provider: "hetzner",
    hetzner: { location: "nbg1" },
    adminCidrs: ["203.0.113.7/32"],
    network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/24"] },
    pools: [{ name: "server", role: "server", count: 1, type: "cx23" }],
    ...overrides,
  };
}

function aws(overrides: Record<string, unknown> = {}) {
  return {
    provider: "aws",
    aws: { region: "eu-central-1", availabilityZones: ["eu-central-1a", "eu-central-1b"] },
    adminCidrs: ["203.0.113.7/32"],
    network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/24", "10.0.2.0/24"] },
    pools: [{ name: "server", role: "server", count: 3, type: "m7g.large" }],
    ...overrides,
  };
}

/** The problems a config is rejected with (fails the test when it is accepted). */
function problems(raw: unknown, c = cluster): string[] {
  try {
    parseCloudConfig(raw, c);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error("config was accepted");
}

describe("parseCloudConfig", () => {
  test("pool taints must be unique by key and effect", () => {
    const dup = aws({ pools: [{ name: "server", role: "server", count: 3, type: "m7g.large", taints: ["a:NoSchedule", "a=x:NoSchedule"] }] });
    expect(problems(dup).join("\n")).toMatch(/pools\[0\]\.taints: has 'a:NoSchedule' and 'a=x:NoSchedule'.*Fix: keep one of them/);
  });

  test("accepts a minimal Hetzner and AWS config and fills defaults", () => {
    const h = parseCloudConfig(hetzner(), cluster);
    expect(h.os).toBe("ubuntu-24.04");
    expect(h.allowWorldApi).toBe(false);
    expect(h.pools[0]).toMatchObject({ labels: {}, taints: [] });
    expect(parseCloudConfig(aws(), cluster).aws?.rootVolumeGb).toBe(40);
  });

  test("rejects unknown keys (strict schema)", () => {
    expect(problems(hetzner({ adminCIDRs: [] }))).toEqual([expect.stringMatching(/^k3s-stacks:cloud: unknown key\(s\) 'adminCIDRs'/)]);
  });

  test("an arm64 server type with an x64 image is an error naming both", () => {
    const p = problems(hetzner({ pools: [{ name: "server", role: "server", count: 1, type: "cax11", image: { id: "123456", arch: "amd64" } }] }));
    expect(p).toEqual([expect.stringContaining("k3s-stacks:cloud.pools[0].image: image 123456 is amd64 but type cax11 is arm64")]);
    const q = problems(aws({ pools: [{ name: "server", role: "server", count: 1, type: "t4g.small", image: { id: "ami-0abc1234", arch: "amd64", user: "ubuntu" } }] }));
    expect(q).toEqual([expect.stringContaining("type t4g.small is arm64")]);
  });

  test("an arch that contradicts the type is an error", () => {
    expect(problems(hetzner({ pools: [{ name: "server", role: "server", count: 1, type: "cx23", arch: "arm64" }] })))
      .toEqual([expect.stringContaining("pools[0].arch: arm64 does not match type cx23, which is amd64")]);
  });

  test("an unknown type needs an explicit arch", () => {
    expect(problems(hetzner({ pools: [{ name: "server", role: "server", count: 1, type: "zz99" }] })))
      .toEqual([expect.stringContaining("pools[0].type: the architecture of hetzner type 'zz99' is unknown")]);
    expect(() => parseCloudConfig(hetzner({ pools: [{ name: "server", role: "server", count: 1, type: "zz99", arch: "amd64" }] }), cluster)).not.toThrow();
  });

  // Every Hetzner type is in the table, so one it lacks is most likely misspelt (cx-23 for cx23).
  test.each([["cx-23", "cx23"], ["cpx-22", "cpx22"], ["cax-11", "cax11"]])("a Hetzner type %s near a known one names %s", (type, meant) => {
    expect(problems(hetzner({ pools: [{ name: "server", role: "server", count: 1, type }] })))
      .toEqual([expect.stringMatching(new RegExp(`pools\\[0\\]\\.type: the architecture of hetzner type '${type}' is unknown here\\. Fix: write ${meant} if that is the type meant`))]);
  });

  test("a location that lacks the type is an error naming where it is sold", () => {
    expect(problems(hetzner({ hetzner: { location: "ash" }, pools: [{ name: "server", role: "server", count: 1, type: "cax21" }] })))
      .toEqual([expect.stringContaining("pools[0].type: type cax21 is not offered in ash (offered in fsn1, nbg1, hel1)")]);
    expect(problems(hetzner({ pools: [{ name: "server", role: "server", count: 1, type: "cpx21" }] })))
      .toEqual([expect.stringContaining("type cpx21 is not offered in nbg1")]);
  });

  test("an ECDSA public key is refused on AWS (EC2 imports RSA and ED25519 only) and taken on Hetzner", () => {
    const ecdsa = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEXAMPLE= me@mac";
    expect(problems(aws({ sshPublicKey: ecdsa }))).toEqual([
      expect.stringMatching(/^k3s-stacks:cloud\.sshPublicKey: is an ecdsa-sha2-nistp256 key, but EC2 imports only RSA and ED25519 public keys.*Fix: create an ED25519 key \(ssh-keygen -t ed25519\).*or remove sshPublicKey/),
    ]);
    expect(() => parseCloudConfig(aws({ sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample me@host" }), cluster)).not.toThrow();
    expect(() => parseCloudConfig(aws({ sshPublicKey: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQExample me@host" }), cluster)).not.toThrow();
    expect(() => parseCloudConfig(hetzner({ sshPublicKey: ecdsa }), cluster)).not.toThrow();
  });

  test("retired Hetzner types name their successor", () => {
    expect(problems(hetzner({ pools: [{ name: "server", role: "server", count: 1, type: "cx22" }] })))
      .toEqual([expect.stringContaining("Hetzner no longer sells cx22. Fix: use its successor cx23")]);
  });

  test.each([["cx11", "cx23"], ["cx21", "cx23"], ["cx31", "cx33"], ["cx41", "cx43"], ["cx51", "cx53"]])(
    "the retired Intel line %s is refused with its successor %s, also with arch or a custom image (the API has no such type)",
    (type, successor) => {
      const expected = [expect.stringContaining(`pools[0].type: Hetzner no longer sells ${type}. Fix: use its successor ${successor}`)];
      expect(problems(hetzner({ pools: [{ name: "server", role: "server", count: 1, type }] }))).toEqual(expected);
      expect(problems(hetzner({ pools: [{ name: "server", role: "server", count: 1, type, arch: "amd64" }] }))).toEqual(expected);
      expect(problems(hetzner({ pools: [{ name: "server", role: "server", count: 1, type, image: { id: "123456", arch: "amd64" } }] }))).toEqual(expected);
    },
  );

  test("an unknown location and a pool location from another network zone are errors", () => {
    expect(problems(hetzner({ hetzner: { location: "xyz1" } }))[0]).toContain("hetzner.location: 'xyz1' is not a Hetzner Cloud location");
    expect(problems(hetzner({ pools: [{ name: "server", role: "server", count: 1, type: "ccx13", location: "ash" }] })))
      .toEqual([expect.stringContaining("pools[0].location: ash is in network zone us-east, but the private network is in eu-central")]);
  });

  test("an empty admin CIDR list is refused unless allowWorldApi is set", () => {
    expect(problems(hetzner({ adminCidrs: [] }))).toEqual([expect.stringContaining("k3s-stacks:cloud.adminCidrs: is empty, which would open SSH (22) and the Kubernetes API (6443) to the whole internet")]);
    expect(problems(hetzner({ adminCidrs: ["0.0.0.0/0"] }))).toEqual([expect.stringContaining("adminCidrs[0]: 0.0.0.0/0 opens SSH and the Kubernetes API to the whole internet")]);
    expect(() => parseCloudConfig(hetzner({ adminCidrs: [], allowWorldApi: true }), cluster)).not.toThrow();
  });

  test("network ranges overlapping the cluster or service CIDR are errors", () => {
    const p = problems(hetzner({ network: { cidr: "10.0.0.0/8", subnets: ["10.43.0.0/24"] } }));
    expect(p).toEqual(expect.arrayContaining([
      expect.stringContaining("network.cidr: 10.0.0.0/8 overlaps k3s-stacks:cluster.clusterCidr (pods) 10.42.0.0/16"),
      expect.stringContaining("network.cidr: 10.0.0.0/8 overlaps k3s-stacks:cluster.serviceCidr 10.43.0.0/16"),
      expect.stringContaining("network.subnets[0]: 10.43.0.0/24 overlaps k3s-stacks:cluster.serviceCidr"),
    ]));
    expect(p).toHaveLength(3);
    // The cluster's own settings are parameters: a moved pod range makes 10.0.0.0/16 clash.
    expect(problems(hetzner(), { clusterCidr: "10.0.0.0/14,fd00::/56", serviceCidr: "10.43.0.0/16" })[0]).toContain("overlaps k3s-stacks:cluster.clusterCidr (pods) 10.0.0.0/14");
  });

  test("subnets outside the network or overlapping each other are errors", () => {
    expect(problems(aws({ network: { cidr: "10.0.0.0/16", subnets: ["10.1.0.0/24", "10.0.2.0/24"] } })))
      .toEqual([expect.stringContaining("network.subnets[0]: 10.1.0.0/24 is not inside network.cidr 10.0.0.0/16")]);
    expect(problems(aws({ network: { cidr: "10.0.0.0/16", subnets: ["10.0.0.0/23", "10.0.1.0/24"] } })))
      .toEqual([expect.stringContaining("network.subnets[1]: 10.0.1.0/24 overlaps network.subnets[0]")]);
  });

  test("pool names must be unique and a server must exist", () => {
    const p = problems(hetzner({ pools: [
      { name: "a", role: "agent", count: 1, type: "cx23" },
      { name: "a", role: "agent", count: 1, type: "cx23" },
    ] }));
    expect(p).toEqual([
      expect.stringContaining("pools[1].name: 'a' is used by another pool"),
      expect.stringContaining("pools: no server pool with count >= 1"),
    ]);
  });

  test("Hetzner: one subnet, and the API load balancer only with allowWorldApi", () => {
    expect(problems(hetzner({ network: { cidr: "10.0.0.0/16", subnets: [] } }))).toEqual([expect.stringContaining("Hetzner needs exactly one subnet")]);
    expect(problems(hetzner({ apiLoadBalancer: true }))).toEqual([expect.stringContaining("Hetzner load balancers cannot be firewalled")]);
    expect(() => parseCloudConfig(hetzner({ apiLoadBalancer: true, allowWorldApi: true }), cluster)).not.toThrow();
  });

  test("Hetzner: more than 100 servers in all is refused (one private network holds 100), 100 is taken", () => {
    const pools = (agents: number) => ({
      network: { cidr: "10.0.0.0/16", subnets: ["10.0.0.0/22"] },
      pools: [{ name: "server", role: "server", count: 3, type: "cx23" }, { name: "a", role: "agent", count: 60, type: "cx23" }, { name: "b", role: "agent", count: agents, type: "cx23" }],
    });
    expect(problems(hetzner(pools(38)))).toEqual([
      expect.stringMatching(/^k3s-stacks:cloud\.pools: 101 servers in all \(server 3, a 60, b 38\), but a Hetzner private network takes at most 100 servers.*Fix: lower the counts to 100 or fewer in all/),
    ]);
    expect(() => parseCloudConfig(hetzner(pools(37)), cluster)).not.toThrow();
    // AWS has no such limit per VPC.
    expect(() => parseCloudConfig(aws({ network: { cidr: "10.0.0.0/16", subnets: ["10.0.0.0/22", "10.0.4.0/22"] }, pools: [{ name: "server", role: "server", count: 3, type: "m7g.large" }, { name: "a", role: "agent", count: 100, type: "m7g.large" }] }), cluster)).not.toThrow();
  });

  test("provider section mismatches are errors", () => {
    expect(problems({ ...hetzner(), provider: "aws" })).toEqual(expect.arrayContaining([
      expect.stringContaining("k3s-stacks:cloud.aws: is required with provider: aws"),
    ]));
    expect(problems({ ...aws(), hetzner: { location: "nbg1" } })).toEqual([expect.stringContaining("cloud.hetzner: is set but provider is aws")]);
  });

  test("AWS: zones match subnets, existing VPCs need subnet IDs, pools have no location", () => {
    expect(problems(aws({ aws: { region: "eu-central-1", availabilityZones: ["eu-central-1a"] } })))
      .toEqual([expect.stringContaining("subnets and aws.availabilityZones need the same length; got 2 and 1. Fix: e.g. subnets: [10.0.1.0/24] with availabilityZones: [eu-central-1a]")]);
    // A list left out is reported under its own key, with entries matching the other list.
    expect(problems(aws({ aws: { region: "eu-central-1" } }))).toEqual([
      expect.stringMatching(/^k3s-stacks:cloud\.aws\.availabilityZones: is required without aws\.vpcId.* Fix: list 2 zones of eu-central-1, one per network\.subnets entry, such as availabilityZones: \[eu-central-1a, eu-central-1b\]\.$/),
    ]);
    expect(problems(aws({ network: { cidr: "10.20.0.0/16", subnets: [] } }))).toEqual([
      expect.stringMatching(/^k3s-stacks:cloud\.network\.subnets: is required without aws\.vpcId.* Fix: list 2 subnets inside network\.cidr, one per zone, such as subnets: \[10\.20\.1\.0\/24, 10\.20\.2\.0\/24\]\.$/),
    ]);
    expect(problems(aws({ aws: { region: "eu-central-1", availabilityZones: ["us-east-1a", "eu-central-1b"] } })))
      .toEqual([expect.stringContaining("availabilityZones[0]: us-east-1a is not in region eu-central-1")]);
    expect(problems(aws({ aws: { region: "eu-central-1", vpcId: "vpc-0abc" }, network: { cidr: "10.0.0.0/16", subnets: [] } })))
      .toEqual([expect.stringContaining("aws.subnetIds: an existing VPC needs the subnets")]);
    expect(problems(aws({ pools: [{ name: "server", role: "server", count: 1, type: "m7g.large", location: "x" }] })))
      .toEqual([expect.stringContaining("per-pool locations exist on Hetzner only")]);
  });

  test("every problem is reported at once", () => {
    const p = problems(hetzner({ adminCidrs: [], network: { cidr: "10.42.0.0/16", subnets: ["10.42.1.0/24"] }, pools: [{ name: "server", role: "server", count: 1, type: "cx22" }] }));
    expect(p.length).toBeGreaterThanOrEqual(4);
  });
});

describe("planNodes", () => {
  test("names nodes <pool>-<index>, servers first, placement groups of at most 10", () => {
    const config = parseCloudConfig(hetzner({ pools: [
      { name: "workers", role: "agent", count: 12, type: "cax21" },
      { name: "control", role: "server", count: 3, type: "cpx22" },
    ] }), cluster);
    const nodes = planNodes(config);
    expect(nodes.map((n) => n.name).slice(0, 4)).toEqual(["control-0", "control-1", "control-2", "workers-0"]);
    expect(nodes.filter((n) => n.pool.name === "workers").map((n) => n.placementGroup)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    expect(nodes.find((n) => n.name === "workers-0")?.arch).toBe("arm64");
    expect(nodes.find((n) => n.name === "control-0")?.arch).toBe("amd64");
  });

  test("scaling a pool down drops only the highest indexes", () => {
    const names = (count: number) => planNodes(parseCloudConfig(hetzner({ pools: [
      { name: "server", role: "server", count: 1, type: "cx23" },
      { name: "agent", role: "agent", count, type: "cx23" },
    ] }), cluster)).map((n) => n.name);
    const before = names(4);
    const after = names(2);
    expect(before.filter((n) => !after.includes(n))).toEqual(["agent-2", "agent-3"]);
    expect(after.every((n) => before.includes(n))).toBe(true);
  });
});

describe("awsInstanceArch", () => {
  test.each([
    ["t4g.small", "arm64"], ["m7g.large", "arm64"], ["c7gn.xlarge", "arm64"], ["m6gd.large", "arm64"], ["im4gn.large", "arm64"],
    ["g5g.xlarge", "arm64"], ["a1.large", "arm64"], ["t3.medium", "amd64"], ["m7i-flex.large", "amd64"], ["g4dn.xlarge", "amd64"],
    ["c6in.large", "amd64"], ["m7a.large", "amd64"],
  ])("%s is %s", (type, arch) => expect(awsInstanceArch(type)).toBe(arch));

  test("names outside the pattern are unknown", () => {
    expect(awsInstanceArch("u-6tb1.metal")).toBeUndefined();
    expect(awsInstanceArch("mac2.metal")).toBeUndefined();
  });
});
