// The dependency graph behind removals, role/arch replacements and gone hosts, read from every
// command's options: which resources are replaced together, deleted first, and what each delete runs.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("../stack/support/recorder").recordingCommandModule());

import { unpackScript } from "../../components/remote/packed-script";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, MockState } from "../support/mocks";
import { drain, mockOutputs } from "../stack/support/harness";
import { RecordedCommand, command, dependsOnNames, recorded } from "../stack/support/recorder";
import { K3sCluster } from "../../components/cluster/k3s-cluster";
import { NodeSpec } from "../../components/nodes/types";

function node(name: string, role: "server" | "agent", i: number): NodeSpec {
  return { name, role, arch: "arm64", connection: { host: `10.9.0.${i}`, user: "root" }, labels: {}, taints: [], allowReboot: false, fixCgroups: false };
}
const NODES = [node("s1", "server", 1), node("s2", "server", 2), node("s3", "server", 3), node("a1", "agent", 11), node("a2", "agent", 12)];
const GONE = node("dead", "agent", 13);

let mocks: MockState;
beforeAll(async () => {
  mocks = await installMocks({ outputs: (type, name) => mockOutputs(type, name) });
  new K3sCluster("k3s", {
    version: "v1.36.3+k3s1",
    datastore: "etcd",
    nodes: NODES,
    gone: [GONE],
    rollout: { agentBatchSize: 1, drain: true, drainTimeout: "5m" },
  });
  await drain();
});

const step = (n: string, s: string) => command(`k3s-${n}-${s}`);
const opts = (c: RecordedCommand) => c.opts as pulumi.CustomResourceOptions;
/** Resources a trigger input is computed from: the engine's property dependencies. */
async function triggerSources(c: RecordedCommand): Promise<string[]> {
  const triggers = c.args.triggers as unknown[];
  const names: string[] = [];
  for (const t of triggers) {
    if (!pulumi.Output.isInstance(t)) continue;
    const deps = await (t as unknown as { allResources(): Promise<Set<pulumi.Resource>> }).allResources();
    for (const r of deps) names.push(recorded.find((x) => x.resource === r)?.name ?? "?");
  }
  return names;
}
const resolved = (v: unknown): Promise<unknown> => new Promise((resolve) => { pulumi.output(v as pulumi.Input<string>).apply((x) => { resolve(x); return x; }); });

describe("a node's chain: leave (root) → config, install, member", () => {
  test.each(["s2", "a1"])("%s: config's and install's triggers are property dependencies on leave; member is replaced with leave; all delete-before-replace", async (n) => {
    expect(await triggerSources(step(n, "config"))).toEqual([`k3s-${n}-leave`]);
    expect(await triggerSources(step(n, "install"))).toEqual([`k3s-${n}-leave`]);
    expect((opts(step(n, "member")).replaceWith as pulumi.Resource[]).map((r) => recorded.find((c) => c.resource === r)?.name)).toEqual([`k3s-${n}-leave`]);
    for (const s of ["config", "leave", "install", "member"]) expect(opts(step(n, s)).deleteBeforeReplace).toBe(true);
  });

  test("the chain is keyed by the install identity (role/arch) on leave; the install keeps its role trigger, member gets none", async () => {
    expect(step("a1", "leave").args.triggers).toEqual(["agent/arm64"]);
    expect(await resolved((step("a1", "config").args.triggers as unknown[])[0])).toBe("agent/arm64");
    expect(await resolved((step("a1", "install").args.triggers as unknown[])[0])).toBe("agent");
    expect(step("a1", "member").args.triggers).toBeUndefined();
  });

  test("dependsOn orders removal as the maintainers do: member (drain) → install (uninstall) → leave (delete the Node)", () => {
    for (const n of ["s2", "s3", "a1", "a2"]) {
      expect(dependsOnNames(step(n, "member"))).toContain(`k3s-${n}-install`);
      expect(dependsOnNames(step(n, "install"))).toEqual(expect.arrayContaining([`k3s-${n}-config`, `k3s-${n}-leave`]));
      // The root waits only for what its config waits for (the first server's config): first bring-up
      // is not slowed down by it.
      expect(dependsOnNames(step(n, "leave"))).toEqual(dependsOnNames(step(n, "config")));
    }
  });

  test("what each delete runs: drain on the first server, uninstall on the node, delete the Node on the first server", async () => {
    const stdin = async (c: RecordedCommand) => unpackScript(String(await resolved(c.args.stdin)));
    expect(await stdin(step("a1", "member"))).toMatch(/delete\)\n[\s\S]*k3s kubectl drain 'a1'/);
    expect(await stdin(step("a1", "member"))).not.toContain("delete node");
    expect(await stdin(step("a1", "install"))).toMatch(/delete\)\n[\s\S]*k3s-agent-uninstall\.sh/);
    expect(await stdin(step("a1", "leave"))).toMatch(/delete\)\n[\s\S]*k3s kubectl delete node 'a1'/);
    for (const s of ["member", "leave"]) expect((step("a1", s).args.connection as { host: string }).host).toBe("10.9.0.1");
    expect((step("a1", "install").args.connection as { host: string }).host).toBe("10.9.0.11");
  });

  test("an install's delete refuses to uninstall a node nothing drained, naming its leave step; the first server's does not check", async () => {
    const stdin = async (c: RecordedCommand) => unpackScript(String(await resolved(c.args.stdin)));
    for (const n of ["s2", "a1"]) expect(await stdin(step(n, "install"))).toMatch(new RegExp(`delete\\)\\n[\\s\\S]*refusing to uninstall k3s[\\s\\S]*::k3s-${n}-leave[\\s\\S]*uninstall\\.sh`));
    expect(await stdin(step("s1", "install"))).not.toContain("refusing to uninstall");
  });

  test("the leave step runs nothing on create or update, so code changes to it are in-place updates", () => {
    const leave = step("s2", "leave");
    expect(leave.args.create).toBeUndefined();
    expect(leave.args.update).toBeUndefined();
    expect(leave.args.delete).toContain("bash -s -- delete");
  });

  test("the first server has no leave step and no chain (it leaves with the cluster; changing it is refused)", () => {
    expect(recorded.some((c) => c.name === "k3s-s1-leave")).toBe(false);
    expect(step("s1", "install").args.triggers).toEqual(["server"]);
    expect(opts(step("s1", "member")).replaceWith).toBeUndefined();
  });
});

