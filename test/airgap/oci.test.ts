// The bundle builder's image pull: a fake registry (distribution API with a bearer-token challenge)
// on localhost; the tarball is read back with the system's tar.
import { createHash } from "crypto";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as path from "path";
import { saveImage } from "../../tools/airgap/oci";
import { tarArchive } from "../../tools/airgap/tar";
import { loadBundle } from "../../components/airgap/bundle";
import { BundleManifest } from "../../components/airgap/manifest";
import { FixtureServer, node, releaseFiles, tmpDir, VERSION, writeBundle } from "./fixture";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const blob = (s: string) => Buffer.from(s);

/** A registry serving one multi-arch image under kube-vip/kube-vip:v1.1.2, behind a token. */
class FakeRegistry {
  blobs = new Map<string, Buffer>();
  manifests = new Map<string, { type: string; body: Buffer }>();
  tokenRequests: string[] = [];
  corrupt?: string;
  private server?: http.Server;
  base = "";

  constructor() {
    const index = { schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [] as object[] };
    for (const [arch, variant] of [["amd64"], ["arm64"], ["arm", "v7"]] as Array<[string, string?]>) {
      const config = blob(`{"architecture":"${arch}"}`);
      const layer = blob(`layer of ${arch}`);
      this.blobs.set(`sha256:${sha(config)}`, config);
      this.blobs.set(`sha256:${sha(layer)}`, layer);
      const m = blob(JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: `sha256:${sha(config)}`, size: config.length },
        layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: `sha256:${sha(layer)}`, size: layer.length }],
      }));
      this.manifests.set(`sha256:${sha(m)}`, { type: "application/vnd.oci.image.manifest.v1+json", body: m });
      index.manifests.push({ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: `sha256:${sha(m)}`, size: m.length, platform: { os: "linux", architecture: arch, ...(variant ? { variant } : {}) } });
    }
    this.manifests.set("v1.1.2", { type: index.mediaType, body: blob(JSON.stringify(index)) });
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      if (url.pathname === "/token") {
        this.tokenRequests.push(url.search);
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: "t0k" }));
        return;
      }
      if (req.headers.authorization !== "Bearer t0k") {
        res.writeHead(401, { "www-authenticate": `Bearer realm="${this.base}/token",service="fake",scope="repository:kube-vip/kube-vip:pull"` }).end();
        return;
      }
      const m = /^\/v2\/kube-vip\/kube-vip\/(manifests|blobs)\/(.+)$/.exec(url.pathname);
      const found = m && (m[1] === "manifests" ? this.manifests.get(m[2])?.body : this.blobs.get(m[2]));
      if (!m || !found) {
        res.writeHead(404).end();
        return;
      }
      const body = m[2] === this.corrupt ? Buffer.concat([found, blob("!")]) : found;
      res.writeHead(200, { "content-type": m[1] === "manifests" ? this.manifests.get(m[2])!.type : "application/octet-stream" }).end(body);
    });
    await new Promise<void>((r) => this.server?.listen(0, "127.0.0.1", r));
    this.base = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server?.close(() => r()));
  }
}

const registry = new FakeRegistry();
beforeAll(() => registry.start());
afterAll(() => registry.stop());
const source = () => ({ repository: "ghcr.io/kube-vip/kube-vip", tag: "v1.1.2", registryUrl: registry.base });

test("tarArchive writes a ustar archive the system's tar reads back", () => {
  const dir = tmpDir();
  const file = path.join(dir, "a.tar");
  fs.writeFileSync(file, tarArchive([{ name: "oci-layout", data: blob("{}") }, { name: "blobs/sha256/abc", data: Buffer.alloc(1000, 7) }]));
  expect(execFileSync("tar", ["-tf", file], { encoding: "utf8" }).split("\n").filter(Boolean)).toEqual(["oci-layout", "blobs/sha256/abc"]);
  execFileSync("tar", ["-xf", file, "-C", dir]);
  expect(fs.readFileSync(path.join(dir, "blobs/sha256/abc"))).toEqual(Buffer.alloc(1000, 7));
});

test("saveImage pulls the arch's image after the token challenge and writes an OCI layout named for containerd", async () => {
  const dir = tmpDir();
  const dest = path.join(dir, "arm", "images", "kubeVip-v1.1.2.tar");
  const got = await saveImage(source(), "arm", dest);
  expect(got).toEqual({ sha256: sha(fs.readFileSync(dest)), size: fs.statSync(dest).size });
  expect(registry.tokenRequests[0]).toContain("scope=repository%3Akube-vip%2Fkube-vip%3Apull");
  execFileSync("tar", ["-xf", dest, "-C", dir]);
  const index = JSON.parse(fs.readFileSync(path.join(dir, "index.json"), "utf8"));
  expect(index.manifests[0].annotations["io.containerd.image.name"]).toBe("ghcr.io/kube-vip/kube-vip:v1.1.2");
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "blobs/sha256", index.manifests[0].digest.slice(7)), "utf8"));
  expect(fs.readFileSync(path.join(dir, "blobs/sha256", manifest.config.digest.slice(7)), "utf8")).toBe('{"architecture":"arm"}');
  expect(fs.readFileSync(path.join(dir, "blobs/sha256", manifest.layers[0].digest.slice(7)), "utf8")).toBe("layer of arm");
  expect(JSON.parse(fs.readFileSync(path.join(dir, "oci-layout"), "utf8"))).toEqual({ imageLayoutVersion: "1.0.0" });
});

