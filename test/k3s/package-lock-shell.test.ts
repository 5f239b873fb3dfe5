// Package-manager calls wait for another manager's lock, in a real bash, against locks real processes
// hold: dpkg/apt's fcntl locks (as apt-pkg takes them), dnf's pid file, pacman's open db.lck.
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PACKAGE_LOCK_TIMEOUT } from "../../components/k3s/host/package-lock";
import { renderPackageInstall } from "../../components/k3s/host/packages";
import { LOG_CALL, Sandbox, sandbox } from "./support/shell";

let sb: Sandbox;
const holders: ChildProcess[] = [];
beforeEach(() => {
  sb = sandbox();
});
afterEach(() => {
  for (const h of holders.splice(0)) h.kill("SIGKILL");
  sb.cleanup();
});

/** Runs install_package for `family` with the lock bound lowered to `timeout` seconds (600 on a node). */
function install(family: string, timeout: number, pkg = "linux-modules-extra-6.8.0-49-generic") {
  const script = `set -euo pipefail
node=n1; family=${family}; transactional=0; tx_tool=""
${renderPackageInstall(sb.dir).replace(`package_lock_timeout=${PACKAGE_LOCK_TIMEOUT}`, `package_lock_timeout=${timeout}`)}
install_package ${pkg}`;
  const started = Date.now();
  const r = sb.run(["bash", "-s"], { input: script });
  return { ...r, seconds: (Date.now() - started) / 1000 };
}

function file(p: string): string {
  const f = path.join(sb.dir, p);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  if (!fs.existsSync(f)) fs.writeFileSync(f, "");
  return f;
}

/** Waits (synchronously) until `f` exists. */
function until(f: string): void {
  for (let i = 0; i < 200 && !fs.existsSync(f); i++) execFileSync("sleep", ["0.05"]);
  if (!fs.existsSync(f)) throw new Error(`${f} never appeared`);
}

/** python3 for the lock holders; PYTHONHOME lets it find its library under another argv[0]. */
const PYTHON = JSON.parse(execFileSync("python3", ["-c", "import json, sys; print(json.dumps({'executable': sys.executable, 'prefix': sys.prefix}))"], { encoding: "utf8" })) as { executable: string; prefix: string };
/** Takes an fcntl write lock on argv[1] (lockf: F_SETLKW), touches argv[2], sleeps argv[3] seconds. */
const LOCKER = 'import fcntl, sys, time\nf = open(sys.argv[1], "r+"); fcntl.lockf(f, fcntl.LOCK_EX); open(sys.argv[2], "w").close(); time.sleep(float(sys.argv[3]))';

/**
 * A process holding an fcntl write lock on `lock` (as apt-pkg's GetLock and dpkg take theirs) for
 * `seconds`, then exiting; it runs as `name` (argv[0], as /proc/<pid>/cmdline shows it).
 */
function holdFcntl(lock: string, seconds: number, name = "/usr/bin/unattended-upgrade"): ChildProcess {
  const ready = path.join(sb.dir, `ready-${holders.length}`);
  const h = spawn(PYTHON.executable, ["-c", LOCKER, lock, ready, String(seconds)], { argv0: name, env: { ...process.env, PYTHONHOME: PYTHON.prefix }, stdio: "ignore" });
  holders.push(h);
  until(ready);
  return h;
}

/** A process that keeps `f` open for `seconds` (pacman keeps db.lck open while it runs). */
function holdOpen(f: string, seconds: number): ChildProcess {
  const ready = path.join(sb.dir, `open-${holders.length}`);
  const h = spawn("bash", ["-c", 'exec 3<"$1"; : > "$2"; sleep "$3"; rm -f "$1"', "pacman", f, ready, String(seconds)], { argv0: "pacman", stdio: "ignore" });
  holders.push(h);
  until(ready);
  return h;
}

