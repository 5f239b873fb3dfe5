/**
 * The documented etcd restore, end to end: 3 embedded-etcd servers and an agent on lab hosts with the
 * k3s stand-ins. A snapshot is taken with the stack's `snapshotCommand`, the data changed, then the
 * stack's `restoreCommand` runs with `--yes`. Checked from the stand-ins' recorded events and the hosts'
 * files: every server stopped before the reset on the first, the first started before the others,
 * whose db dirs were moved away and which started one at a time; the data equals the snapshot's; an
 * agent reinstalled after the snapshot is let in with its new node password; a server that rejoins
 * with its old db dir is refused; the next `pulumi up` changes and restarts nothing.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startLab, TestLab, Invocation } from "../hosts";
import { InvHost, SERVERS, V1, clusterConfig } from "./fixture";
import { findLeaks, leakCheck, readSecrets } from "./leaks";
import { at, downtimes, invocationsSince, restarts } from "./log";
import { E2eStack } from "./stack";

jest.setTimeout(900_000);

const ROOT = path.resolve(__dirname, "../../..");
const SHARED = "/var/lib/k3s-standin/shared/cluster";
const DB = "/var/lib/rancher/k3s/server/db";
const INVENTORY: InvHost[] = [...SERVERS, { name: "ag1", role: "agent", arch: "amd64" }];

let lab: TestLab;
let e2e: E2eStack;
const expectNoLeaks = leakCheck(() => lab, () => e2e);
let sshDir: string;
let snapshotCommand = "";
let restoreCommand = "";
let snapshotPath = "";
/** What the day-two scripts printed, searched for secrets with the rest. */
const scriptOutput: { label: string; text: string }[] = [];

interface NodeData {
  labels: Record<string, string>;
  taints: unknown[];
  unschedulable?: boolean;
}

const clusterJson = (): { members?: Record<string, string>; etcdClusterId?: string } =>
  JSON.parse(lab.exec("srv1", `cat ${SHARED}/clusters/*/cluster.json`).stdout);

/** The Kubernetes data of every Node (what a snapshot holds), without heartbeat or etcd member name. */
function nodeData(nodes: Record<string, NodeData & Record<string, unknown>>): Record<string, NodeData> {
  return Object.fromEntries(Object.entries(nodes).map(([n, d]) => [n, { labels: d.labels, taints: d.taints, unschedulable: d.unschedulable ?? false }]));
}

function liveNodeData(): Record<string, NodeData> {
  const read = `import glob, json; print(json.dumps({n["name"]: n for n in (json.load(open(p)) for p in glob.glob("${SHARED}/clusters/*/nodes/*.json"))}))`;
  return nodeData(JSON.parse(lab.exec("srv1", `python3 -c '${read}'`).stdout));
}

/** Runs one of the repository's day-two scripts from the root, as a user would, with the lab's key. */
function runScript(command: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync("bash", ["-c", command], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, PATH: `${sshDir}:${process.env.PATH}` },
    timeout: 600_000,
  });
  scriptOutput.push({ label: command.split(" ")[0], text: `${r.stdout ?? ""}${r.stderr ?? ""}` });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}


const event = (log: Invocation[], host: string, name: string): Invocation[] => log.filter((i) => i.host === host && i.event === name);

beforeAll(async () => {
  lab = startLab(INVENTORY.map((h) => ({ name: h.name })), { versions: [V1] });
  e2e = await E2eStack.create(lab, "restore");
  // The user's ssh trusts the lab's fresh host keys; everything else is the user's plain ssh.
  sshDir = fs.mkdtempSync(path.join(os.tmpdir(), "restore-ssh-"));
  fs.writeFileSync(
    path.join(sshDir, "ssh"),
    '#!/bin/sh\nexec /usr/bin/ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes "$@"\n',
    { mode: 0o755 },
  );
}, 3_600_000);

afterAll(() => {
  e2e?.cleanup();
  lab?.down();
  if (sshDir) fs.rmSync(sshDir, { recursive: true, force: true });
});

