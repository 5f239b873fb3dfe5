import * as fs from "fs";
import * as path from "path";
import { versionInUrl } from "../../components/airgap/assets";
import { loadBundle } from "../../components/airgap/bundle";
import { manifestSchema } from "../../components/airgap/manifest";
import { buildBundle, BuildOptions } from "../../tools/airgap/build";
import { chartRepo, FixtureServer, listFiles, node, releaseFiles, sha, tmpDir, VERSION } from "./fixture";

const server = new FixtureServer();
const rel = (asset: string) => `/releases/${versionInUrl(VERSION)}/${asset}`;
let out: string;
let log: string[];

beforeAll(async () => {
  await server.start();
  for (const [k, v] of releaseFiles()) server.files.set(k, v);
  chartRepo(server.base, server.files);
});
afterAll(() => server.stop());
beforeEach(() => {
  out = path.join(tmpDir(), "bundle");
  log = [];
  server.behaviour.clear();
  server.hits.clear();
});

function options(extra: Partial<BuildOptions> = {}): BuildOptions {
  return {
    version: VERSION,
    arches: ["amd64", "arm64", "arm"],
    outDir: out,
    artifactUrl: `${server.base}/releases`,
    installScriptUrl: `${server.base}/install.sh`,
    imageFormat: "tar.zst",
    charts: [
      { key: "demo", chart: "demo", repo: `${server.base}/charts`, version: "1.2.3" },
      { key: "other", chart: "other", repo: `${server.base}/charts`, version: "0.1.0" },
    ],
    chartRepoOverrides: {},
    write: (t) => log.push(t),
    progressMinBytes: 100 * 1024,
    ...extra,
  };
}

/** A failed build leaves no manifest and no temporary files behind. */
function expectNoPartialBundle(): void {
  const files = listFiles(out);
  expect(files).not.toContain("manifest.json");
  expect(files.filter((f) => f.endsWith(".part"))).toEqual([]);
}

