/**
 * Changes to what nodes are, with the real engine and CLI against lab hosts running the k3s stand-ins:
 * SQLite grown to three etcd servers (two agents turned into servers on the way), the refusals,
 * unreachable hosts (direct and behind a bastion, packets dropped) failing by name within two minutes,
 * also when the host behind the bastion is being removed, agent removal in the maintainers' order, a
 * dead host marked gone removed in one up (records without a delete left until its entry goes),
 * destroy. The leak search runs
 * after each. Order is checked from the stand-ins' recorded timestamps and the hosts' files.
 */
import { startLab, TestLab, Invocation } from "../hosts";
import { InvHost, V1, clusterConfig, k3sLeftovers } from "./fixture";
import { leakCheck } from "./leaks";
import { at, installs, invocationsSince, kubectlOn } from "./log";
import { E2eStack } from "./stack";
import { FIXED_SETTING_OUTPUTS } from "../../../components/day-two/fixed-settings";

jest.setTimeout(900_000);

const HOSTS = [
  { name: "srv1" },
  { name: "ag1" },
  { name: "ag2" },
  { name: "ag3" },
  { name: "bastion" },
  { name: "edge", via: "bastion" },
];
const SHARED = "/var/lib/k3s-standin/shared/cluster";
/** The outputs the next update's checks read back (components/day-two/previous.ts). */
const CHECKED_OUTPUTS = ["k3sVersion", "serverNames", "datastore", "nodeIdentities", "restartKeys", "nodeAddresses", ...FIXED_SETTING_OUTPUTS];

let lab: TestLab;
let e2e: E2eStack;
let inventory: InvHost[] = [
  { name: "srv1", role: "server", arch: "amd64" },
  { name: "ag1", role: "agent", arch: "amd64" },
  { name: "ag2", role: "agent", arch: "amd64" },
  { name: "ag3", role: "agent", arch: "amd64" },
  { name: "edge", role: "agent", arch: "amd64" },
];
let datastore = "sqlite";
let clusterId = "";

const configure = () => e2e.configure(inventory, V1, { cluster: { ...clusterConfig(lab, V1), datastore } });
const nodes = () => lab.nodes("srv1");
const node = (name: string) => nodes().find((n) => n.name === name);
const clusterJson = (): { id: string; datastore: string; members?: Record<string, string> } =>
  JSON.parse(lab.exec("srv1", `cat ${SHARED}/clusters/*/cluster.json`).stdout);
const stops = (log: Invocation[], host: string) => log.filter((i) => i.host === host && i.tool === "systemctl" && i.argv[1] === "stop");
/** Resources of the stored state whose name starts with `prefix`: name, type and inputs as stored. */
const stateResources = (prefix: string): Array<{ name: string; type: string; inputs: Record<string, unknown> }> =>
  (JSON.parse(e2e.exportedState()).deployment.resources as Array<{ urn: string; type: string; inputs?: Record<string, unknown> }>)
    .map((r) => ({ name: r.urn.split("::").pop()!, type: r.type, inputs: r.inputs ?? {} }))
    .filter((r) => r.name.startsWith(prefix));
const bastionLogins = () => (lab.readFile("bastion", "/var/log/sshd-e2e.log") ?? "").split("\n").filter((l) => l.includes("Accepted")).length;
const failureOf = async (p: Promise<unknown>): Promise<string> => p.then(() => "", (e: Error) => String(e.message ?? e));

const expectNoLeaks = leakCheck(() => lab, () => e2e);

beforeAll(async () => {
  lab = startLab(HOSTS, { versions: [V1] });
  e2e = await E2eStack.create(lab, "daytwo");
}, 3_600_000);

afterAll(() => {
  e2e?.cleanup();
  lab?.down();
});

test("1. create: one SQLite server and four agents (one behind a bastion)", async () => {
  await configure();
  const r = await e2e.up("create");
  expect(r.summary.result).toBe("succeeded");
  expect(nodes().map((n) => n.name).sort()).toEqual(["ag1", "ag2", "ag3", "edge", "srv1"]);
  const c = clusterJson();
  expect(c.datastore).toBe("sqlite");
  clusterId = c.id;
  expect(lab.exec("srv1", "test -s /var/lib/rancher/k3s/server/db/state.db && echo yes").stdout.trim()).toBe("yes");
  expect(r.outputs.nodeIdentities.value).toEqual({ srv1: "server/amd64", ag1: "agent/amd64", ag2: "agent/amd64", ag3: "agent/amd64", edge: "agent/amd64" });
  // A label the data must keep through the conversion.
  lab.exec("srv1", "k3s kubectl label node ag3 homelab.example/kept=yes");
  await expectNoLeaks();
});

