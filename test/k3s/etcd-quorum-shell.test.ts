// The etcd quorum guard before a live etcd server's removal: shellcheck, and runs in bash against a
// fake curl that answers as k3s's embedded etcd does (JSON gateway member list, per-member /health,
// client certificates required) and a fake `k3s kubectl` whose Nodes all read Ready, as they do for
// about 40 s after a server's k3s died (node-monitor-grace-period): the guard must go by etcd.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ETCD_TLS_DIR, renderEtcdQuorumGuard } from "../../components/k3s/etcd-quorum";
import { renderRemovalScripts } from "../../components/k3s/removal-scripts";
import { LOG_CALL, Sandbox, sandbox } from "./support/shell";
import { etcdMember, etcdMemberList, fakeEtcdCurl } from "./support/etcd";
import { REFERENCE_DIR } from "./support/reference";

const NODE = "pi-2.home.arpa";
const STATE = "/var/lib/rancher/k3s-stacks";

const haveShellcheck = spawnSync("shellcheck", ["--version"], { encoding: "utf8" }).status === 0;
(haveShellcheck ? test : test.skip)("the guard alone and within the drain pass shellcheck", () => {
  for (const script of [renderEtcdQuorumGuard(NODE, [NODE]), renderRemovalScripts({ node: NODE, drainTimeout: "90s", timeoutSeconds: 120, etcdLeaving: [NODE, "pi-5"] }).drain]) {
    const r = spawnSync("shellcheck", ["-s", "bash", "-f", "gcc", "-"], { input: script, encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
  }
});

test("no certificate or key content reaches a command line: only the paths of k3s's etcd client files", () => {
  const g = renderEtcdQuorumGuard(NODE, [NODE]);
  expect(g).toContain(`--cacert '${ETCD_TLS_DIR}/server-ca.crt' --cert '${ETCD_TLS_DIR}/server-client.crt' --key '${ETCD_TLS_DIR}/server-client.key'`);
  expect(g).not.toMatch(/BEGIN|cat [^|]*\.key|-k\b|--insecure/);
});

test("the guard speaks only to etcd's client port, one the k3s reference has servers open to each other", () => {
  const reference = fs.readFileSync(path.join(REFERENCE_DIR, "k3s-reference.md"), "utf8");
  expect(reference).toContain("Ports 2379-2380/tcp must be open between servers");
  expect([...new Set(renderEtcdQuorumGuard(NODE, [NODE]).match(/:\d{4,5}\b/g))]).toEqual([":2379"]);
});

const member = etcdMember;
const list = etcdMemberList;

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
  sb.fake("sleep", ":");
  // $NODE_FILE exists while the Node does; every Node reads Ready (the lag the guard must not trust).
  sb.fake("k3s", `${LOG_CALL}
case "$2 $3" in
  "get node") [ -e "\${NODE_FILE:?}" ] || { echo "Error from server (NotFound): nodes \\"$4\\" not found" >&2; exit 1; } ;;
  "get nodes") printf 'pi-1 Ready control-plane,etcd 3d v1.36.3+k3s1\\npi-3 Ready control-plane,etcd 3d v1.36.3+k3s1\\n' ;;
esac`);
  fakeEtcdCurl(sb);
});
afterEach(() => sb.cleanup());

const nodeFile = () => path.join(sb.dir, "node");
const drain = (leaving: string[]) =>
  renderRemovalScripts({ node: NODE, drainTimeout: "90s", timeoutSeconds: 120, etcdLeaving: leaving }).drain.split(STATE).join(path.join(sb.dir, "state"));
const run = (leaving: string[], env: Record<string, string>) => {
  fs.writeFileSync(nodeFile(), "");
  return sb.run(["bash", "-s", "--", "update"], { input: drain(leaving), env: { NODE_FILE: nodeFile(), ...env } });
};
const mutating = () => sb.calls().filter((c) => !c.startsWith("k3s kubectl get ") && !c.startsWith("curl "));
const marker = () => path.join(sb.dir, "state/removing", NODE);
const THREE = list(member("pi-1", "10.0.0.1"), member(NODE, "10.0.0.2"), member("pi-3", "10.0.0.3"));

