import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderDayTwoCommands, targetSpec } from "../../components/day-two/commands";

const ROOT = path.resolve(__dirname, "../..");
const SNAPSHOT = path.join(ROOT, "scripts/etcd-snapshot.sh");
const RESTORE = path.join(ROOT, "scripts/etcd-restore.sh");

/** A stand-in `ssh` that records each call's argv (one argument per line) and succeeds; no network. */
function fakeSsh(failOn?: string): { dir: string; calls: () => string[][] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-ssh-"));
  const log = path.join(dir, "calls.log");
  fs.writeFileSync(
    path.join(dir, "ssh"),
    `#!/usr/bin/env bash\nprintf '%s\\n' "$@" >> ${log}\necho '--END--' >> ${log}\n` +
      (failOn ? `case "$*" in *${failOn}*) exit 7 ;; esac\n` : "") +
      "exit 0\n",
    { mode: 0o755 },
  );
  const calls = () => {
    if (!fs.existsSync(log)) return [];
    const text = fs.readFileSync(log, "utf8");
    return text.split("--END--\n").filter((c) => c.length > 0).map((c) => c.replace(/\n$/, "").split("\n"));
  };
  return { dir, calls };
}

function run(script: string, args: string[], pathPrefix?: string) {
  const res = spawnSync(script, args, {
    encoding: "utf8",
    env: { PATH: `${pathPrefix ? `${pathPrefix}:` : ""}/usr/bin:/bin`, ETCD_RESTORE_STAMP: "20260101T000000Z" },
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** The "user@host$ command" lines of a printed plan. */
function commands(stdout: string): string[] {
  return stdout.split("\n").filter((l) => l.startsWith("    ")).map((l) => l.trim());
}

// Starts are queued (--no-block) and waited for with a bound: k3s units set TimeoutStartSec=0.
const SVC = (action: string, svc: string) =>
  `if command -v systemctl >/dev/null 2>&1; then systemctl ${action}${action === "stop" ? "" : " --no-block"} ${svc}; else rc-service ${svc} ${action}; fi`;
const WAIT = (svc: string) =>
  `i=0; until if command -v systemctl >/dev/null 2>&1; then systemctl is-active --quiet ${svc}; else rc-service ${svc} status >/dev/null 2>&1; fi; do i=$((i+1)); if [ "$i" -ge 120 ]; then echo "${svc} not active after 10 minutes; see journalctl -u ${svc} (or /var/log/${svc}.log)" >&2; exit 1; fi; sleep 5; done`;

describe("etcd scripts", () => {
  it("pass shellcheck", () => {
    expect(() => execFileSync("shellcheck", ["-x", "scripts/etcd-lib.sh", "scripts/etcd-snapshot.sh", "scripts/etcd-restore.sh"], { cwd: ROOT })).not.toThrow();
  });

  describe("etcd-snapshot.sh", () => {
    it("prints the plan in dry-run and runs nothing", () => {
      const ssh = fakeSsh();
      const r = run(SNAPSHOT, ["--host", "10.0.0.1", "--user", "pi", "--name", "before-change", "--s3", "--dry-run"], ssh.dir);
      expect(r.code).toBe(0);
      expect(commands(r.stdout)).toEqual([
        "pi@10.0.0.1$ sudo sh -c 'k3s etcd-snapshot save --name '\\''before-change'\\'' --s3'",
        "pi@10.0.0.1$ sudo sh -c 'k3s etcd-snapshot ls'",
      ]);
      expect(ssh.calls()).toEqual([]);
    });

    it("runs k3s etcd-snapshot save over ssh with the connection options", () => {
      const ssh = fakeSsh();
      const r = run(SNAPSHOT, ["--host", "10.0.0.1", "--port", "2222", "--identity", "/keys/id", "--bastion", "jump@bastion:22"], ssh.dir);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("[1] take etcd snapshot 'on-demand' on the first server");
      expect(ssh.calls()).toEqual([
        ["-p", "2222", "-i", "/keys/id", "-J", "jump@bastion:22", "--", "root@10.0.0.1", "k3s etcd-snapshot save --name 'on-demand'"],
        ["-p", "2222", "-i", "/keys/id", "-J", "jump@bastion:22", "--", "root@10.0.0.1", "k3s etcd-snapshot ls"],
      ]);
    });

    it("refuses bad input before connecting", () => {
      const ssh = fakeSsh();
      expect(run(SNAPSHOT, ["--name", "x"], ssh.dir).stderr).toMatch(/--host is required/);
      expect(run(SNAPSHOT, ["--host", "h", "--name", "a;reboot"], ssh.dir).stderr).toMatch(/--name may use/);
      expect(ssh.calls()).toEqual([]);
    });
  });

  describe("etcd-restore.sh", () => {
    const args = ["--snapshot", "etcd-snapshot-s1-1767225600", "--first-server", "root@10.0.0.1", "--servers", "root@10.0.0.2,admin@10.0.0.3:2222", "--agents", "root@10.0.0.4"];
    const snapshotPath = "/var/lib/rancher/k3s/server/db/snapshots/etcd-snapshot-s1-1767225600";
    const db = "/var/lib/rancher/k3s/server/db";
    const sudo = (cmd: string) => `sudo sh -c '${cmd.replace(/'/g, "'\\''")}'`;

    const expectedPlan = [
      "root@10.0.0.1$ command -v k3s >/dev/null",
      `root@10.0.0.1$ test -f '${snapshotPath}'`,
      "root@10.0.0.2$ command -v k3s >/dev/null",
      `admin@10.0.0.3$ ${sudo("command -v k3s >/dev/null")}`,
      "root@10.0.0.4$ command -v k3s >/dev/null",
      `root@10.0.0.2$ ${SVC("stop", "k3s")}`,
      `admin@10.0.0.3$ ${sudo(SVC("stop", "k3s"))}`,
      `root@10.0.0.1$ ${SVC("stop", "k3s")}`,
      `root@10.0.0.1$ k3s server --cluster-reset --cluster-reset-restore-path='${snapshotPath}' --etcd-s3=false`,
      `root@10.0.0.1$ ${SVC("start", "k3s")}`,
      expect.stringMatching(/^root@10\.0\.0\.1\$ i=0; until k3s kubectl get --raw=\/readyz/),
      expect.stringMatching(/^root@10\.0\.0\.1\$ secrets=\$\(k3s kubectl -n kube-system get secrets -o name\)/),
      `root@10.0.0.2$ if [ -d '${db}' ]; then mv '${db}' '${db}.bak-20260101T000000Z'; fi`,
      `root@10.0.0.2$ ${SVC("start", "k3s")}`,
      `root@10.0.0.2$ ${WAIT("k3s")}`,
      `admin@10.0.0.3$ ${sudo(`if [ -d '${db}' ]; then mv '${db}' '${db}.bak-20260101T000000Z'; fi`)}`,
      `admin@10.0.0.3$ ${sudo(SVC("start", "k3s"))}`,
      `admin@10.0.0.3$ ${sudo(WAIT("k3s"))}`,
      `root@10.0.0.4$ ${SVC("restart", "k3s-agent")}`,
      `root@10.0.0.4$ ${WAIT("k3s-agent")}`,
      "root@10.0.0.1$ k3s kubectl get nodes -o wide",
    ];

    it("prints every step with its exact remote command in dry-run, and runs nothing", () => {
      const ssh = fakeSsh();
      const r = run(RESTORE, [...args, "--dry-run"], ssh.dir);
      expect(r.code).toBe(0);
      expect(commands(r.stdout)).toEqual(expectedPlan);
      expect(r.stdout).toContain("[9] reset etcd to the snapshot on the first server");
      expect(r.stdout).toContain("Dry run: nothing was changed.");
      expect(ssh.calls()).toEqual([]);
    });

    it("refuses to act without --yes", () => {
      const ssh = fakeSsh();
      const r = run(RESTORE, args, ssh.dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/Run with --dry-run to see the plan, then with --yes/);
      expect(ssh.calls()).toEqual([]);
    });

    it("with --yes issues the planned commands in order, each to its host", () => {
      const ssh = fakeSsh();
      const r = run(RESTORE, [...args, "--yes"], ssh.dir);
      expect(r.code).toBe(0);
      const calls = ssh.calls();
      const asPlan = calls.map((argv) => {
        const dest = argv[argv.length - 2];
        return `${dest}$ ${argv[argv.length - 1]}`;
      });
      expect(asPlan).toEqual(expectedPlan);
      // Port from the target, and a tty for sudo for the non-root user only.
      expect(calls[3].slice(0, 4)).toEqual(["-p", "2222", "-t", "--"]);
      expect(calls[0].slice(0, 2)).toEqual(["--", "root@10.0.0.1"]);
      // Every step was echoed before it ran.
      expect(commands(r.stdout)).toEqual(expectedPlan);
    });

    it("stops at the first failed step and says so", () => {
      const ssh = fakeSsh("cluster-reset");
      const r = run(RESTORE, [...args, "--yes"], ssh.dir);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/step 9 failed; later steps did not run/);
      expect(ssh.calls()).toHaveLength(9);
    });

    // The snapshot brings back each node's node-password Secret as it was then; a node reinstalled since
    // (replaced machine or cloud VM, role change) presents another password and k3s refused it ("Node
    // password rejected", rancher/rke2#1916, k3s-io/k3s#3717). k3s creates a missing one from the node's.
    describe("node passwords", () => {
      const plan = commands(run(RESTORE, [...args, "--dry-run"]).stdout);
      const drop = plan.find((c) => c.includes("node-password"))!.replace(/^root@10\.0\.0\.1\$ /, "");

      it("are deleted on the first server once its API answers, before any other node starts or restarts", () => {
        const at = plan.findIndex((c) => c.includes("node-password"));
        expect(plan[at - 1]).toMatch(/until k3s kubectl get --raw=\/readyz/);
        expect(plan.slice(at + 1).filter((c) => /systemctl (start|restart)/.test(c)).length).toBe(3);
        expect(plan.slice(0, at).filter((c) => /10\.0\.0\.[234]\$.*systemctl (start|restart)/.test(c))).toEqual([]);
      });

      /** Runs the step's remote command in a POSIX sh with a stand-in k3s that lists `secrets` and logs deletes. */
      function runDrop(secrets: string[], listFails = false) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drop-pw-"));
        fs.writeFileSync(
          path.join(dir, "k3s"),
          `#!/bin/sh\ncase "$*" in\n  "kubectl -n kube-system get secrets -o name") ${listFails ? "echo 'The connection to the server was refused' >&2; exit 1" : `printf '%s\\n' ${secrets.map((x) => `'${x}'`).join(" ")}`} ;;\n  "kubectl -n kube-system delete "*) echo "$*" >> ${dir}/deleted ;;\n  *) exit 9 ;;\nesac\n`,
          { mode: 0o755 },
        );
        const r = spawnSync("sh", ["-c", drop], { encoding: "utf8", env: { PATH: `${dir}:/usr/bin:/bin` } });
        const deleted = fs.existsSync(path.join(dir, "deleted")) ? fs.readFileSync(path.join(dir, "deleted"), "utf8").trim().split("\n") : [];
        fs.rmSync(dir, { recursive: true, force: true });
        return { code: r.status, deleted };
      }

      it("is POSIX sh, as the remote login shell may be dash", () => {
        expect(() => execFileSync("shellcheck", ["-s", "sh", "-"], { input: drop })).not.toThrow();
      });

      it("deletes every node's node-password Secret in one call and no other Secret", () => {
        const r = runDrop(["secret/k3s-serving", "secret/srv1.node-password.k3s", "secret/ag1.node-password.k3s", "secret/chart-values-traefik"]);
        expect(r).toEqual({ code: 0, deleted: ["kubectl -n kube-system delete secret/srv1.node-password.k3s secret/ag1.node-password.k3s"] });
      });

      it("deletes nothing when there is none, and fails when the Secrets cannot be listed", () => {
        expect(runDrop(["secret/k3s-serving"])).toEqual({ code: 0, deleted: [] });
        expect(runDrop([], true)).toEqual({ code: 1, deleted: [] });
      });
    });

    it("restores from S3 by name and skips the local file check", () => {
      const r = run(RESTORE, ["--snapshot", "etcd-snapshot-s1-1767225600", "--first-server", "10.0.0.1", "--s3", "--dry-run"]);
      const plan = commands(r.stdout);
      expect(plan).not.toContainEqual(expect.stringContaining("test -f"));
      expect(plan).toContain("root@10.0.0.1$ k3s server --cluster-reset --cluster-reset-restore-path='etcd-snapshot-s1-1767225600' --etcd-s3");
    });

    // k3s reads the restore path as an S3 object name whenever config.yaml turns etcd-s3 on (snapshots.s3
    // set), so a local restore on such a cluster tried the bucket instead of the file (rancher/rke2#6281).
    it("restores a local file with etcd-s3 turned off, whatever config.yaml says", () => {
      for (const snapshot of ["etcd-snapshot-s1-1767225600", "/var/backups/k3s/etcd-snapshot-s1-1767225600"]) {
        const reset = commands(run(RESTORE, ["--snapshot", snapshot, "--first-server", "10.0.0.1", "--dry-run"]).stdout).find((c) => c.includes("--cluster-reset"));
        expect(reset).toMatch(/ --cluster-reset-restore-path='[^']+' --etcd-s3=false$/);
      }
    });

    it("refuses a path with --s3 before connecting: k3s looks the name up in the bucket's folder", () => {
      const ssh = fakeSsh();
      const r = run(RESTORE, ["--snapshot", "/var/backups/k3s/etcd-snapshot-s1-1767225600", "--first-server", "10.0.0.1", "--s3", "--yes"], ssh.dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--s3 takes the snapshot's name as 'k3s etcd-snapshot ls' lists it, not a path ('/var/backups/k3s/etcd-snapshot-s1-1767225600'). Fix: pass --snapshot etcd-snapshot-s1-1767225600");
      expect(ssh.calls()).toEqual([]);
    });
  });

  describe("renderDayTwoCommands", () => {
    const first = { host: "10.0.0.1", user: "pi", port: 2222, bastion: "jump@bastion.example" };
    const cmds = renderDayTwoCommands(first, [{ host: "10.0.0.2" }, { host: "fd00::3", port: 22 }], [{ host: "10.0.0.4", user: "pi" }]);

    it("renders ready-to-paste commands with no secrets", () => {
      expect(cmds.snapshotCommand).toBe("scripts/etcd-snapshot.sh --host '10.0.0.1' --user 'pi' --port 2222 --bastion 'jump@bastion.example'");
      expect(cmds.restoreCommand).toBe(
        "scripts/etcd-restore.sh --snapshot SNAPSHOT --first-server 'pi@10.0.0.1:2222' --servers 'root@10.0.0.2,root@[fd00::3]:22' --agents 'pi@10.0.0.4' --bastion 'jump@bastion.example' --dry-run",
      );
      expect(targetSpec({ host: "fd00::3" })).toBe("root@fd00::3");
    });

    it("produces commands the scripts accept", () => {
      const snap = spawnSync("bash", ["-c", `${cmds.snapshotCommand} --dry-run`], { cwd: ROOT, encoding: "utf8" });
      expect(snap.status).toBe(0);
      expect(commands(snap.stdout)[0]).toBe("pi@10.0.0.1$ sudo sh -c 'k3s etcd-snapshot save --name '\\''on-demand'\\'''");
      const restore = spawnSync("bash", ["-c", cmds.restoreCommand.replace("SNAPSHOT", "snap-1")], { cwd: ROOT, encoding: "utf8" });
      expect(restore.status).toBe(0);
      expect(commands(restore.stdout)).toContain("root@fd00::3$ command -v k3s >/dev/null");
    });

    // With snapshots.dir, a bare name was looked up in the default directory and the restore stopped at its check.
    it("points the restore at snapshots.dir, where k3s keeps the snapshots then", () => {
      const dir = renderDayTwoCommands(first, [], [], "/var/backups/k3s/");
      expect(dir.restoreCommand).toMatch(/^scripts\/etcd-restore\.sh --snapshot '\/var\/backups\/k3s\/'SNAPSHOT --first-server /);
      const restore = spawnSync("bash", ["-c", dir.restoreCommand.replace("SNAPSHOT", "etcd-snapshot-s1-1767225600")], { cwd: ROOT, encoding: "utf8" });
      expect(restore.status).toBe(0);
      expect(restore.stdout).toContain("/var/backups/k3s/etcd-snapshot-s1-1767225600");
      expect(restore.stdout).not.toContain("/var/lib/rancher/k3s/server/db/snapshots/");
    });
  });
});
