// An etcd server's restart step asks etcd, on the server itself, whether the other members keep quorum
// before it restarts a running k3s: in bash against a fake curl that answers as k3s's embedded etcd
// (support/etcd.ts) and a fake `k3s kubectl` whose Nodes all read Ready, as a server whose k3s died
// seconds ago still does (node-monitor-grace-period).
import * as fs from "fs";
import * as path from "path";
import { InstallSpec } from "../../components/k3s/scripts";
import { RestartSpec, renderRestartScript } from "../../components/day-two/rollout-scripts";
import { Sandbox, sandbox } from "./support/shell";
import { etcdMember, etcdMemberList } from "./support/etcd";
import { fakeRolloutTools } from "./support/rollout";

let sb: Sandbox;
const STATE = "/var/lib/rancher/k3s-stacks/";
const cfg = () => path.join(sb.dir, "config.yaml");
const active = () => path.join(sb.dir, "active");

beforeEach(() => {
  sb = sandbox();
  fakeRolloutTools(sb, active());
  fs.writeFileSync(cfg(), "node-name: s1\n");
});
afterEach(() => sb.cleanup());

const spec = (over: Partial<RestartSpec> = {}): RestartSpec => ({ node: "s1", role: "server", files: [cfg()], configHash: "ab".repeat(32), etcd: true, timeoutSeconds: 6, ...over });
const render = (s: RestartSpec) => renderRestartScript(s).split(STATE).join(`${sb.dir}/state/`);
const run = (s: RestartSpec, env: Record<string, string> = {}) => sb.run(["bash", "-s", "--", "update"], { input: render(s), env });
const changes = () => sb.calls().filter((c) => !c.startsWith("systemctl is-active") && !c.startsWith("curl ") && c !== "readyz");
/** k3s runs with the recorded files; then the configuration changes on disk. */
function runningWithChangedConfig(s: RestartSpec = spec()): void {
  fs.writeFileSync(active(), "");
  expect(run(s).status).toBe(0);
  sb.calls();
  fs.writeFileSync(cfg(), "node-name: s1\ntls-san: [k3s.lan]\n");
}

test("a changed configuration while s3's k3s just stopped: the roll stops at s1 before restarting it, naming s3, what etcd said and the fix", () => {
  runningWithChangedConfig();
  const r = run(spec(), { ETCD_DOWN: "10.0.0.3" });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(
    "the rolling restart stopped at s1: restarting k3s there would leave 1 of 3 etcd members healthy, below quorum (2); etcd reports down: s3 (https://10.0.0.3:2379/health: curl: (7) Failed to connect to 10.0.0.3 port 2379 after 0 ms: Couldn't connect to server). etcd would stop accepting writes and the cluster's API would stop. Nothing was restarted. Fix: bring s3 back first",
  );
  expect(r.stderr).toContain("it resumes at s1.");
  // A member marked gone (a lost first server's handover too) still counts until its removal: the change must wait.
  expect(r.stderr).toContain("If the dead one is marked gone already, this run also changes k3s (k3sVersion or config.yaml) while it leaves: set that back as it was for this run");
  expect(changes()).toEqual([]);
});

test("every other member healthy: asks the local member for the list and the others for /health, then restarts", () => {
  runningWithChangedConfig();
  const r = run(spec());
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const calls = sb.calls();
  expect(calls.filter((c) => c.startsWith("curl ")).map((c) => c.split(" ").pop())).toEqual([
    "https://127.0.0.1:2379/v3/cluster/member/list", "https://10.0.0.2:2379/health", "https://10.0.0.3:2379/health",
  ]);
  expect(calls.filter((c) => c.startsWith("systemctl restart"))).toEqual(["systemctl restart --no-block k3s"]);
});

test("k3s not running on the node: it is started without asking etcd (starting adds a member, it cannot cost quorum)", () => {
  fs.writeFileSync(active(), "");
  expect(run(spec()).status).toBe(0);
  fs.rmSync(active());
  sb.calls();
  const r = run(spec(), { ETCD_DOWN: "127.0.0.1 10.0.0.3" });
  expect(r.status).toBe(0);
  const calls = sb.calls();
  expect(calls.filter((c) => c.startsWith("curl "))).toEqual([]);
  expect(calls).toContain("systemctl start --no-block k3s");
});

test("a single-member cluster restarts: it has no quorum to keep", () => {
  runningWithChangedConfig();
  const r = run(spec(), { ETCD_LIST: etcdMemberList(etcdMember("s1", "10.0.0.1")) });
  expect(r.status).toBe(0);
  expect(changes()).toContain("systemctl restart --no-block k3s");
});

test("agents and servers of other datastores do not ask etcd", () => {
  const script = renderRestartScript(spec({ node: "a1", role: "agent", etcd: false }));
  expect(script).not.toContain("etcd_quorum_before_restart");
  expect(script).not.toContain("2379");
});

test("an upgrade of a running server with another member down is refused before install.sh", () => {
  const install: InstallSpec = { node: "s1", role: "server", version: "v1.36.4+k3s1", installScriptUrl: "https://get.k3s.io", stagedScript: path.join(sb.dir, "install.sh") };
  fs.writeFileSync(path.join(sb.dir, "install.sh"), `echo "install.sh $INSTALL_K3S_VERSION" >> "$CALLS"; touch "${active()}"\n`);
  fs.writeFileSync(active(), "");
  const r = run(spec({ install }), { K3S_VERSION: "v1.36.3+k3s1", ETCD_NO_LEADER: "10.0.0.2" });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(`etcd reports down: s2 (https://10.0.0.2:2379/health: {"health":"false","reason":"RAFT NO LEADER"})`);
  expect(changes()).toEqual([]);
});

test("a node-ip in config.yaml other than its etcd member's peer address: refused before the restart (k3s would not start), naming both and the fix", () => {
  runningWithChangedConfig(spec({ nodeIp: "10.0.0.1" }));
  const r = run(spec({ nodeIp: "10.0.0.11" }));
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("the rolling restart stopped at s1: its etcd member's peer address is https://10.0.0.1:2380, but its config.yaml now gives node-ip 10.0.0.11.");
  expect(r.stderr).toContain("Fix: set its internalAddress to the address in https://10.0.0.1:2380 (or remove internalAddress if k3s picked it)");
  expect(changes()).toEqual([]);
  // The member's own address: restarted.
  const ok = run(spec({ nodeIp: "10.0.0.1" }));
  expect(ok.status).toBe(0);
  expect(changes()).toContain("systemctl restart --no-block k3s");
});