test("2. refused before anything runs: agent → server under SQLite (a second SQLite server)", async () => {
  const before = lab.invocations().length;
  inventory = inventory.map((h) => (h.name === "ag1" ? { ...h, role: "server" } : h));
  await configure();
  expect(await failureOf(e2e.up("sqlite two servers"))).toMatch(/k3s-stacks:cluster\.datastore: sqlite supports a single server, but 2 are listed \(srv1, ag1\)\. Fix:/);
  inventory = inventory.map((h) => (h.name === "ag1" ? { ...h, role: "agent" } : h));
  expect(invocationsSince(lab, before)).toEqual([]);
});

test("3. SQLite → etcd with ag1 and ag2 turned into servers: data kept, each agent drained, uninstalled, deleted, then installed as a server", async () => {
  datastore = "etcd";
  inventory = inventory.map((h) => (h.name === "ag1" || h.name === "ag2" ? { ...h, role: "server" } : h));
  await configure();
  const before = lab.invocations().length;
  const r = await e2e.up("sqlite to etcd");
  expect(r.summary.result).toBe("succeeded");
  const replaced = e2e.steps.filter((s) => s.op === "replace" || s.op === "delete-replaced" || s.op === "create-replacement").map((s) => s.name);
  for (const n of ["ag1", "ag2"]) for (const s of ["config", "leave", "install", "member"]) expect(replaced).toContain(`k3s-${n}-${s}`);
  expect(replaced.filter((n) => !/^k3s-ag[12]-/.test(n))).toEqual([]);

  const c = clusterJson();
  expect({ id: c.id, datastore: c.datastore }).toEqual({ id: clusterId, datastore: "etcd" });
  expect(Object.keys(c.members ?? {}).sort()).toEqual(["ag1", "ag2", "srv1"]);
  expect(lab.exec("srv1", "ls /var/lib/rancher/k3s/server/db/").stdout.split("\n")).toEqual(expect.arrayContaining(["state.db.migrated"]));
  // The stand-in's SQLite data (its keys) moved into etcd unchanged.
  const migratedDb = JSON.parse(lab.exec("srv1", "cat /var/lib/rancher/k3s/server/db/state.db.migrated").stdout);
  expect(Object.keys(migratedDb.keys)).toContain("/registry/minions/srv1");
  expect(JSON.parse(lab.exec("srv1", `cat ${SHARED}/clusters/*/etcd.json`).stdout)).toEqual(migratedDb);
  expect(node("ag3")?.labels["homelab.example/kept"]).toBe("yes");
  for (const n of ["ag1", "ag2"]) {
    expect(node(n)).toMatchObject({ ready: true });
    expect(node(n)?.labels["node-role.kubernetes.io/etcd"]).toBe("true");
    expect(lab.exec(n, "test -f /etc/systemd/system/k3s.service && ! test -e /etc/systemd/system/k3s-agent.service && echo server").stdout.trim()).toBe("server");
    expect(lab.exec(n, "grep -c '^server:' /etc/rancher/k3s/config.yaml; test -s /etc/rancher/k3s/token && echo token").stdout.split("\n")).toEqual(["1", "token", ""]);
  }
  const log = invocationsSince(lab, before);
  for (const n of ["ag1", "ag2"]) {
    const drain = kubectlOn(log, "drain", n);
    const stop = stops(log, n);
    const del = kubectlOn(log, "delete", n);
    const install = installs(log).filter((i) => i.host === n);
    expect([drain.length, del.length, install.length]).toEqual([1, 1, 1]);
    expect(at(drain[0])).toBeLessThanOrEqual(at(stop[0]));
    expect(at(stop[stop.length - 1])).toBeLessThanOrEqual(at(del[0]));
    expect(at(del[0])).toBeLessThanOrEqual(at(install[0]));
  }
  // The conversion restarted srv1 with cluster-init before either new server installed.
  const migrated = log.find((i) => i.host === "srv1" && i.tool === "k3s" && i.argv[1] === "server");
  expect(migrated).toBeDefined();
  for (const n of ["ag1", "ag2"]) expect(at(migrated!)).toBeLessThanOrEqual(at(installs(log).find((i) => i.host === n)!));
  expect((await e2e.up("no-change after conversion", { expectNoChanges: true })).summary.result).toBe("succeeded");
  await expectNoLeaks();
});

