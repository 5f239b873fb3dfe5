// What a configuration change updates, and in which order it restarts nodes: read from the inputs
// and dependsOn of every remote.Command of the whole program, before and after the edit.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("../stack/support/recorder").recordingCommandModule());

import * as pulumi from "@pulumi/pulumi";
import { valueOf } from "../support/mocks";
import { runStack, unwrap } from "../stack/support/harness";
import { RecordedCommand, dependsOnNames, recorded } from "../stack/support/recorder";
import { plannedRestarts, restartKey } from "../../components/day-two/restart-plan";
import * as packageLock from "../../components/k3s/host/package-lock";
import * as packages from "../../components/k3s/host/packages";

interface Host {
  name: string;
  address: string;
  role: string;
  arch: string;
  labels?: Record<string, string>;
}

const HOSTS: Host[] = [
  { name: "s1", address: "10.1.0.1", role: "server", arch: "arm64" },
  { name: "s2", address: "10.1.0.2", role: "server", arch: "arm64" },
  { name: "s3", address: "10.1.0.3", role: "server", arch: "arm64" },
  { name: "a1", address: "10.1.0.4", role: "agent", arch: "arm64", labels: { tier: "edge" } },
  { name: "a2", address: "10.1.0.5", role: "agent", arch: "arm64" },
  { name: "a3", address: "10.1.0.6", role: "agent", arch: "arm64" },
];

interface Run {
  inputs: Record<string, string>;
  deps: Map<string, string[]>;
  outputs: Record<string, unknown>;
}

async function run(cluster: Record<string, unknown>, hosts: Host[] = HOSTS, upgrade: Record<string, unknown> = {}): Promise<Run> {
  const from = recorded.length;
  const r = await runStack({
    "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1", datastore: "etcd", ...cluster },
    "k3s-stacks:inventory": { hosts },
    "k3s-stacks:upgrade": { checkPreviousOutputs: false, agentBatchSize: 2, ...upgrade },
  }, { "k3s-stacks:sshPrivateKey": "-----BEGIN KEY-----\nx\n-----END KEY-----\n" });
  const mine = recorded.slice(from);
  return {
    inputs: Object.fromEntries(r.state.byType("command:remote:Command").map((c) => [c.name, JSON.stringify(unwrap(c.inputs))])),
    deps: new Map(mine.map((c: RecordedCommand) => [c.name, dependsOnNames(c)])),
    outputs: r.outputs,
  };
}

function changed(a: Run, b: Run): string[] {
  return Object.keys(a.inputs).filter((n) => a.inputs[n] !== b.inputs[n]).sort();
}

/** Every command `name` waits for, directly or through others. */
function closure(r: Run, name: string, seen = new Set<string>()): Set<string> {
  for (const d of r.deps.get(name) ?? []) {
    if (!seen.has(d)) {
      seen.add(d);
      closure(r, d, seen);
    }
  }
  return seen;
}

let base: Run;
beforeAll(async () => {
  base = await run({});
});

test("a cluster-wide server setting (tlsSans) updates only the servers' config and restart steps", async () => {
  const edit = await run({ tlsSans: ["k3s.home.arpa"] });
  // The first server restarts, so its kubeconfig (with the client certificate k3s renews at start) is read again.
  expect(changed(base, edit)).toEqual(["k3s-kubeconfig", "k3s-s1-config", "k3s-s1-restart", "k3s-s2-config", "k3s-s2-restart", "k3s-s3-config", "k3s-s3-restart"]);
  // The restart step's header names the new configuration: that line is the preview's diff.
  const header = (r: Run) => /restart s2[^,\n]*, configuration ([0-9a-f]{12})/.exec(r.inputs["k3s-s2-restart"])?.[1];
  expect(header(base)).toMatch(/^[0-9a-f]{12}$/);
  expect(header(edit)).not.toBe(header(base));
});

test("a label on one agent updates only that agent: its config, restart and membership", async () => {
  const edit = await run({}, HOSTS.map((h) => (h.name === "a2" ? { ...h, labels: { zone: "attic" } } : h)));
  expect(changed(base, edit)).toEqual(["k3s-a2-config", "k3s-a2-member", "k3s-a2-restart"]);
});

