// The install step on an image-based system with SELinux on — a transactional SUSE system (MicroOS, SLE
// Micro) or an rpm-ostree one (Fedora CoreOS, IoT) — in a real bash against fake tools: install.sh puts
// k3s-selinux into the next snapshot or deployment and leaves k3s stopped until a reboot
// (K3S:install.sh setup_selinux, install_selinux_rpm); the step must not start k3s before that.
import * as fs from "fs";
import * as path from "path";
import { renderInstallScript } from "../../components/k3s/scripts";
import { LOG_CALL, Sandbox, sandbox } from "./support/shell";

const WAIT_FOR_REBOOT = "k3s-stacks: m-1 runs a read-only system image (transactional-update or rpm-ostree) with SELinux on, and k3s-selinux is only in the new snapshot or deployment install.sh installed it into: k3s must not start before that runs (install.sh left it stopped). Fix: reboot m-1 ('systemctl reboot'), then run pulumi up again.";

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
  // install.sh logs what it was told to skip and writes the binary (content from $K3S_BUILD).
  fs.writeFileSync(path.join(sb.dir, "install.sh"), `echo "install.sh\${INSTALL_K3S_SKIP_START:+ skip-start}\${INSTALL_K3S_SKIP_SELINUX_RPM:+ skip-selinux-rpm}" >> "$CALLS"
mkdir -p "${sb.dir}/usr/local/bin" && echo "\${K3S_BUILD:-1}" > "${sb.dir}/usr/local/bin/k3s" && chmod +x "${sb.dir}/usr/local/bin/k3s"\n`);
  fs.writeFileSync(path.join(sb.dir, "os-release"), "ID=debian\n");
  sb.fake("chcon", LOG_CALL);
  // A unit's state is the file `active`; a start (queued or not) makes it active; its show is not logged.
  sb.fake("systemctl", `[ "$1" != show ] || exit 0\n${LOG_CALL}\ncase "$1" in is-active) [ -e "${sb.dir}/active" ] ;; start) touch "${sb.dir}/active" ;; esac`);
  sb.fake("getenforce", "echo Enforcing");
  sb.fake("transactional-update", LOG_CALL);
});
afterEach(() => sb.cleanup());

const render = (role: "server" | "agent") =>
  renderInstallScript({ node: "m-1", role, version: "v1.36.3+k3s1", installScriptUrl: "https://get.k3s.io", stagedScript: path.join(sb.dir, "install.sh") }, "K10token")
    .replace(/\/etc\/rancher\/k3s/g, sb.dir)
    .replace(/\/run\/ostree-booted/g, path.join(sb.dir, "ostree-booted"))
    .replace(/\/etc\/os-release/g, path.join(sb.dir, "os-release"))
    .replace(/\/usr\/local\/bin/g, path.join(sb.dir, "usr/local/bin"))
    .replace(/\/opt\/bin/g, path.join(sb.dir, "opt/bin"))
    .replace(/\/etc\/systemd\/system/g, sb.dir);
const create = (role: "server" | "agent", env: Record<string, string> = {}) => sb.run(["bash", "-s", "--", "create"], { input: render(role), env });

test.each(["server", "agent"] as const)("%s: k3s-selinux only in the pending snapshot: k3s is not started, the run asks for the reboot", (role) => {
  sb.fake("rpm", "exit 1");
  const r = create(role);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(WAIT_FOR_REBOOT);
  expect(sb.calls().filter((c) => c.startsWith("systemctl start"))).toEqual([]);
});

test("after the reboot (policy in the running system) k3s starts as usual", () => {
  sb.fake("rpm", "exit 0");
  fs.writeFileSync(path.join(sb.dir, "active"), "");
  const r = create("server");
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
});

test("an upgrade where install.sh removed the k3s policy module to put the new k3s-selinux into the pending snapshot: the running k3s is not restarted, the run asks for the reboot", () => {
  sb.fake("rpm", "exit 0");
  // install.sh's `semodule -X 400 -r k3s` left the running policy without k3s.
  sb.fake("semodule", 'printf "%s\\n" container selinux-base');
  fs.writeFileSync(path.join(sb.dir, "active"), "");
  const r = create("server", { K3S_BUILD: "2" });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("k3s-stacks: m-1 runs a read-only system image (transactional-update or rpm-ostree) with SELinux on, and k3s-selinux is installed but its policy module k3s is not loaded in the running system ('semodule -l' does not list it): install.sh removes it before it upgrades k3s-selinux into the new snapshot or deployment, so k3s must not (re)start before that runs. Fix: drain and reboot m-1 ('systemctl reboot'), then run pulumi up again.");
  expect(sb.calls().filter((c) => /^systemctl (start|restart)/.test(c))).toEqual([]);
  // Once booted into the snapshot, the module is back: the step goes on.
  sb.fake("semodule", 'printf "%s\\n" container k3s selinux-base');
  expect(create("server", { K3S_BUILD: "3" })).toMatchObject({ status: 0, stderr: "" });
});

