// k3s units are Type=notify with TimeoutStartSec=0, so a plain `systemctl restart k3s` waits without end
// for a k3s that never gets ready (k3s-io/k3s#1356). Every start and restart we run is queued
// (unit-queue.ts) and the bounded waits after it decide. Rendered scripts in a real bash; the fake
// systemctl hangs on any start or restart that is not --no-block, as systemd would.
import * as fs from "fs";
import * as path from "path";
import { renderRestartScript } from "../../components/day-two/rollout-scripts";
import { QUEUE_BEGIN_SECONDS } from "../../components/k3s/unit-queue";
import { unitWatchFunctions } from "../../components/k3s/unit-watch";
import { LOG_CALL, Sandbox, sandbox } from "./support/shell";
import { stagedInstall } from "./support/staged-install";

let sb: Sandbox;
const file = (name: string) => path.join(sb.dir, name);
const read = (name: string, fallback: string) => (fs.existsSync(file(name)) ? fs.readFileSync(file(name), "utf8").trim() : fallback);

/**
 * systemd for one unit: `state` holds ActiveState (default inactive), `started` its main process's
 * start time. A queued start or restart makes it activating with a new main process, or active at once
 * with READY=1; a blocking one hangs (a k3s that never reports ready). `show` answers ActiveState
 * and ExecMainStartTimestampMonotonic from the files; with BEGIN_AFTER=N the queued job only begins
 * at the N-th `show` of ActiveState (systemd busy), and a restart queued with FAST=1 is already
 * through (active, new main process) when first shown.
 */
function fakeSystemd(): void {
  sb.fake("systemctl", `${LOG_CALL}
case "$1" in
  show)
    n=$(( $(cat "${file("shows")}" 2>/dev/null || echo 0) + 1 )); echo "$n" > "${file("shows")}"
    if [ -e "${file("queued")}" ] && [ "$n" -ge "\${BEGIN_AFTER:-0}" ]; then
      rm "${file("queued")}"; date +%s%N > "${file("started")}"; echo "\${READY_STATE:-activating}" > "${file("state")}"
      [ -z "\${FAST:-}" ] || echo active > "${file("state")}"
    fi
    case "$*" in *ActiveState*) echo "ActiveState=$(cat "${file("state")}" 2>/dev/null || echo inactive)" ;; esac
    echo "ExecMainStartTimestampMonotonic=$(cat "${file("started")}" 2>/dev/null || echo 0)" ;;
  is-active) [ "$(cat "${file("state")}" 2>/dev/null)" = active ] ;;
  start|restart)
    [ "$2" = --no-block ] || exec /bin/sleep 3600
    [ -z "\${REFUSE:-}" ] || { echo "Failed to $1 k3s.service: Access denied" >&2; exit 1; }
    touch "${file("queued")}" ;;
esac`);
  sb.fake("sleep", `echo "sleep $*" >> "${file("sleeps")}"`);
  sb.fake("journalctl", ":");
}
const sleeps = () => read("sleeps", "").split("\n").filter(Boolean);

beforeEach(() => {
  sb = sandbox();
  fakeSystemd();
});
afterEach(() => sb.cleanup());

const queue = (action: string, env: Record<string, string> = {}) =>
  sb.run(["bash", "-c", `set -euo pipefail\n${unitWatchFunctions("s1", "k3s")}\nunit_queue ${action}`], { env });

describe("unit_queue", () => {
  test("a start is queued and returns at once: no wait in systemctl, none of its own", () => {
    const r = queue("start");
    expect(r.status).toBe(0);
    expect(sb.calls()).toEqual(["systemctl start --no-block k3s"]);
    expect(sleeps()).toEqual([]);
  });

  test("a restart of a running k3s returns once systemd began it, so later checks see the new k3s", () => {
    fs.writeFileSync(file("state"), "active\n");
    fs.writeFileSync(file("started"), "100\n");
    const r = queue("restart", { BEGIN_AFTER: "4" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    // The first show reads the main process before the restart; the 2nd and 3rd still see it active.
    expect(sleeps()).toEqual(["sleep 0.2", "sleep 0.2"]);
    expect(sb.calls().filter((c) => !c.startsWith("systemctl show"))).toEqual(["systemctl restart --no-block k3s"]);
  });

  test("a restart already through (active again, a new main process) counts as begun", () => {
    fs.writeFileSync(file("state"), "active\n");
    fs.writeFileSync(file("started"), "100\n");
    expect(queue("restart", { FAST: "1" }).status).toBe(0);
    expect(sleeps()).toEqual([]);
  });

  test(`a restart systemd has not begun after ${QUEUE_BEGIN_SECONDS}s fails, naming the node and where to look`, () => {
    fs.writeFileSync(file("state"), "active\n");
    const r = queue("restart", { BEGIN_AFTER: "100000" });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`k3s-stacks: s1: systemd did not begin to restart k3s within ${QUEUE_BEGIN_SECONDS}s of queueing it. Fix: see which job holds it up with 'systemctl list-jobs' on s1, then run pulumi up again.\n`);
    expect(sleeps()).toHaveLength(QUEUE_BEGIN_SECONDS * 5);
  });

  test("a job systemctl refuses fails the call", () => {
    fs.writeFileSync(file("state"), "active\n");
    const r = queue("restart", { REFUSE: "1" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Failed to restart k3s.service: Access denied");
  });
});

describe("a k3s that never reports ready", () => {
  test("a configuration restart stops at the health gate's timeout instead of hanging in systemctl", () => {
    fs.writeFileSync(file("config.yaml"), "node-name: s1\n");
    fs.writeFileSync(file("state"), "active\n");
    fs.writeFileSync(file("started"), "100\n");
    const script = renderRestartScript({ node: "s1", role: "server", files: [file("config.yaml")], configHash: "ab".repeat(32), etcd: false, timeoutSeconds: 20 })
      .split("/var/lib/rancher/k3s-stacks/").join(`${sb.dir}/k3s-stacks/`);
    const r = sb.run(["bash", "-s", "--", "update"], { input: script });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("k3s-stacks: the rolling restart stopped at s1: waited 20s for k3s to be active. Nodes after it were not restarted.");
    expect(sb.calls()).toContain("systemctl restart --no-block k3s");
  });

  test("install.sh's own start of k3s is queued through the shim; its other systemctl calls pass through", () => {
    const script = stagedInstall(sb, "server", "K10cafe::server:secret");
    fs.writeFileSync(file("install.sh"), `systemctl enable k3s >/dev/null\nsystemctl daemon-reload\nsystemctl restart k3s\necho "install.sh done" >> "$CALLS"\n`);
    const r = sb.run(["bash", "-s", "--", "create"], { input: script, env: { READY_STATE: "active" } });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const calls = sb.calls().filter((c) => !c.startsWith("systemctl show") && !c.startsWith("systemctl is-active"));
    expect(calls).toEqual(["systemctl enable k3s", "systemctl daemon-reload", "systemctl restart --no-block k3s", "install.sh done"]);
  });
});
