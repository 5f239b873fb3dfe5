// The shared script frame finds k3s wherever install.sh put it, whatever PATH sudo left (secure_path).
import * as fs from "fs";
import * as path from "path";
import { installFunctions } from "../../components/k3s/scripts";
import { renderCordonScript } from "../../components/day-two/rollout-scripts";
import { scriptFrame } from "../../components/remote/shell";
import { versionGuardFunction } from "../../components/day-two/node-scripts";
import { LOG_CALL, Sandbox, sandbox } from "./support/shell";

let sb: Sandbox;
beforeEach(() => (sb = sandbox()));
afterEach(() => sb.cleanup());

/** RHEL's sudoers `secure_path`. */
const SECURE_PATH = "/sbin:/bin:/usr/sbin:/usr/bin";
const BIN_DIRS = ["/usr/local/bin", "/opt/bin"];
/** Moves install.sh's bin dirs into the sandbox; puts a k3s reporting `version` in `dir`. */
function installK3s(dir: string, version = "v1.36.3+k3s1"): void {
  fs.mkdirSync(path.join(sb.dir, dir), { recursive: true });
  fs.writeFileSync(path.join(sb.dir, dir, "k3s"), `#!/bin/bash\n${LOG_CALL}\necho "k3s version ${version} (abc)"\n`, { mode: 0o755 });
}
/** install.sh's bin dirs and our state dirs, moved into the sandbox: never the real machine's. */
const SANDBOXED = [...BIN_DIRS, "/var/lib/rancher/k3s-stacks", "/var/lib/k3s-stacks"];
const inSandbox = (script: string) => SANDBOXED.reduce((s, d) => s.split(d).join(sb.dir + d), script);
const run = (script: string, phase: string, envPath = SECURE_PATH) =>
  sb.run(["bash", "-s", "--", phase], { input: inSandbox(script), env: { PATH: envPath } });

describe.each(BIN_DIRS)("k3s installed in %s, script run under sudo's secure_path", (dir) => {
  beforeEach(() => installK3s(dir));

  test("the install and restart steps read the installed version (no reinstall)", () => {
    const functions = installFunctions({ node: "rocky-1", role: "server", version: "v1.36.3+k3s1", installScriptUrl: "https://get.k3s.io" });
    const r = run(scriptFrame("version", { update: `${functions}\necho "installed: $(installed_version)"` }), "update");
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("installed: v1.36.3+k3s1\n");
  });

  test("kubectl steps call k3s", () => {
    const r = run(renderCordonScript({ node: "a-1", version: "v1.36.3+k3s1", drain: false, drainTimeout: "5m" }), "update");
    expect(r.status).toBe(0);
    expect(sb.calls()[0]).toBe("k3s kubectl get node a-1 -o jsonpath={.status.nodeInfo.kubeletVersion}");
  });

  test("the version guard sees the running k3s", () => {
    installK3s(dir, "v1.38.0+k3s1");
    const r = run(scriptFrame("guard", { x: `${versionGuardFunction("v1.36.3+k3s1")}\nrefuse_version_skew "$(k3s --version | awk 'NR == 1 { print $3 }')"` }), "x");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("would be a downgrade");
  });
});

test("missing directories are added in a root login's order; present ones keep their place", () => {
  const show = scriptFrame("path", { create: 'echo "$PATH"' });
  const printed = (envPath: string) => sb.run(["bash", "-s", "--", "create"], { input: show, env: { PATH: envPath } }).stdout.trim();
  expect(printed(SECURE_PATH)).toBe(`/usr/local/sbin:/usr/local/bin:${SECURE_PATH}:/opt/bin`);
  const root = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  expect(printed(root)).toBe(`${root}:/opt/bin`);
  expect(printed(`/x:/usr/bin:/usr/local/bin:/opt/bin`)).toBe("/usr/local/sbin:/x:/usr/bin:/usr/local/bin:/opt/bin:/usr/sbin:/sbin:/bin");
});
