import * as fs from "fs";
import * as path from "path";
import { Arch } from "../../components/nodes/types";
import { archAssets, ImageFormat, parseChecksums, releaseAssetUrl } from "../../components/airgap/assets";
import { sha256File } from "../../components/airgap/hash";
import { BundleFile, BundleManifest, ChartEntry, MANIFEST_FORMAT, MANIFEST_NAME, ArchEntry, SelinuxEntry } from "../../components/airgap/manifest";
import { selinuxRpmName, selinuxRpmUrl, SelinuxTarget } from "../../components/airgap/selinux";
import { DownloadError, downloadFile, fetchText, PART_SUFFIX } from "./download";
import { indexUrl, locateChart } from "./helm-repo";
import { ImageSource, saveImage } from "./oci";
import { progressReporter } from "./progress";

/** The part of an addon catalog entry the bundle needs (components/addons/charts.ts). */
export interface CatalogChart {
  key: string;
  chart: string;
  repo: string;
  version: string;
}

export interface BuildOptions {
  /** k3s release tag, e.g. v1.36.3+k3s1. */
  version: string;
  arches: Arch[];
  outDir: string;
  artifactUrl: string;
  installScriptUrl: string;
  imageFormat: ImageFormat;
  /** Charts to bundle. */
  charts: CatalogChart[];
  /** Images to bundle per arch (PINNED_IMAGES); none when omitted. */
  images?: Array<ImageSource & { key: string }>;
  /** Catalog key → repository URL that replaces the catalog's repo (a mirror). */
  chartRepoOverrides: Record<string, string>;
  /** Status lines (stderr in the CLI). */
  write: (text: string) => void;
  isTty?: boolean;
  signal?: AbortSignal;
  /** Files at least this large get progress output. */
  progressMinBytes?: number;
  /** k3s-selinux builds to bundle (for SELinux hosts of the RHEL and SUSE families). */
  selinux?: { version: string; targets: SelinuxTarget[]; repo: string; channel: string };
}

/**
 * Builds (or completes) a bundle in `outDir`. Files already present with the expected hash are kept;
 * the manifest is removed first and written last, so a failed run never leaves a bundle that
 * `loadBundle` accepts.
 */
