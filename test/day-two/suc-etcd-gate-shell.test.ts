// The server plan's etcd gate (suc-etcd-gate.ts), run in bash as the Job's prepare step runs it in the
// host's root, against a fake curl that answers as k3s's embedded etcd (test/k3s/support/etcd.ts).
import { spawnSync } from "child_process";
import { renderSucEtcdGate } from "../../components/day-two/suc-etcd-gate";
import { etcdMember as member, etcdMemberList as list, fakeEtcdCurl } from "../k3s/support/etcd";
import { Sandbox, sandbox } from "../k3s/support/shell";

const FIVE = list(...[1, 2, 3, 4, 5].map((i) => member(`s${i}`, `10.0.0.${i}`)));
const ONE = list(member("s1", "10.0.0.1"));

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
  fakeEtcdCurl(sb);
  // Each wait is logged; the fake brings the members in $UP_AFTER_SLEEP back after the first one.
  sb.fake("sleep", `echo "sleep $*" >> "$CALLS"; [ -n "\${UP_AFTER_SLEEP:-}" ] && : > "$HOME/up"; exit 0`);
});
afterEach(() => sb.cleanup());

// The fake curl reads ETCD_DOWN from its environment: a wrapper lets a member come back mid-wait.
const gate = (timeoutSeconds: number, env: Record<string, string>) =>
  sb.run(["bash", "-c", `curl() { if [ -e "$HOME/up" ]; then ETCD_DOWN= command curl "$@"; else command curl "$@"; fi; }\n${renderSucEtcdGate(timeoutSeconds)}`], { env });

const haveShellcheck = spawnSync("shellcheck", ["--version"], { encoding: "utf8" }).status === 0;
(haveShellcheck ? test : test.skip)("passes shellcheck", () => {
  const r = spawnSync("shellcheck", ["-s", "bash", "-f", "gcc", "-"], { input: renderSucEtcdGate(), encoding: "utf8" });
  expect(r.stdout + r.stderr).toBe("");
});

test("every member healthy: passes at once", () => {
  const r = gate(300, {});
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/etcd keeps quorum while .* upgrades; upgrading it/);
  expect(sb.calls().filter((c) => c.startsWith("sleep"))).toEqual([]);
});

test("3 members, the server upgraded before still down: waits, and upgrades once its member is back", () => {
  const r = gate(300, { ETCD_DOWN: "10.0.0.1", UP_AFTER_SLEEP: "1" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(sb.calls().filter((c) => c.startsWith("sleep"))).toEqual(["sleep 5"]);
});

test("3 members, one stays down: fails the Job after the wait, naming the member, nothing upgraded", () => {
  const r = gate(0, { ETCD_DOWN: "10.0.0.1" });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("for 0 s etcd did not show it would keep quorum without this server, and upgrading now could stop the cluster's API. Last check: 2 of 3 etcd members are healthy; etcd reports down: s1 (https://10.0.0.1:2379/health: curl: (7) Failed to connect to 10.0.0.1 port 2379 after 0 ms: Couldn't connect to server). Fix: bring s1 back ('systemctl status k3s' and 'journalctl -u k3s' on each). Nothing to run by hand");
  expect(r.stderr).toContain("system-upgrade-controller runs this check again (the Job retries it, and a failed Job is replaced)");
});

// The gate runs in the plan's Job on the node, where no pulumi run retries it: no fix it prints,
// its own or the quoted health check's, may send anyone to run pulumi up.
test("the give-up message tells what retries the gate, not pulumi up", () => {
  expect(renderSucEtcdGate()).not.toMatch(/pulumi/);
  const r = gate(0, { ETCD_DOWN: "127.0.0.1" });
  expect(r.stderr).toContain("Last check: k3s-stacks: could not list the etcd members before upgrading this server: the etcd member on this server did not answer");
  expect(r.stderr).toMatch(/with its TLS files in \/var\/lib\/rancher\/k3s\/server\/tls\/etcd\)\. Nothing to run by hand once that is fixed: system-upgrade-controller runs this check again/);
});

test("2 members, both healthy: none may stop, and the fix says to add a server", () => {
  const r = gate(0, { ETCD_LIST: list(member("s1", "10.0.0.1"), member("s2", "10.0.0.2")) });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("Last check: 2 of 2 etcd members are healthy; etcd reports down: none. Fix: add a server: etcd needs a majority of its 2 members running, so none of them may stop; with 3, one may.");
});

test("5 members, one down: the other three still hold quorum, so it passes", () => {
  expect(gate(0, { ETCD_LIST: FIVE, ETCD_DOWN: "10.0.0.5" }).status).toBe(0);
  expect(gate(0, { ETCD_LIST: FIVE, ETCD_DOWN: "10.0.0.4 10.0.0.5" }).status).toBe(1);
});

test("a single member has no quorum to keep: passes", () => {
  expect(gate(0, { ETCD_LIST: ONE }).status).toBe(0);
});

test("this server's own member does not answer: waits, then fails naming it", () => {
  const r = gate(0, { ETCD_DOWN: "127.0.0.1" });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("could not list the etcd members before upgrading this server: the etcd member on this server did not answer at https://127.0.0.1:2379");
});
