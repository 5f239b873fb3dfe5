// The etcd quorum guard on the replacement path: the membership step's stored delete of an etcd server
// (its role or arch changes, or `pulumi up --replace` of its leave step), run in bash on the "first
// server" against a fake curl that answers as k3s's embedded etcd and a fake `k3s kubectl` whose Nodes
// all read Ready. Also the record two replacements at once share, the leave step that clears it, and
// the teardown marker that lets `pulumi destroy` through.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { TEARDOWN_MARKER, renderReplacementGuard, renderTeardownScript } from "../../components/k3s/etcd-quorum";
import { renderLeaveScript } from "../../components/k3s/removal-scripts";
import { renderMemberScript } from "../../components/k3s/scripts";
import { LOG_CALL, Sandbox, sandbox } from "./support/shell";
import { etcdMember as member, etcdMemberList as list, fakeEtcdCurl } from "./support/etcd";

const STATE = "/var/lib/rancher/k3s-stacks";
const THREE = list(member("pi-1", "10.0.0.1"), member("pi-2", "10.0.0.2"), member("pi-3", "10.0.0.3"));
const FIVE = list(...[1, 2, 3, 4, 5].map((i) => member(`pi-${i}`, `10.0.0.${i}`)));

const memberScript = (node: string, guard = true) =>
  renderMemberScript({ node, bootstrap: false, labels: {}, taints: [], drainTimeout: "90s", readyTimeoutSeconds: 10, ...(guard ? { beforeDrain: renderReplacementGuard(node) } : {}) });

const haveShellcheck = spawnSync("shellcheck", ["--version"], { encoding: "utf8" }).status === 0;
(haveShellcheck ? test : test.skip)("the membership script with the guard, and the teardown script, pass shellcheck", () => {
  for (const script of [memberScript("pi-2"), renderTeardownScript()]) {
    const r = spawnSync("shellcheck", ["-s", "bash", "-f", "gcc", "-"], { input: script, encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
  }
});

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
  sb.fake("sleep", ":");
  // Nodes exist while their file does; every Node reads Ready (the lag the guard must not trust).
  sb.fake("k3s", `${LOG_CALL}
case "$2 $3" in
  "get node") [ -e "$NODES/$4" ] || { echo "Error from server (NotFound): nodes \\"$4\\" not found" >&2; exit 1; } ;;
  "delete node") rm -f "$NODES/$4" ;;
esac`);
  fakeEtcdCurl(sb);
  fs.mkdirSync(path.join(sb.dir, "nodes"));
  for (let i = 1; i <= 5; i++) fs.writeFileSync(path.join(sb.dir, "nodes", `pi-${i}`), "");
});
afterEach(() => sb.cleanup());

const local = (script: string) => script.split(STATE).join(path.join(sb.dir, "state"));
const run = (script: string, phase: string, env: Record<string, string>) =>
  sb.run(["bash", "-s", "--", phase], { input: local(script), env: { NODES: path.join(sb.dir, "nodes"), ...env } });
const replace = (node: string, env: Record<string, string>) => run(memberScript(node), "delete", env);
const record = (node: string) => path.join(sb.dir, "state/etcd-leaving", node);
const drains = () => sb.calls().filter((c) => c.startsWith("k3s kubectl drain "));

describe("an etcd server's replacement checks quorum before its drain, as etcd reports it", () => {
  test("3 members, pi-3's k3s just stopped (its Node still Ready): replacing pi-2 is refused before the drain, naming pi-3 and the fix", () => {
    const r = replace("pi-2", { ETCD_LIST: THREE, ETCD_DOWN: "10.0.0.3" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "replacing pi-2 (a role or arch change, or pulumi up --replace) would leave 1 of 3 etcd members healthy, below quorum (2); etcd reports down: pi-3 (https://10.0.0.3:2379/health: curl: (7) Failed to connect to 10.0.0.3 port 2379 after 0 ms: Couldn't connect to server). etcd could no longer remove a member or accept writes, and the cluster's API would stop. Nothing was changed. Fix: bring pi-3 back first",
    );
    expect(drains()).toEqual([]);
    expect(fs.existsSync(record("pi-2"))).toBe(false);
  });

  test("all healthy: the drain runs and the replacement is recorded until the leave step deletes the Node", () => {
    const r = replace("pi-2", { ETCD_LIST: THREE });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(drains()).toEqual(["k3s kubectl drain pi-2 --ignore-daemonsets --delete-emptydir-data --force --timeout=90s"]);
    expect(fs.existsSync(record("pi-2"))).toBe(true);
    const leave = run(renderLeaveScript({ node: "pi-2", timeoutSeconds: 10 }), "delete", {});
    expect(leave.status).toBe(0);
    expect(fs.existsSync(record("pi-2"))).toBe(false);
  });

  test("two replacements in one run (3 members): the second counts the first as leaving and is refused, naming it", () => {
    expect(replace("pi-2", { ETCD_LIST: THREE }).status).toBe(0);
    sb.calls();
    const r = replace("pi-3", { ETCD_LIST: THREE });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("replacing pi-3 (a role or arch change, or pulumi up --replace) would leave 1 of 3 etcd members healthy, below quorum (2); etcd reports down: none; leaving in this run too: pi-2.");
    expect(r.stderr).toContain("or replace one server per pulumi up");
    expect(drains()).toEqual([]);
  });

  test("two replacements of 5 members pass: the 3 that stay hold quorum", () => {
    expect(replace("pi-4", { ETCD_LIST: FIVE }).status).toBe(0);
    expect(replace("pi-5", { ETCD_LIST: FIVE }).status).toBe(0);
  });

  test("a re-run once its member left (the Node was deleted) is not judged and records nothing", () => {
    const r = replace("pi-2", { ETCD_LIST: list(member("pi-1", "10.0.0.1"), member("pi-3", "10.0.0.3")), ETCD_DOWN: "10.0.0.3" });
    expect(r.status).toBe(0);
    expect(fs.existsSync(record("pi-2"))).toBe(false);
  });

  test("pulumi destroy: with the teardown marker, the check is skipped even with a member down, and the drain runs", () => {
    expect(run(renderTeardownScript(), "delete", {}).status).toBe(0);
    expect(fs.existsSync(local(TEARDOWN_MARKER))).toBe(true);
    const r = replace("pi-2", { ETCD_LIST: THREE, ETCD_DOWN: "10.0.0.3" });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("the whole cluster is being destroyed: not checking etcd quorum before pi-2 leaves");
    expect(drains()).toHaveLength(1);
    // The next pulumi up creates the step again, which drops a marker a failed destroy left.
    expect(run(renderTeardownScript(), "create", {}).status).toBe(0);
    expect(fs.existsSync(local(TEARDOWN_MARKER))).toBe(false);
  });

  test("without the guard (an agent's membership), the delete only drains", () => {
    const r = run(memberScript("pi-2", false), "delete", { ETCD_LIST: THREE, ETCD_DOWN: "10.0.0.3" });
    expect(r.status).toBe(0);
    expect(sb.calls().filter((c) => c.startsWith("curl "))).toEqual([]);
  });
});
