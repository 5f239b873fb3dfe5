import * as fs from "fs";
import * as path from "path";
import { ConfigError, keyPath } from "../rules/errors";
import { defaultMessage, describeIssue } from "../rules/issues";
import { expandHome, localPathProblem, resolveLocalPath } from "../rules/local-path";
import { Arch, archName, NodeFacts, NodeRole } from "../nodes/types";
import { archAssets, IMAGE_FORMATS, parseChecksums } from "./assets";
import { AIRGAP_KEY } from "./config";
import { sha256FileSync } from "./hash";
import { ArchEntry, BundleFile, BundleManifest, ChartEntry, MANIFEST_NAME, manifestSchema } from "./manifest";
import { SELINUX_TARGETS, SelinuxTarget } from "./selinux";

/** One bundle file ready for upload: where it is locally and what it must hash to. */
export interface LoadedFile extends BundleFile {
  /** Path for pulumi.asset.FileAsset: relative when the bundle dir was given relative (portable state). */
  assetPath: string;
}

/** A bundle checked against the stack: every file needed is present with its manifest SHA-256. */
export interface LoadedBundle {
  dir: string;
  version: string;
  installScript: LoadedFile;
  arches: Partial<Record<Arch, { k3s: LoadedFile; images: LoadedFile }>>;
  charts: Record<string, ChartEntry & { assetPath: string }>;
  /** Images the stack needs, with the nodes (by role) that import them. */
  images: LoadedImage[];
  /** k3s-selinux builds to stage on every node (the node picks its family's at install time). */
  selinux?: { version: string; files: Partial<Record<SelinuxTarget, LoadedFile>> };
}

/** An image the stack deploys outside k3s's own tarballs (kube-vip on servers). */
export interface RequiredImage {
  /** Key in PINNED_IMAGES and the bundle manifest. */
  key: string;
  /** repository:tag the stack's manifests use. */
  ref: string;
  /** Nodes that run it, so only they get the file. */
  roles: NodeRole[];
}

export interface LoadedImage extends RequiredImage {
  files: Partial<Record<Arch, LoadedFile>>;
}

/** A chart the stack's addons need from the bundle. */
export interface RequiredChart {
  key: string;
  version: string;
}

/**
 * Reads `dir/manifest.json` and checks, before any resource exists: the manifest's k3s version is the
 * stack's, every node's arch is in the bundle, and every file needed (those arches, the install
 * script, `charts`) is present with the manifest's SHA-256. Throws one ConfigError listing every problem.
 */