export async function buildBundle(o: BuildOptions): Promise<BundleManifest> {
  const out = path.resolve(o.outDir);
  await fs.promises.mkdir(out, { recursive: true });
  await fs.promises.rm(path.join(out, MANIFEST_NAME), { force: true });
  await removeStaleParts(out);

  const rel = (p: string) => path.relative(out, p).split(path.sep).join("/");
  const fetchTo = async (url: string, dest: string, sha256?: string): Promise<BundleFile> => {
    if (sha256 && (await isPresent(dest, sha256))) {
      o.write(`  ${rel(dest)}: present, checksum ok\n`);
      return { path: rel(dest), sha256, size: (await fs.promises.stat(dest)).size };
    }
    o.write(`  ${rel(dest)} <- ${url}\n`);
    const meter = progressReporter(rel(dest), o.write, o.isTty ?? false);
    const minBytes = o.progressMinBytes ?? 8 * 1048576;
    const got = await downloadFile(url, dest, {
      sha256,
      signal: o.signal,
      onProgress: (n, total) => (total ?? n) >= minBytes && meter(n, total),
    });
    return { path: rel(dest), ...got };
  };

  o.write(`k3s ${o.version}: install script\n`);
  const installScript = await fetchTo(o.installScriptUrl, path.join(out, "install.sh"));

  const arches: BundleManifest["arches"] = {};
  for (const arch of o.arches) {
    o.write(`k3s ${o.version}: ${arch}\n`);
    const names = archAssets(arch, o.imageFormat);
    const dir = path.join(out, arch);
    const url = (asset: string) => releaseAssetUrl(o.artifactUrl, o.version, asset);
    const checksums = await fetchTo(url(names.checksums), path.join(dir, names.checksums));
    const sums = parseChecksums(await fs.promises.readFile(path.join(out, checksums.path), "utf8"));
    const expected = (asset: string) => {
      const sum = sums.get(asset);
      if (!sum) throw new DownloadError(`${url(names.checksums)} has no line for ${asset}; is ${o.version} a release that publishes it?`);
      return sum;
    };
    const entry: ArchEntry = {
      k3s: await fetchTo(url(names.binary), path.join(dir, names.binary), expected(names.binary)),
      images: await fetchTo(url(names.images), path.join(dir, names.images), expected(names.images)),
      checksums,
    };
    arches[arch] = entry;
  }

  const charts: Record<string, ChartEntry> = {};
  const chartRepos: Record<string, string> = {};
  const indexes = new Map<string, string>();
  for (const c of o.charts) {
    const repo = o.chartRepoOverrides[c.key] ?? c.repo;
    chartRepos[c.key] = repo;
    if (!/^https?:\/\//.test(repo)) {
      throw new DownloadError(`chart '${c.key}': repository ${repo} is not an http(s) Helm repository; the bundle builder reads index.yaml only. Fix: --chart-repo-override ${c.key}=https://<mirror>`);
    }
    o.write(`chart ${c.key}: ${c.chart} ${c.version}\n`);
    if (!indexes.has(repo)) indexes.set(repo, await fetchText(indexUrl(repo), o.signal));
    const loc = locateChart(indexes.get(repo) as string, repo, c.chart, c.version);
    const file = await fetchTo(loc.url, path.join(out, "charts", `${c.chart}-${c.version}.tgz`), loc.digest);
    charts[c.key] = { chart: c.chart, repo, version: c.version, ...file };
  }

  const images: NonNullable<BundleManifest["images"]> = {};
  for (const img of o.images ?? []) {
    const ref = `${img.repository}:${img.tag}`;
    const entry: NonNullable<BundleManifest["images"]>[string] = { ref, arches: {} };
    for (const arch of o.arches) {
      o.write(`image ${img.key}: ${ref} (${arch})\n`);
      const dest = path.join(out, arch, "images", `${img.key}-${img.tag}.tar`);
      entry.arches[arch] = { path: rel(dest), ...(await saveImage(img, arch, dest, o.signal)) };
    }
    images[img.key] = entry;
  }

  let selinux: SelinuxEntry | undefined;
  if (o.selinux && o.selinux.targets.length > 0) {
    const s = o.selinux;
    o.write(`k3s-selinux ${s.version}: ${s.targets.join(", ")}\n`);
    const files: SelinuxEntry["files"] = {};
    // The repository publishes no checksum file beside the RPMs: the manifest records what was fetched.
    for (const t of s.targets) files[t] = await fetchTo(selinuxRpmUrl(s.repo, s.channel, s.version, t), path.join(out, "selinux", selinuxRpmName(s.version, t)));
    selinux = { version: s.version, repo: s.repo, files };
  }

  const manifest: BundleManifest = {
    format: MANIFEST_FORMAT,
    version: o.version,
    createdAt: new Date().toISOString(),
    sources: { artifactUrl: o.artifactUrl, installScriptUrl: o.installScriptUrl, chartRepos },
    installScript,
    arches,
    charts,
    ...(o.images?.length ? { images } : {}),
    ...(selinux ? { selinux } : {}),
  };
  const tmp = path.join(out, MANIFEST_NAME + PART_SUFFIX);
  await fs.promises.writeFile(tmp, JSON.stringify(manifest, null, 2) + "\n");
  await fs.promises.rename(tmp, path.join(out, MANIFEST_NAME));
  return manifest;
}

async function isPresent(file: string, sha256: string): Promise<boolean> {
  try {
    return (await sha256File(file)) === sha256;
  } catch {
    return false;
  }
}

/** Temporary files of a run that was killed before it could clean up; only in the bundle's own folders. */
async function removeStaleParts(out: string): Promise<void> {
  for (const sub of ["", "amd64", "arm64", "arm", "charts", "amd64/images", "arm64/images", "arm/images", "selinux"]) {
    const dir = path.join(out, sub);
    const names = await fs.promises.readdir(dir).catch(() => [] as string[]);
    for (const name of names) if (name.endsWith(PART_SUFFIX)) await fs.promises.rm(path.join(dir, name), { force: true });
  }
}