describe("a host marked gone", () => {
  test("its config, install, member and leave are registered as records kept out of deletes, with their triggers and no delete; its rollout steps are dropped", async () => {
    for (const [s, trigger] of [["config", "agent/arm64"], ["install", "agent"], ["leave", "agent/arm64"], ["member", undefined]]) {
      const c = step("dead", s as string);
      expect(c.args.delete).toBeUndefined();
      expect(c.args.triggers).toEqual(trigger === undefined ? undefined : [trigger]);
      expect(opts(c).retainOnDelete).toBe(true);
    }
    for (const s of ["config", "member", "leave"]) {
      expect([s, step("dead", s).args.create, step("dead", s).args.update, step("dead", s).args.stdin]).toEqual([s, undefined, undefined, undefined]);
    }
    for (const s of ["cordon", "restart", "uncordon", "gone"]) {
      expect(recorded.some((c) => c.name === `k3s-dead-${s}`)).toBe(false);
    }
  });

  test("its install record carries the removal, on the first server after it is up; the config record keeps the host's address but runs nothing", async () => {
    const removal = step("dead", "install");
    expect((removal.args.connection as { host: string }).host).toBe("10.9.0.1");
    expect((step("dead", "config").args.connection as { host: string }).host).toBe("10.9.0.13");
    expect(dependsOnNames(removal)).toEqual(["k3s-s1-install"]);
    expect(removal.args.create).toContain("bash -s -- create");
    expect(removal.args.update).toContain("bash -s -- update");
    expect(await resolved(removal.args.stdin)).toContain("remove dead, marked gone, from the cluster");
    expect(mocks.byName("k3s-dead").type).toBe("k3s:cluster:K3sNode");
  });

  test("joining nodes wait for the removal; the first server does not", () => {
    for (const n of ["s2", "a1", "a2"]) expect(dependsOnNames(step(n, "install"))).toContain("k3s-dead-install");
    expect(dependsOnNames(step("s1", "install"))).not.toContain("k3s-dead-install");
  });
});

test("a joining server installs after the previous server's restart step (sqlite → etcd: after the first server converted)", () => {
  expect(dependsOnNames(step("s2", "install"))).toEqual(expect.arrayContaining(["k3s-s1-install", "k3s-s1-restart"]));
  expect(dependsOnNames(step("s3", "install"))).toEqual(expect.arrayContaining(["k3s-s2-install", "k3s-s2-restart"]));
});

test("of a node's own steps only config and install have a delete: a gone host keeps exactly those, without a delete, so nothing dials it", () => {
  const own = recorded.filter((c) => c.name.startsWith("k3s-a1-") && (c.args.connection as { host: string } | undefined)?.host === "10.9.0.11");
  expect(own.map((c) => c.name)).toContain("k3s-a1-install");
  expect(own.filter((c) => c.args.delete !== undefined).map((c) => c.name).sort()).toEqual(["k3s-a1-config", "k3s-a1-install"]);
});

describe("an etcd server's replacement keeps quorum (etcd-quorum.ts renderReplacementGuard)", () => {
  const stdin = async (c: RecordedCommand) => unpackScript(String(await resolved(c.args.stdin)));
  test("a joining etcd server's stored member delete checks quorum before the drain; the first server's and an agent's do not", async () => {
    for (const n of ["s2", "s3"]) {
      expect(await stdin(step(n, "member"))).toMatch(new RegExp(`delete\\)\\n[\\s\\S]*replacing ${n} \\(a role or arch change[\\s\\S]*k3s kubectl drain '${n}'`));
    }
    for (const n of ["s1", "a1"]) expect(await stdin(step(n, "member"))).not.toContain("etcd_curl");
  });

  test("the teardown step runs on the first server after every membership, so pulumi destroy deletes it first", () => {
    const teardown = command("k3s-teardown");
    expect((teardown.args.connection as { host: string }).host).toBe("10.9.0.1");
    expect(dependsOnNames(teardown).sort()).toEqual(["s1", "s2", "s3", "a1", "a2"].map((n) => `k3s-${n}-member`).sort());
    expect([teardown.args.create, teardown.args.delete]).toEqual(["bash -s -- create", "bash -s -- delete"]);
  });
});