test("builds a complete bundle whose manifest hashes every file", async () => {
  const m = await buildBundle(options());
  expect(manifestSchema.parse(JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8")))).toEqual(m);
  expect(m.version).toBe(VERSION);
  expect(Object.keys(m.arches).sort()).toEqual(["amd64", "arm", "arm64"]);
  expect(m.arches.arm?.k3s.path).toBe("arm/k3s-armhf");
  expect(m.arches.arm64?.images.path).toBe("arm64/k3s-airgap-images-arm64.tar.zst");
  expect(m.arches.amd64?.k3s.sha256).toBe(sha(server.files.get(rel("k3s")) as Buffer));
  // Relative index URL resolved against the repo, absolute one used as is.
  expect(m.charts.demo).toMatchObject({ path: "charts/demo-1.2.3.tgz", sha256: sha(server.files.get("/charts/demo-1.2.3.tgz") as Buffer) });
  expect(m.charts.other.sha256).toBe(sha(server.files.get("/elsewhere/other-0.1.0.tgz") as Buffer));
  for (const f of [m.installScript, ...Object.values(m.arches).flatMap((a) => [a.k3s, a.images, a.checksums]), ...Object.values(m.charts)]) {
    expect(sha(fs.readFileSync(path.join(out, f.path)))).toBe(f.sha256);
  }
  // The bundle passes the stack-side validation.
  expect(() => loadBundle(out, VERSION, [node("a", "amd64"), node("b", "arm64"), node("c", "arm")], [{ key: "demo", version: "1.2.3" }])).not.toThrow();
  // Large files report progress.
  expect(log.join("")).toMatch(/k3s-airgap-images-arm64\.tar\.zst 100% /);
});

test("a second run downloads no verified file again, and re-fetches only what is missing or wrong", async () => {
  await buildBundle(options());
  server.hits.clear();
  await buildBundle(options());
  expect(server.hits.get(rel("k3s-arm64"))).toBeUndefined();
  expect(server.hits.get(rel("k3s-airgap-images-arm.tar.zst"))).toBeUndefined();
  expect(server.hits.get("/charts/demo-1.2.3.tgz")).toBeUndefined();
  expect(log.join("")).toMatch(/arm64\/k3s-arm64: present, checksum ok/);

  fs.rmSync(path.join(out, "arm/k3s-armhf"));
  fs.writeFileSync(path.join(out, "amd64/k3s"), "tampered");
  server.hits.clear();
  const m = await buildBundle(options());
  expect(server.hits.get(rel("k3s-armhf"))).toBe(1);
  expect(server.hits.get(rel("k3s"))).toBe(1);
  expect(server.hits.get(rel("k3s-arm64"))).toBeUndefined();
  expect(sha(fs.readFileSync(path.join(out, "amd64/k3s")))).toBe(m.arches.amd64?.k3s.sha256);
});

test("a checksum mismatch fails, keeps nothing of the bad file and writes no manifest", async () => {
  server.behaviour.set(rel("k3s-arm64"), "corrupt");
  await expect(buildBundle(options())).rejects.toThrow(/checksum mismatch for .*k3s-arm64: expected sha256 [0-9a-f]{64}, got [0-9a-f]{64}/);
  expectNoPartialBundle();
  expect(fs.existsSync(path.join(out, "arm64/k3s-arm64"))).toBe(false);
});

test("an HTTP 404 fails with the status and URL, without a manifest", async () => {
  server.behaviour.set(rel("k3s-airgap-images-arm.tar.zst"), "404");
  await expect(buildBundle(options())).rejects.toThrow(`HTTP 404 Not Found for ${server.base}${rel("k3s-airgap-images-arm.tar.zst")}`);
  expectNoPartialBundle();
});

test("an interrupted download leaves no partial file and no manifest", async () => {
  server.behaviour.set(rel("k3s-airgap-images-amd64.tar.zst"), "truncate");
  await expect(buildBundle(options())).rejects.toThrow(/interrupted/);
  expectNoPartialBundle();
  expect(fs.existsSync(path.join(out, "amd64/k3s-airgap-images-amd64.tar.zst"))).toBe(false);
});

test("leftovers of a killed run are removed at the next start", async () => {
  fs.mkdirSync(path.join(out, "arm64"), { recursive: true });
  fs.writeFileSync(path.join(out, "arm64/k3s-arm64.part"), "half");
  await buildBundle(options({ arches: ["arm64"], charts: [] }));
  expect(listFiles(out).filter((f) => f.endsWith(".part"))).toEqual([]);
});

test("a failed rebuild removes the manifest of the earlier complete build", async () => {
  await buildBundle(options());
  server.behaviour.set("/install.sh", "404");
  await expect(buildBundle(options())).rejects.toThrow(/HTTP 404/);
  expectNoPartialBundle();
});

test("chart problems name the chart and the fix", async () => {
  await expect(buildBundle(options({ arches: [], charts: [{ key: "demo", chart: "demo", repo: `${server.base}/charts`, version: "9.9.9" }] }))).rejects.toThrow(
    /chart 'demo' has no version 9\.9\.9 .*newest listed: 1\.2\.4, 1\.2\.3/,
  );
  await expect(buildBundle(options({ arches: [], charts: [{ key: "x", chart: "x", repo: "oci://ghcr.io/x", version: "1" }] }))).rejects.toThrow(
    /not an http\(s\) Helm repository.*--chart-repo-override x=/,
  );
  // An override points a catalog key at a mirror.
  const m = await buildBundle(
    options({ arches: [], charts: [{ key: "demo", chart: "demo", repo: "https://unreachable.invalid", version: "1.2.3" }], chartRepoOverrides: { demo: `${server.base}/charts` } }),
  );
  expect(m.sources.chartRepos.demo).toBe(`${server.base}/charts`);
});

test("with selinux builds: each is fetched from the RPM repository's layout and checksummed in the manifest", async () => {
  const rpm = (t: string) => Buffer.from(`k3s-selinux 1.6-1 ${t}`);
  server.files.set("/rpm/k3s/stable/common/centos/9/noarch/k3s-selinux-1.6-1.el9.noarch.rpm", rpm("el9"));
  server.files.set("/rpm/k3s/stable/common/microos/noarch/k3s-selinux-1.6-1.sle.noarch.rpm", rpm("sle"));
  const m = await buildBundle(options({ arches: ["amd64"], charts: [], selinux: { version: "1.6-1", targets: ["el9", "sle"], repo: `${server.base}/rpm`, channel: "stable" } }));
  expect(m.selinux).toEqual({
    version: "1.6-1",
    repo: `${server.base}/rpm`,
    files: {
      el9: { path: "selinux/k3s-selinux-1.6-1.el9.noarch.rpm", sha256: sha(rpm("el9")), size: rpm("el9").length },
      sle: { path: "selinux/k3s-selinux-1.6-1.sle.noarch.rpm", sha256: sha(rpm("sle")), size: rpm("sle").length },
    },
  });
  expect(loadBundle(out, VERSION, [node("r", "amd64")]).selinux?.files.el9?.sha256).toBe(sha(rpm("el9")));
});
