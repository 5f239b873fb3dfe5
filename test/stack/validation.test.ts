// stacks/main.ts validates every key before it creates anything, and reports all problems at once.
import { ConfigError } from "../../components/rules/errors";
import { MockState, installMocks } from "../support/mocks";
import { setStackConfig } from "../support/stack";
import * as pulumi from "@pulumi/pulumi";
import { main } from "../../stacks/main";
import { problem } from "../support/config";

const cluster = { k3sVersion: "v1.36.3+k3s1", datastore: "postgres" };
const inventory = { hosts: [{ name: "db-1", address: "10.0.0.1", role: "server", arch: "amd64" }, { name: "db-2", address: "10.0.0.2", role: "server", arch: "amd64" }] };

let state: MockState;
beforeEach(async () => {
  state = await installMocks();
});

async function mainProblems(config: Record<string, unknown>, secrets: Record<string, string> = {}, prepare?: () => void): Promise<string[]> {
  setStackConfig(config, secrets);
  prepare?.();
  let err: unknown;
  try {
    await main();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  // nothing was created (reading the previous outputs is allowed), so nothing touched a machine
  expect(state.resources.filter((r) => r.type !== "pulumi:pulumi:StackReference")).toEqual([]);
  return (err as ConfigError).problems;
}

test("a postgres endpoint given in plain text is refused with the --secret fix", async () => {
  const problems = await mainProblems({ "k3s-stacks:cluster": cluster, "k3s-stacks:inventory": inventory, "k3s-stacks:datastoreEndpoint": "postgres://k3s:pw@db/k3s" });
  expect(problems).toEqual([problem("k3s-stacks:datastoreEndpoint", "is stored in plain text", "pulumi config set --secret k3s-stacks:datastoreEndpoint")]);
});

test("postgres without any endpoint", async () => {
  expect(await mainProblems({ "k3s-stacks:cluster": cluster, "k3s-stacks:inventory": inventory })).toEqual([
    problem("k3s-stacks:datastoreEndpoint", "is required for datastore: postgres", "--secret"),
  ]);
});

test("problems in cluster and inventory come in one error", async () => {
  const problems = await mainProblems({
    "k3s-stacks:cluster": { k3sVersion: "stable", datastore: "etcd", tlsSan: ["x"] },
    "k3s-stacks:inventory": { hosts: [{ name: "a", address: "10.0.0.1", role: "server", arch: "sparc" }, { name: "a", address: "10.0.0.1", role: "agent", arch: "arm64" }] },
  });
  expect(problems).toEqual([
    problem("k3s-stacks:cluster.k3sVersion", "release tag", "v1.36.3+k3s1"),
    problem("k3s-stacks:cluster", "unknown key(s) 'tlsSan'", "spelling"),
    problem("k3s-stacks:inventory.hosts[0].arch", "", "armhf"),
  ]);
});

test("an SSH key or sudo password in plain text is refused, never echoed", async () => {
  const base = { "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1" }, "k3s-stacks:inventory": { hosts: [inventory.hosts[0]] } };
  const key = await mainProblems({ ...base, "k3s-stacks:sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nKEY-PLAIN\n-----END OPENSSH PRIVATE KEY-----\n" });
  expect(key).toEqual([problem("k3s-stacks:sshPrivateKey", "plain text", "pulumi config set --secret k3s-stacks:sshPrivateKey")]);
  const sudo = await mainProblems({ ...base, "k3s-stacks:sudoPassword": "hunter2" });
  expect(sudo).toEqual([problem("k3s-stacks:sudoPassword", "plain text", "pulumi config set --secret k3s-stacks:sudoPassword")]);
  expect([...key, ...sudo].join("\n")).not.toMatch(/KEY-PLAIN|hunter2/);
});

test("etcd with an even number of servers, through the stack", async () => {
  expect(await mainProblems({ "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1", datastore: "etcd" }, "k3s-stacks:inventory": inventory })).toEqual([
    problem("k3s-stacks:cluster.datastore", "etcd needs an odd number of servers", "list 3 or 1 servers"),
  ]);
});