describe("Debian family: apt-get waits for dpkg and apt locks", () => {
  beforeEach(() => sb.fake("apt-get", LOG_CALL));

  test("unattended-upgrades holding the dpkg frontend lock: the install waits for it, then runs with its own lock timeout", () => {
    const h = holdFcntl(file("var/lib/dpkg/lock-frontend"), 2);
    const r = install("debian", 60);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`k3s-stacks: n1: waiting up to 60s for process ${h.pid} (/usr/bin/unattended-upgrade -c import fcntl`);
    expect(r.stdout).toContain(`to release ${sb.dir}/var/lib/dpkg/lock-frontend`);
    expect(r.seconds).toBeGreaterThanOrEqual(1.5);
    const calls = sb.calls();
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatch(/^apt-get -o DPkg::Lock::Timeout=(5[0-9]|60) update -qq$/);
    expect(calls[1]).toMatch(/^apt-get -o DPkg::Lock::Timeout=(5[0-9]|60) install -y -qq --no-install-recommends linux-modules-extra-6.8.0-49-generic$/);
  });

  test("a lists lock still held at the bound fails naming the node, the lock, the holder and the fix, without running apt-get", () => {
    const h = holdFcntl(file("var/lib/apt/lists/lock"), 60, "/usr/bin/apt-get");
    const r = install("debian", 3);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`k3s-stacks: n1: the package manager's lock ${sb.dir}/var/lib/apt/lists/lock is still held by process ${h.pid} (/usr/bin/apt-get -c import fcntl`);
    expect(r.stderr).toContain("after 3s. Fix: let it finish or stop it (apt-daily or unattended-upgrades on a fresh host: 'systemctl status apt-daily.service apt-daily-upgrade.service') on n1, then run pulumi up again.");
    expect(r.seconds).toBeLessThan(10);
    expect(sb.calls()).toEqual([]);
  });

  test("a lock file nobody holds (left behind, as dpkg leaves them) is no reason to wait", () => {
    for (const l of ["var/lib/dpkg/lock-frontend", "var/lib/dpkg/lock", "var/lib/apt/lists/lock", "var/cache/apt/archives/lock"]) file(l);
    const r = install("debian", 60);
    expect(r).toMatchObject({ status: 0, stdout: "", stderr: "" });
    expect(r.seconds).toBeLessThan(1.5);
    expect(sb.calls()).toHaveLength(2);
  });

  test("apt-get losing the race (apt-daily took the lists lock after the wait; update does not wait for it): waits again and runs it again", () => {
    const lists = file("var/lib/apt/lists/lock");
    // The first update finds the lists lock taken, as apt-get reports it, and fails with 100.
    fs.writeFileSync(path.join(sb.dir, "locker.py"), LOCKER);
    sb.fake("apt-get", `${LOG_CALL}
if [ ! -e "${sb.dir}/raced" ]; then
  : > "${sb.dir}/raced"
  PYTHONHOME=${PYTHON.prefix} ${PYTHON.executable} "${sb.dir}/locker.py" "${lists}" "${sb.dir}/taken" 2 &
  while [ ! -e "${sb.dir}/taken" ]; do sleep 0.05; done
  echo "E: Could not get lock ${lists}. It is held by process $! (apt-get)" >&2
  exit 100
fi`);
    const r = install("debian", 60);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`to release ${lists}`);
    expect(sb.calls().map((c) => c.replace(/Timeout=\d+/, "Timeout=N"))).toEqual([
      "apt-get -o DPkg::Lock::Timeout=N update -qq",
      "apt-get -o DPkg::Lock::Timeout=N update -qq",
      "apt-get -o DPkg::Lock::Timeout=N install -y -qq --no-install-recommends linux-modules-extra-6.8.0-49-generic",
    ]);
  });

  test("a failure with no lock held is the package manager's own: reported as it is, not retried", () => {
    sb.fake("apt-get", `${LOG_CALL}\necho "E: Unable to locate package nope" >&2; exit 100`);
    const r = install("debian", 60, "nope");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("E: Unable to locate package nope");
    expect(sb.calls()).toHaveLength(1);
  });
});

