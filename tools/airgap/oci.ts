import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Arch } from "../../components/nodes/types";
import { DownloadError, PART_SUFFIX } from "./download";
import { tarArchive } from "./tar";

/** Media types of the OCI and Docker registry APIs (OCI distribution and image specs). */
const INDEX_TYPES = ["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"];
const MANIFEST_TYPES = ["application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"];

/** linux platform of a k3s arch, as image indexes name it (armhf is arm/v7, reference §6). */
const PLATFORM: Record<Arch, { architecture: string; variant?: string }> = {
  amd64: { architecture: "amd64" },
  arm64: { architecture: "arm64" },
  arm: { architecture: "arm", variant: "v7" },
};

export interface ImageSource {
  /** e.g. ghcr.io/kube-vip/kube-vip */
  repository: string;
  tag: string;
  /** Registry base URL; https://<first path segment of repository> when omitted (a mirror otherwise). */
  registryUrl?: string;
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/**
 * Reads one image from a registry over the distribution API (anonymous bearer token when the registry
 * asks for one), for one arch, and returns its manifest, config and layers, each checked against its
 * digest.
 */
async function pull(src: ImageSource, arch: Arch, signal?: AbortSignal): Promise<{ manifest: Buffer; blobs: Array<{ digest: string; data: Buffer }> }> {
  const [host, ...rest] = src.repository.split("/");
  const name = rest.join("/");
  const base = (src.registryUrl ?? `https://${host}`).replace(/\/+$/, "");
  let token: string | undefined;
  const get = async (p: string, accept: string[]): Promise<Response> => {
    const url = `${base}/v2/${name}/${p}`;
    const headers = (): Record<string, string> => ({ accept: accept.join(", "), ...(token ? { authorization: `Bearer ${token}` } : {}) });
    let res = await fetch(url, { headers: headers(), signal, redirect: "follow" }).catch((e: Error) => {
      throw new DownloadError(`cannot reach ${url}: ${e.message}`);
    });
    const challenge = res.headers.get("www-authenticate");
    if (res.status === 401 && challenge && /^Bearer /i.test(challenge) && !token) {
      const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      const tokenUrl = new URL(params.realm);
      if (params.service) tokenUrl.searchParams.set("service", params.service);
      tokenUrl.searchParams.set("scope", params.scope ?? `repository:${name}:pull`);
      const t = await fetch(tokenUrl, { signal });
      if (!t.ok) throw new DownloadError(`HTTP ${t.status} for the registry token at ${tokenUrl.origin}${tokenUrl.pathname}`);
      const body = (await t.json()) as { token?: string; access_token?: string };
      token = body.token ?? body.access_token;
      res = await fetch(url, { headers: headers(), signal, redirect: "follow" });
    }
    if (!res.ok) throw new DownloadError(`HTTP ${res.status} ${res.statusText} for ${url}`);
    return res;
  };
  const verified = async (res: Response, digest: string, what: string): Promise<Buffer> => {
    const data = Buffer.from(await res.arrayBuffer());
    if (`sha256:${sha256(data)}` !== digest) throw new DownloadError(`checksum mismatch for ${src.repository} ${what}: expected ${digest}, got sha256:${sha256(data)}`);
    return data;
  };

  const top = await get(`manifests/${src.tag}`, [...INDEX_TYPES, ...MANIFEST_TYPES]);
  let manifest: Buffer = Buffer.from(await top.arrayBuffer());
  let doc = JSON.parse(manifest.toString("utf8")) as { mediaType?: string; manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] };
  if (doc.manifests) {
    const want = PLATFORM[arch];
    const match = doc.manifests.find((m) => m.platform?.os === "linux" && m.platform.architecture === want.architecture && (!want.variant || m.platform.variant === want.variant));
    if (!match) throw new DownloadError(`${src.repository}:${src.tag} has no linux/${want.architecture}${want.variant ? `/${want.variant}` : ""} image`);
    manifest = await verified(await get(`manifests/${match.digest}`, MANIFEST_TYPES), match.digest, `manifest for ${arch}`);
    doc = JSON.parse(manifest.toString("utf8"));
  }
  if (!doc.config || !doc.layers) throw new DownloadError(`${src.repository}:${src.tag}: the registry returned no image manifest`);
  const blobs = [];
  for (const d of [doc.config, ...doc.layers]) {
    blobs.push({ digest: d.digest, data: await verified(await get(`blobs/${d.digest}`, ["*/*"]), d.digest, `blob ${d.digest}`) });
  }
  return { manifest, blobs };
}

/**
 * Writes an OCI image layout tarball of `src` for `arch` to `dest`, which containerd (and so k3s,
 * from agent/images) imports; the image is named by the `io.containerd.image.name` annotation.
 * Returns the file's SHA-256 and size. The file appears only when complete.
 */
export async function saveImage(src: ImageSource, arch: Arch, dest: string, signal?: AbortSignal): Promise<{ sha256: string; size: number }> {
  const { manifest, blobs } = await pull(src, arch, signal);
  const mediaType = (JSON.parse(manifest.toString("utf8")) as { mediaType?: string }).mediaType ?? MANIFEST_TYPES[0];
  const ref = `${src.repository}:${src.tag}`;
  const index = {
    schemaVersion: 2,
    manifests: [
      {
        mediaType,
        digest: `sha256:${sha256(manifest)}`,
        size: manifest.length,
        annotations: { "io.containerd.image.name": ref, "org.opencontainers.image.ref.name": src.tag },
      },
    ],
  };
  const entries = [
    { name: "oci-layout", data: Buffer.from(JSON.stringify({ imageLayoutVersion: "1.0.0" })) },
    { name: "index.json", data: Buffer.from(JSON.stringify(index)) },
    { name: `blobs/sha256/${sha256(manifest)}`, data: manifest },
    ...blobs.map((b) => ({ name: `blobs/sha256/${b.digest.replace(/^sha256:/, "")}`, data: b.data })),
  ];
  const tar = tarArchive(entries);
  await fs.promises.mkdir(path.dirname(dest), { recursive: true });
  await fs.promises.writeFile(dest + PART_SUFFIX, tar);
  await fs.promises.rename(dest + PART_SUFFIX, dest);
  return { sha256: sha256(tar), size: tar.length };
}
