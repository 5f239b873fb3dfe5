import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError } from "../../components/rules/errors";
import { parseUpgradeConfig } from "../../components/day-two/config";
import { preUpgradeSnapshotName, renderNotNewerThanServers, renderPreUpgradeSnapshotScript, versionGuardFunction } from "../../components/day-two/node-scripts";

/** The guard as the rolling restart runs it: with the version k3s reports (empty when k3s is absent). */
const renderVersionGuardScript = (version: string, etcd = false) =>
  `#!/usr/bin/env bash\nset -euo pipefail\n${versionGuardFunction(version, etcd)}\ncurrent=$(if command -v k3s >/dev/null 2>&1; then k3s --version | awk 'NR == 1 { print $3 }'; fi)\nrefuse_version_skew "$current"\n`;
import { rolloutSettings } from "../../components/day-two/rollout";
import { parseClusterConfig } from "../../components/k3s/settings";
import { REFERENCE_PATH } from "../k3s/support/reference";
import { runWithNodeTable } from "../k3s/support/node-table";

const reference = JSON.parse(fs.readFileSync(REFERENCE_PATH, "utf8")) as { "etcd-snapshot": Record<string, { type: string }>; etcdSnapshotSubcommands: Record<string, string> };

/** Runs a rendered script with a stand-in `k3s` (not real k3s) that records its argv and fakes `--version`. */
function runWithFakeK3s(script: string, version: string | undefined, failSave = false) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "k3s-fake-"));
  const log = path.join(dir, "argv.log");
  if (version !== undefined) {
    fs.writeFileSync(
      path.join(dir, "k3s"),
      `#!/usr/bin/env bash\necho "$*" >> ${log}\n` +
        `if [ "$1" = --version ]; then echo "k3s version ${version} (0123abcd)"; echo "go version go1.25"; exit 0; fi\n` +
        `if [ "$1 $2" = "etcd-snapshot save" ]; then exit ${failSave ? 1 : 0}; fi\nexit 0\n`,
      { mode: 0o755 },
    );
  }
  // Only our dir plus the basic tools: a k3s installed on this machine must not be found.
  const res = spawnSync("bash", ["-s"], {
    input: script,
    env: { PATH: `${dir}:/usr/bin:/bin`, HOME: dir },
    encoding: "utf8",
  });
  const argv = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
  return { code: res.status, stdout: res.stdout, stderr: res.stderr, argv };
}

describe("pre-upgrade snapshot script", () => {
  const script = renderPreUpgradeSnapshotScript("v1.37.0+k3s1");

  it("uses only etcd-snapshot save flags k3s knows", () => {
    expect(reference.etcdSnapshotSubcommands.save).toBe("EtcdSnapshotFlags");
    expect(reference["etcd-snapshot"].name.type).toBe("string");
    expect(preUpgradeSnapshotName("v1.37.0+k3s1")).toBe("pre-upgrade-v1.37.0-k3s1");
    expect(script).toContain("k3s etcd-snapshot save --name 'pre-upgrade-v1.37.0-k3s1'");
  });

  it("passes shellcheck", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sc-")), "pre.sh");
    fs.writeFileSync(file, script);
    expect(() => execFileSync("shellcheck", [file])).not.toThrow();
  });

  it("runs k3s etcd-snapshot save with the versioned name", () => {
    const r = runWithFakeK3s(script, "v1.36.3+k3s1");
    expect(r.code).toBe(0);
    expect(r.argv).toEqual(["--version", "etcd-snapshot save --name pre-upgrade-v1.37.0-k3s1"]);
  });

  it("stops the rollout with the node and the reason when the snapshot fails", () => {
    const r = runWithFakeK3s(script, "v1.36.3+k3s1", true);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pre-upgrade etcd snapshot failed on .*, so the upgrade to v1.37.0\+k3s1 did not start\. Fix:/);
  });

  it("takes no snapshot and says why where k3s already runs the version (the step moved to a new first server)", () => {
    const r = runWithFakeK3s(script, "v1.37.0+k3s1");
    expect(r.code).toBe(0);
    expect(r.argv).toEqual(["--version"]);
    expect(r.stdout).toMatch(/already runs v1\.37\.0\+k3s1: nothing upgrades, so no pre-upgrade snapshot is taken/);
  });

  it("does nothing where k3s is not installed", () => {
    const r = runWithFakeK3s(script, undefined);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no pre-upgrade snapshot needed/);
  });
});

