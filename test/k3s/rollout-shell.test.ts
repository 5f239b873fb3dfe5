// The rollout scripts (restart with its health gate, cordon, uncordon) in a real bash against a
// scratch directory, with fake systemctl and k3s on PATH.
import * as fs from "fs";
import * as path from "path";
import { InstallSpec } from "../../components/k3s/scripts";
import { RestartSpec, renderCordonScript, renderRestartScript, renderUncordonScript } from "../../components/day-two/rollout-scripts";
import { DROP_IN_DIR } from "../../components/k3s/host/dropins";
import { configHashFunction } from "../../components/k3s/started-config";
import { Sandbox, sandbox } from "./support/shell";
import { fakeRolloutTools } from "./support/rollout";

let sb: Sandbox;
const STATE = "/var/lib/rancher/k3s-stacks/";
const started = () => path.join(sb.dir, "state/rollout/started-config");
const cfg = () => path.join(sb.dir, "config.yaml");
const active = () => path.join(sb.dir, "active");

beforeEach(() => {
  sb = sandbox();
  fakeRolloutTools(sb, active());
  fs.writeFileSync(cfg(), "node-name: s1\n");
});
afterEach(() => sb.cleanup());

/** k3s's main process stands in as PID 1 (init), which started before any test. */
const MAIN_PID = 1;
const k3sOnPath = () => path.join(sb.bin, "k3s");
/** The main PID of a k3s whose binary on PATH changed after it started (an upgrade that did not restart it). */
function startedBeforeBinaryChanged(): number {
  const t = Date.now() / 1000 - 1;
  fs.utimesSync(k3sOnPath(), t, t);
  return MAIN_PID;
}
/** The main PID of a k3s started after its binary last changed. */
function startedAfterBinaryChanged(): number {
  fs.utimesSync(k3sOnPath(), 0, 0);
  return MAIN_PID;
}

const spec = (over: Partial<RestartSpec> = {}): RestartSpec => ({ node: "s1", role: "server", files: [cfg()], configHash: "ab".repeat(32), etcd: true, timeoutSeconds: 6, ...over });
const render = (s: RestartSpec) => renderRestartScript(s).split(STATE).join(`${sb.dir}/state/`);
const run = (script: string, env: Record<string, string> = {}) => sb.run(["bash", "-s", "--", "update"], { input: script, env });
/** Calls other than the polling of the unit state and the etcd quorum check. */
const calls = () => sb.calls().filter((c) => !c.startsWith("systemctl is-active") && !c.startsWith("curl "));
/** Runs once so the current files are recorded as what k3s runs with; clears the call log. */
function settle(s: RestartSpec = spec()): void {
  fs.writeFileSync(active(), "");
  expect(run(render(s)).status).toBe(0);
  sb.calls();
}

