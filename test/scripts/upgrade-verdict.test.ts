/**
 * The release upgrade check's verdicts (test/e2e/upgrade): which preview steps a release upgrade may
 * show, and the roll rule a version bump is held to, on made-up step lists and downtimes.
 */
import { Invocation } from "../e2e/hosts";
import { Downtime } from "../e2e/scenarios/log";
import { Step } from "../e2e/scenarios/stack";
import { EXPECTED, SHAPES } from "../e2e/upgrade/shapes";
import { commandCounts, k3sTouched, rollProblems } from "../e2e/upgrade/verdict";

const step = (op: Step["op"], name: string, diffs = ["stdin"]): Step => ({ op, urn: `urn:pulumi:s::p::command:remote:Command::${name}`, name, diffs, detailed: [] });
const shape = (key: string) => SHAPES.find((s) => s.key === key)!;

describe("steps a release upgrade from 29fd590 or later may show", () => {
  test("the teardown step is new on etcd clusters only", () => {
    expect(EXPECTED(step("create", "k3s-teardown", []), shape("b"), "etcd")).toBeDefined();
    expect(EXPECTED(step("create", "k3s-teardown", []), shape("a"), "sqlite")).toBeUndefined();
  });

  test("a config step's script updates on every node (stop 27), with what else changed for etcd servers and protect-kernel-defaults", () => {
    expect(EXPECTED(step("update", "k3s-srv2-config"), shape("b"), "etcd")).toContain("curl");
    expect(EXPECTED(step("update", "k3s-ag1-config"), shape("b"), "etcd")).not.toContain("curl");
    expect(EXPECTED(step("update", "k3s-ag1-config"), shape("b"), "etcd")).toContain("SELinux drop-in");
    expect(EXPECTED(step("update", "k3s-srv1-config"), shape("a"), "sqlite")).toContain("SELinux drop-in");
    expect(EXPECTED(step("update", "k3s-srv1-config"), shape("d"), "sqlite")).toContain("protect-kernel-defaults");
    expect(EXPECTED(step("update", "k3s-srv1-config", ["stdin", "connection"]), shape("a"), "sqlite")).toBeUndefined();
  });

  test("the pre-upgrade step's script updates on etcd clusters, where it snapshots nothing on a node already on the version", () => {
    expect(EXPECTED(step("update", "k3s-pre-upgrade"), shape("b"), "etcd")).toContain("snapshots nothing");
    expect(EXPECTED(step("update", "k3s-pre-upgrade", ["stdin", "connection"]), shape("b"), "etcd")).toBeUndefined();
    expect(EXPECTED(step("update", "k3s-pre-upgrade"), shape("a"), "sqlite")).toBeUndefined();
  });

  test("only a script may change; restarts, installs and replacements are findings", () => {
    expect(EXPECTED(step("update", "k3s-ag1-member"), shape("a"), "sqlite")).toBeDefined();
    expect(EXPECTED(step("update", "k3s-ag1-leave"), shape("a"), "sqlite")).toBeDefined();
    expect(EXPECTED(step("update", "k3s-ag1-member", ["stdin", "triggers"]), shape("a"), "sqlite")).toBeUndefined();
    expect(EXPECTED(step("replace", "k3s-ag1-member"), shape("a"), "sqlite")).toBeUndefined();
    // Its script changed (the failed-upgrade message); the lab's invocation log proves it restarts nothing.
    expect(EXPECTED(step("update", "k3s-ag1-restart"), shape("a"), "sqlite")).toContain("only the health gate runs");
    expect(EXPECTED(step("update", "k3s-ag1-restart", ["stdin", "values"]), shape("a"), "sqlite")).toBeUndefined();
    expect(EXPECTED(step("replace", "k3s-ag1-restart"), shape("a"), "sqlite")).toBeUndefined();
    // Its script changed (install.sh's package managers wait for locks; the waits that stop on a crash-looping
    // k3s; the delete's drain check); the update installs only where k3s is missing, and the lab's invocation
    // log proves install.sh does not run.
    expect(EXPECTED(step("update", "k3s-ag1-install"), shape("a"), "sqlite")).toContain("the update installs nothing");
    expect(EXPECTED(step("update", "k3s-ag1-install", ["stdin", "triggers"]), shape("a"), "sqlite")).toBeUndefined();
    expect(EXPECTED(step("replace", "k3s-ag1-install"), shape("a"), "sqlite")).toBeUndefined();
  });
});

describe("the version bump's roll", () => {
  const span = (host: string, from: number, to: number): Downtime => ({ host, from, to });
  const servers = ["srv1", "srv2", "srv3"];

  test("servers one after another, then the agents, passes", () => {
    expect(rollProblems([span("srv1", 0, 10), span("srv2", 10, 20), span("srv3", 21, 30), span("ag1", 31, 40)], servers, ["ag1"], 1)).toEqual([]);
  });

  test("two servers down at once, an agent before the servers are back, or a node twice, fails by name", () => {
    expect(rollProblems([span("srv1", 0, 10), span("srv2", 5, 20), span("srv3", 21, 30), span("ag1", 31, 40)], servers, ["ag1"], 1)).toEqual([
      "version bump: srv2 went down before srv1 was back",
      "version bump: 2 servers down at once",
    ]);
    expect(rollProblems([span("srv1", 0, 10), span("ag1", 5, 8), span("srv2", 10, 20), span("srv3", 21, 30)], servers, ["ag1"], 1)).toEqual([
      "version bump: agent ag1 went down before every server was back",
    ]);
    expect(rollProblems([span("srv1", 0, 10), span("srv2", 10, 20), span("srv2", 20, 25), span("srv3", 26, 30), span("ag1", 31, 40)], servers, ["ag1"], 1)).toEqual([
      "version bump: srv2 went down 2 times, not once",
    ]);
  });

  test("agents beyond the batch down at once fail", () => {
    expect(rollProblems([span("srv1", 0, 10), span("ag1", 11, 20), span("ag2", 12, 20)], ["srv1"], ["ag1", "ag2"], 1)).toEqual(["version bump: 2 agents down at once (batch 1)"]);
  });
});

test("the log's restarts and commands are named per host", () => {
  const inv = (host: string, tool: Invocation["tool"], argv: string[], event?: Invocation["event"]): Invocation => ({ ts: "2026-01-01T00:00:00.000Z", tool, argv, role: null, host, uid: 0, event });
  const log = [
    inv("srv1", "kubectl", ["k3s", "kubectl", "get", "nodes"]),
    inv("ag1", "kubectl", ["kubectl", "kubectl", "--kubeconfig", "/x", "get", "node"]),
    inv("ag1", "systemctl", ["systemctl", "restart", "k3s-agent"]),
    inv("ag1", "k3s", ["k3s", "agent"], "stopped"),
  ];
  expect(commandCounts(log)).toEqual(["ag1: kubectl get ×1", "ag1: systemctl restart ×1", "srv1: kubectl get ×1"]);
  expect(k3sTouched(log)).toEqual(["ag1: systemctl restart k3s-agent", "ag1: k3s stopped, not back"]);
});