describe("RHEL family: dnf and yum, which would wait without end", () => {
  beforeEach(() => sb.fake("dnf", LOG_CALL));

  test("dnf-automatic's pid in rpmdb_lock.pid: waits for that process, then runs dnf told to stop rather than wait again", () => {
    // Started apart (reparented, so reaped when it ends: this test's process is blocked in spawnSync).
    const dnf = { pid: Number(execFileSync("bash", ["-c", "sleep 2 >/dev/null 2>&1 & echo $!"], { encoding: "utf8" }).trim()) };
    fs.writeFileSync(file("var/lib/dnf/rpmdb_lock.pid"), String(dnf.pid));
    const r = install("rhel", 60, "kernel-modules-extra");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`waiting up to 60s for process ${dnf.pid} (sleep 2) to release ${sb.dir}/var/lib/dnf/rpmdb_lock.pid`);
    expect(sb.calls()).toEqual(["dnf --setopt=exit_on_lock=1 install -y -q kernel-modules-extra"]);
  });

  test("a pid file of a dead process (dnf takes it over too) does not wait; at the bound a live one fails with dnf's services named", () => {
    fs.writeFileSync(file("var/lib/dnf/rpmdb_lock.pid"), "4194304");
    expect(install("rhel", 60, "x").status).toBe(0);
    const rpm = holdFcntl(file("var/lib/rpm/.rpm.lock"), 60, "/usr/bin/rpm");
    const r = install("rhel", 2, "x");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`lock ${sb.dir}/var/lib/rpm/.rpm.lock is still held by process ${rpm.pid} (/usr/bin/rpm`);
    expect(r.stderr).toContain("Fix: let it finish or stop it (dnf-makecache or dnf-automatic: 'systemctl status dnf-makecache.service dnf-automatic.service') on n1");
  });
});

test("SUSE: zypper waits for the zypp lock itself, for what is left of the bound (ZYPP_LOCK_TIMEOUT)", () => {
  sb.fake("zypper", 'printf "zypper ZYPP_LOCK_TIMEOUT=%s %s\\n" "$ZYPP_LOCK_TIMEOUT" "$*" >> "$CALLS"');
  expect(install("suse", 60, "kernel-default").status).toBe(0);
  expect(sb.calls()[0]).toMatch(/^zypper ZYPP_LOCK_TIMEOUT=(5[0-9]|60) --non-interactive --quiet install kernel-default$/);
});

describe("Arch: pacman fails at once on db.lck", () => {
  beforeEach(() => sb.fake("pacman", LOG_CALL));

  test("a running pacman's db.lck: waits until it is gone", () => {
    const lock = file("var/lib/pacman/db.lck");
    const h = holdOpen(lock, 1.5);
    const r = install("arch", 60, "nfs-utils");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`waiting up to 60s for process ${h.pid} (pacman`);
    expect(sb.calls()).toEqual(["pacman -S --noconfirm --needed nfs-utils"]);
  });

  test("a db.lck nobody has open (a killed pacman's) fails at once, naming the file to remove", () => {
    const lock = file("var/lib/pacman/db.lck");
    const r = install("arch", 60, "nfs-utils");
    expect(r.status).toBe(1);
    expect(r.seconds).toBeLessThan(5);
    expect(r.stderr).toContain(`k3s-stacks: n1: ${lock} exists but no process has it open: a pacman run that was stopped left it`);
    expect(r.stderr).toContain(`Fix: check that no pacman runs on n1 ('pgrep -a pacman'), remove ${lock}, then run pulumi up again.`);
    expect(sb.calls()).toEqual([]);
  });
});

test("without any holder the rendered snippet passes shellcheck", () => {
  const r = spawnSync("shellcheck", ["-s", "bash", "-"], { input: `#!/bin/bash\nnode=n1; family=debian; transactional=0; tx_tool=""\n${renderPackageInstall()}\ninstall_package x\n`, encoding: "utf8" });
  expect(r.stdout).toBe("");
  expect(r.status).toBe(0);
});
