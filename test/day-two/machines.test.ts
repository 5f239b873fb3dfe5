// Cloud nodes given a new VM under their name: what makes a VM (nodes/cloud/machines.ts) and how many of
// them one run may replace (day-two/machines.ts), judged against the last update's cloudMachines output.
import * as pulumi from "@pulumi/pulumi";
import { problemsOf } from "../support/config";
import { cloudMachines } from "../../components/nodes/cloud/machines";
import { parseCloudConfig } from "../../components/nodes/cloud/validate";
import { PlannedMachine, checkMachineChanges } from "../../components/day-two/machines";

const cluster = { clusterCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16" };
const hetzner = (pools: unknown[]) => parseCloudConfig({ provider: "hetzner", hetzner: { location: "nbg1" }, adminCidrs: ["203.0.113.7/32"], network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/24"] }, pools }, cluster);
const aws = (over: Record<string, unknown>, pools: unknown[]) => parseCloudConfig({ provider: "aws", adminCidrs: ["203.0.113.7/32"], network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/24", "10.0.2.0/24"] }, pools, ...over }, cluster);
const machines = (ms: PlannedMachine[]) => Object.fromEntries(ms.map((m) => [m.name, m.machine]));


describe("cloudMachines: the inputs whose change gives a node a new VM", () => {
  test("Hetzner: type and location (a pool's own or hetzner.location), keyed by the pool", () => {
    const c = hetzner([{ name: "cp", role: "server", count: 1, type: "cx23" }, { name: "w", role: "agent", count: 2, type: "cax21", location: "fsn1" }]);
    expect(cloudMachines(c)).toEqual([
      { name: "cp-0", role: "server", key: "k3s-stacks:cloud.pools[0]", machine: "type=cx23 location=nbg1" },
      { name: "w-0", role: "agent", key: "k3s-stacks:cloud.pools[1]", machine: "type=cax21 location=fsn1" },
      { name: "w-1", role: "agent", key: "k3s-stacks:cloud.pools[1]", machine: "type=cax21 location=fsn1" },
    ]);
  });

  test("AWS: type and the subnet the VM goes into (round-robin), created (CIDR@zone) or given (subnet ID)", () => {
    const pools = [{ name: "cp", role: "server", count: 1, type: "m7i.large" }, { name: "w", role: "agent", count: 3, type: "m7i.large" }];
    expect(machines(cloudMachines(aws({ aws: { region: "eu-central-1", availabilityZones: ["eu-central-1a", "eu-central-1b"] } }, pools)))).toEqual({
      "cp-0": "type=m7i.large subnet=10.0.1.0/24@eu-central-1a",
      "w-0": "type=m7i.large subnet=10.0.1.0/24@eu-central-1a",
      "w-1": "type=m7i.large subnet=10.0.2.0/24@eu-central-1b",
      "w-2": "type=m7i.large subnet=10.0.1.0/24@eu-central-1a",
    });
    // A third zone moves w-2 to another subnet: a new instance (subnet_id is ForceNew).
    const three = aws({ aws: { region: "eu-central-1", availabilityZones: ["eu-central-1a", "eu-central-1b", "eu-central-1c"] }, network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"] } }, pools);
    expect(machines(cloudMachines(three))["w-2"]).toBe("type=m7i.large subnet=10.0.3.0/24@eu-central-1c");
    const given = aws({ aws: { region: "eu-central-1", vpcId: "vpc-0abc", subnetIds: ["subnet-01", "subnet-02"] }, network: { cidr: "172.31.0.0/16", subnets: [] } }, pools);
    expect(machines(cloudMachines(given))).toMatchObject({ "w-0": "type=m7i.large subnet=subnet-01", "w-1": "type=m7i.large subnet=subnet-02" });
  });
});

describe("checkMachineChanges", () => {
  const servers = (n: number, type: string): PlannedMachine[] => Array.from({ length: n }, (_, i) => ({ name: `cp-${i}`, role: "server", machine: `type=${type} location=nbg1`, key: "k3s-stacks:cloud.pools[0]" }));
  const more = (names: string[], type: string): PlannedMachine[] => names.map((name) => ({ name, role: "server", machine: `type=${type} location=nbg1`, key: "k3s-stacks:cloud.pools[1]" }));
  const agents = (n: number, type: string): PlannedMachine[] => Array.from({ length: n }, (_, i) => ({ name: `w-${i}`, role: "agent", machine: `type=${type} location=nbg1`, key: "k3s-stacks:cloud.pools[2]" }));
  const before = machines([...servers(1, "cx23"), ...more(["m-0", "m-1"], "cx23"), ...agents(3, "cx23")]);
  const opts = { firstServer: "cp-0", etcd: true, agentBatchSize: 1 };

  test("nothing to judge without the output (a stack last updated before it), or with no VM changed; added and removed nodes are not replacements", () => {
    expect(() => checkMachineChanges(undefined, [...servers(1, "cx33")], opts)).not.toThrow();
    expect(() => checkMachineChanges(before, [...servers(1, "cx23"), ...more(["m-0", "m-1", "m-2", "m-3"], "cx23"), ...agents(1, "cx23")], opts)).not.toThrow();
  });

  test("the first server is never given a new VM: a new machine there starts an empty cluster", () => {
    expect(problemsOf(() => checkMachineChanges(before, [...servers(1, "cx33"), ...more(["m-0", "m-1"], "cx23")], opts))).toEqual([
      expect.stringMatching(/^k3s-stacks:cloud\.pools\[0\]: gives cp-0 \(type cx23 → cx33\) a new VM, and cp-0 is the first server: .*empty cluster\. Fix: put the old value back\. .*add a server pool with the new value/),
    ]);
  });

  test("two other etcd servers in one run are refused by the quorum rule, naming both; one is allowed and announced", () => {
    expect(problemsOf(() => checkMachineChanges(before, [...servers(1, "cx23"), ...more(["m-0", "m-1"], "cx33")], opts))).toEqual([
      expect.stringMatching(/^k3s-stacks:cloud\.pools\[1\]: gives 2 servers new VMs in one run \(m-0 \(type cx23 → cx33\); m-1 \(type cx23 → cx33\)\); .*1 of 3 would be up, and a cluster of N members needs floor\(N\/2\)\+1 \(2\) up\. Fix: add a server pool with the new value/),
    ]);
    const info = jest.spyOn(pulumi.log, "info").mockImplementation(() => Promise.resolve());
    const one = [...servers(1, "cx23"), { ...more(["m-0"], "cx33")[0] }, ...more(["m-1"], "cx23")];
    expect(() => checkMachineChanges(before, one, opts)).not.toThrow();
    expect(info).toHaveBeenCalledWith(expect.stringMatching(/^m-0 \(type cx23 → cx33\) gets a new VM: this run drains it, checks that etcd keeps quorum, uninstalls k3s, deletes its Node \(and its etcd member and node password\), then deletes the old VM/));
    info.mockRestore();
  });

  test("agents: at most upgrade.agentBatchSize per run", () => {
    const changed = [...servers(1, "cx23"), ...more(["m-0", "m-1"], "cx23"), ...agents(3, "cx33")];
    expect(problemsOf(() => checkMachineChanges(before, changed, opts))).toEqual([
      expect.stringMatching(/^k3s-stacks:cloud\.pools\[2\]: gives 3 agents new VMs in one run .*more than k3s-stacks:upgrade\.agentBatchSize \(1\).*Fix: add a pool with the new value, run pulumi up, then lower the old pool's count to 0/),
    ]);
    const info = jest.spyOn(pulumi.log, "info").mockImplementation(() => Promise.resolve());
    expect(() => checkMachineChanges(before, changed, { ...opts, agentBatchSize: 3 })).not.toThrow();
    info.mockRestore();
  });
});
