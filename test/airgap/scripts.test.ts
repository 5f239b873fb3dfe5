import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { IMAGES_DIR, renderPreInstall, renderStageDirScript, renderVerifyScript, StagedFile } from "../../components/airgap/scripts";
import { renderInstallScript } from "../../components/k3s/scripts";
import { renderRestartScript } from "../../components/day-two/rollout-scripts";
import { sha, tmpDir } from "./fixture";

function shellcheck(script: string, shell = "bash"): string {
  const r = spawnSync("shellcheck", ["-s", shell, "-"], { input: script, encoding: "utf8" });
  return r.stdout + r.stderr;
}

function run(script: string, phase = "create") {
  return spawnSync("bash", ["-s", "--", phase], { input: script, encoding: "utf8" });
}

const SHA = "a".repeat(64);
const staged = (dir: string, imagesDir = IMAGES_DIR): StagedFile[] => [
  { name: "k3s", sha256: SHA, dest: `${dir}/k3s`, mode: "0755", resource: "n1-airgap-arm64-k3s-v1.36.3-k3s1" },
  { name: "k3s-airgap-images-arm64.tar.zst", sha256: SHA, dest: `${imagesDir}/k3s-airgap-images-arm64.tar.zst`, mode: "0644", resource: "n1-airgap-arm64-images-v1.36.3-k3s1" },
  { name: "install.sh", sha256: SHA, dest: `${dir}/install.sh`, mode: "0755", resource: "n1-airgap-arm64-install-sh-v1.36.3-k3s1" },
];

describe("shellcheck", () => {
  test("staging directory, verify and the install/upgrade scripts with the airgap pre-install are clean", () => {
    const dir = "/var/lib/rancher/k3s-stacks/airgap/v1.36.3-k3s1";
    expect(shellcheck(renderStageDirScript({ dir, user: "pi" }))).toBe("");
    expect(shellcheck(renderVerifyScript({ node: "n1", dir, files: staged(dir), imagesPrefix: "k3s-airgap-images-arm64." }))).toBe("");
    for (const binDir of [undefined, "/opt/bin"]) {
      const spec = {
        node: "n1",
        role: "agent" as const,
        version: "v1.36.3+k3s1",
        installScriptUrl: "https://get.k3s.io",
        stagedScript: `${dir}/install.sh`,
        stagedEnv: { INSTALL_K3S_SKIP_DOWNLOAD: "true" },
        preInstall: renderPreInstall({ dir, k3sSha256: SHA, binDir }),
      };
      expect(shellcheck(renderInstallScript(spec, "K10token"))).toBe("");
      expect(shellcheck(renderRestartScript({ node: "n1", role: "agent", install: spec, files: ["/etc/rancher/k3s/config.yaml"], configHash: SHA, etcd: false, timeoutSeconds: 600 }))).toBe("");
    }
  });
});

