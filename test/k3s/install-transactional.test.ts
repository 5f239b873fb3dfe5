// The install step on a transactional SUSE system (MicroOS, SLE Micro) with SELinux on, in a real bash
// against fake tools: install.sh puts k3s-selinux into a new snapshot and leaves k3s stopped until a
// reboot (K3S:install.sh setup_selinux); the step must not start k3s before that.
import * as fs from "fs";
import * as path from "path";
import { renderInstallScript } from "../../components/k3s/scripts";
import { LOG_CALL, Sandbox, sandbox } from "./support/shell";

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
    .replace(/\/etc\/rancher\/k3s/g, sb.dir);
const create = (role: "server" | "agent") => sb.run(["bash", "-s", "--", "create"], { input: render(role) });

test.each(["server", "agent"] as const)("%s: k3s-selinux only in the pending snapshot: k3s is not started, the run asks for the reboot", (role) => {
  sb.fake("rpm", "exit 1");
  const r = create(role);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("k3s-stacks: m-1 is a transactional system with SELinux on, and k3s-selinux is only in the new snapshot install.sh installed it into: k3s must not start before that snapshot runs (install.sh left it stopped). Fix: reboot m-1, then run pulumi up again.");
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