test("an agentConfig flag reaches every node: every config and restart step, nothing else", async () => {
  const edit = await run({ agentConfig: { "kubelet-arg": ["max-pods=150"] } });
  const nodes = HOSTS.map((h) => h.name);
  expect(changed(base, edit)).toEqual(["k3s-kubeconfig", ...nodes.flatMap((n) => [`k3s-${n}-config`, `k3s-${n}-restart`])].sort());
});

test("a change to host preparation's script alone (as the package-install wait was) updates every config step and restarts nothing: restart keys hash config files, not scripts", async () => {
  const spy = jest.spyOn(packages, "renderPackageInstall").mockReturnValue("package_lock_timeout=1");
  const edit = await run({});
  spy.mockRestore();
  expect(changed(base, edit)).toEqual(HOSTS.map((h) => `k3s-${h.name}-config`).sort());
  expect(await valueOf(edit.outputs.restartKeys as pulumi.Output<Record<string, string>>)).toEqual(await valueOf(base.outputs.restartKeys as pulumi.Output<Record<string, string>>));
});

test("a change to the package-lock wait, which install.sh's package managers also go through (host/install-lock.ts), updates config, install and restart steps and restarts nothing", async () => {
  const spy = jest.spyOn(packageLock, "renderPackageLock").mockReturnValue("package_lock_timeout=1");
  const edit = await run({});
  spy.mockRestore();
  expect(changed(base, edit)).toEqual(HOSTS.flatMap((h) => ["config", "install", "restart"].map((s) => `k3s-${h.name}-${s}`)).sort());
  expect(await valueOf(edit.outputs.restartKeys as pulumi.Output<Record<string, string>>)).toEqual(await valueOf(base.outputs.restartKeys as pulumi.Output<Record<string, string>>));
});

test("a k3s version change re-reads the kubeconfig after the first server's upgrade; an agent's change does not", async () => {
  const upgrade = await run({ k3sVersion: "v1.36.4+k3s1" });
  expect(changed(base, upgrade)).toContain("k3s-kubeconfig");
  expect(upgrade.deps.get("k3s-kubeconfig")).toContain("k3s-s1-uncordon");
  const agentOnly = await run({}, HOSTS.map((h) => (h.name === "a1" ? { ...h, labels: { zone: "cellar" } } : h)));
  expect(changed(base, agentOnly)).not.toContain("k3s-kubeconfig");
});

test("restarts roll: each server after the previous one's last step, agents in batches after the last server; configs are written at once after the first server's", () => {
  const after = (node: string, other: string) => [...closure(base, `k3s-${node}-restart`)].some((d) => d.startsWith(`k3s-${other}-`) && /-(restart|uncordon)$/.test(d));
  expect(after("s2", "s1")).toBe(true);
  expect(after("s3", "s2")).toBe(true);
  for (const a of ["a1", "a2", "a3"]) expect(after(a, "s3")).toBe(true);
  // batch of 2: a1 and a2 together, a3 after both
  expect(after("a2", "a1")).toBe(false);
  expect(after("a3", "a1") && after("a3", "a2")).toBe(true);
  expect(after("s1", "s2")).toBe(false);
  for (const h of HOSTS) {
    expect(base.deps.get(`k3s-${h.name}-restart`)).toContain(`k3s-${h.name}-config`);
    expect(base.deps.get(`k3s-${h.name}-config`)).toEqual(h.name === "s1" ? [] : ["k3s-s1-config"]);
  }
});

test("with system-upgrade-controller the restarts still roll, without cordon or uncordon steps", async () => {
  const suc = await run({}, HOSTS, { mode: "system-upgrade-controller" });
  const names = [...suc.deps.keys()];
  // The cluster's rollout has no upgrade steps; the pre-upgrade etcd snapshot belongs to the Plans (day-two/suc.ts).
  expect(names.filter((n) => /-(cordon|uncordon|pre-upgrade)$/.test(n))).toEqual(["upgrade-pre-upgrade"]);
  expect(suc.deps.get("k3s-s2-restart")).toContain("k3s-s1-restart");
  expect(suc.deps.get("k3s-s3-restart")).toContain("k3s-s2-restart");
  expect(suc.deps.get("k3s-a1-restart")).toContain("k3s-s3-restart");
  expect(suc.deps.get("k3s-a3-restart")).toEqual(expect.arrayContaining(["k3s-a1-restart", "k3s-a2-restart"]));
  // It never moves versions itself: no install.sh in the restart step.
  expect(suc.inputs["k3s-s1-restart"]).not.toContain("run_install");
});

