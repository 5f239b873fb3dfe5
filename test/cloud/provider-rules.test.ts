// The providers' own rules, checked before any resource exists: what the Hetzner and EC2 APIs would
// refuse (or accept and leave unusable) only after the network, firewalls and first VMs were created.
import { ConfigError } from "../../components/rules/errors";
import { parseCloudConfig } from "../../components/nodes/cloud/validate";
import { hetznerServerName, HETZNER_SERVER_NAME_MAX } from "../../components/nodes/hetzner/server-name";

const cluster = { clusterCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16" };
const server = (type: string, extra: Record<string, unknown> = {}) => ({ name: "server", role: "server", count: 1, type, ...extra });

const hetzner = (over: Record<string, unknown> = {}) => ({
  provider: "hetzner",
  hetzner: { location: "nbg1" },
  adminCidrs: ["203.0.113.7/32"],
  network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/24"] },
  pools: [server("cx23")],
  ...over,
});

const aws = (over: Record<string, unknown> = {}) => ({
  provider: "aws",
  aws: { region: "eu-central-1", availabilityZones: ["eu-central-1a", "eu-central-1b"] },
  adminCidrs: ["203.0.113.7/32"],
  network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/24", "10.0.2.0/24"] },
  pools: [server("t3.medium")],
  ...over,
});

function problems(raw: unknown): string[] {
  try {
    parseCloudConfig(raw, cluster);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe("private network and subnets", () => {
  test("IPv6 ranges are refused on both clouds: the VMs' node-ip is their private IPv4 address", () => {
    expect(problems(hetzner({ network: { cidr: "fd00::/48", subnets: ["fd00::/64"] } }))).toEqual([
      expect.stringMatching(/^k3s-stacks:cloud\.network\.cidr: fd00::\/48 is IPv6, but a Hetzner private network is an IPv4 range.*Fix: use an IPv4 range such as 10\.0\.0\.0\/16/),
      expect.stringMatching(/^k3s-stacks:cloud\.network\.subnets\[0\]: fd00::\/64 is IPv6.*Fix: use an IPv4 range such as 10\.0\.1\.0\/24/),
    ]);
    expect(problems(aws({ network: { cidr: "fd00::/56", subnets: ["fd00::/64", "fd00:0:0:1::/64"] } }))).toHaveLength(3);
  });

  test("Hetzner: the network is an RFC 1918 range of /24 or larger, subnets /30 or larger", () => {
    expect(problems(hetzner({ network: { cidr: "203.0.113.0/24", subnets: ["203.0.113.0/25"] } })))
      .toEqual([expect.stringMatching(/^k3s-stacks:cloud\.network\.cidr: 203\.0\.113\.0\/24 is not inside a private RFC 1918 range.*docs\.hetzner\.cloud.*Fix: use a range inside 10\.0\.0\.0\/8, 172\.16\.0\.0\/12, 192\.168\.0\.0\/16/)]);
    expect(problems(hetzner({ network: { cidr: "10.0.0.0/26", subnets: ["10.0.0.0/27"] } })))
      .toEqual([expect.stringContaining("network.cidr: 10.0.0.0/26 is a /26, but a Hetzner private network must be /24 or larger")]);
    expect(problems(hetzner({ network: { cidr: "10.0.0.0/24", subnets: ["10.0.0.8/31"] } })))
      .toEqual(expect.arrayContaining([expect.stringContaining("network.subnets[0]: 10.0.0.8/31 is a /31, but a subnet of a Hetzner private network must be /30 or larger")]));
  });

  test("AWS: the VPC and its subnets are /16 to /28; public ranges are allowed in a VPC", () => {
    expect(problems(aws({ network: { cidr: "172.16.0.0/12", subnets: ["172.16.1.0/24", "172.16.2.0/24"] } }))).toEqual([
      expect.stringMatching(/^k3s-stacks:cloud\.network\.cidr: 172\.16\.0\.0\/12 is a \/12, but a VPC must be \/16 to \/28 \(https:\/\/docs\.aws\.amazon\.com.*Fix: use a \/16 or smaller range/),
    ]);
    expect(problems(aws({ network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/29", "10.0.2.0/28"] } })))
      .toEqual([expect.stringContaining("network.subnets[0]: 10.0.1.0/29 is a /29, but a subnet of a VPC must be /16 to /28")]);
    expect(problems(aws({ network: { cidr: "100.64.0.0/16", subnets: ["100.64.1.0/24", "100.64.2.0/24"] } }))).toEqual([]);
  });

  test("a subnet with fewer free addresses than the VMs (and load balancer) placed in it is refused", () => {
    // Hetzner: one subnet holds every VM and the load balancer; a /29 keeps 6 of 8 addresses.
    const agents = (count: number) => ({ name: "agent", role: "agent", count, type: "cx23" });
    expect(problems(hetzner({ network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/29"] }, pools: [server("cx23"), agents(5)] }))).toEqual([]);
    expect(problems(hetzner({ network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/29"] }, pools: [server("cx23"), agents(5)], apiLoadBalancer: true, allowWorldApi: true })))
      .toEqual([expect.stringMatching(/^k3s-stacks:cloud\.network\.subnets\[0\]: 10\.0\.1\.0\/29 has 6 addresses for VMs .* but 7 VMs and load balancer addresses go into it\. Fix: use a larger subnet/)]);
    // The network's first address is its gateway: a subnet starting there keeps one less.
    expect(problems(hetzner({ network: { cidr: "10.0.0.0/24", subnets: ["10.0.0.0/29"] }, pools: [server("cx23"), agents(5)] })))
      .toEqual([expect.stringContaining("10.0.0.0/29 has 5 addresses for VMs")]);
    // AWS: each pool spreads round-robin over the subnets from the first; a /28 keeps 11 of 16 addresses.
    const two = { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/28", "10.0.2.0/28"] };
    expect(problems(aws({ network: two, pools: [server("t3.medium"), { name: "agent", role: "agent", count: 20, type: "t3.medium" }] }))).toEqual([]);
    expect(problems(aws({ network: two, pools: [server("t3.medium"), { name: "agent", role: "agent", count: 21, type: "t3.medium" }] })))
      .toEqual([expect.stringContaining("network.subnets[0]: 10.0.1.0/28 has 11 addresses for VMs (5 of each subnet are the provider's, https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html), but 12 VMs go into it")]);
  });
});

describe("AWS availability zones", () => {
  const zones = (...availabilityZones: string[]) => aws({
    aws: { region: "us-east-1", availabilityZones },
    network: { cidr: "10.0.0.0/16", subnets: availabilityZones.map((_, i) => `10.0.${i}.0/24`) },
  });

  test("a zone listed twice would be two subnets of one name: refused", () => {
    expect(problems(zones("us-east-1a", "us-east-1a")))
      .toEqual([expect.stringMatching(/^k3s-stacks:cloud\.aws\.availabilityZones\[1\]: us-east-1a is listed again \(also availabilityZones\[0\]\).*Fix: list each zone once/)]);
  });

  test("the region itself, a zone ID and another region's zone are named for what they are", () => {
    expect(problems(zones("us-east-1", "use1-az2", "us-east-2a"))).toEqual([
      expect.stringContaining("availabilityZones[0]: us-east-1 is the region, not one of its zones. Fix: add the zone letter, such as us-east-1a"),
      expect.stringContaining("availabilityZones[1]: use1-az2 is an availability zone ID; subnets here take the zone's name"),
      expect.stringContaining("availabilityZones[2]: us-east-2a is not in region us-east-1"),
    ]);
    // startsWith let this one through: us-east-10 is not a zone of us-east-1.
    expect(problems(zones("us-east-10a"))).toEqual([expect.stringContaining("us-east-10a is not in region us-east-1")]);
  });

  test("Local Zones and Wavelength Zones of the region are accepted", () => {
    expect(problems(zones("us-east-1a", "us-east-1-bos-1a", "us-east-1-wl1-bos-wlz-1"))).toEqual([]);
  });
});

describe("types and images of the wrong provider or form", () => {
  test("a type pasted from the other provider is named as such", () => {
    expect(problems(hetzner({ pools: [server("t3.medium", { arch: "amd64" })] })))
      .toEqual([expect.stringMatching(/^k3s-stacks:cloud\.pools\[0\]\.type: t3\.medium is an EC2 instance type, but provider is hetzner\. Fix: use a Hetzner server type such as cx23/)]);
    expect(problems(aws({ pools: [server("cax21")] })))
      .toEqual([expect.stringMatching(/^k3s-stacks:cloud\.pools\[0\]\.type: cax21 is a Hetzner server type, but provider is aws\. Fix: use an EC2 instance type such as t3\.medium/)]);
  });

  test("an EC2 type with a misspelt size or no generation is refused with the size or family meant; real sizes pass", () => {
    expect(problems(aws({ pools: [server("t3.mediun")] }))).toEqual([expect.stringMatching(/^k3s-stacks:cloud\.pools\[0\]\.type: 't3\.mediun' is not an EC2 instance type: 'mediun' is not an EC2 size .*Fix: write t3\.medium\.$/)]);
    expect(problems(aws({ pools: [server("m7g.larg")] }))).toEqual([expect.stringContaining("Fix: write m7g.large.")]);
    expect(problems(aws({ pools: [server("m7g.xlarg")] }))).toEqual([expect.stringContaining("Fix: write m7g.xlarge.")]);
    expect(problems(aws({ pools: [server("t.medium")] }))).toEqual([expect.stringContaining("its family 't' has no generation number")]);
    for (const type of ["t3.small", "m7i.48xlarge", "c6g.metal", "m7i.metal-48xl", "u-6tb1.112xlarge", "mac2-m2pro.metal", "a1.xlarge"]) {
      expect(problems(aws({ pools: [server(type, { arch: type.startsWith("mac") ? "arm64" : type.startsWith("u-") ? "amd64" : undefined })] }))).toEqual([]);
    }
  });

  test("types written in capitals (as the price lists print them) get the lowercase name, even with arch set", () => {
    expect(problems(hetzner({ pools: [server("CPX22", { arch: "amd64" })] }))).toEqual([expect.stringContaining("pools[0].type: 'CPX22' is not a Hetzner server type name: they are lowercase letters and digits. Fix: write cpx22.")]);
    expect(problems(aws({ pools: [server("M7g.Large")] }))).toEqual([expect.stringContaining("'M7g.Large' is not an EC2 instance type name: they are lowercase <family>.<size>. Fix: write m7g.large.")]);
  });

  test("an AMI on Hetzner and a Hetzner snapshot ID on AWS are refused; each provider's own form passes", () => {
    expect(problems(hetzner({ pools: [server("cx23", { image: { id: "ami-0a1b2c3d4e5f67890", arch: "amd64" } })] })))
      .toEqual([expect.stringMatching(/^k3s-stacks:cloud\.pools\[0\]\.image\.id: 'ami-0a1b2c3d4e5f67890' is an AWS AMI ID, but provider is hetzner\. Fix: use the ID of a Hetzner snapshot/)]);
    expect(problems(aws({ pools: [server("t3.medium", { image: { id: "123456789", arch: "amd64", user: "ubuntu" } })] })))
      .toEqual([expect.stringMatching(/^k3s-stacks:cloud\.pools\[0\]\.image\.id: '123456789' is not an AMI ID .*Fix: copy the AMI ID/)]);
    expect(problems(hetzner({ pools: [server("cax11", { image: { id: "rocky-9", arch: "arm64" } })] }))).toEqual([]);
    expect(problems(aws({ pools: [server("t3.medium", { image: { id: "ami-0abc1234", arch: "amd64", user: "ubuntu" } })] }))).toEqual([]);
  });
});

describe("Hetzner names as the console prints them", () => {
  test("a location in capitals or a datacenter name gets the location's name; a load balancer type in capitals is refused", () => {
    expect(problems(hetzner({ hetzner: { location: "NBG1" } }))).toEqual([expect.stringContaining("hetzner.location: 'NBG1' is not a Hetzner Cloud location: location names are lowercase. Fix: write nbg1.")]);
    expect(problems(hetzner({ pools: [server("cx23", { location: "fsn1-dc14" })] }))).toEqual([expect.stringContaining("pools[0].location: 'fsn1-dc14' is a datacenter of location fsn1, not a location. Fix: write fsn1.")]);
    expect(problems(hetzner({ hetzner: { location: "nbg1", loadBalancerType: "LB11" }, apiLoadBalancer: true, allowWorldApi: true })))
      .toEqual([expect.stringMatching(/^k3s-stacks:cloud\.hetzner\.loadBalancerType: is not a Hetzner load balancer type name.*Fix: write it in lowercase/)]);
  });
});

describe("custom images", () => {
  test("a custom image's login user is optional (AWS: the login of os, as stacks written before image.user have; Hetzner: root)", () => {
    expect(problems(aws({ pools: [server("t3.medium", { image: { id: "ami-0abc1234", arch: "amd64" } })] }))).toEqual([]);
    expect(problems(aws({ pools: [server("t3.medium", { image: { id: "ami-0abc1234", arch: "amd64", user: "ec2-user" } })] }))).toEqual([]);
    expect(problems(hetzner({ pools: [server("cx23", { image: { id: "123456", arch: "amd64" } })] }))).toEqual([]);
    expect(problems(hetzner({ pools: [server("cx23", { image: { id: "123456", arch: "amd64", user: "admin@host" } })] })))
      .toEqual([expect.stringContaining("pools[0].image.user: 'admin@host' carries a host")]);
  });
});

describe("sizes and reachability", () => {
  test("nano and micro EC2 types cannot hold a k3s server; agents may use them", () => {
    expect(problems(aws({ pools: [server("t3.micro")] })))
      .toEqual([expect.stringMatching(/^k3s-stacks:cloud\.pools\[0\]\.type: t3\.micro has 1 GiB of memory, less than a k3s server needs .*docs\.k3s\.io.*Fix: use t3\.small \(2 GiB\) or larger for servers/)]);
    expect(problems(aws({ pools: [server("t4g.nano")] }))).toEqual([expect.stringContaining("t4g.nano has 0.5 GiB")]);
    expect(problems(aws({ pools: [server("t4g.small"), { name: "edge", role: "agent", count: 2, type: "t4g.micro" }] }))).toEqual([]);
  });

  test("admin CIDRs that are all private ranges would lock Pulumi out; a VPN range beside a public one is fine", () => {
    expect(problems(hetzner({ adminCidrs: ["192.168.1.0/24", "fd00::/64"] })))
      .toEqual([expect.stringMatching(/^k3s-stacks:cloud\.adminCidrs: 192\.168\.1\.0\/24, fd00::\/64 are private or non-public ranges, but Pulumi connects to each VM's public address.*Fix: add your public address as a \/32/)]);
    expect(problems(aws({ adminCidrs: ["100.64.0.0/10"], allowWorldApi: true }))).toEqual([expect.stringContaining("adminCidrs: 100.64.0.0/10 is a private or non-public range")]);
    expect(problems(aws({ adminCidrs: ["10.8.0.0/16", "198.51.100.10/32"] }))).toEqual([]);
  });
});

describe("hetznerServerName", () => {
  test("keeps <prefix>-<node> when it is a valid hostname", () => {
    expect(hetznerServerName("prod-cloud", "worker-3")).toBe("prod-cloud-worker-3");
  });

  test("a long stack name with a long pool name stays within 63 characters, distinct per prefix", () => {
    const node = `${"w".repeat(32)}-99`;
    const a = hetznerServerName("customer-platform-production-eu-cloud-x", node);
    const b = hetznerServerName("customer-platform-production-eu-cloud-y", node);
    expect(`customer-platform-production-eu-cloud-x-${node}`.length).toBeGreaterThan(HETZNER_SERVER_NAME_MAX);
    for (const name of [a, b]) {
      expect(name.length).toBeLessThanOrEqual(HETZNER_SERVER_NAME_MAX);
      expect(name).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
      expect(name.endsWith(`-${node}`)).toBe(true);
      expect(name.startsWith("customer-plat")).toBe(true);
    }
    expect(a).not.toBe(b);
  });
});
