import { selinuxRpmName, SelinuxTarget } from "../../components/airgap/selinux";
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { archAssets, versionInUrl } from "../../components/airgap/assets";
import { BundleManifest, MANIFEST_FORMAT } from "../../components/airgap/manifest";
import { Arch, NodeSpec } from "../../components/nodes/types";

export const VERSION = "v1.36.3+k3s1";
export const ALL_ARCHES: Arch[] = ["amd64", "arm64", "arm"];

export const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

export function tmpDir(prefix = "k3s-airgap-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Fake release assets: distinct random bytes per arch, plus each arch's sha256sum file. */
export function releaseFiles(version = VERSION, imageBytes = 256 * 1024): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const arch of ALL_ARCHES) {
    const names = archAssets(arch, "tar.zst");
    const bin = randomBytes(64 * 1024);
    const images = randomBytes(imageBytes);
    const gz = randomBytes(1024);
    const sums = [
      `${sha(bin)}  ${names.binary}`,
      `${sha(images)}  ${names.images}`,
      `${sha(gz)}  k3s-airgap-images-${arch}.tar.gz`,
    ].join("\n");
    const base = `/releases/${versionInUrl(version)}`;
    files.set(`${base}/${names.binary}`, bin);
    files.set(`${base}/${names.images}`, images);
    files.set(`${base}/${names.checksums}`, Buffer.from(sums + "\n"));
  }
  files.set("/install.sh", Buffer.from("#!/bin/sh\necho fake install.sh\n"));
  return files;
}

/** A Helm repo at /charts with one chart listed by a relative URL and one by an absolute URL. */
export function chartRepo(base: string, files: Map<string, Buffer>): void {
  const demo = randomBytes(2048);
  const other = randomBytes(1024);
  files.set("/charts/demo-1.2.3.tgz", demo);
  files.set("/elsewhere/other-0.1.0.tgz", other);
  files.set(
    "/charts/index.yaml",
    Buffer.from(`apiVersion: v1
entries:
  demo:
    - version: 1.2.4
      urls: [demo-1.2.4.tgz]
    - version: 1.2.3
      digest: ${sha(demo)}
      urls: [demo-1.2.3.tgz]
  other:
    - version: 0.1.0
      urls: ["${base}/elsewhere/other-0.1.0.tgz"]
`),
  );
}

export type Behaviour = "ok" | "404" | "corrupt" | "truncate";

/** A static file server on 127.0.0.1 (loopback only) with per-path misbehaviour and request counts. */
export class FixtureServer {
  readonly files = new Map<string, Buffer>();
  readonly behaviour = new Map<string, Behaviour>();
  readonly hits = new Map<string, number>();
  private server?: http.Server;
  base = "";

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const url = req.url ?? "/";
      this.hits.set(url, (this.hits.get(url) ?? 0) + 1);
      const body = this.files.get(url);
      const mode = this.behaviour.get(url) ?? "ok";
      if (!body || mode === "404") {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found");
        return;
      }
      if (mode === "corrupt") {
        const bad = Buffer.from(body);
        bad[0] ^= 0xff;
        res.writeHead(200, { "content-length": bad.length }).end(bad);
        return;
      }
      if (mode === "truncate") {
        res.writeHead(200, { "content-length": body.length });
        res.write(body.subarray(0, Math.floor(body.length / 2)), () => setTimeout(() => res.socket?.destroy(), 20));
        return;
      }
      res.writeHead(200, { "content-length": body.length }).end(body);
    });
    await new Promise<void>((r) => this.server?.listen(0, "127.0.0.1", r));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((r) => {
      this.server?.closeAllConnections();
      this.server?.close(() => r());
    });
  }
}

/** Writes a bundle by hand (as the builder would) for loader and stager tests. */
export function writeBundle(dir: string, opts: { version?: string; arches?: Arch[]; charts?: Record<string, string>; selinux?: SelinuxTarget[] } = {}): BundleManifest {
  const version = opts.version ?? VERSION;
  const put = (rel: string, content: Buffer) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
    return { path: rel, sha256: sha(content), size: content.length };
  };
  const arches: BundleManifest["arches"] = {};
  for (const arch of opts.arches ?? ALL_ARCHES) {
    const names = archAssets(arch, "tar.zst");
    const bin = Buffer.from(`k3s binary ${arch} ${version}`);
    const images = Buffer.from(`images ${arch} ${version}`);
    arches[arch] = {
      k3s: put(`${arch}/${names.binary}`, bin),
      images: put(`${arch}/${names.images}`, images),
      checksums: put(`${arch}/${names.checksums}`, Buffer.from(`${sha(bin)}  ${names.binary}\n${sha(images)}  ${names.images}\n`)),
    };
  }
  const charts: BundleManifest["charts"] = {};
  for (const [key, v] of Object.entries(opts.charts ?? {})) {
    charts[key] = { chart: key, repo: "https://charts.example", version: v, ...put(`charts/${key}-${v}.tgz`, Buffer.from(`chart ${key} ${v}`)) };
  }
  const manifest: BundleManifest = {
    format: MANIFEST_FORMAT,
    version,
    createdAt: "2026-08-20T00:00:00.000Z",
    sources: { artifactUrl: "https://github.com/k3s-io/k3s/releases/download", installScriptUrl: "https://get.k3s.io", chartRepos: {} },
    installScript: put("install.sh", Buffer.from("#!/bin/sh\necho install\n")),
    arches,
    charts,
  };
  if (opts.selinux) {
    const files: NonNullable<BundleManifest["selinux"]>["files"] = {};
    for (const t of opts.selinux) files[t] = put(`selinux/${selinuxRpmName("1.6-1", t)}`, Buffer.from(`k3s-selinux ${t}`));
    manifest.selinux = { version: "1.6-1", repo: "https://rpm.rancher.io", files };
  }
  fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
  return manifest;
}

export function node(name: string, arch: Arch, role: "server" | "agent" = "agent", user?: string): NodeSpec {
  return { name, role, arch, connection: { host: `${name}.lan`, user }, labels: {}, taints: [], allowReboot: false, fixCgroups: false };
}

/** Every file under dir, relative. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}