test("4. refused: server → agent leaving 3 → 2 etcd servers, or 3 → 1; etcd → sqlite", async () => {
  const before = lab.invocations().length;
  const kept = inventory;
  try {
    inventory = kept.map((h) => (h.name === "ag2" ? { ...h, role: "agent" } : h));
    await configure();
    expect(await failureOf(e2e.up("server to agent (even)"))).toMatch(/etcd needs an odd number of servers to keep quorum, but 2 are listed/);
    inventory = kept.map((h) => (h.name === "ag1" || h.name === "ag2" ? { ...h, role: "agent" } : h));
    await configure();
    expect(await failureOf(e2e.up("server to agent (quorum)"))).toMatch(/removes 2 of 3 etcd servers \(ag1, ag2\) in one run/);
    datastore = "sqlite";
    await configure();
    expect(await failureOf(e2e.up("etcd to sqlite"))).toMatch(/from etcd to sqlite on a running cluster: k3s cannot move an embedded etcd cluster/);
  } finally {
    inventory = kept;
    datastore = "etcd";
    await configure();
  }
  expect(invocationsSince(lab, before)).toEqual([]);
});

test("5. a direct host whose packets are dropped fails within two minutes, naming the node and its address", async () => {
  lab.exec("ag3", "iptables -I INPUT -p tcp --dport 22 -j DROP");
  try {
    const started = Date.now();
    const error = await failureOf(e2e.up("ag3 unreachable"));
    expect(Date.now() - started).toBeLessThan(120_000);
    expect(error).toContain(`node ag3: SSH at ${lab.host("ag3").address}:22: no answer within 20s`);
    expect(error).not.toContain("node edge");
  } finally {
    lab.exec("ag3", "iptables -D INPUT -p tcp --dport 22 -j DROP");
  }
});

test("6. a host behind the bastion whose packets are dropped fails within two minutes, naming the node, its address and the bastion", async () => {
  lab.exec("edge", "iptables -I INPUT -p tcp --dport 22 -j DROP");
  try {
    const started = Date.now();
    const error = await failureOf(e2e.up("edge unreachable"));
    expect(Date.now() - started).toBeLessThan(120_000);
    const b = lab.host("bastion");
    expect(error).toContain(`node edge: SSH at ${lab.host("edge").address}:22 through bastion ${b.user}@${b.address}:${b.port}: no answer within 20s`);
  } finally {
    lab.exec("edge", "iptables -D INPUT -p tcp --dport 22 -j DROP");
  }
  expect((await e2e.up("reachable again", { expectNoChanges: true })).summary.result).toBe("succeeded");
});

test("6b. removing the host behind the bastion while its packets are dropped fails within two minutes, naming it, and says to mark it gone", async () => {
  lab.exec("edge", "iptables -I INPUT -p tcp --dport 22 -j DROP");
  const kept = inventory;
  try {
    inventory = kept.filter((h) => h.name !== "edge");
    await configure();
    const before = lab.invocations().length;
    const started = Date.now();
    const error = await failureOf(e2e.up("edge removed while unreachable"));
    expect(Date.now() - started).toBeLessThan(120_000);
    const b = lab.host("bastion");
    expect(error).toContain(`node edge (removed from k3s-stacks:inventory; its uninstall would run on it over SSH): SSH at ${lab.host("edge").address}:22 through bastion ${b.user}@${b.address}:${b.port}: no answer within 20s`);
    expect(error).toMatch(/put its entry back in k3s-stacks:inventory \(same name, role and arch\) with gone: true/);
    expect(invocationsSince(lab, before)).toEqual([]);
  } finally {
    lab.exec("edge", "iptables -D INPUT -p tcp --dport 22 -j DROP");
    inventory = kept;
    await configure();
  }
});

