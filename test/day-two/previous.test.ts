import { installMocks, MockState } from "../support/mocks";
import { ConfigError } from "../../components/rules/errors";
import { parseClusterConfig } from "../../components/k3s/settings";
import { parseUpgradeConfig } from "../../components/day-two/config";
import { checkAgainstPrevious, installedNodes, knownApiHosts, ownStackName, readPreviousState } from "../../components/day-two/previous";

let previousOutputs: Record<string, unknown> | undefined;
let mocks: MockState;

beforeAll(async () => {
  mocks = await installMocks({
    // The engine answers a stack with no completed update with an empty output map.
    outputs: (type) => (type === "pulumi:pulumi:StackReference" ? { outputs: previousOutputs ?? {} } : {}),
  });
});

describe("reading the stack's own previous outputs", () => {
  it("references the fully qualified own stack name (DIY backends report the org 'organization')", () => {
    expect(ownStackName()).toBe("organization/k3s-stacks/test");
  });

  it("reads k3sVersion and serverNames", async () => {
    previousOutputs = { k3sVersion: "v1.36.3+k3s1", serverNames: ["s1", "s2", "s3"], kubeconfig: "x" };
    await expect(readPreviousState()).resolves.toEqual({ k3sVersion: "v1.36.3+k3s1", serverNames: ["s1", "s2", "s3"] });
    const refs = mocks.byType("pulumi:pulumi:StackReference");
    expect(refs[refs.length - 1].inputs.name).toBe("organization/k3s-stacks/test");
  });

  it("reads the addons' default StorageClass (monitoring is replaced only when it changed)", async () => {
    previousOutputs = { k3sVersion: "v1.36.3+k3s1", storageClass: "longhorn" };
    await expect(readPreviousState()).resolves.toMatchObject({ storageClass: "longhorn" });
    previousOutputs = { storageClass: 1 };
    expect(await readPreviousState()).not.toHaveProperty("storageClass");
  });

  it("reads nodeAddresses (the removed hosts' probe); another shape reads as absent", async () => {
    const addresses = { s1: { host: "10.0.0.1", port: 22, user: "root" }, e: { host: "10.0.1.2", port: 22, user: "ops", bastion: { host: "10.0.0.1", port: 22, user: "root" } } };
    previousOutputs = { nodeAddresses: addresses };
    await expect(readPreviousState()).resolves.toMatchObject({ nodeAddresses: addresses });
    for (const odd of [["s1"], { s1: "10.0.0.1" }, { s1: { host: "10.0.0.1", port: "22", user: "root" } }, { e: { ...addresses.e, bastion: { host: 1 } } }]) {
      previousOutputs = { nodeAddresses: odd };
      expect(await readPreviousState()).not.toHaveProperty("nodeAddresses");
    }
  });

  it("treats a brand-new stack (no outputs) and odd shapes as no previous state", async () => {
    previousOutputs = undefined;
    await expect(readPreviousState()).resolves.toEqual({ k3sVersion: undefined, serverNames: undefined });
    previousOutputs = { k3sVersion: 3, serverNames: "s1" };
    await expect(readPreviousState()).resolves.toEqual({ k3sVersion: undefined, serverNames: undefined });
  });
});

