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
  fs.writeFileSync(path.join(sb.dir, "install.sh"), `echo "install.sh\${INSTALL_K3S_SKIP_START:+ skip-start}" >> "$CALLS"\n`);
  sb.fake("systemctl", `${LOG_CALL}\n[ "$1" != is-active ] || [ -e "${sb.dir}/active" ]`);
  sb.fake("getenforce", "echo Enforcing");
  sb.fake("transactional-update", LOG_CALL);
});
afterEach(() => sb.cleanup());

const render = (role: "server" | "agent") =>
  renderInstallScript({ node: "m-1", role, version: "v1.36.3+k3s1", installScriptUrl: "https://get.k3s.io", stagedScript: path.join(sb.dir, "install.sh") }, "K10token")
    .replace(/\/etc\/rancher\/k3s/g, sb.dir)
    .replace(/\/run\/ostree-booted/g, path.join(sb.dir, "ostree-booted"));
const create = (role: "server" | "agent") => sb.run(["bash", "-s", "--", "create"], { input: render(role) });

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
  });

  test.each(["server", "agent"] as const)("%s: k3s-selinux only in the pending deployment: k3s is not started, the run asks for the reboot", (role) => {
    sb.fake("rpm", "exit 1");
    const r = create(role);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(WAIT_FOR_REBOOT);
    expect(sb.calls().filter((c) => c.startsWith("systemctl start"))).toEqual([]);
  });

  test("booted into the deployment with the policy: k3s starts", () => {
    sb.fake("rpm", "exit 0");
    expect(create("agent").status).toBe(0);
    expect(sb.calls()).toContain("systemctl start --no-block k3s-agent");
  });
});

test("a mutable host (no transactional-update, not ostree-booted) never waits for a reboot", () => {
  fs.rmSync(path.join(sb.bin, "transactional-update"));
  sb.fake("rpm", "exit 1");
  expect(create("agent").status).toBe(0);
});
