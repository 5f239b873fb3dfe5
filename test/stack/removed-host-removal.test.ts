// A host deleted from the inventory is removed by the run itself (day-two/removed-node.ts), before the
// outputs the next update's checks read back resolve: a failed uninstall then fails the run with the last
// outputs kept, instead of the engine's later delete recording outputs without the host.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("./support/recorder").recordingCommandModule());

import * as pulumi from "@pulumi/pulumi";
import { installMocks, MockState, valueOf } from "../support/mocks";
import { setStackConfig } from "../support/stack";
import { SENTINEL, commandInputs, drain, leaks, marksInsideSecrets, mockOutputs, unwrap } from "./support/harness";
import { command, dependsOnNames, recorded } from "./support/recorder";

const VERSION = "v1.36.3+k3s1";
const host = (name: string, role: string, ip: string, arch = "amd64") => ({ name, role, arch, address: ip });
const HOSTS = [host("s1", "server", "192.168.3.10"), host("s2", "server", "192.168.3.11"), host("s3", "server", "192.168.3.12"), host("a1", "agent", "192.168.3.20")];
const ADDRESSES = {
  s1: { host: "192.168.3.10", port: 22, user: "root" },
  s2: { host: "192.168.3.11", port: 22, user: "root" },
  s3: { host: "192.168.3.12", port: 22, user: "root" },
  a1: { host: "192.168.3.20", port: 22, user: "root" },
  old: { host: "192.168.3.30", port: 22, user: "ops" },
};

async function up(previous: Record<string, unknown> | undefined, hosts: unknown[] = HOSTS, extra: Record<string, unknown> = {}): Promise<{ state: MockState; outputs: Record<string, unknown> }> {
  recorded.length = 0;
  const state = await installMocks({
    outputs: (type, name) => (type === "pulumi:pulumi:StackReference" ? { outputs: previous ?? {} } : mockOutputs(type, name)),
  });
  setStackConfig({
    "k3s-stacks:cluster": { k3sVersion: VERSION, datastore: "etcd" },
    "k3s-stacks:inventory": { hosts, reachabilityTimeout: 0 },
    ...extra,
  }, { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey, "k3s-stacks:sudoPassword": SENTINEL.sudoPassword });
  const { main } = await import("../../stacks/main");
  const outputs = await main();
  await drain();
  return { state, outputs };
}

const PREVIOUS = {
  k3sVersion: VERSION,
  datastore: "etcd",
  serverNames: ["s1", "s2", "s3"],
  nodeAddresses: ADDRESSES,
  nodeIdentities: { s1: "server/amd64", s2: "server/amd64", s3: "server/amd64", a1: "agent/amd64", old: "agent/arm64" },
};

async function waitsFor(o: unknown): Promise<string[]> {
  const all = await (o as { allResources(): Promise<Set<pulumi.Resource>> }).allResources();
  return Promise.all([...all].map((r) => valueOf(r.urn).then((urn) => urn.split("::").pop() as string)));
}

describe("a host deleted from the inventory", () => {
  let run: { state: MockState; outputs: Record<string, unknown> };
  beforeAll(async () => {
    run = await up(PREVIOUS);
  });

  test("keeps its records (same component type and names) and runs drain, uninstall, delete the Node in that order, after every live node", () => {
    expect(run.state.resources.filter((r) => r.name === "k3s-old").map((r) => r.type)).toEqual(["k3s:cluster:K3sNode"]);
    expect(recorded.filter((c) => c.name.startsWith("k3s-old-")).map((c) => c.name).sort()).toEqual(["k3s-old-install", "k3s-old-leave", "k3s-old-member"]);
    const drainDeps = dependsOnNames(command("k3s-old-member"));
    for (const n of ["s1", "s2", "s3", "a1"]) {
      expect(drainDeps).toContain(`k3s-${n}-member`);
      expect(drainDeps).toContain(`k3s-${n}-uncordon`);
    }
    expect(dependsOnNames(command("k3s-old-install"))).toEqual(["k3s-old-member"]);
    expect(dependsOnNames(command("k3s-old-leave"))).toEqual(["k3s-old-install"]);
  });

  test("each step runs on create and update, none has a delete (the next up drops them without dialling)", () => {
    for (const name of ["k3s-old-member", "k3s-old-install", "k3s-old-leave"]) {
      const c = commandInputs(run.state, name);
      expect({ name, delete: c.delete }).toEqual({ name, delete: undefined });
      expect(c.create).toMatch(/ create$/);
      expect(c.update).toMatch(/ update$/);
    }
    expect(commandInputs(run.state, "k3s-old-member").stdin).toMatch(/kubectl drain \S*old/);
    expect(commandInputs(run.state, "k3s-old-install").stdin).toContain("k3s-agent-uninstall.sh");
    expect(commandInputs(run.state, "k3s-old-leave").stdin).toMatch(/k3s kubectl delete node \S*old/);
  });

  test("the drain and the Node's deletion run on the first server, the uninstall on the host with this run's key and sudo password", async () => {
    const conn = (name: string) => command(name).args.connection as Record<string, pulumi.Input<string>>;
    expect(await valueOf(conn("k3s-old-member").host)).toBe("192.168.3.10");
    expect(await valueOf(conn("k3s-old-leave").host)).toBe("192.168.3.10");
    const onHost = conn("k3s-old-install");
    expect(await valueOf(onHost.host)).toBe("192.168.3.30");
    expect(await valueOf(onHost.user)).toBe("ops");
    expect(await valueOf(onHost.privateKey)).toBe(SENTINEL.privateKey);
    expect(String(await valueOf(command("k3s-old-install").args.stdin as pulumi.Input<string>))).toContain(SENTINEL.sudoPassword);
  });

  test("the removal's key and sudo password reach the state only as secrets", () => {
    expect(leaks(run.state)).toEqual([]);
    // The scan had something to find: the key and the sudo password are there, inside secrets.
    expect([...marksInsideSecrets(run.state)]).toEqual(expect.arrayContaining(["KEY-SENTINEL", "SUDO-SENTINEL"]));
  });

  test("its triggers keep the live node's values, so the engine updates the records instead of replacing them (a replacement would run the stored uninstall)", async () => {
    expect(await valueOf(command("k3s-old-install").args.triggers as pulumi.Input<unknown[]>)).toEqual(["agent"]);
    expect(await valueOf(command("k3s-old-leave").args.triggers as pulumi.Input<unknown[]>)).toEqual(["agent/arm64"]);
    const live = await up(PREVIOUS, [...HOSTS, host("old", "agent", "192.168.3.30", "arm64")]);
    expect(live.state.resources.some((r) => r.name === "k3s-old-install")).toBe(true);
    expect(await valueOf(command("k3s-old-install").args.triggers as pulumi.Input<unknown[]>)).toEqual(["agent"]);
    expect(await valueOf(command("k3s-old-leave").args.triggers as pulumi.Input<unknown[]>)).toEqual(["agent/arm64"]);
  });

  test("the outputs the next update checks wait for the removal: a failed uninstall keeps the last ones", async () => {
    for (const name of ["serverNames", "nodeAddresses", "nodeIdentities", "k3sVersion"]) {
      expect({ name, waits: (await waitsFor(run.outputs[name])).includes("k3s-old-leave") }).toEqual({ name, waits: true });
    }
    expect(Object.keys(await valueOf(run.outputs.nodeAddresses as pulumi.Output<object>))).not.toContain("old");
  });
});

