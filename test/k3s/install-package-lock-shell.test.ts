// The install step in a real bash against fake package managers: k3s's install.sh runs dnf, yum or
// zypper for k3s-selinux with no lock handling of its own (K3S:install.sh install_selinux_rpm), so
// its calls go through k3s-stacks' lock wait (host/install-lock.ts) while another manager holds the
// package database (dnf-automatic, PackageKit, a background zypper refresh), within a bound.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { renderInstallScript } from "../../components/k3s/scripts";
import { PACKAGE_LOCK_TIMEOUT } from "../../components/k3s/host/package-lock";
import { LOG_CALL, Sandbox, sandbox } from "./support/shell";

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
  fs.writeFileSync(path.join(sb.dir, "os-release"), 'ID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n');
  // The agent's unit is active once started (the install waits for that: unit-watch.ts); show and is-active are not logged.
  sb.fake("systemctl", `case "$1" in show) exit 0 ;; is-active) [ -e "${sb.dir}/active" ]; exit ;; esac\n${LOG_CALL}\n[ "$1" != start ] || touch "${sb.dir}/active"`);
  sb.fake("getenforce", "echo Enforcing");
  sb.fake("rpm", "exit 0");
});
afterEach(() => sb.cleanup());

/** install.sh: runs `tool args...` as it installs k3s-selinux (copying what it found on PATH), then writes the binary. */
function installSh(tool: string, args: string): void {
  fs.writeFileSync(path.join(sb.dir, "install.sh"), `set -e
cp "$(command -v ${tool})" "${sb.dir}/seen-${tool}"
# As check_available_upgrades reads a listing: the tool's stdout alone.
out=$(${tool} ${args})
echo "install.sh read [$out]" >> "$CALLS"
mkdir -p "${sb.dir}/usr/local/bin" && echo 1 > "${sb.dir}/usr/local/bin/k3s" && chmod +x "${sb.dir}/usr/local/bin/k3s"\n`);
}

