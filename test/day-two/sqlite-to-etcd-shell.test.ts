// The first server's restart step while the cluster moves from sqlite to embedded etcd, in a real
// bash with fake systemctl and k3s: k3s migrates only when it creates db/etcd and renames state.db
// last (k3s pkg/etcd migrateFromSQLite, k3s-io/k3s#3231), so a leftover or half-filled db/etcd would
// bring the cluster up without its data.
import * as fs from "fs";
import * as path from "path";
import { RestartSpec, renderRestartScript } from "../../components/day-two/rollout-scripts";
import { CONVERT_START_SECONDS, K3S_DB_DIR } from "../../components/day-two/sqlite-to-etcd";
import { InstallSpec } from "../../components/k3s/scripts";
import { LOG_CALL, Sandbox, fakeUnit, sandbox } from "../k3s/support/shell";
import { fakeEtcdCurl } from "../k3s/support/etcd";

let sb: Sandbox;
const STATE = "/var/lib/rancher/k3s-stacks/";
const db = () => path.join(sb.dir, "db");
const active = () => path.join(sb.dir, "active");
const cfg = () => path.join(sb.dir, "config.yaml");
const exists = (name: string) => fs.existsSync(path.join(db(), name));

beforeEach(() => {
  sb = sandbox();
  // systemctl start/restart runs the fake k3s start: MIGRATION=ok migrates (creates etcd/, renames
  // state.db), fail leaves a partial etcd/ and fails the start; without state.db nothing migrates.
  fakeUnit(sb, active(), `if [ -f "${db()}/state.db" ] && [ ! -d "${db()}/etcd" ]; then
      mkdir "${db()}/etcd"
      if [ "\${MIGRATION:-ok}" = fail ]; then exit 1; fi
      mv "${db()}/state.db" "${db()}/state.db.migrated"
    fi`);
  sb.fake("sleep", ":");
  sb.fake("k3s", `case "$*" in
  --version) echo "k3s version \${K3S_VERSION:-v1.36.3+k3s1} (abc)" ;;
  *get\\ --raw=/readyz*) echo ok ;;
  *'type=="Ready")].status'*) echo True ;;
  *'type=="Ready")].lastHeartbeatTime'*) date -u +%Y-%m-%dT%H:%M:%SZ ;;
  *'type=="EtcdIsVoter")].status'*) echo True ;;
  *kubeletVersion*) echo "\${KUBELET_VERSION:-v1.36.3+k3s1}" ;;
  *) ${LOG_CALL} ;;
esac`);
  // Once on etcd, a restart first asks etcd whether the other members keep quorum; they do here.
  fakeEtcdCurl(sb);
  fs.mkdirSync(db());
  fs.writeFileSync(path.join(db(), "state.db"), "sqlite data");
  fs.writeFileSync(active(), "");
  // The config step wrote cluster-init; k3s still runs on sqlite with the old file.
  fs.writeFileSync(cfg(), "cluster-init: true\n");
});
afterEach(() => sb.cleanup());

const spec = (over: Partial<RestartSpec> = {}): RestartSpec => ({ node: "s1", role: "server", files: [cfg()], configHash: "cd".repeat(32), etcd: true, sqliteToEtcd: true, timeoutSeconds: 4, ...over });
const render = (s: RestartSpec) => renderRestartScript(s).split(STATE).join(`${sb.dir}/state/`).split(K3S_DB_DIR).join(db());
const run = (s: RestartSpec, env: Record<string, string> = {}) => sb.run(["bash", "-s", "--", "update"], { input: render(s), env });
const calls = () => sb.calls().filter((c) => !c.startsWith("systemctl is-active") && !c.startsWith("curl "));