test("1. create: 3 etcd servers and an agent; the stack prints the snapshot and restore commands", async () => {
  await e2e.configure(INVENTORY, V1, { cluster: clusterConfig(lab, V1) });
  const r = await e2e.up("create");
  expect(r.summary.result).toBe("succeeded");
  expect(lab.nodes("srv1").every((n) => n.ready)).toBe(true);
  snapshotCommand = String(r.outputs.snapshotCommand.value);
  restoreCommand = String(r.outputs.restoreCommand.value);
  expect(snapshotCommand).toMatch(/^scripts\/etcd-snapshot\.sh --host /);
  expect(restoreCommand).toMatch(/^scripts\/etcd-restore\.sh --snapshot SNAPSHOT --first-server .* --dry-run$/);
  expect(Object.keys(clusterJson().members ?? {}).sort()).toEqual(["srv1", "srv2", "srv3"]);
});

test("2. the documented snapshot command takes a snapshot on the first server", () => {
  const r = runScript(`${snapshotCommand} --identity ${lab.privateKeyPath} --name before-change`);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
  const name = /Snapshot (\S+) saved\./.exec(r.stdout)?.[1];
  expect(name).toMatch(/^before-change-srv1-\d+$/);
  snapshotPath = `${DB}/snapshots/${name}`;
  expect(lab.readFile("srv1", snapshotPath)).toBeDefined();
});

test("3. k3s refuses a cluster reset it cannot do, as real k3s does, and changes nothing", () => {
  const before = clusterJson();
  const reset = (host: string, args: string) => lab.exec(host, `k3s server ${args} 2>&1`);
  expect(reset("srv1", `--cluster-reset-restore-path=${snapshotPath}`).stdout).toContain("invalid flag use; --cluster-reset required with --cluster-reset-restore-path");
  expect(reset("srv1", `--cluster-reset --cluster-reset-restore-path=${snapshotPath}`).stdout).toContain("bind: address already in use");
  expect(reset("srv2", "--cluster-reset").stdout).toContain("cannot perform cluster-reset while server URL is set");
  lab.exec("srv1", "systemctl stop k3s");
  try {
    expect(reset("srv1", `--cluster-reset --cluster-reset-restore-path=${DB}/snapshots/none`).stdout).toContain(`etcd: snapshot path does not exist: ${DB}/snapshots/none`);
    expect(reset("srv1", `--cluster-reset --cluster-reset-restore-path=${DB}/snapshots`).stdout).toContain("snapshot path must be a file, not a directory");
  } finally {
    expect(lab.exec("srv1", "systemctl start k3s").code).toBe(0);
  }
  expect(clusterJson()).toEqual(before);
  // The script checks the snapshot before stopping anything.
  const since = lab.invocations().length;
  const r = runScript(`${restoreCommand.replace("SNAPSHOT", "no-such-snapshot").replace("--dry-run", "--yes")} --identity ${lab.privateKeyPath}`);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/step 2 failed; later steps did not run/);
  expect(invocationsSince(lab, since).filter((i) => i.event === "stopped")).toEqual([]);
});

let snapshotNodes: Record<string, NodeData> = {};
let membersBefore: Record<string, string> = {};