test("SELinux disabled on a transactional system: nothing to wait for", () => {
  sb.fake("rpm", "exit 1");
  sb.fake("getenforce", "echo Disabled");
  expect(create("agent").status).toBe(0);
  expect(sb.calls()).toContain("systemctl start --no-block k3s-agent");
});

describe("rpm-ostree (Fedora CoreOS): no transactional-update, /run/ostree-booted", () => {
  beforeEach(() => {
    fs.rmSync(path.join(sb.bin, "transactional-update"));
    fs.writeFileSync(path.join(sb.dir, "ostree-booted"), "");
    fs.writeFileSync(path.join(sb.dir, "os-release"), "ID=fedora\nVERSION_ID=41\nVARIANT_ID=coreos\nOSTREE_VERSION='41.20241109.3.0'\n");
  });

  test.each(["server", "agent"] as const)("%s: k3s-selinux only in the pending deployment: k3s is not started, the run asks for the reboot", (role) => {
    sb.fake("rpm", "exit 1");
    const r = create(role);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(WAIT_FOR_REBOOT);
    expect(sb.calls().filter((c) => c.startsWith("systemctl start"))).toEqual([]);
  });

  test("booted into the deployment with the policy: k3s starts; install.sh keeps its own SELinux step", () => {
    sb.fake("rpm", "exit 0");
    expect(create("agent").status).toBe(0);
    const calls = sb.calls();
    expect(calls).toContain("install.sh skip-start");
    expect(calls).toContain("systemctl start --no-block k3s-agent");
  });
});

describe("an rpm-ostree host install.sh does not take for Fedora CoreOS (RHEL for Edge): install.sh would run yum", () => {
  /** What changed the host (systemctl's is-active queries left out). */
  const changes = () => sb.calls().filter((c) => !c.startsWith("systemctl is-active") && !c.startsWith("systemctl show"));
  const label = () => `chcon -u system_u -r object_r -t container_runtime_exec_t ${sb.dir}/usr/local/bin/k3s`;
  beforeEach(() => {
    fs.rmSync(path.join(sb.bin, "transactional-update"));
    fs.writeFileSync(path.join(sb.dir, "ostree-booted"), "");
    fs.writeFileSync(path.join(sb.dir, "os-release"), 'ID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"\n');
  });

  test("without k3s-selinux: fails before install.sh, naming rpm-ostree, Rancher's el9 folder and the reboot", () => {
    sb.fake("rpm", "exit 1");
    const r = create("agent");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("k3s-stacks: m-1 boots an rpm-ostree image (");
    expect(r.stderr).toContain("with SELinux on and without k3s-selinux, which install.sh would install with yum: an rpm-ostree host has none, and its /usr is read-only. Fix: on m-1 run 'rpm-ostree install --idempotent -y k3s-selinux' with Rancher's RPM repository (https://rpm.rancher.io/k3s/stable/common/centos/9/noarch) or your mirror of it configured, then 'systemctl reboot', then run pulumi up again.");
    expect(sb.calls()).toEqual([]);
  });

  test("with k3s-selinux booted: install.sh skips its RPM step and the start, the binary gets install.sh's label, then k3s starts", () => {
    sb.fake("rpm", "exit 0");
    const r = create("agent");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(changes()).toEqual(["install.sh skip-start skip-selinux-rpm", label(), "systemctl start --no-block k3s-agent"]);
  });

  test("a running server is restarted after the label only when install.sh changed its binary (install.sh's restart on change)", () => {
    sb.fake("rpm", "exit 0");
    fs.writeFileSync(path.join(sb.dir, "active"), "");
    expect(create("server").status).toBe(0);
    expect(changes()).toEqual(["install.sh skip-start skip-selinux-rpm", label(), "systemctl restart --no-block k3s"]);
    expect(create("server").status).toBe(0);
    expect(changes()).toEqual(["install.sh skip-start skip-selinux-rpm", label()]);
    expect(create("server", { K3S_BUILD: "2" }).status).toBe(0);
    expect(changes()).toContain("systemctl restart --no-block k3s");
  });

  test("SELinux disabled: install.sh as usual", () => {
    sb.fake("rpm", "exit 1");
    sb.fake("getenforce", "echo Disabled");
    expect(create("agent").status).toBe(0);
    expect(changes()).toEqual(["install.sh skip-start", "systemctl start --no-block k3s-agent"]);
  });
});

test("a mutable host (no transactional-update, not ostree-booted) never waits for a reboot", () => {
  fs.rmSync(path.join(sb.bin, "transactional-update"));
  sb.fake("rpm", "exit 1");
  expect(create("agent").status).toBe(0);
});