describe("restart step (renderRestartScript)", () => {
  test("create does nothing: a first bring-up restarts nothing", () => {
    const r = sb.run(["bash", "-s", "--", "create"], { input: render(spec()) });
    expect(r.status).toBe(0);
    expect(calls()).toEqual([]);
  });

  test("configuration changed on disk: restarts k3s once, waits for /readyz, records the new files", () => {
    settle();
    fs.writeFileSync(cfg(), "node-name: s1\ntls-san: [k3s.lan]\n");
    const r = run(render(spec()));
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("restarting k3s on s1: its configuration changed (abababababab)");
    expect(r.stdout).toContain("s1 is healthy");
    expect(calls()).toEqual(["systemctl restart --no-block k3s", "readyz"]);
    // A resumed roll: the node already runs with these files, so it is only checked.
    const again = run(render(spec()));
    expect(again.stdout).toContain("s1 already runs with this configuration");
    expect(calls()).toEqual(["readyz"]);
  });

  describe("a .yml drop-in (config.yaml.d), counted since the release after d3f5774", () => {
    const dropIns = () => path.join(sb.dir, "config.yaml.d");
    const renderD = (s: RestartSpec) => render(s).split(DROP_IN_DIR).join(dropIns());
    const hourAgo = () => new Date(Date.now() - 3600_000);
    beforeEach(() => fs.mkdirSync(dropIns()));

    test("there when the previous release recorded the configuration (which left it out): no restart on upgrade, the record now counts it", () => {
      // A record without the .yml, as d3f5774's config_hash wrote it (its digest before the .yml is
      // there); the drop-in is older than the record.
      const legacy = sb.run(["bash", "-s"], { input: `${configHashFunction([cfg()]).split(DROP_IN_DIR).join(dropIns())}\nconfig_hash\n` }).stdout;
      fs.writeFileSync(path.join(dropIns(), "50-user.yml"), "kubelet-arg: [max-pods=120]\n");
      fs.utimesSync(path.join(dropIns(), "50-user.yml"), hourAgo(), hourAgo());
      fs.writeFileSync(active(), "");
      fs.mkdirSync(path.dirname(started()), { recursive: true });
      fs.writeFileSync(started(), legacy);
      const r = run(renderD(spec()));
      expect(r.status).toBe(0);
      expect(r.stdout).toContain("s1 already runs with this configuration");
      expect(calls()).toEqual(["readyz"]);
      expect(fs.readFileSync(started(), "utf8")).not.toBe(legacy);
      // Counted from now on: an edit of it restarts k3s.
      fs.writeFileSync(path.join(dropIns(), "50-user.yml"), "kubelet-arg: [max-pods=200]\n");
      expect(run(renderD(spec())).stdout).toContain("restarting k3s on s1: its configuration changed");
      expect(calls()).toEqual(["systemctl restart --no-block k3s", "readyz"]);
    });

    // The config step leaves the record as it was when host preparation changes it (renderConfigScript).
    test("the SELinux drop-in host preparation wrote or removed since k3s started: k3s restarts for it", () => {
      const selinux = path.join(dropIns(), "50-k3s-stacks-selinux.yaml");
      fs.writeFileSync(selinux, "selinux: true\n");
      fs.writeFileSync(active(), "");
      run(renderD(spec()));
      expect(run(renderD(spec())).stdout).toContain("s1 already runs with this configuration");
      sb.calls();
      fs.rmSync(selinux);
      expect(run(renderD(spec())).stdout).toContain("restarting k3s on s1: its configuration changed");
      expect(calls()).toEqual(["systemctl restart --no-block k3s", "readyz"]);
      fs.writeFileSync(selinux, "selinux: true\n");
      expect(run(renderD(spec())).stdout).toContain("restarting k3s on s1: its configuration changed");
      expect(calls()).toEqual(["systemctl restart --no-block k3s", "readyz"]);
    });

    test("written after k3s started with the configuration: k3s restarts for it", () => {
      settle(spec());
      fs.utimesSync(started(), hourAgo(), hourAgo());
      fs.writeFileSync(path.join(dropIns(), "50-user.yml"), "kubelet-arg: [max-pods=120]\n");
      const r = run(renderD(spec()));
      expect(r.status).toBe(0);
      expect(r.stdout).toContain("restarting k3s on s1: its configuration changed");
      expect(calls()).toEqual(["systemctl restart --no-block k3s", "readyz"]);
    });
  });

  test("an agent restarts k3s-agent and is gated on Ready only (no /readyz, no etcd)", () => {
    const agent = spec({ node: "a1", role: "agent", etcd: false });
    settle(agent);
    fs.writeFileSync(cfg(), "changed: 1\n");
    const r = run(render(agent), { VOTER: "False" });
    expect(r.status).toBe(0);
    expect(calls()).toEqual(["systemctl restart --no-block k3s-agent"]);
  });

  test("k3s not running: starts it, even when the files are unchanged", () => {
    settle();
    fs.rmSync(active());
    const r = run(render(spec()));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("k3s is not running on s1; starting it");
    expect(calls()).toEqual(["systemctl start --no-block k3s", "readyz"]);
  });

  test("k3s runs a binary replaced on disk since it started (an upgrade that did not restart it): restarts it", () => {
    settle();
    const r = run(render(spec()), { K3S_PID: String(startedBeforeBinaryChanged()) });
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("restarting k3s on s1: it still runs a k3s binary that was replaced on disk");
    expect(calls()).toEqual(["systemctl restart --no-block k3s", "readyz"]);
    expect(run(render(spec()), { K3S_PID: String(startedAfterBinaryChanged()) }).stdout).toContain("s1 already runs with this configuration");
    // A modification time in the future (the clock was ahead when the file was written) says nothing.
    const future = Date.now() / 1000 + 3600;
    fs.utimesSync(k3sOnPath(), future, future);
    expect(run(render(spec()), { K3S_PID: String(MAIN_PID) }).stdout).toContain("s1 already runs with this configuration");
  });

  test("/readyz never ok: the roll stops naming the node and what it waited for", () => {
    settle();
    fs.writeFileSync(cfg(), "changed: 1\n");
    const r = run(render(spec()), { READYZ: "[-]etcd failed" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("the rolling restart stopped at s1: waited 6s for the API server on s1 to answer /readyz (it checks its etcd member and quorum)");
    expect(r.stderr).toContain("it resumes at s1");
    // Not recorded as failed: the files were restarted with; a re-run only checks again.
    expect(run(render(spec())).stdout).toContain("already runs with this configuration");
  });

  test("an etcd member that is not a voter (learner) holds the roll", () => {
    settle();
    const r = run(render(spec()), { VOTER: "False" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("waited 6s for the etcd member of s1 to be a voting member (node condition EtcdIsVoter)");
  });

  test("a Ready status from before the restart does not count", () => {
    settle();
    fs.writeFileSync(cfg(), "changed: 1\n");
    const r = run(render(spec()), { HEARTBEAT: "2000-01-01T00:00:00Z" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/waited 6s for a Ready heartbeat of s1 from after its restart at \d{4}-\d\d-\d\dT/);
  });

  test("a NotReady node holds the roll", () => {
    settle();
    const r = run(render(spec({ role: "agent", node: "a1", etcd: false })), { READY: "False" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("waited 6s for node a1 to be Ready");
  });

  test("a failing restart stops the roll with the journalctl hint and leaves the old record", () => {
    settle();
    const before = fs.readFileSync(started(), "utf8");
    fs.writeFileSync(cfg(), "changed: 1\n");
    const r = run(render(spec()), { FAIL_START: "1" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("the rolling restart stopped at s1: 'systemctl restart k3s' failed. Fix: check 'journalctl -u k3s' on s1");
    expect(fs.readFileSync(started(), "utf8")).toBe(before);
  });

  describe("with a version to move to", () => {
    const install: InstallSpec = { node: "s1", role: "server", version: "v1.36.4+k3s1", installScriptUrl: "https://get.k3s.io", stagedScript: "" };
    const upgrade = () => spec({ install: { ...install, stagedScript: path.join(sb.dir, "install.sh") } });
    beforeEach(() => fs.writeFileSync(path.join(sb.dir, "install.sh"), `echo "install.sh $INSTALL_K3S_VERSION" >> "$CALLS"; touch "${active()}"\n`));

    test("an older k3s is upgraded (install.sh restarts it), then gated on the new version", () => {
      settle();
      const r = run(render(upgrade()), { K3S_VERSION: "v1.36.3+k3s1", KUBELET_VERSION: "v1.36.4+k3s1" });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toContain("upgrading s1 from v1.36.3+k3s1 to v1.36.4+k3s1");
      expect(calls()).toEqual(["install.sh v1.36.4+k3s1", "readyz"]);
    });

    test("install.sh failing stops the roll naming the node, the versions, its cordon and where the next up resumes; nothing after it runs", () => {
      settle();
      fs.writeFileSync(path.join(sb.dir, "install.sh"), `echo "[ERROR]  Download failed" >&2; exit 1\n`);
      const r = run(render(upgrade()), { K3S_VERSION: "v1.36.3+k3s1", KUBELET_VERSION: "v1.36.3+k3s1" });
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(
        "[ERROR]  Download failed\n" +
          "k3s-stacks: the rolling restart stopped at s1: its upgrade from v1.36.3+k3s1 to v1.36.4+k3s1 failed (see above); its cordon stays until it runs v1.36.4+k3s1. " +
          "Nodes after it were not upgraded. Fix: find the cause in that output and in 'journalctl -u k3s' on s1, then run pulumi up again; it resumes at s1.\n",
      );
      expect(calls()).toEqual([]);
    });

    test("a node that does not report the new version holds the roll", () => {
      settle();
      const r = run(render(upgrade()), { K3S_VERSION: "v1.36.3+k3s1", KUBELET_VERSION: "v1.36.3+k3s1" });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("waited 6s for node s1 to run v1.36.4+k3s1");
    });

    test("a node that runs a skipped minor or a newer k3s is refused on the node, before install.sh", () => {
      settle();
      const skip = run(render(upgrade()), { K3S_VERSION: "v1.34.5+k3s1", KUBELET_VERSION: "v1.34.5+k3s1" });
      expect(skip.status).toBe(1);
      expect(skip.stderr).toMatch(/runs v1\.34\.5\+k3s1; v1\.36\.4\+k3s1 skips a minor version\. Fix: upgrade to v1\.35\.x first/);
      const down = run(render(upgrade()), { K3S_VERSION: "v1.37.0+k3s1", KUBELET_VERSION: "v1.37.0+k3s1" });
      expect(down.status).toBe(1);
      expect(down.stderr).toContain("v1.36.4+k3s1 would be a downgrade");
      expect(calls()).not.toContain("install.sh v1.36.4+k3s1");
    });

    // etcd 3.6 reads membership etcd 3.5 keeps right only from v3.5.26 (k3s-io/k3s#13271): judged from the
    // version the server runs, where the stack outputs could not see it.
    test("an etcd server whose etcd 3.5 is older than v3.5.26 is refused the move to etcd 3.6, before install.sh; an agent is not", () => {
      settle();
      const to134 = (role: "server" | "agent", etcd: boolean) =>
        render(spec({ role, etcd, install: { ...install, role, version: "v1.34.2+k3s1", stagedScript: path.join(sb.dir, "install.sh") } }));
      const refused = run(to134("server", true), { K3S_VERSION: "v1.33.5+k3s1", KUBELET_VERSION: "v1.33.5+k3s1" });
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain("runs v1.33.5+k3s1, whose embedded etcd 3.5 is older than v3.5.26; v1.34.2+k3s1 embeds etcd 3.6");
      expect(refused.stderr).toContain("Fix: set k3s-stacks:cluster.k3sVersion to v1.33.12+k3s1 and run pulumi up, then set v1.34.2+k3s1.");
      expect(calls()).not.toContain("install.sh v1.34.2+k3s1");
      expect(to134("agent", false)).not.toContain("embedded etcd 3.5");
    });

    test("airgap: install.sh found the new binary already in place and did not restart; the step restarts k3s", () => {
      // install.sh restarts only when the binary, unit or env file changed while it ran.
      fs.writeFileSync(path.join(sb.dir, "install.sh"), `echo "install.sh $INSTALL_K3S_VERSION" >> "$CALLS"; echo "No change detected so skipping service start"\n`);
      settle();
      const old = startedBeforeBinaryChanged();
      const r = run(render(upgrade()), { K3S_VERSION: "v1.36.3+k3s1", KUBELET_VERSION: "v1.36.4+k3s1", K3S_PID: String(old) });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toContain("k3s on s1 still runs the k3s binary that was replaced; restarting it");
      expect(calls()).toEqual(["install.sh v1.36.4+k3s1", "systemctl restart --no-block k3s", "readyz"]);
    });

    test("a resumed upgrade whose binary is on disk but not running: restarted, then gated on the version", () => {
      settle();
      const r = run(render(upgrade()), { K3S_VERSION: "v1.36.4+k3s1", KUBELET_VERSION: "v1.36.4+k3s1", K3S_PID: String(startedBeforeBinaryChanged()) });
      expect(r.status).toBe(0);
      expect(r.stdout).toContain("restarting k3s on s1: it still runs a k3s binary that was replaced on disk");
      expect(calls()).toEqual(["systemctl restart --no-block k3s", "readyz"]);
    });

    test("already on the version with unchanged files: nothing restarts", () => {
      settle();
      // Its main process runs the binary on disk.
      const r = run(render(upgrade()), { K3S_VERSION: "v1.36.4+k3s1", KUBELET_VERSION: "v1.36.4+k3s1", K3S_PID: String(startedAfterBinaryChanged()) });
      expect(r.status).toBe(0);
      expect(calls()).toEqual(["readyz"]);
    });
  });
});

describe("cordon and uncordon (first server)", () => {
  const marks = () => path.join(sb.dir, "state/rollout/cordoned");
  const cordon = (drain: boolean) => renderCordonScript({ node: "a1", version: "v1.36.4+k3s1", drain, drainTimeout: "90s" }).split(STATE).join(`${sb.dir}/state/`);
  const uncordon = () => renderUncordonScript({ node: "a1", version: "v1.36.4+k3s1", timeoutSeconds: 10 }).split(STATE).join(`${sb.dir}/state/`);

  test("a node not on the version is cordoned and drained, noted, and uncordoned after it is Ready on it", () => {
    expect(run(cordon(true), { KUBELET_VERSION: "v1.36.3+k3s1" }).status).toBe(0);
    expect(sb.calls()).toEqual(["k3s kubectl cordon a1", "k3s kubectl drain a1 --ignore-daemonsets --delete-emptydir-data --force --timeout=90s"]);
    expect(fs.existsSync(path.join(marks(), "a1"))).toBe(true);
    expect(run(uncordon(), { KUBELET_VERSION: "v1.36.4+k3s1" }).status).toBe(0);
    expect(sb.calls()).toEqual(["k3s kubectl uncordon a1"]);
    expect(fs.existsSync(path.join(marks(), "a1"))).toBe(false);
  });

  test("a node already on the version is left alone", () => {
    expect(run(cordon(true), { KUBELET_VERSION: "v1.36.4+k3s1" }).status).toBe(0);
    expect(sb.calls()).toEqual([]);
  });

  test("a cordon the user set is kept: uncordon lifts only the one the rollout set", () => {
    expect(run(cordon(false), { KUBELET_VERSION: "v1.36.3+k3s1", UNSCHEDULABLE: "true" }).status).toBe(0);
    expect(sb.calls()).toEqual(["k3s kubectl cordon a1"]);
    expect(run(uncordon(), { KUBELET_VERSION: "v1.36.4+k3s1" }).status).toBe(0);
    expect(sb.calls()).toEqual([]);
  });
});