export function loadBundle(dir: string, expectedVersion: string, nodes: NodeFacts[], charts: RequiredChart[] = [], images: RequiredImage[] = []): LoadedBundle {
  const where = keyPath(AIRGAP_KEY, ["bundleDir"]);
  const neededArches = [...new Set(nodes.map((n) => n.arch))];
  const rebuild = `npm run airgap -- --version ${expectedVersion} --arch ${neededArches.map(archName).join(",") || "amd64"} --out ${dir}`;
  const unexpanded = localPathProblem(dir);
  if (unexpanded) throw new ConfigError([`${where}: ${unexpanded}.`]);
  // Asset paths keep a relative dir relative; `~` becomes the home directory it means.
  const base = expandHome(dir);
  const abs = resolveLocalPath(dir, process.cwd());
  const manifestPath = path.join(abs, MANIFEST_NAME);
  // A path to a file (the manifest, an archive of the bundle) would otherwise get a fix that builds a bundle "into" it.
  if (fs.statSync(abs, { throwIfNoEntry: false })?.isFile()) {
    const dirOf = path.basename(abs) === MANIFEST_NAME ? `its directory, ${path.dirname(dir)}` : "the directory 'npm run airgap' wrote (unpack an archive of it first)";
    throw new ConfigError([`${where}: ${abs} is a file, not a bundle directory. Fix: set bundleDir to ${dirOf}.`]);
  }

  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "has no manifest.json (not a bundle, or its build did not finish)" : `manifest.json is unreadable (${(e as Error).message})`;
    throw new ConfigError([`${where}: ${abs} ${why}. Fix: ${rebuild}`]);
  }
  const parsed = manifestSchema.safeParse(raw, { reportInput: true, error: defaultMessage });
  if (!parsed.success) {
    // What is wrong in the file, in the same words as config problems; the one fix is to rebuild it.
    const issues = parsed.error.issues.flatMap((i) => describeIssue({ arg: MANIFEST_NAME }, i)).map((p) => p.replace(/\. Fix: [\s\S]*$/, "")).join("; ");
    throw new ConfigError([`${where}: ${manifestPath} is not a k3s-stacks bundle manifest (${issues}). Fix: ${rebuild}`]);
  }
  const manifest: BundleManifest = parsed.data;
  if (manifest.version !== expectedVersion) {
    throw new ConfigError([
      `${where}: the bundle holds k3s ${manifest.version} but k3s-stacks:cluster.k3sVersion is ${expectedVersion}. Fix: ${rebuild} (or set k3sVersion to ${manifest.version})`,
    ]);
  }

  const problems: string[] = [];
  const check = (file: BundleFile, what: string): LoadedFile => {
    const local = path.join(abs, file.path);
    const assetPath = path.join(base, file.path);
    let actual: string | undefined;
    try {
      actual = sha256FileSync(local);
    } catch {
      problems.push(`${where}: ${what} ${local} is missing. Fix: ${rebuild}`);
      return { ...file, assetPath };
    }
    if (actual !== file.sha256) {
      problems.push(`${where}: ${what} ${local} has sha256 ${actual}, the manifest says ${file.sha256} (altered or corrupt). Fix: ${rebuild}`);
    }
    return { ...file, assetPath };
  };

  const installScript = check(manifest.installScript, "install script");
  const arches: LoadedBundle["arches"] = {};
  for (const arch of neededArches) {
    const entry: ArchEntry | undefined = manifest.arches[arch];
    if (!entry) {
      const users = nodes.filter((n) => n.arch === arch).map((n) => n.name).join(", ");
      const have = (Object.keys(manifest.arches) as Arch[]).map(archName).join(", ") || "none";
      problems.push(`${where}: node(s) ${users} are ${archName(arch)}, but the bundle has files for ${have} only. Fix: ${rebuild}`);
      continue;
    }
    const files = { k3s: check(entry.k3s, `${archName(arch)} k3s binary`), images: check(entry.images, `${archName(arch)} image tarball`) };
    checkAgainstRelease(abs, arch, entry, problems, where, rebuild);
    arches[arch] = files;
  }

  const loadedCharts: LoadedBundle["charts"] = {};
  for (const want of charts) {
    const c = manifest.charts[want.key];
    if (!c) {
      problems.push(`${where}: chart '${want.key}' is not in the bundle. Fix: rebuild the bundle with the current addon catalog (${rebuild})`);
    } else if (c.version !== want.version) {
      problems.push(`${where}: chart '${want.key}' is ${c.version} in the bundle, the stack needs ${want.version}. Fix: ${rebuild}`);
    } else {
      loadedCharts[want.key] = { ...c, assetPath: check(c, `chart ${want.key}`).assetPath };
    }
  }
  const loadedImages: LoadedImage[] = [];
  for (const want of images) {
    const entry = manifest.images?.[want.key];
    if (!entry || entry.ref !== want.ref) {
      problems.push(`${where}: image ${want.ref} is not in the bundle${entry ? ` (it has ${entry.ref})` : ""}. Fix: rebuild the bundle with the current pins (${rebuild})`);
      continue;
    }
    const files: LoadedImage["files"] = {};
    for (const arch of new Set(nodes.filter((n) => want.roles.includes(n.role)).map((n) => n.arch))) {
      const f = entry.arches[arch];
      if (!f) problems.push(`${where}: image ${want.ref} has no ${archName(arch)} file in the bundle. Fix: ${rebuild}`);
      else files[arch] = check(f, `image ${want.ref} (${archName(arch)})`);
    }
    loadedImages.push({ ...want, files });
  }
  let selinux: LoadedBundle["selinux"];
  if (manifest.selinux) {
    const files: Partial<Record<SelinuxTarget, LoadedFile>> = {};
    for (const t of SELINUX_TARGETS) {
      const f = manifest.selinux.files[t];
      if (f) files[t] = check(f, `k3s-selinux ${t} RPM`);
    }
    selinux = { version: manifest.selinux.version, files };
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { dir: base, version: manifest.version, installScript, arches, charts: loadedCharts, images: loadedImages, ...(selinux ? { selinux } : {}) };
}

/** The binary and images must also match the release's own checksum file kept in the bundle. */
function checkAgainstRelease(abs: string, arch: Arch, entry: ArchEntry, problems: string[], where: string, rebuild: string): void {
  let text: string;
  try {
    text = fs.readFileSync(path.join(abs, entry.checksums.path), "utf8");
  } catch {
    problems.push(`${where}: ${archName(arch)} release checksum file ${entry.checksums.path} is missing. Fix: ${rebuild}`);
    return;
  }
  const sums = parseChecksums(text);
  const format = IMAGE_FORMATS.find((f) => entry.images.path.endsWith(`.${f}`)) ?? "tar";
  const names = archAssets(arch, format);
  for (const [name, file] of [[names.binary, entry.k3s], [names.images, entry.images]] as const) {
    if (sums.get(name) !== file.sha256) {
      problems.push(`${where}: ${archName(arch)} ${name}: the manifest's sha256 does not match the release checksum file ${entry.checksums.path}. Fix: ${rebuild}`);
    }
  }
}
