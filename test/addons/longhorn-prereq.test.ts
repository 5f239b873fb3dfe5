import { execFileSync, spawnSync } from "child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { renderLonghornPrereqScript } from "../../components/addons/longhorn-prereq";

function hasShellcheck(): boolean {
  return spawnSync("shellcheck", ["--version"]).status === 0;
}

const dir = mkdtempSync(path.join(tmpdir(), "longhorn-prereq-"));
const script = path.join(dir, "prereq.sh");
writeFileSync(script, renderLonghornPrereqScript({ nodeName: "pi-1" }));

/** Runs the script with PATH limited to `binDir` (stub commands), nothing else from the host. */
function run(phase: string, binDir: string) {
  return spawnSync("/bin/bash", [script, phase], { env: { PATH: binDir }, encoding: "utf8" });
}

describe("renderLonghornPrereqScript", () => {
  it("passes shellcheck (install it: apt-get install -y shellcheck)", () => {
    if (!hasShellcheck() && !process.env.CI) {
      console.warn("shellcheck not installed: skipped locally; CI fails here");
      return;
    }
    expect(() => execFileSync("shellcheck", ["-s", "bash", script], { encoding: "utf8" })).not.toThrow();
    const anonymous = path.join(dir, "anon.sh");
    writeFileSync(anonymous, renderLonghornPrereqScript());
    expect(() => execFileSync("shellcheck", ["-s", "bash", anonymous], { encoding: "utf8" })).not.toThrow();
  });

  it("does nothing on delete: the packages stay for whatever else uses them", () => {
    const r = run("delete", path.join(dir, "empty"));
    expect(r.status).toBe(0);
    expect(r.stdout + r.stderr).toBe("");
  });

  it("names the node and the fix when no package manager can install open-iscsi", () => {
    const r = run("create", path.join(dir, "empty"));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^longhorn prerequisites on node pi-1: no supported package manager .* Fix: install them by hand/m);
  });

  it("reports a failed apt-get install with the package names", () => {
    const bin = mkdtempSync(path.join(dir, "bin-"));
    writeFileSync(path.join(bin, "apt-get"), "#!/bin/bash\nexit 100\n");
    chmodSync(path.join(bin, "apt-get"), 0o755);
    const r = run("create", bin);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/longhorn prerequisites on node pi-1: apt-get could not install open-iscsi/);
  });

  it("quotes the node name", () => {
    expect(renderLonghornPrereqScript({ nodeName: "a'b" })).toContain(`node='a'\\''b'`);
  });
});