test("without a recorded identity (a stack from before nodeIdentities), the removal is left to the engine's delete of its steps", async () => {
  const r = await up({ ...PREVIOUS, nodeIdentities: undefined });
  expect(r.state.resources.filter((x) => x.name.startsWith("k3s-old"))).toEqual([]);
});

test("a host marked gone is not also removed as deleted", async () => {
  const r = await up(PREVIOUS, [...HOSTS, { ...host("old", "agent", "192.168.3.30", "arm64"), gone: true }]);
  expect(recorded.filter((c) => c.name.startsWith("k3s-old-")).map((c) => c.name).sort()).toEqual(["k3s-old-config", "k3s-old-install", "k3s-old-leave", "k3s-old-member"]);
  expect(commandInputs(r.state, "k3s-old-install").stdin).toContain("marked gone");
});

describe("etcd servers deleted from the inventory (5 → 3)", () => {
  const FIVE = { ...ADDRESSES, s4: { host: "192.168.3.13", port: 22, user: "root" }, s5: { host: "192.168.3.14", port: 22, user: "root" } };
  const previous = {
    ...PREVIOUS,
    serverNames: ["s1", "s2", "s3", "s4", "s5"],
    nodeAddresses: FIVE,
    nodeIdentities: { ...PREVIOUS.nodeIdentities, s4: "server/amd64", s5: "server/amd64" },
  };
  const drainOf = (state: MockState, name: string) => String(commandInputs(state, `k3s-${name}-member`).stdin);

  // Both may stop at once: each one's check counts both as leaving, or two checks could each see the
  // other still healthy while one remaining server is down, and together stop etcd's quorum.
  // Health is etcd's own (member list and each member's /health), never Node Ready, which lags a dead server.
  test("each drain first checks, on the first server, that the etcd members that stay keep quorum, counting every server this run removes as leaving", async () => {
    const r = await up(previous);
    for (const n of ["s4", "s5"]) {
      const drain = drainOf(r.state, n);
      expect(drain).toContain("https://127.0.0.1:2379/v3/cluster/member/list");
      expect(drain).toContain('etcd_curl "$url/health"');
      expect(drain).not.toContain("kubectl get nodes");
      expect(drain).toContain("leaving=' s4 s5 '");
      expect(drain.indexOf("Quorum of the etcd members")).toBeLessThan(drain.indexOf("kubectl drain"));
      // It runs where k3s keeps the etcd client certificates and a member answers: the first server.
      expect(unwrap(commandInputs(r.state, `k3s-${n}-member`).raw.connection)).toMatchObject({ host: ADDRESSES.s1.host });
    }
    // An agent leaves no etcd behind: no check.
    expect(drainOf(r.state, "old")).not.toContain("Quorum of the etcd members");
  });

  test("forceServerRemoval (shrinking after a cluster reset, where the old members' Nodes remain) skips the check", async () => {
    const r = await up(previous, HOSTS, { "k3s-stacks:upgrade": { forceServerRemoval: true } });
    for (const n of ["s4", "s5"]) expect(drainOf(r.state, n)).not.toContain("Quorum of the etcd members");
  });
});