test("missing cluster and inventory keys are both named", async () => {
  expect(await mainProblems({})).toEqual([
    problem("k3s-stacks:cluster", "is missing", "k3sVersion"),
    problem("k3s-stacks:inventory", "is missing", "k3s-stacks:inventory"),
  ]);
});

test("a scalar where a mapping belongs", async () => {
  expect(await mainProblems({ "k3s-stacks:cluster": "v1.36.3+k3s1", "k3s-stacks:inventory": inventory })).toEqual([
    problem("k3s-stacks:cluster", "is not a structured value", "YAML mapping"),
  ]);
});

test("an API VIP inside a MetalLB pool is reported together with the addons' own problems, before anything exists", async () => {
  const problems = await mainProblems({
    "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1", apiVip: { address: "192.168.1.230" } },
    "k3s-stacks:inventory": { hosts: [{ name: "s1", address: "192.168.1.11", role: "server", arch: "amd64" }] },
    "k3s-stacks:addons": { storage: { type: "longhorn", replicas: 2 }, loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["192.168.1.224/28"] }] } },
  });
  expect(problems).toEqual([
    problem("k3s-stacks:addons.storage.replicas", "2 replicas need 2 eligible nodes", "at most 1"),
    problem("k3s-stacks:cluster.apiVip.address", "inside MetalLB pool 'lan'", "outside every pool"),
  ]);
});

test("an ARP VIP on cloud nodes is refused with the cloud load balancer as the fix", async () => {
  const problems = await mainProblems({
    "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1", apiVip: { address: "10.0.1.250" } },
    "k3s-stacks:cloud": { provider: "hetzner", hetzner: { location: "nbg1" }, adminCidrs: ["203.0.113.7/32"], network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/24"] }, pools: [{ name: "control", role: "server", count: 1, type: "cpx22" }] },
  });
  expect(problems).toEqual([problem("k3s-stacks:cluster.apiVip", "does not work on Hetzner Cloud or AWS", "cloud.apiLoadBalancer")]);
});

describe("keys the program does not read, and a stack without config", () => {
  const valid = { "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1" }, "k3s-stacks:inventory": { hosts: [inventory.hosts[0]] } };
  const missing = [
    problem("k3s-stacks:cluster", "is missing", "add a k3s-stacks:cluster block with at least k3sVersion"),
    problem("k3s-stacks:inventory", "is missing", "list your machines under k3s-stacks:inventory"),
  ];

  test("a misspelt top-level key is refused, naming the key it most likely meant", async () => {
    expect(await mainProblems({ "k3s-stacks:clustr": valid["k3s-stacks:cluster"], "k3s-stacks:inventory": valid["k3s-stacks:inventory"], "k3s-stacks:adons": {} })).toEqual([
      problem("k3s-stacks:clustr", "is not a setting k3s-stacks reads", "rename it to k3s-stacks:cluster"),
      problem("k3s-stacks:adons", "is not a setting k3s-stacks reads", "rename it to k3s-stacks:addons"),
      missing[0],
    ]);
  });

  test("a stack without config gets what is missing and the fix, not a crash", async () => {
    expect(await mainProblems({})).toEqual(missing);
  });

  test("the same when the language host sends the empty config as JSON null", async () => {
    // What a host marshalling a nil map sends; the SDK's own reader throws a TypeError on it.
    const problems = await mainProblems({}, {}, () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { getStore } = require("@pulumi/pulumi/runtime/state") as { getStore(): { config: Record<string, string> } };
      getStore().config.PULUMI_CONFIG = "null";
      expect(() => pulumi.runtime.getConfig("k3s-stacks:cluster")).toThrow(TypeError);
    });
    expect(problems).toEqual(missing);
  });
});

test("a fault two checks find is said once (a flannelIface too long for an interface name)", async () => {
  const hosts = [{ name: "s1", address: "10.0.0.1", role: "server", arch: "amd64", flannelIface: "enp0s31f6abcdefgh" }];
  const problems = await mainProblems({ "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1" }, "k3s-stacks:inventory": { hosts } });
  expect(problems).toEqual([problem("k3s-stacks:inventory.hosts[0].flannelIface", "is not a network interface name", "`ip -br link`")]);
  expect(new ConfigError(["a: x. Fix: y", "a: x. Fix: y"]).message.match(/a: x/g)).toHaveLength(1);
});