test("restartKeys are exported per node; without previous outputs the plan says it cannot know", async () => {
  const keys = await valueOf(base.outputs.restartKeys as pulumi.Output<Record<string, string>>);
  expect(Object.keys(keys).sort()).toEqual(HOSTS.map((h) => h.name).sort());
  expect(await valueOf(base.outputs.plannedRestarts as pulumi.Output<string[]>)).toEqual(["unknown: k3s-stacks:upgrade.checkPreviousOutputs is false"]);
});

describe("plannedRestarts", () => {
  const order = [["s1"], ["s2"], ["s3"], ["a1", "a2"], ["a3"]];
  const keys = (over: Record<string, string> = {}) => ({ s1: "k1", s2: "k2", s3: "k3", a1: "k4", a2: "k5", a3: "k6", ...over });

  test("lists changed nodes in rollout order, one step per server and per agent batch", () => {
    expect(plannedRestarts(order, { version: "v1", keys: keys() }, { version: "v1", keys: keys({ s1: "x", s3: "y", a2: "z", a3: "w" }) })).toEqual([
      "1. s1: configuration changed",
      "2. s3: configuration changed",
      "3. a2: configuration changed",
      "4. a3: configuration changed",
    ]);
  });

  test("a version change names the versions; new nodes install rather than restart", () => {
    expect(plannedRestarts([["s1"], ["a9"]], { version: "v1", keys: { s1: "a" } }, { version: "v2", keys: { s1: "b", a9: "c" } })).toEqual(["1. s1: k3s v1 → v2"]);
  });

  test("a node whose role changes is named as replaced, in its place in the order", () => {
    const ids = { s1: "server/arm64", s2: "server/arm64", s3: "server/arm64", a1: "agent/arm64", a2: "agent/arm64", a3: "agent/arm64" };
    expect(plannedRestarts(order, { version: "v1", keys: keys(), identities: ids }, { version: "v1", keys: keys({ s1: "x", a1: "y", a2: "z" }), identities: { ...ids, a1: "server/arm64" } })).toEqual([
      "1. s1: configuration changed",
      "2. a2: configuration changed; a1: replaced (agent/arm64 → server/arm64)",
    ]);
  });

  test("an arch change (same config.yaml, so the same restart key) is still named as a replacement", () => {
    const ids = { s1: "server/arm64", a1: "agent/arm64" };
    expect(plannedRestarts([["s1"], ["a1"]], { version: "v1", keys: { s1: "k1", a1: "k2" }, identities: ids }, { version: "v1", keys: { s1: "k1", a1: "k2" }, identities: { ...ids, a1: "agent/amd64" } })).toEqual([
      "1. a1: replaced (agent/arm64 → agent/amd64)",
    ]);
  });

  test("a 32-bit Arm node is named armhf, as the inventory writes it, not k3s's internal arm", () => {
    const ids = { s1: "server/amd64", a1: "agent/arm" };
    expect(plannedRestarts([["s1"], ["a1"]], { version: "v1", keys: { s1: "k1", a1: "k2" }, identities: ids }, { version: "v1", keys: { s1: "k1", a1: "k2" }, identities: { ...ids, a1: "agent/arm64" } })).toEqual([
      "1. a1: replaced (agent/armhf → agent/arm64)",
    ]);
  });

  test("nothing changed: nothing restarts", () => {
    expect(plannedRestarts(order, { version: "v1", keys: keys() }, { version: "v1", keys: keys() })).toEqual([]);
  });

  test("restartKey depends on version and configuration", () => {
    expect(restartKey("v1", "h")).not.toBe(restartKey("v2", "h"));
    expect(restartKey("v1", "h")).not.toBe(restartKey("v1", "g"));
    expect(restartKey("v1", "h")).toBe(restartKey("v1", "h"));
  });
});