describe("node-side version guard", () => {
  const guard = renderVersionGuardScript("v1.37.0+k3s1");

  it("passes shellcheck", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sc-")), "guard.sh");
    fs.writeFileSync(file, guard);
    expect(() => execFileSync("shellcheck", [file])).not.toThrow();
  });

  it.each([
    [undefined, 0],
    ["v1.36.3+k3s1", 0],
    ["v1.37.0+k3s1", 0],
    ["v1.37.0-rc2+k3s1", 0],
    ["v1.37.0+k3s2", 1],
    ["v1.37.1+k3s1", 1],
    ["v1.35.9+k3s1", 1],
  ])("running %s → exit %s", (running, code) => {
    expect(runWithFakeK3s(guard, running).code).toBe(code);
  });

  it("explains a downgrade and a skip", () => {
    expect(runWithFakeK3s(guard, "v1.38.0+k3s1").stderr).toMatch(/runs v1.38.0\+k3s1; v1.37.0\+k3s1 would be a downgrade.*Fix:/);
    expect(runWithFakeK3s(guard, "v1.35.9+k3s1").stderr).toMatch(/skips a minor version\. Fix: upgrade to v1\.36\.x first/);
  });

  it("refuses to render for a malformed version", () => {
    expect(() => renderVersionGuardScript("v1.37")).toThrow(ConfigError);
  });

  // The stack-output check (skew.ts) cannot see a server moved by hand or a stack without previous
  // outputs; etcd 3.6 reads membership etcd 3.5 keeps right only from v3.5.26 (k3s-io/k3s#13271).
  describe("on an embedded-etcd server, the move to etcd 3.6", () => {
    const to134 = renderVersionGuardScript("v1.34.2+k3s1", true);
    const to13313 = renderVersionGuardScript("v1.33.13+k3s1", true);

    it("passes shellcheck", () => {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sc-")), "guard.sh");
      fs.writeFileSync(file, to134);
      expect(() => execFileSync("shellcheck", [file])).not.toThrow();
    });

    it.each([
      [to134, "v1.33.5+k3s1", 1],
      [to134, "v1.33.7+k3s1", 1],
      [to134, "v1.33.8+k3s1", 0],
      [to134, "v1.33.12+k3s1", 0],
      [to13313, "v1.33.7+k3s1", 1],
      [to13313, "v1.32.11+k3s1", 1],
      [to13313, "v1.33.12+k3s1", 0],
      [to13313, "v1.33.13-rc1+k3s1", 0],
    ])("%#: running %s → exit %s", (guard, running, code) => {
      expect(runWithFakeK3s(guard, running).code).toBe(code);
    });

    it("names the running release, the release to move through and the source", () => {
      const r = runWithFakeK3s(to134, "v1.33.5+k3s1");
      expect(r.stderr).toContain("runs v1.33.5+k3s1, whose embedded etcd 3.5 is older than v3.5.26; v1.34.2+k3s1 embeds etcd 3.6");
      expect(r.stderr).toContain("k3s-io/k3s#13271). Fix: set k3s-stacks:cluster.k3sVersion to v1.33.12+k3s1 and run pulumi up, then set v1.34.2+k3s1.");
    });

    it("is left out for agents and servers of sqlite or postgres clusters, which run no etcd", () => {
      expect(runWithFakeK3s(renderVersionGuardScript("v1.34.2+k3s1"), "v1.33.5+k3s1").code).toBe(0);
    });
  });
});