describe("a live etcd server's removal checks quorum as etcd reports it", () => {
  test("3 members, pi-3's k3s just stopped (its Node still Ready): refused before the mark and the drain, naming pi-3, what etcd said and the fix", () => {
    const r = run([NODE], { ETCD_LIST: THREE, ETCD_DOWN: "10.0.0.3" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `removing ${NODE} would leave 1 of 3 etcd members healthy, below quorum (2); etcd reports down: pi-3 (https://10.0.0.3:2379/health: curl: (7) Failed to connect to 10.0.0.3 port 2379 after 0 ms: Couldn't connect to server). etcd could no longer remove a member or accept writes, and the cluster's API would stop. Nothing was changed. Fix: bring pi-3 back first (start k3s there:`,
    );
    expect(mutating()).toEqual([]);
    expect(fs.existsSync(marker())).toBe(false);
  });

  test("a member that answers but has no leader (cut off from the others) counts as down", () => {
    const r = run([NODE], { ETCD_LIST: THREE, ETCD_NO_LEADER: "10.0.0.3" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`etcd reports down: pi-3 (https://10.0.0.3:2379/health: {"health":"false","reason":"RAFT NO LEADER"})`);
  });

  test("3 members all healthy: passes, asking the member list locally and each staying member's /health with k3s's client certificates", () => {
    const r = run([NODE], { ETCD_LIST: THREE });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const calls = sb.calls();
    const curls = calls.filter((c) => c.startsWith("curl ")).map((c) => c.split(" ").pop());
    expect(curls).toEqual(["https://127.0.0.1:2379/v3/cluster/member/list", "https://10.0.0.1:2379/health", "https://10.0.0.3:2379/health"]);
    expect(calls.filter((c) => !c.startsWith("k3s kubectl get ") && !c.startsWith("curl "))).toEqual([`k3s kubectl drain ${NODE} --ignore-daemonsets --delete-emptydir-data --force --timeout=90s`]);
  });

  test("5 → 3 with both leaving: passes while the 3 that stay are healthy, even when the other leaving one is already down", () => {
    const five = list(member("pi-1", "10.0.0.1"), member(NODE, "10.0.0.2"), member("pi-3", "10.0.0.3"), member("pi-4", "10.0.0.4"), member("pi-5", "10.0.0.5"));
    const r = run([NODE, "pi-5"], { ETCD_LIST: five, ETCD_DOWN: "10.0.0.5" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  test("5 → 3 with one that stays down: refused, since the two leaving would stop together", () => {
    const five = list(member("pi-1", "10.0.0.1"), member(NODE, "10.0.0.2"), member("pi-3", "10.0.0.3"), member("pi-4", "10.0.0.4"), member("pi-5", "10.0.0.5"));
    const r = run([NODE, "pi-5"], { ETCD_LIST: five, ETCD_DOWN: "10.0.0.3" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("would leave 2 of 5 etcd members healthy, below quorum (3); etcd reports down: pi-3 (");
    expect(mutating()).toEqual([]);
  });

  test("learners do not vote: a down learner neither counts as a member nor blocks; a voter added but never started counts as down", () => {
    const learner = member("pi-4", "10.0.0.4", ',"isLearner":true');
    expect(run([NODE], { ETCD_LIST: list(member("pi-1", "10.0.0.1"), member(NODE, "10.0.0.2"), member("pi-3", "10.0.0.3"), learner), ETCD_DOWN: "10.0.0.4" }).status).toBe(0);
    const unstarted = `{"ID":"42","peerURLs":["https://10.0.0.4:2380"]}`;
    const five = list(member("pi-1", "10.0.0.1"), member(NODE, "10.0.0.2"), member("pi-3", "10.0.0.3"), unstarted, member("pi-5", "10.0.0.5"));
    const r = run([NODE], { ETCD_LIST: five, ETCD_DOWN: "10.0.0.5" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("would leave 2 of 5 etcd members healthy, below quorum (3); etcd reports down: an unstarted member at https://10.0.0.4:2380 (no client URL: it never started) pi-5 (");
  });

  test("a re-run once its member is gone (its Node was deleted) is not judged", () => {
    const r = run([NODE], { ETCD_LIST: list(member("pi-1", "10.0.0.1"), member("pi-3", "10.0.0.3")), ETCD_DOWN: "10.0.0.3" });
    expect(r.status).toBe(0);
  });

  test("the first server's own etcd member does not answer: fails before anything changes, naming where and what to check", () => {
    const r = run([NODE], { ETCD_LIST: THREE, ETCD_DOWN: "127.0.0.1" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`could not list the etcd members before removing ${NODE}: the etcd member on the first server did not answer at https://127.0.0.1:2379: curl: (7) Failed to connect to 127.0.0.1 port 2379`);
    expect(r.stderr).toContain("Fix: check 'systemctl status k3s' and 'journalctl -u k3s' on the first server");
    expect(mutating()).toEqual([]);
  });

  test("an answer that lists no voting member is not taken for a cluster to judge", () => {
    const r = run([NODE], { ETCD_LIST: `{"error":"grpc: the client connection is closing","code":1}` });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`could not list the etcd members before removing ${NODE}: etcd on the first server answered {"error":"grpc: the client connection is closing","code":1}.`);
    expect(mutating()).toEqual([]);
  });
});