describe("first server moving from sqlite to embedded etcd (restart step)", () => {
  test("k3s migrates: restarted once, state.db is now state.db.migrated, the gate passes", () => {
    const r = run(spec());
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("moving s1 from sqlite to embedded etcd");
    expect(calls()).toEqual(["systemctl restart k3s"]);
    expect(exists("state.db.migrated")).toBe(true);
    expect(exists("state.db")).toBe(false);
    // Resumed: nothing pending, the configuration is recorded.
    expect(run(spec()).stdout).toContain("s1 already runs with this configuration");
  });

  test("a db/etcd left from an earlier attempt: refused before k3s is touched (k3s would start from it and skip the migration)", () => {
    fs.mkdirSync(path.join(db(), "etcd"));
    const r = run(spec());
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`s1 is to move from sqlite to embedded etcd, but ${db()}/etcd already exists next to state.db`);
    expect(r.stderr).toContain(`nothing was changed on s1. Fix: move it aside on s1 ('mv ${db()}/etcd ${db()}/etcd.old'), then run pulumi up again.`);
    expect(calls()).toEqual([]);
    expect(exists("state.db")).toBe(true);
  });

  test("the migration fails: k3s is stopped and the partial db/etcd moved aside, so no start runs on it; the retry migrates", () => {
    const r = run(spec(), { MIGRATION: "fail" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("the rolling restart stopped at s1: k3s did not migrate state.db into embedded etcd");
    expect(r.stderr).toContain("Fix: find the cause in 'journalctl -u k3s' on s1");
    expect(calls()).toEqual(["systemctl restart k3s", "systemctl stop k3s"]);
    expect(fs.existsSync(active())).toBe(false);
    expect(exists("etcd")).toBe(false);
    expect(fs.readdirSync(db()).filter((f) => f.startsWith("etcd.failed-"))).toHaveLength(1);
    expect(fs.readFileSync(path.join(db(), "state.db"), "utf8")).toBe("sqlite data");
    // pulumi up again: k3s is stopped, the migration runs afresh.
    const again = run(spec());
    expect(again.status).toBe(0);
    expect(calls()).toEqual(["systemctl start k3s"]);
    expect(exists("state.db.migrated")).toBe(true);
  });

  test(`a migration still not ready after ${CONVERT_START_SECONDS}s is cut there (k3s units set TimeoutStartSec=0), stopped and moved aside like a failed one`, () => {
    // The bound cuts systemctl while k3s is still copying: db/etcd half filled, state.db not renamed.
    sb.fake("timeout", `echo "timeout $*" >> "$CALLS"; mkdir -p "${db()}/etcd"; exit 124`);
    const r = run(spec());
    expect(r.status).toBe(1);
    expect(calls()).toEqual([`timeout ${CONVERT_START_SECONDS} systemctl restart k3s`, "systemctl stop k3s"]);
    expect(r.stderr).toContain("the rolling restart stopped at s1: k3s did not migrate state.db into embedded etcd");
    expect(exists("etcd")).toBe(false);
    expect(fs.readFileSync(path.join(db(), "state.db"), "utf8")).toBe("sqlite data");
  });

  test("together with a version change: refused on the node before install.sh", () => {
    const install: InstallSpec = { node: "s1", role: "server", version: "v1.36.4+k3s1", installScriptUrl: "https://get.k3s.io", stagedScript: path.join(sb.dir, "install.sh") };
    fs.writeFileSync(install.stagedScript!, `echo install.sh >> "$CALLS"\n`);
    const r = run(spec({ install }));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("s1 is to move from sqlite to embedded etcd and from k3s v1.36.3+k3s1 to v1.36.4+k3s1 in the same run");
    expect(calls()).toEqual([]);
  });

  test("a cluster created on etcd (no state.db) restarts as before", () => {
    fs.rmSync(path.join(db(), "state.db"));
    fs.mkdirSync(path.join(db(), "etcd"));
    const r = run(spec());
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("restarting k3s on s1: its configuration changed");
    expect(calls()).toEqual(["systemctl restart --no-block k3s"]);
  });

  test("other servers render no migration guard", () => {
    expect(renderRestartScript(spec({ sqliteToEtcd: false }))).not.toContain("sqlite_to_etcd_pending");
  });
});