describe("rolloutSettings", () => {
  const cluster = (datastore: string) => parseClusterConfig({ k3sVersion: "v1.37.0+k3s1", datastore });

  it("takes a pre-upgrade snapshot by default with etcd only", () => {
    const etcd = rolloutSettings(parseUpgradeConfig({ agentBatchSize: 2 }), cluster("etcd"));
    expect(etcd).toMatchObject({ agentBatchSize: 2, drain: true, drainTimeout: "5m" });
    expect(etcd.preUpgradeScript).toContain("pre-upgrade-v1.37.0-k3s1");
    expect(rolloutSettings(parseUpgradeConfig({}), cluster("sqlite")).preUpgradeScript).toBeUndefined();
    expect(rolloutSettings(parseUpgradeConfig({ preUpgradeSnapshot: false }), cluster("etcd")).preUpgradeScript).toBeUndefined();
  });

  it("lets upgrade.drainTimeout override the cluster's", () => {
    expect(rolloutSettings(parseUpgradeConfig({ drainTimeout: "15m", drain: false }), cluster("etcd"))).toMatchObject({ drain: false, drainTimeout: "15m" });
  });

  it("refuses an explicit pre-upgrade snapshot without etcd", () => {
    expect(() => rolloutSettings(parseUpgradeConfig({ preUpgradeSnapshot: true }), cluster("postgres"))).toThrow(
      /k3s-stacks:upgrade.preUpgradeSnapshot: needs the embedded etcd datastore/,
    );
  });
});

describe("renderNotNewerThanServers: an agent's membership fails when it is newer than a server", () => {
  /** Runs the check for agent a2 (on `agent`) beside agent a9 (on a newer version) and these servers. */
  const check = (agent: string, servers: Record<string, string>) =>
    runWithNodeTable(renderNotNewerThanServers("a2"), [
      { name: "a9", version: "v1.99.0+k3s1" },
      { name: "a2", version: agent },
      ...Object.entries(servers).map(([name, version]) => ({ name, version, server: true })),
    ]);

  it("fails naming the server that is older, with the servers-first fix", () => {
    const r = check("v1.36.3+k3s1", { s1: "v1.36.3+k3s1", s2: "v1.35.9+k3s1" });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("k3s-stacks: a2 runs k3s v1.36.3+k3s1, newer than server s2 (v1.35.9+k3s1); a kubelet newer than the API servers breaks the Kubernetes version skew policy (k3s upgrades servers first). Fix: upgrade the servers to v1.36.3+k3s1 first (with upgrade.mode ssh, pulumi up rolls them before new agents install), then run pulumi up again; or remove a2 until then.\n");
  });

  it("orders patch, k3s build and release candidates as the planner does", () => {
    expect(check("v1.36.3+k3s2", { s1: "v1.36.3+k3s1" }).code).toBe(1);
    expect(check("v1.36.3+k3s1", { s1: "v1.36.3-rc1+k3s1" }).code).toBe(1);
    expect(check("v1.36.3-rc1+k3s1", { s1: "v1.36.3+k3s1" }).code).toBe(0);
  });

  it("passes an agent on the servers' version or older, and versions it cannot read", () => {
    expect(check("v1.36.3+k3s1", { s1: "v1.36.3+k3s1", s2: "v1.36.3+k3s1" }).stdout).toBe("passed\n");
    expect(check("v1.35.9+k3s1", { s1: "v1.36.3+k3s1" }).code).toBe(0);
    expect(check("", { s1: "v1.35.9+k3s1" }).code).toBe(0);
    expect(check("v1.36.3+k3s1", { s1: "unknown" }).code).toBe(0);
    expect(runWithNodeTable(renderNotNewerThanServers("a2"), undefined).stdout).toBe("passed\n");
  });
});
