// A k3s unit that crash-loops or failed ends the install's and the restart's waits at once, with its
// state and journal (unit-watch.ts); a slow one, or a server restarted while it joins etcd, is still
// waited for. Rendered scripts in a real bash with fake systemctl, journalctl and sleep on PATH.
import * as fs from "fs";
import * as path from "path";
import { renderRestartScript } from "../../components/day-two/rollout-scripts";
import { CRASH_LOOP_RESTARTS } from "../../components/k3s/unit-watch";
import { LOG_CALL, Sandbox, sandbox } from "./support/shell";
import { stagedInstall } from "./support/staged-install";

let sb: Sandbox;
const file = (name: string) => path.join(sb.dir, name);
const TOKEN = "K10cafe::server:secret";

/**
 * systemctl for one unit: `active` exists while it runs; `state` holds ActiveState/SubState (default
 * activating/auto-restart: between two crashes); `restarts` holds NRestarts, which goes up by
 * RESTART_STEP at every `show` (systemd restarting it between two checks). `show` prints the
 * properties in systemd's order (Unit's before Service's), not the order asked for.
 */
function fakeSystemd(): void {
  sb.fake("systemctl", `case "$1" in
  show)
    case "$*" in *MainPID*) echo "MainPID=0"; exit 0 ;; esac
    ${LOG_CALL}
    n=$(cat "${file("restarts")}" 2>/dev/null || echo 0)
    echo $((n + \${RESTART_STEP:-0})) > "${file("restarts")}"
    read -r active sub < "${file("state")}" 2>/dev/null || { active=activating; sub=auto-restart; }
    printf 'ActiveState=%s\\nSubState=%s\\nNRestarts=%s\\n' "$active" "$sub" "$n" ;;
  is-active) [ -e "${file("active")}" ] ;;
  *) ${LOG_CALL} ;;
esac`);
  // The unit's journal: what k3s logs when it refuses a flag, and a line naming a token.
  sb.fake("journalctl", `${LOG_CALL}
echo "Dec 01 k3s[101]: time=\\"2026-12-01T00:00:00Z\\" level=fatal msg=\\"flag provided but not defined: -node-lable\\""
echo "Dec 01 k3s[101]: using token ${TOKEN}"
echo "Dec 01 systemd[1]: k3s-agent.service: Main process exited, code=exited, status=1/FAILURE"`);
  sb.fake("sleep", `echo sleep >> "${file("sleeps")}"`);
}
const sleeps = () => (fs.existsSync(file("sleeps")) ? fs.readFileSync(file("sleeps"), "utf8").split("\n").filter(Boolean).length : 0);

beforeEach(() => {
  sb = sandbox();
  fakeSystemd();
});
afterEach(() => sb.cleanup());

const install = (role: "server" | "agent") => stagedInstall(sb, role, TOKEN);
const create = (role: "server" | "agent", env: Record<string, string> = {}) => sb.run(["bash", "-s", "--", "create"], { input: install(role), env });

describe("an agent's first install (start_install)", () => {
  // A bring-up's agents start together: a wait here held one of the engine's parallel slots per agent
  // while k3s started, and they started in waves (bench/e2e-bringup.ts 2.09x the critical path); their
  // member steps gate on the Node instead.
  test("only queues the start, even of a crash-looping k3s-agent: its member step is the gate", () => {
    const r = create("agent", { RESTART_STEP: "1" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("k3s-stacks: k3s-agent starting on w-1; its membership step waits until the node is Ready");
    expect(sleeps()).toBe(0);
  });
});

describe("a server's install (run_install)", () => {
  test("restarts from before this wait (an earlier crash loop) do not count", () => {
    fs.writeFileSync(file("state"), "activating start\n");
    fs.writeFileSync(file("restarts"), "40\n");
    sb.fake("sleep", `echo sleep >> "${file("sleeps")}"; [ "$(wc -l < "${file("sleeps")}")" -lt 2 ] || touch "${file("active")}"`);
    const r = create("server");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });


  test("a slow etcd join, restarted twice by systemd before it is active, passes", () => {
    // Active after the third check: restarted twice meanwhile.
    sb.fake("sleep", `echo sleep >> "${file("sleeps")}"; [ "$(wc -l < "${file("sleeps")}")" -lt 2 ] || touch "${file("active")}"`);
    const r = create("server", { RESTART_STEP: "1" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  test("k3s crash-looping: fails after the restarts instead of after 240 s", () => {
    const r = create("server", { RESTART_STEP: "1" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`k3s-stacks: w-1: k3s is not running (activating/auto-restart, restarted ${CRASH_LOOP_RESTARTS} times by systemd)`);
    expect(r.stderr).not.toContain("within 240s");
    expect(sleeps()).toBe(CRASH_LOOP_RESTARTS - 1);
  });

  test("activating for the whole wait without restarting still fails at 240 s, as before", () => {
    fs.writeFileSync(file("state"), "activating start\n");
    const r = create("server");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("k3s did not become active on w-1 within 240s");
    // One-second polls: the start was queued (unit-queue.ts), so this wait is the one that sees k3s ready.
    expect(sleeps()).toBe(240);
  });
});

describe("the restart step's health gate", () => {
  test("k3s crash-looping after its start: the roll stops at the node at once, naming it", () => {
    fs.writeFileSync(file("config.yaml"), "node-name: s1\n");
    const script = renderRestartScript({ node: "s1", role: "server", files: [file("config.yaml")], configHash: "ab".repeat(32), etcd: false, timeoutSeconds: 600 })
      .split("/var/lib/rancher/k3s-stacks/").join(`${sb.dir}/state/`);
    const r = sb.run(["bash", "-s", "--", "update"], { input: script, env: { RESTART_STEP: "1" } });
    expect(r.status).toBe(1);
    expect(sb.calls()).toContain("systemctl start --no-block k3s");
    expect(r.stderr).toContain("k3s-stacks: s1: k3s is not running (activating/auto-restart");
    expect(r.stderr).toContain("the rolling restart stopped at s1: k3s does not start. Nodes after it were not restarted.");
    expect(sleeps()).toBe(CRASH_LOOP_RESTARTS - 1);
  });
});