test("6c. renaming ag3 in one update is refused from the last outputs; with that check off, the new name's config step refuses the machine running k3s as ag3, ag3 keeps running and the last outputs stay, so the undo passes the checks", async () => {
  const cluster = { ...clusterConfig(lab, V1), datastore };
  const renamed = inventory.map((h) => (h.name === "ag3" ? { ...h, extra: { name: "ag3b" } } : h));
  await e2e.configure(renamed, V1, { cluster });
  const before = lab.invocations().length;
  const stored = e2e.shownOutputs();
  expect(stored.nodeAddresses).toHaveProperty("ag3");
  expect(await failureOf(e2e.up("rename ag3"))).toMatch(/k3s-stacks:inventory: 'ag3b' is new at \S+, where the last update installed k3s as 'ag3', which is no longer listed\..*Fix: remove the old entry in one up, add the new name in the next/);
  expect(invocationsSince(lab, before)).toEqual([]);
  await e2e.configure(renamed, V1, { cluster, upgrade: { checkPreviousOutputs: false } });
  expect(await failureOf(e2e.up("rename ag3, outputs unchecked"))).toMatch(/this machine \(.*\) runs k3s as node 'ag3', not as 'ag3b'/);
  expect(node("ag3")?.ready).toBe(true);
  expect(k3sLeftovers(lab, "ag3")).not.toEqual([]);
  // The failed update stored none of its outputs (they wait for every node's last step): the engine kept
  // the last ones, every key still there, so the undo runs with the checks on.
  expect(e2e.shownOutputs()).toEqual(stored);
  await e2e.configure(inventory, V1, { cluster, upgrade: { checkPreviousOutputs: true } });
  expect((await e2e.up("rename undone, outputs checked")).summary.result).toBe("succeeded");
  const checked = (o: Record<string, unknown>) => Object.fromEntries(CHECKED_OUTPUTS.map((k) => [k, o[k]]));
  expect(checked(e2e.shownOutputs())).toEqual(checked(stored));
  expect(node("ag3")?.ready).toBe(true);
  expect(node("ag3b")).toBeUndefined();
});

test("7a. removing ag3 while its uninstall fails fails the run naming it; the last outputs and ag3's records stay; put back, ag3 is uncordoned and Ready", async () => {
  const UNINSTALL = "/usr/local/bin/k3s-agent-uninstall.sh";
  lab.exec("ag3", `cp ${UNINSTALL} /root/uninstall.saved && printf '#!/bin/sh\\necho "rm: cannot remove /var/lib/kubelet/pods: Device or resource busy" >&2\\nexit 1\\n' > ${UNINSTALL}`);
  try {
    const stored = e2e.shownOutputs();
    expect(stored.nodeAddresses).toHaveProperty("ag3");
    await e2e.configure(inventory.filter((h) => h.name !== "ag3"), V1, { cluster: { ...clusterConfig(lab, V1), datastore } });
    const error = await failureOf(e2e.up("remove ag3, uninstall fails"));
    expect(error).toContain("Device or resource busy");
    expect(error).toContain("k3s-ag3-install");
    // Before the fix the engine ran the uninstall after the outputs were recorded without ag3.
    expect(e2e.shownOutputs()).toEqual(stored);
    expect(stateResources("k3s-ag3-").map((x) => x.name)).toEqual(expect.arrayContaining(["k3s-ag3-install", "k3s-ag3-member", "k3s-ag3-leave"]));
    expect(node("ag3")?.ready).toBe(true);
    const cordoned = () => (JSON.parse(lab.exec("srv1", "k3s kubectl get nodes -o json").stdout).items as Array<{ metadata: { name: string }; spec: { unschedulable?: boolean } }>)
      .find((n) => n.metadata.name === "ag3")?.spec.unschedulable === true;
    expect(cordoned()).toBe(true);
    // The user changes their mind: ag3 is back in the inventory; it still runs k3s, so it is taken back.
    await configure();
    expect((await e2e.up("ag3 put back")).summary.result).toBe("succeeded");
    expect(node("ag3")?.ready).toBe(true);
    expect(cordoned()).toBe(false);
    expect(Object.keys(e2e.shownOutputs().nodeAddresses as object)).toContain("ag3");
  } finally {
    lab.exec("ag3", `mv /root/uninstall.saved ${UNINSTALL}`);
  }
  await expectNoLeaks();
});

