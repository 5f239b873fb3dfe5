import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { versionInUrl } from "../../components/airgap/assets";
import { parseBuildArgs, UsageError } from "../../tools/airgap/args";
import { FixtureServer, listFiles, releaseFiles, tmpDir, VERSION } from "./fixture";

const catalog = [
  { key: "longhorn", chart: "longhorn", repo: "https://charts.longhorn.io", version: "1.12.1" },
  { key: "metallb", chart: "metallb", repo: "https://metallb.github.io/metallb", version: "0.16.1" },
];

describe("argument parsing", () => {
  test("accepts arch aliases, dedupes them and defaults the rest", () => {
    const a = parseBuildArgs(["--version", VERSION, "--arch", "x64,amd64,armhf,arm64"], catalog);
    expect(a).toMatchObject({
      version: VERSION,
      arches: ["amd64", "arm", "arm64"],
      outDir: "./bundle",
      artifactUrl: "https://github.com/k3s-io/k3s/releases/download",
      installScriptUrl: "https://get.k3s.io",
      imageFormat: "tar.zst",
    });
    expect(a !== "help" && a.charts.map((c) => c.key)).toEqual(["longhorn", "metallb"]);
  });

  test("overrides and chart selection", () => {
    const a = parseBuildArgs(
      ["--version", VERSION, "--arch", "arm64", "--charts", "metallb", "--chart-repo-override", "metallb=http://127.0.0.1:8080/metallb", "--artifact-url", "http://127.0.0.1:8080/k3s"],
      catalog,
    );
    expect(a).toMatchObject({ chartRepoOverrides: { metallb: "http://127.0.0.1:8080/metallb" }, artifactUrl: "http://127.0.0.1:8080/k3s" });
    expect(a !== "help" && a.charts.map((c) => c.key)).toEqual(["metallb"]);
    expect(parseBuildArgs(["--version", VERSION, "--arch", "arm64", "--charts", "none"], catalog)).toMatchObject({ charts: [] });
    expect(parseBuildArgs(["--version", VERSION, "--arch", "arm64", "--chart-version", "longhorn=1.12.2"], catalog)).toMatchObject({
      charts: [{ key: "longhorn", version: "1.12.2" }, { key: "metallb", version: "0.16.1" }],
    });
  });

  test("every problem is reported at once, naming the option", () => {
    let err: unknown;
    try {
      parseBuildArgs(["--version", "stable", "--arch", "sparc", "--images-format", "zip", "--chart-repo-override", "nope=http://x", "--charts", "ghost"], catalog);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/--version: 'stable' is not a k3s release tag/);
    expect(msg).toMatch(/--arch: unknown arch 'sparc'/);
    expect(msg).toMatch(/--images-format: use one of tar\.zst, tar\.gz, tar/);
    expect(msg).toMatch(/--chart-repo-override: 'nope=http:\/\/x' must be KEY=URL/);
    expect(msg).toMatch(/--charts: 'ghost' is not in the addon catalog/);
    expect(() => parseBuildArgs(["--bogus"], catalog)).toThrow(UsageError);
  });

  test("--arch as uname -m prints it gets the inventory's message: the spelling meant, or why none fits", () => {
    expect(() => parseBuildArgs(["--version", "v1.36.3+k3s1", "--arch", "armv7l"], catalog)).toThrow(/--arch: 'armv7l' is what uname -m prints .*Fix: write armhf/);
    expect(() => parseBuildArgs(["--version", "v1.36.3+k3s1", "--arch", "armv6l"], catalog)).toThrow(/--arch: 'armv6l' is an ARMv6 or older machine/);
  });
});

describe("command line", () => {
  const server = new FixtureServer();
  beforeAll(async () => {
    await server.start();
    for (const [k, v] of releaseFiles()) server.files.set(k, v);
  });
  afterAll(() => server.stop());

  // Asynchronous: the fixture server lives in this process and must keep answering.
  const run = (args: string[]) =>
    new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "tools/airgap-bundle.ts", ...args], {
        cwd: path.join(__dirname, "../.."),
      });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("close", (status) => resolve({ status, stderr }));
    });

  test("exits 0 with a bundle, non-zero with a clear message on an HTTP error", async () => {
    const out = path.join(tmpDir(), "bundle");
    const common = ["--version", VERSION, "--out", out, "--artifact-url", `${server.base}/releases`, "--install-script-url", `${server.base}/install.sh`, "--charts", "none", "--pinned-images", "none"];
    const ok = await run([...common, "--arch", "arm64"]);
    expect(ok.stderr).toMatch(/bundle for k3s v1\.36\.3\+k3s1 \(arm64; 0 charts; 0 images\) written/);
    expect(ok.status).toBe(0);
    expect(fs.existsSync(path.join(out, "manifest.json"))).toBe(true);

    server.behaviour.set(`/releases/${versionInUrl(VERSION)}/k3s-armhf`, "404");
    const bad = await run([...common, "--arch", "arm64,armhf"]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/airgap: FAILED: HTTP 404 Not Found for http:\/\/127\.0\.0\.1:\d+\/releases\/v1\.36\.3%2Bk3s1\/k3s-armhf/);
    expect(bad.stderr).toMatch(/no manifest was written/);
    expect(listFiles(out)).not.toContain("manifest.json");

    const usage = await run(["--arch", "arm64"]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/--version: '' is not a k3s release tag/);
  }, 90000);
});