test("4. restore: all servers stop, the first resets and starts, the others move their db away and rejoin one at a time", () => {
  snapshotNodes = nodeData(JSON.parse(lab.readFile("srv1", snapshotPath) ?? "{}").data.nodes);
  // Data changed after the snapshot: a label and a cordon, straight through the API.
  expect(lab.exec("srv1", "k3s kubectl label node ag1 restore.example/after=yes && k3s kubectl cordon srv3").code).toBe(0);
  expect(liveNodeData()).not.toEqual(snapshotNodes);
  // ag1's machine was reinstalled after the snapshot (a new disk or VM under its name): the live cluster
  // verified its new node password, the snapshot holds the old one (rancher/rke2#1916, k3s-io/k3s#3717).
  expect(lab.exec("ag1", "systemctl stop k3s-agent && od -An -N16 -tx1 /dev/urandom | tr -d ' \\n' > /etc/rancher/node/password").code).toBe(0);
  expect(lab.exec("srv1", "k3s kubectl -n kube-system delete secret ag1.node-password.k3s").code).toBe(0);
  expect(lab.exec("ag1", "systemctl start k3s-agent").code).toBe(0);
  expect(lab.nodes("srv1").find((n) => n.name === "ag1")?.ready).toBe(true);
  membersBefore = clusterJson().members ?? {};
  const name = path.basename(snapshotPath);

  const since = lab.invocations().length;
  const r = runScript(`${restoreCommand.replace("SNAPSHOT", name).replace("--dry-run", "--yes")} --identity ${lab.privateKeyPath}`);
  expect(r.code).toBe(0);
  // k3s's own words (on stderr, its log) once the reset is done.
  expect(r.stderr).toContain("Managed etcd cluster membership has been reset, restart without --cluster-reset flag now");
  const log = invocationsSince(lab, since);

  const reset = event(log, "srv1", "cluster-reset");
  expect(reset).toHaveLength(1);
  expect(reset[0].restoredFrom).toBe(snapshotPath);
  const resetAt = at(reset[0]);
  // Every server was down before the reset ran.
  for (const s of ["srv1", "srv2", "srv3"]) {
    const stopped = event(log, s, "stopped");
    expect({ s, stops: stopped.length }).toEqual({ s, stops: 1 });
    expect({ s, stoppedBeforeReset: at(stopped[0]) <= resetAt }).toEqual({ s, stoppedBeforeReset: true });
  }
  // Then: srv1 back, srv2 started and back, srv3 started and back, then the agent restarted.
  const ready = (h: string) => at(event(log, h, "ready")[0]);
  const started = (h: string) => at(restarts(log).filter((i) => i.host === h)[0]);
  expect(ready("srv1")).toBeGreaterThanOrEqual(resetAt);
  expect(started("srv2")).toBeGreaterThanOrEqual(ready("srv1"));
  expect(started("srv3")).toBeGreaterThanOrEqual(ready("srv2"));
  expect(started("ag1")).toBeGreaterThanOrEqual(ready("srv3"));
  expect(downtimes(log).map((d) => d.host)).toEqual(["srv2", "srv3", "srv1", "ag1"]);

  // The first server's old etcd data is kept by k3s; the others' db dirs were moved aside by the script.
  expect(lab.exec("srv1", `ls ${DB}`).stdout).toMatch(/^etcd-old-\d+$/m);
  expect(lab.exec("srv1", `test -e ${DB}/reset-flag || echo removed`).stdout.trim()).toBe("removed");
  for (const s of ["srv2", "srv3"]) {
    expect(lab.exec(s, "ls /var/lib/rancher/k3s/server").stdout).toMatch(/^db\.bak-\d{8}T\d{6}Z$/m);
  }
  // Three fresh members, none of the old ones.
  const members = clusterJson().members ?? {};
  expect(Object.keys(members).sort()).toEqual(["srv1", "srv2", "srv3"]);
  for (const s of Object.keys(members)) expect(members[s]).not.toBe(membersBefore[s]);
  expect(lab.nodes("srv1").every((n) => n.ready)).toBe(true);
  expect(lab.exec("srv2", "k3s kubectl get --raw=/readyz").stdout.trim()).toBe("ok");

  // The data is the snapshot's: the later label and cordon are gone.
  expect(liveNodeData()).toEqual(snapshotNodes);
  // The reinstalled agent was let in with the password on its disk, which k3s keeps again.
  expect(lab.nodes("srv1").find((n) => n.name === "ag1")?.ready).toBe(true);
  expect(lab.exec("srv1", "k3s kubectl -n kube-system get secrets -o name").stdout).toContain("secret/ag1.node-password.k3s");
});

test("5. a server that rejoins with the db dir of before the restore is refused, as real k3s would be", () => {
  const backup = lab.exec("srv3", "ls -d /var/lib/rancher/k3s/server/db.bak-*").stdout.trim();
  lab.exec("srv3", `systemctl stop k3s && mv ${DB} ${DB}.now && cp -a ${backup} ${DB}`);
  try {
    const r = lab.exec("srv3", "systemctl start k3s 2>&1");
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain("etcd cluster ID mismatch");
    expect(Object.keys(clusterJson().members ?? {}).sort()).toEqual(["srv1", "srv2", "srv3"]);
  } finally {
    lab.exec("srv3", `rm -rf ${DB} && mv ${DB}.now ${DB} && systemctl start k3s`);
  }
  expect(lab.nodes("srv1").every((n) => n.ready)).toBe(true);
});

test("6. the next pulumi up is a no-op: no resource changes, no restart", async () => {
  const since = lab.invocations().length;
  const r = await e2e.up("after restore", { expectNoChanges: true });
  expect(r.summary.result).toBe("succeeded");
  const log = invocationsSince(lab, since);
  expect(restarts(log)).toEqual([]);
  expect(downtimes(log)).toEqual([]);
  expect(liveNodeData()).toEqual(snapshotNodes);
  expectNoLeaks();
  expect(scriptOutput.length).toBe(3);
  expect(findLeaks(readSecrets(lab, "srv1"), scriptOutput)).toEqual([]);
});