test("7. removing an agent: drain, then uninstall on the host, then delete the Node; put back at once it is installed again", async () => {
  const withAg3 = inventory;
  inventory = inventory.filter((h) => h.name !== "ag3");
  await configure();
  const before = lab.invocations().length;
  const r = await e2e.up("remove ag3");
  expect(r.summary.result).toBe("succeeded");
  const log = invocationsSince(lab, before);
  const drain = kubectlOn(log, "drain", "ag3");
  const stop = stops(log, "ag3");
  const del = kubectlOn(log, "delete", "ag3");
  expect([drain.length, del.length]).toEqual([1, 1]);
  expect(stop.length).toBeGreaterThan(0);
  expect(at(drain[0])).toBeLessThanOrEqual(at(stop[0]));
  expect(at(stop[stop.length - 1])).toBeLessThanOrEqual(at(del[0]));
  expect(node("ag3")).toBeUndefined();
  expect(k3sLeftovers(lab, "ag3")).toEqual([]);
  expect(Object.keys(e2e.shownOutputs().nodeAddresses as object)).not.toContain("ag3");
  // Put back right away (its removal records still stored): k3s is installed on it again and it joins.
  inventory = withAg3;
  await configure();
  expect((await e2e.up("ag3 re-added")).summary.result).toBe("succeeded");
  expect(node("ag3")?.ready).toBe(true);
  expect(k3sLeftovers(lab, "ag3")).not.toEqual([]);
  inventory = inventory.filter((h) => h.name !== "ag3");
  await configure();
  expect((await e2e.up("remove ag3 again")).summary.result).toBe("succeeded");
  expect(node("ag3")).toBeUndefined();
  expect(k3sLeftovers(lab, "ag3")).toEqual([]);
  // The removal's three records hold no delete: the next up drops them without dialling anything.
  const beforeDrop = lab.invocations().length;
  expect((await e2e.up("ag3 records dropped")).summary.result).toBe("succeeded");
  expect(invocationsSince(lab, beforeDrop)).toEqual([]);
  expect(stateResources("k3s-ag3")).toEqual([]);
  await expectNoLeaks();
});

test("8. a dead host marked gone is removed in one up, without SSH to it; records without a delete stay until its entry goes", async () => {
  lab.stopHost("edge");
  inventory = inventory.map((h) => (h.name === "edge" ? { ...h, gone: true } : h));
  await configure();
  const before = lab.invocations().length;
  const loginsBefore = bastionLogins();
  const started = Date.now();
  const r = await e2e.up("edge gone");
  expect(r.summary.result).toBe("succeeded");
  expect(Date.now() - started).toBeLessThan(180_000);
  expect(node("edge")).toBeUndefined();
  const log = invocationsSince(lab, before);
  expect(log.filter((i) => i.host === "edge" || i.host === "bastion")).toEqual([]);
  expect(bastionLogins()).toBe(loginsBefore);
  expect(kubectlOn(log, "delete", "edge")).toHaveLength(1);
  const edgeSteps = e2e.steps.filter((s) => s.name.startsWith("k3s-edge"));
  expect(edgeSteps.filter((s) => s.op === "update").map((s) => s.name).sort()).toEqual(["k3s-edge-config", "k3s-edge-install", "k3s-edge-leave", "k3s-edge-member"]);
  expect(edgeSteps.filter((s) => s.op === "create")).toEqual([]);
  expect(r.outputs.nodeNames.value).not.toContain("edge");
  expect(Object.keys(r.outputs.nodeAddresses.value)).not.toContain("edge");
  // The documented minimum: its component and four records, none with a delete; the install record
  // ran the removal on srv1.
  const left = stateResources("k3s-edge");
  expect(left.map((x) => x.name).sort()).toEqual(["k3s-edge", "k3s-edge-config", "k3s-edge-install", "k3s-edge-leave", "k3s-edge-member"]);
  for (const x of left.filter((y) => y.type === "command:remote:Command")) expect({ name: x.name, delete: x.inputs.delete }).toEqual({ name: x.name, delete: undefined });
  expect(left.find((x) => x.name === "k3s-edge-config")!.inputs.create).toBeUndefined();
  expect((await e2e.up("no-change after gone", { expectNoChanges: true })).summary.result).toBe("succeeded");
  // Dropping the entry removes the records without calling anything, and probes nothing.
  inventory = inventory.filter((h) => h.name !== "edge");
  await configure();
  const beforeDrop = lab.invocations().length;
  const dropped = await e2e.up("edge entry dropped");
  expect(dropped.summary.result).toBe("succeeded");
  expect(invocationsSince(lab, beforeDrop)).toEqual([]);
  expect(bastionLogins()).toBe(loginsBefore);
  expect(stateResources("k3s-edge")).toEqual([]);
  await expectNoLeaks();
});

test("9. destroy leaves every live host clean", async () => {
  const r = await e2e.destroy("destroy");
  expect(r.summary.result).toBe("succeeded");
  for (const h of ["srv1", "ag1", "ag2", "ag3"]) expect({ h, left: k3sLeftovers(lab, h) }).toEqual({ h, left: [] });
  await expectNoLeaks();
});