test("a blob that does not match its digest fails the pull and leaves no file", async () => {
  const dir = tmpDir();
  registry.corrupt = [...registry.blobs.keys()][1];
  try {
    await expect(saveImage(source(), "amd64", path.join(dir, "x.tar"))).rejects.toThrow(/checksum mismatch for ghcr\.io\/kube-vip\/kube-vip blob sha256:/);
  } finally {
    registry.corrupt = undefined;
  }
  expect(fs.existsSync(path.join(dir, "x.tar"))).toBe(false);
});

describe("loadBundle with images", () => {
  const withImage = (dir: string, arches: Array<"amd64" | "arm64">, ref = "ghcr.io/kube-vip/kube-vip:v1.1.2") => {
    const m: BundleManifest = writeBundle(dir);
    const files: NonNullable<BundleManifest["images"]>[string]["arches"] = {};
    for (const arch of arches) {
      const rel = `${arch}/images/kubeVip-v1.1.2.tar`;
      fs.mkdirSync(path.join(dir, arch, "images"), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), `image ${arch}`);
      files[arch] = { path: rel, sha256: sha(blob(`image ${arch}`)), size: 8 };
    }
    fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify({ ...m, images: { kubeVip: { ref, arches: files } } }));
  };
  const want = [{ key: "kubeVip", ref: "ghcr.io/kube-vip/kube-vip:v1.1.2", roles: ["server" as const] }];
  const nodes = [node("s1", "amd64", "server"), node("a1", "arm64", "agent")];

  it("loads the image for the servers' arches only", () => {
    const dir = tmpDir();
    withImage(dir, ["amd64"]);
    const b = loadBundle(dir, VERSION, nodes, [], want);
    expect(Object.keys(b.images[0].files)).toEqual(["amd64"]);
  });

  it("names the missing image, arch or pin with the rebuild command", () => {
    const dir = tmpDir();
    withImage(dir, ["arm64"]);
    expect(() => loadBundle(dir, VERSION, nodes, [], want)).toThrow(/image ghcr\.io\/kube-vip\/kube-vip:v1\.1\.2 has no amd64 file in the bundle\. Fix: npm run airgap/);
    const old = tmpDir();
    withImage(old, ["amd64"], "ghcr.io/kube-vip/kube-vip:v0.9.0");
    expect(() => loadBundle(old, VERSION, nodes, [], want)).toThrow(/image ghcr\.io\/kube-vip\/kube-vip:v1\.1\.2 is not in the bundle \(it has ghcr\.io\/kube-vip\/kube-vip:v0\.9\.0\)\. Fix: rebuild/);
  });
});

test("the builder bundles pinned images per arch, from a registry mirror, and the stack loads them", async () => {
  const { buildBundle } = await import("../../tools/airgap/build");
  const { parseBuildArgs } = await import("../../tools/airgap/args");
  const files = new FixtureServer();
  await files.start();
  try {
    for (const [k, v] of releaseFiles()) files.files.set(k, v);
    const pinned = [{ key: "kubeVip", repository: "ghcr.io/kube-vip/kube-vip", tag: "v1.1.2" }];
    const out = path.join(tmpDir(), "bundle");
    const argv = ["--version", VERSION, "--arch", "arm64", "--charts", "none", "--image-registry", registry.base, "--out", out, "--artifact-url", `${files.base}/releases`, "--install-script-url", `${files.base}/install.sh`];
    const args = parseBuildArgs(argv, [], pinned);
    if (args === "help") throw new Error("help");
    expect(args.images).toEqual([{ ...pinned[0], registryUrl: registry.base }]);
    expect(() => parseBuildArgs(["--version", VERSION, "--arch", "arm64", "--pinned-images", "ghost"], [], pinned)).toThrow(/--pinned-images: 'ghost' is not a pinned image \(kubeVip\)/);
    const m = await buildBundle({ ...args, write: () => undefined });
    expect(m.images?.kubeVip).toMatchObject({ ref: "ghcr.io/kube-vip/kube-vip:v1.1.2", arches: { arm64: { path: "arm64/images/kubeVip-v1.1.2.tar" } } });
    const loaded = loadBundle(out, VERSION, [node("s1", "arm64", "server")], [], [{ key: "kubeVip", ref: "ghcr.io/kube-vip/kube-vip:v1.1.2", roles: ["server"] }]);
    expect(loaded.images[0].files.arm64?.sha256).toBe(m.images?.kubeVip.arches.arm64?.sha256);
  } finally {
    await files.stop();
  }
});