describe("checkAgainstPrevious", () => {
  const settings = parseClusterConfig({ k3sVersion: "v1.36.3+k3s1", datastore: "etcd" });
  const upgrade = parseUpgradeConfig({});

  it("passes a fresh stack and a one-minor upgrade", () => {
    expect(() => checkAgainstPrevious({}, { settings, serverNames: ["s1"], upgrade })).not.toThrow();
    expect(() =>
      checkAgainstPrevious({ k3sVersion: "v1.35.2+k3s1", serverNames: ["s1", "s2", "s3"] }, { settings, serverNames: ["s1", "s2", "s3"], upgrade }),
    ).not.toThrow();
  });

  // The stack's own datastore decides whether the etcd 3.5 → 3.6 rule applies (k3s-io/k3s#13271).
  it("refuses an embedded-etcd cluster's move to etcd 3.6 from an etcd 3.5 older than v3.5.26, not a sqlite cluster's", () => {
    const to134 = (datastore: string) => parseClusterConfig({ k3sVersion: "v1.34.2+k3s1", datastore });
    expect(() => checkAgainstPrevious({ k3sVersion: "v1.33.5+k3s1", serverNames: ["s1"] }, { settings: to134("etcd"), serverNames: ["s1"], upgrade })).toThrow(
      /moves the cluster's embedded etcd from 3\.5, older than v3\.5\.26 in v1\.33\.5\+k3s1, to etcd 3\.6.*Fix: set k3s-stacks:cluster\.k3sVersion to v1\.33\.12\+k3s1/,
    );
    expect(() => checkAgainstPrevious({ k3sVersion: "v1.33.5+k3s1", serverNames: ["s1"] }, { settings: to134("sqlite"), serverNames: ["s1"], upgrade })).not.toThrow();
  });

  it("reports the version and server problems together", () => {
    let err: unknown;
    try {
      checkAgainstPrevious(
        { k3sVersion: "v1.34.0+k3s1", serverNames: ["s1", "s2", "s3"] },
        { settings, serverNames: ["s2", "s3"], upgrade },
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/skips 1 minor version/);
    expect(problems[1]).toMatch(/first \(bootstrap\) server/);
  });
});

describe("knownApiHosts: the first server's SSH IP an existing cluster was reached at", () => {
  const at = (host: string) => ({ serverNames: ["s1", "s2"], nodeAddresses: { s1: { host, port: 22, user: "root" } } });
  test("an IP of the same first server is known; a new stack, a DNS name or another first server are not", () => {
    expect(knownApiHosts(at("10.0.0.1"), "s1")).toEqual(["10.0.0.1"]);
    expect(knownApiHosts(undefined, "s1")).toEqual([]);
    expect(knownApiHosts({}, "s1")).toEqual([]);
    expect(knownApiHosts(at("s1.lan"), "s1")).toEqual([]);
    expect(knownApiHosts(at("10.0.0.1"), "s2")).toEqual([]);
  });

  test("once exported, the previous update's list decides, so the servers' tls-san stays as it is", () => {
    expect(knownApiHosts({ ...at("10.0.0.1"), knownApiHosts: [] }, "s1")).toEqual([]);
    expect(knownApiHosts({ ...at("10.0.0.9"), knownApiHosts: ["10.0.0.1"] }, "s1")).toEqual(["10.0.0.1"]);
  });

  test("readPreviousState reads the knownApiHosts output; another shape reads as absent", async () => {
    previousOutputs = { knownApiHosts: ["10.0.0.1"] };
    await expect(readPreviousState()).resolves.toMatchObject({ knownApiHosts: ["10.0.0.1"] });
    previousOutputs = { knownApiHosts: [1] };
    expect(await readPreviousState()).not.toHaveProperty("knownApiHosts");
  });
});

describe("installedNodes: which nodes the last successful update installed (new agents roll last, as one batch)", () => {
  test("the names in restartKeys; none for a stack that never completed an update", async () => {
    previousOutputs = { k3sVersion: "v1.36.3+k3s1", serverNames: ["s1"], restartKeys: { s1: "k1", a1: "k2" } };
    expect(installedNodes(await readPreviousState())?.sort()).toEqual(["a1", "s1"]);
    previousOutputs = {};
    expect(installedNodes(await readPreviousState())).toEqual([]);
  });

  test("unknown (every node counts as installed) without previous outputs, or from a release before restartKeys", () => {
    expect(installedNodes(undefined)).toBeUndefined();
    expect(installedNodes({ k3sVersion: "v1.33.1+k3s1", serverNames: ["s1"] })).toBeUndefined();
    expect(installedNodes({ nodeIdentities: { s1: "server/amd64" } })).toBeUndefined();
  });
});