describe("verify script on a real shell (temporary directories)", () => {
  let root: string, dir: string, imagesDir: string, upload: string;
  const files = { k3s: Buffer.from("binary v2"), images: Buffer.from("images v2"), install: Buffer.from("#!/bin/sh\n") };
  const list = (): StagedFile[] => [
    { name: "k3s", sha256: sha(files.k3s), dest: `${dir}/k3s`, mode: "0755", resource: "n1-airgap-arm64-k3s-v2" },
    { name: "k3s-airgap-images-arm64.tar.zst", sha256: sha(files.images), dest: `${imagesDir}/k3s-airgap-images-arm64.tar.zst`, mode: "0644", resource: "n1-airgap-arm64-images-v2" },
    { name: "install.sh", sha256: sha(files.install), dest: `${dir}/install.sh`, mode: "0755", resource: "n1-airgap-arm64-install-sh-v2" },
  ];
  const script = () => renderVerifyScript({ node: "n1", dir, files: list(), imagesPrefix: "k3s-airgap-images-arm64.", imagesDir });
  const uploadAll = () => {
    fs.mkdirSync(upload, { recursive: true });
    fs.writeFileSync(path.join(upload, "k3s"), files.k3s);
    fs.writeFileSync(path.join(upload, "k3s-airgap-images-arm64.tar.zst"), files.images);
    fs.writeFileSync(path.join(upload, "install.sh"), files.install);
  };

  beforeEach(() => {
    root = tmpDir();
    dir = path.join(root, "stage/v2");
    imagesDir = path.join(root, "images");
    upload = path.join(dir, "upload");
  });

  test("moves verified uploads into place, drops another format's images, and converges on a re-run", () => {
    uploadAll();
    fs.mkdirSync(imagesDir, { recursive: true });
    fs.writeFileSync(path.join(imagesDir, "k3s-airgap-images-arm64.tar.gz"), "old format");
    fs.writeFileSync(path.join(imagesDir, "k3s-airgap-images-amd64.tar.zst"), "other arch");
    const r = run(script());
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(fs.readFileSync(path.join(dir, "k3s"))).toEqual(files.k3s);
    expect(fs.statSync(path.join(dir, "k3s")).mode & 0o777).toBe(0o755);
    expect(fs.readFileSync(path.join(imagesDir, "k3s-airgap-images-arm64.tar.zst"))).toEqual(files.images);
    expect(fs.readdirSync(imagesDir).sort()).toEqual(["k3s-airgap-images-amd64.tar.zst", "k3s-airgap-images-arm64.tar.zst"]);
    expect(fs.readdirSync(upload)).toEqual([]);
    // A retry after a half-finished run: uploads are gone but everything is in place.
    const again = run(script());
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/k3s already in place/);
  });

  test("a corrupt upload fails with both hashes and the resource to replace, and is removed", () => {
    uploadAll();
    fs.writeFileSync(path.join(upload, "install.sh"), "#!/bin/sh\nrm -rf /\n");
    const r = run(script());
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`install\\.sh on n1 has sha256 ${sha("#!/bin/sh\nrm -rf /\n")}, expected ${sha(files.install)} \\(upload corrupt\\)\\. Fix: pulumi up --replace <URN of n1-airgap-arm64-install-sh-v2>`));
    expect(fs.existsSync(path.join(upload, "install.sh"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "install.sh"))).toBe(false);
  });

  test("a missing upload fails naming the file and the fix", () => {
    uploadAll();
    fs.rmSync(path.join(upload, "k3s"));
    const r = run(script());
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/upload\/k3s is missing on n1\. Fix: re-upload it: pulumi up --replace <URN of n1-airgap-arm64-k3s-v2>/);
  });
});

describe("pre-install on a real shell", () => {
  const harness = (pre: string) => `set -euo pipefail\nrun_install() {\n${pre}\necho installed\n}\nrun_install\n`;

  test("puts the staged binary in place once with install.sh's SELinux label, and refuses a staged binary with the wrong hash", () => {
    const root = tmpDir();
    const dir = path.join(root, "stage");
    const bin = path.join(root, "bin");
    fs.mkdirSync(dir);
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(dir, "k3s"), "new k3s");
    fs.writeFileSync(path.join(bin, "k3s"), "old k3s");
    const pre = renderPreInstall({ dir, k3sSha256: sha("new k3s"), binDir: bin });
    const r = run(harness(pre));
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("installed\n");
    expect(fs.readFileSync(path.join(bin, "k3s"), "utf8")).toBe("new k3s");
    expect(fs.statSync(path.join(bin, "k3s")).mode & 0o777).toBe(0o755);
    const inode = fs.statSync(path.join(bin, "k3s")).ino;
    expect(run(harness(pre)).status).toBe(0);
    expect(fs.statSync(path.join(bin, "k3s")).ino).toBe(inode);

    // install.sh skips its SELinux step (and with it the binary's label) when downloads are skipped.
    const calls = path.join(root, "calls");
    const tools = path.join(root, "tools");
    fs.mkdirSync(tools);
    fs.writeFileSync(path.join(tools, "chcon"), `#!/bin/sh\necho "chcon $*" >> "${calls}"\n`, { mode: 0o755 });
    const labelled = spawnSync("bash", ["-s", "--", "create"], { input: harness(pre), encoding: "utf8", env: { ...process.env, PATH: `${tools}:${process.env.PATH}` } });
    expect(labelled.status).toBe(0);
    expect(fs.readFileSync(calls, "utf8")).toBe(`chcon -u system_u -r object_r -t container_runtime_exec_t ${bin}/k3s\n`);
    // Without SELinux (chcon fails, no enforcing config) it goes on, as install.sh does.
    fs.writeFileSync(path.join(tools, "chcon"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
    expect(spawnSync("bash", ["-s", "--", "create"], { input: harness(pre), encoding: "utf8", env: { ...process.env, PATH: `${tools}:${process.env.PATH}` } }).stdout).toBe("installed\n");

    const bad = run(harness(renderPreInstall({ dir, k3sSha256: SHA, binDir: bin })));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/stage\/k3s has sha256 [0-9a-f]{64}, expected a{64}/);
    expect(bad.stdout).toBe("");
  });
});