/** The agent's first install, lock paths and the shims' directory under the sandbox, the lock bound `timeout` seconds. */
function create(timeout = PACKAGE_LOCK_TIMEOUT) {
  const script = renderInstallScript({ node: "m-1", role: "agent", version: "v1.36.3+k3s1", installScriptUrl: "https://get.k3s.io", stagedScript: path.join(sb.dir, "install.sh") }, "K10token")
    .replace(/\/etc\/rancher\/k3s/g, sb.dir)
    .replace(/\/run\/ostree-booted/g, path.join(sb.dir, "ostree-booted"))
    .replace(/\/etc\/os-release/g, path.join(sb.dir, "os-release"))
    .replace(/\/usr\/local\/bin/g, path.join(sb.dir, "usr/local/bin"))
    .replace(/\/opt\/bin/g, path.join(sb.dir, "opt/bin"))
    .replace(/\/etc\/systemd\/system/g, sb.dir)
    .replace(/\/var\/lib\/dnf\//g, `${sb.dir}/var/lib/dnf/`)
    .replace(/\/run\/zypp\.pid/g, `${sb.dir}/run/zypp.pid`)
    .replace(/\/run\/k3s-stacks-install\./g, `${sb.dir}/k3s-stacks-install.`)
    .replace(`package_lock_timeout=${PACKAGE_LOCK_TIMEOUT}`, `package_lock_timeout=${timeout}`);
  const started = Date.now();
  const r = sb.run(["bash", "-s", "--", "create"], { input: script });
  return { ...r, seconds: (Date.now() - started) / 1000 };
}

/** A live process (reparented, so reaped when it ends) whose pid `lock` holds, as dnf and libzypp write theirs. */
function holdPidFile(lock: string, seconds: number): number {
  const pid = Number(execFileSync("bash", ["-c", `sleep ${seconds} >/dev/null 2>&1 & echo $!`], { encoding: "utf8" }).trim());
  fs.mkdirSync(path.dirname(path.join(sb.dir, lock)), { recursive: true });
  fs.writeFileSync(path.join(sb.dir, lock), String(pid));
  return pid;
}

const shimDirs = () => fs.readdirSync(sb.dir).filter((f) => f.startsWith("k3s-stacks-install."));

describe("RHEL family: install.sh's dnf", () => {
  beforeEach(() => {
    sb.fake("dnf", LOG_CALL);
    installSh("dnf", "install -y k3s-selinux");
  });

  test("dnf-automatic holding rpmdb_lock.pid: install.sh's dnf waits for it, saying so on stderr (install.sh reads its stdout), then runs told to stop rather than wait again", () => {
    const pid = holdPidFile("var/lib/dnf/rpmdb_lock.pid", 2);
    const r = create();
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`k3s-stacks: m-1: dnf, run by k3s's install.sh for k3s-selinux: waiting up to 600s for process ${pid} (sleep 2) to release ${sb.dir}/var/lib/dnf/rpmdb_lock.pid\n`);
    expect(r.seconds).toBeGreaterThanOrEqual(1.5);
    expect(sb.calls()).toEqual(["dnf --setopt=exit_on_lock=1 install -y k3s-selinux", "install.sh read []", "systemctl start --no-block k3s-agent"]);
    expect(shimDirs()).toEqual([]);
  });

  test("still held at the bound: the step fails naming the node, the lock, the process and the fix; k3s is not started", () => {
    const pid = holdPidFile("var/lib/dnf/rpmdb_lock.pid", 60);
    try {
      const r = create(2);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`k3s-stacks: m-1: dnf, run by k3s's install.sh for k3s-selinux: the package manager's lock ${sb.dir}/var/lib/dnf/rpmdb_lock.pid is still held by process ${pid} (sleep 60) after 2s. Fix: let it finish or stop it (dnf-makecache or dnf-automatic: 'systemctl status dnf-makecache.service dnf-automatic.service') on m-1, then run pulumi up again.`);
      expect(sb.calls()).toEqual([]);
      expect(shimDirs()).toEqual([]);
    } finally {
      process.kill(pid);
    }
  });

  test("the shim install.sh finds on PATH passes shellcheck", () => {
    expect(create().status).toBe(0);
    const shim = path.join(sb.dir, "seen-dnf");
    expect(fs.readFileSync(shim, "utf8")).toContain("run_package_command dnf \"$@\"");
    const lint = spawnSync("shellcheck", ["-s", "bash", shim], { encoding: "utf8" });
    expect(lint.stdout).toBe("");
    expect(lint.status).toBe(0);
  });
});

test("SUSE: install.sh's zypper waits for the zypp lock within the bound (ZYPP_LOCK_TIMEOUT)", () => {
  fs.writeFileSync(path.join(sb.dir, "os-release"), 'ID="sles"\nID_LIKE="suse"\nVERSION_ID="15.6"\n');
  sb.fake("zypper", 'printf "zypper ZYPP_LOCK_TIMEOUT=%s %s\\n" "$ZYPP_LOCK_TIMEOUT" "$*" >> "$CALLS"');
  installSh("zypper", "--gpg-auto-import-keys install -y k3s-selinux");
  const pid = holdPidFile("run/zypp.pid", 1.5);
  const r = create(60);
  expect(r.status).toBe(0);
  expect(r.stderr).toContain(`k3s-stacks: m-1: zypper, run by k3s's install.sh for k3s-selinux: waiting up to 60s for process ${pid} (sleep 1.5) to release ${sb.dir}/run/zypp.pid`);
  expect(sb.calls()[0]).toMatch(/^zypper ZYPP_LOCK_TIMEOUT=(5[0-9]|60) --gpg-auto-import-keys install -y k3s-selinux$/);
});

test("a host without dnf, yum or zypper: install.sh runs as it is, and install.sh's failure is the step's", () => {
  fs.writeFileSync(path.join(sb.dir, "install.sh"), `echo "install.sh $PATH" >> "$CALLS"\nexit 3\n`);
  const r = create();
  expect(r.status).toBe(3);
  const calls = sb.calls();
  expect(calls).toHaveLength(1);
  expect(calls[0].startsWith(`install.sh ${sb.dir}/k3s-stacks-install.`)).toBe(true);
  expect(shimDirs()).toEqual([]);
});
