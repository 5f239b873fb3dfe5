// A k3s that starts but keeps being refused its join (a wrong token, a node password or etcd member of
// another machine) ends the install's and the restart's waits within seconds, naming the node, the
// cause and the fix, instead of after the whole wait without a cause (join-errors.ts). One such line
// (a server still starting) is waited past. Rendered scripts in a real bash with fake systemctl,
// journalctl and sleep on PATH.
import * as fs from "fs";
import * as path from "path";
import { renderRestartScript } from "../../components/day-two/rollout-scripts";
import { JOIN_ERROR_REPEATS } from "../../components/k3s/join-errors";
import { LOG_CALL, Sandbox, sandbox } from "./support/shell";
import { stagedInstall } from "./support/staged-install";

let sb: Sandbox;
const file = (name: string) => path.join(sb.dir, name);
const TOKEN = "K10cafe::server:secret";

/** k3s's log lines as they reach the journal, built from the k3s source's format strings (join-errors.ts). */
const LINES = {
  // pkg/agent/config/config.go Get, wrapping get's "failed to retrieve configuration from server" and token.go get's "%s: %s".
  unauthorized: 'level=info msg="Waiting to retrieve agent configuration; server is not ready: failed to retrieve configuration from server: https://10.0.0.1:6443/v1-k3s/config: 401 Unauthorized"',
  caHash: 'level=info msg="Waiting to retrieve agent configuration; server is not ready: token CA hash does not match the Cluster CA certificate hash: 96dd != fc32"',
  nodePassword: "level=info msg=\"Waiting to retrieve agent configuration; server is not ready: Node password rejected, duplicate hostname or contents of '/etc/rancher/node/password' may not match server node-passwd entry, try enabling a unique node name with the --with-node-id flag\"",
  etcdName: 'level=fatal msg="ETCD join failed: duplicate node name found, please use a unique name for this node"',
};

/**
 * systemctl for a unit that is activating and never restarted (k3s retrying inside) until `active`
 * exists; journalctl prints the file `journal` (what k3s logged since the wait began: the real one
 * filters by --since) and a line naming the token, which must never be printed.
 */
function fakeSystemd(): void {
  sb.fake("systemctl", `case "$1" in
  show) case "$*" in *MainPID*) echo "MainPID=0" ;; *) printf 'ActiveState=activating\\nSubState=start\\nNRestarts=0\\n' ;; esac ;;
  is-active) [ -e "${file("active")}" ] ;;
  *) ${LOG_CALL} ;;
esac`);
  sb.fake("journalctl", `${LOG_CALL}
cat "${file("journal")}" 2>/dev/null
echo "using token ${TOKEN}"`);
  sb.fake("sleep", `echo sleep >> "${file("sleeps")}"; [ "$(wc -l < "${file("sleeps")}")" -lt "\${ACTIVE_AFTER:-1000}" ] || touch "${file("active")}"`);
}
const sleeps = () => (fs.existsSync(file("sleeps")) ? fs.readFileSync(file("sleeps"), "utf8").split("\n").filter(Boolean).length : 0);
const journal = (line: string, times: number) => fs.writeFileSync(file("journal"), `${line}\n`.repeat(times));

beforeEach(() => {
  sb = sandbox();
  fakeSystemd();
});
afterEach(() => sb.cleanup());

const install = (role: "server" | "agent") => stagedInstall(sb, role, TOKEN);
/** A server's first install (run_install), or an agent's re-install where k3s went missing (update). */
const run = (role: "server" | "agent", env: Record<string, string> = {}) =>
  sb.run(["bash", "-s", "--", role === "server" ? "create" : "update"], { input: install(role), env });

describe("the install's wait for k3s to be active", () => {
  test("a wrong token (401 Unauthorized, again and again): fails at once, naming the node, the cause and the fix", () => {
    journal(LINES.unauthorized, JOIN_ERROR_REPEATS);
    const r = run("server");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("k3s-stacks: w-1 cannot join the cluster: the servers refuse its join token: it is not the token the cluster was created with");
    expect(r.stderr).toContain(`(k3s logged '<server URL>: 401 Unauthorized' ${JOIN_ERROR_REPEATS} times in 'journalctl -u k3s' since this wait began)`);
    // The token file's path is the sandbox's here (/etc/rancher/k3s on a node).
    expect(r.stderr).toContain(`Fix: compare ${sb.dir}/token on it and on the first server without printing them`);
    expect(r.stderr).toContain("the resource k3s-token");
    expect(r.stderr).not.toContain("did not become active");
    expect(r.stderr).not.toContain("secret");
    expect(sleeps()).toBe(0);
  });

  test("the journal is read from where the wait began: lines of an earlier attempt do not count", () => {
    journal(LINES.unauthorized, JOIN_ERROR_REPEATS);
    run("server");
    expect(sb.calls().filter((c) => c.startsWith("journalctl"))[0]).toMatch(/^journalctl -u k3s --since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d --no-pager -o cat$/);
  });

  test("one refusal (a server still starting) is waited past: the install passes once k3s is active", () => {
    journal(LINES.unauthorized, JOIN_ERROR_REPEATS - 1);
    const r = run("server", { ACTIVE_AFTER: "3" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(sleeps()).toBe(3);
  });

  test("a token with another cluster's CA hash names what overrides the token file", () => {
    journal(LINES.caHash, JOIN_ERROR_REPEATS);
    const r = run("server");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("w-1 cannot join the cluster: the join token it uses carries the CA hash of another cluster");
    expect(r.stderr).toContain("Fix: a K3S_TOKEN in /etc/systemd/system/k3s.service.env");
  });

  test("an agent re-installed on a reinstalled machine: node password rejected, with the Secret to delete", () => {
    journal(LINES.nodePassword, JOIN_ERROR_REPEATS);
    const r = run("agent");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("w-1 cannot join the cluster: the servers keep another node password for the name w-1");
    expect(r.stderr).toContain("in 'journalctl -u k3s-agent' since this wait began");
    expect(r.stderr).toContain("pulumi up --replace with the URN of the one ending in -w-1-leave");
    expect(r.stderr).toContain("k3s kubectl delete secret w-1.node-password.k3s -n kube-system");
    expect(sleeps()).toBe(0);
  });

  test("a server whose name etcd has as a member already", () => {
    journal(LINES.etcdName, JOIN_ERROR_REPEATS);
    const r = run("server");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("w-1 cannot join the cluster: the embedded etcd cluster has a member named after w-1 already");
    expect(r.stderr).toContain("etcdctl member remove");
  });
});

describe("the restart step's health gate", () => {
  test("an agent refused its node password after its restart: the roll stops at it at once", () => {
    journal(LINES.nodePassword, JOIN_ERROR_REPEATS);
    fs.writeFileSync(file("config.yaml"), "node-name: a1\n");
    const script = renderRestartScript({ node: "a1", role: "agent", files: [file("config.yaml")], configHash: "ab".repeat(32), etcd: false, timeoutSeconds: 600 })
      .split("/var/lib/rancher/k3s-stacks/").join(`${sb.dir}/state/`);
    const r = sb.run(["bash", "-s", "--", "update"], { input: script });
    expect(r.status).toBe(1);
    expect(sb.calls()).toContain("systemctl start --no-block k3s-agent");
    expect(r.stderr).toContain("a1 cannot join the cluster: the servers keep another node password for the name a1");
    expect(r.stderr).toContain("the rolling restart stopped at a1; nodes after it were not restarted");
    expect(r.stderr).not.toContain("waited 600s");
    expect(sleeps()).toBe(0);
  });
});
