import { parseArgs } from "util";
import { Arch, archSpellingProblem } from "../../components/nodes/types";
import {
  ARCH_ALIASES,
  archFromAlias,
  DEFAULT_ARTIFACT_URL,
  DEFAULT_INSTALL_SCRIPT_URL,
  IMAGE_FORMATS,
  ImageFormat,
} from "../../components/airgap/assets";
import { k3sVersionProblem } from "../../components/rules/k3s-version";
import { CHART_KEYS } from "../../components/addons/charts";
import { rookCsiPairingProblem } from "../../components/addons/rook-csi-pairing";
import type { BuildOptions, CatalogChart } from "./build";
import type { ImageSource } from "./oci";

/** A pinned image the bundle may carry (components/addons/charts.ts PINNED_IMAGES). */
export type PinnedImage = ImageSource & { key: string };
import { DEFAULT_SELINUX_REPO, SELINUX_TARGETS, SelinuxTarget } from "../../components/airgap/selinux";

export const USAGE = `Usage: npm run airgap -- --version v1.36.3+k3s1 --arch amd64,arm64,arm [options]

Writes an airgap bundle: per arch the k3s binary, image tarball and release checksum file, the install
script, the Helm charts of the addon catalog, and manifest.json with a SHA-256 of every file.
Re-running completes or refreshes a bundle; files already present with the right checksum are kept.

  --version V                 k3s release tag (required)
  --arch LIST                 comma-separated: amd64 (x64), arm64, arm (armhf) (required)
  --out DIR                   bundle directory (default ./bundle)
  --artifact-url URL          k3s release download prefix (default ${DEFAULT_ARTIFACT_URL})
  --install-script-url URL    install script (default ${DEFAULT_INSTALL_SCRIPT_URL})
  --images-format F           ${IMAGE_FORMATS.join(" | ")} (default tar.zst)
  --charts LIST               catalog keys to bundle, or "none" (default: every catalog chart)
  --chart-repo-override K=URL Helm repository for catalog key K (repeatable), e.g. a local mirror
  --chart-version K=V         bundle version V of catalog key K instead of the catalog's (repeatable),
                              to match k3s-stacks:addons.charts.<K>.version
  --pinned-images LIST        pinned images to bundle (kubeVip for cluster.apiVip), or "none" (default: all)
  --image-registry URL        registry (mirror) to pull the pinned images from instead of their own
  --selinux-rpms LIST         k3s-selinux builds for SELinux hosts: ${SELINUX_TARGETS.join(", ")} (el9: RHEL-likes 9+,
                              sle: SUSE); nodes install their family's build before k3s
  --selinux-rpm-version V     k3s-selinux <version>-<release> to bundle, e.g. 1.6-1 (required with --selinux-rpms)
  --selinux-rpm-repo URL      RPM repository (default ${DEFAULT_SELINUX_REPO}), channel stable
`;

export class UsageError extends Error {}

export type ParsedArgs = Omit<BuildOptions, "write" | "isTty" | "signal" | "progressMinBytes">;

/** Turns the command line into build options; every problem is a UsageError naming the option. */
export function parseBuildArgs(argv: string[], catalog: readonly CatalogChart[], pinned: readonly PinnedImage[] = []): ParsedArgs | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        version: { type: "string" },
        arch: { type: "string" },
        out: { type: "string" },
        "artifact-url": { type: "string" },
        "install-script-url": { type: "string" },
        "images-format": { type: "string" },
        charts: { type: "string" },
        "chart-repo-override": { type: "string", multiple: true },
        "chart-version": { type: "string", multiple: true },
        "pinned-images": { type: "string" },
        "image-registry": { type: "string" },
        "selinux-rpms": { type: "string" },
        "selinux-rpm-version": { type: "string" },
        "selinux-rpm-repo": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return "help";

  const problems: string[] = [];
  const version = values.version ?? "";
  const versionProblem = k3sVersionProblem(version);
  if (versionProblem) problems.push(`--version: '${version}' ${versionProblem}`);

  const arches: Arch[] = [];
  for (const alias of (values.arch ?? "").split(",").filter((a) => a.trim() !== "")) {
    const arch = archFromAlias(alias);
    if (!arch) problems.push(`--arch: ${archSpellingProblem(alias) ?? `unknown arch '${alias}'. Fix: use ${ARCH_ALIASES.join(", ")}`}`);
    else if (!arches.includes(arch)) arches.push(arch);
  }
  if (arches.length === 0 && !values.arch?.trim()) problems.push("--arch: give at least one arch, e.g. --arch amd64,arm64,arm");

  const imageFormat = (values["images-format"] ?? "tar.zst") as ImageFormat;
  if (!IMAGE_FORMATS.includes(imageFormat)) problems.push(`--images-format: use one of ${IMAGE_FORMATS.join(", ")}`);

  const urlOption = (name: string, value: string | undefined, fallback: string) => {
    const v = value ?? fallback;
    if (!/^https?:\/\/[^\s]+$/.test(v)) problems.push(`--${name}: '${v}' is not an http(s) URL`);
    return v;
  };
  const artifactUrl = urlOption("artifact-url", values["artifact-url"], DEFAULT_ARTIFACT_URL);
  const installScriptUrl = urlOption("install-script-url", values["install-script-url"], DEFAULT_INSTALL_SCRIPT_URL);

  const keys = catalog.map((c) => c.key);
  let charts = [...catalog];
  if (values.charts !== undefined) {
    const wanted = values.charts === "none" ? [] : values.charts.split(",").map((k) => k.trim()).filter(Boolean);
    for (const k of wanted) if (!keys.includes(k)) problems.push(`--charts: '${k}' is not in the addon catalog (${keys.join(", ")})`);
    charts = catalog.filter((c) => wanted.includes(c.key));
  }

  const pairs = (option: string, what: string): Array<[string, string]> =>
    (values[option as "chart-version"] ?? []).flatMap((o): Array<[string, string]> => {
      const eq = o.indexOf("=");
      const key = eq > 0 ? o.slice(0, eq) : "";
      if (!keys.includes(key) || eq === o.length - 1) {
        problems.push(`--${option}: '${o}' must be KEY=${what} with KEY one of ${keys.join(", ")}`);
        return [];
      }
      return [[key, o.slice(eq + 1)]];
    });
  const chartRepoOverrides: Record<string, string> = {};
  for (const [key, url] of pairs("chart-repo-override", "URL")) {
    if (!/^https?:\/\/\S+$/.test(url)) problems.push(`--chart-repo-override: '${url}' is not an http(s) URL`);
    else chartRepoOverrides[key] = url;
  }
  const versions = Object.fromEntries(pairs("chart-version", "VERSION"));
  charts = charts.map((c) => (versions[c.key] ? { ...c, version: versions[c.key] } : c));
  // The bundle carries what the stack installs: Rook's operator and CSI drivers charts in their pair.
  const rook = charts.find((c) => c.key === "rook-ceph");
  const drivers = charts.find((c) => c.key === "ceph-csi-drivers");
  if (rook && drivers) {
    const overridden = new Set(CHART_KEYS.filter((k) => versions[k] !== undefined));
    const problem = rookCsiPairingProblem({ rook: rook.version, drivers: drivers.version }, overridden, (key, v) => `add --chart-version ${key}=${v}, and set k3s-stacks:addons.charts.${key}.version to the same`);
    if (problem) problems.push(`--chart-version ${problem.key}: ${problem.message}`);
  }

  const imageKeys = pinned.map((i) => i.key);
  let images = [...pinned];
  if (values["pinned-images"] !== undefined) {
    const wanted = values["pinned-images"] === "none" ? [] : values["pinned-images"].split(",").map((k) => k.trim()).filter(Boolean);
    for (const k of wanted) if (!imageKeys.includes(k)) problems.push(`--pinned-images: '${k}' is not a pinned image (${imageKeys.join(", ") || "none"})`);
    images = pinned.filter((i) => wanted.includes(i.key));
  }
  if (values["image-registry"] !== undefined) {
    const registryUrl = urlOption("image-registry", values["image-registry"], "");
    images = images.map((i) => ({ ...i, registryUrl }));
  }


  let selinux: ParsedArgs["selinux"];
  if (values["selinux-rpms"] !== undefined) {
    const targets: SelinuxTarget[] = [];
    for (const t of values["selinux-rpms"].split(",").map((x) => x.trim()).filter(Boolean)) {
      if (!(SELINUX_TARGETS as readonly string[]).includes(t)) problems.push(`--selinux-rpms: '${t}' is not a k3s-selinux build; use ${SELINUX_TARGETS.join(", ")}`);
      else if (!targets.includes(t as SelinuxTarget)) targets.push(t as SelinuxTarget);
    }
    const rpmVersion = values["selinux-rpm-version"] ?? "";
    if (!/^[0-9][0-9.]*-[0-9]+$/.test(rpmVersion)) problems.push(`--selinux-rpm-version: '${rpmVersion}' is not a k3s-selinux <version>-<release> such as 1.6-1 (see the k3s-selinux releases)`);
    const repo = urlOption("selinux-rpm-repo", values["selinux-rpm-repo"], DEFAULT_SELINUX_REPO);
    selinux = { version: rpmVersion, targets, repo, channel: "stable" };
  } else if (values["selinux-rpm-version"] !== undefined || values["selinux-rpm-repo"] !== undefined) {
    problems.push("--selinux-rpm-version/--selinux-rpm-repo: only with --selinux-rpms");
  }

  if (problems.length > 0) throw new UsageError(problems.join("\n"));
  return { version, arches, outDir: values.out ?? "./bundle", artifactUrl, installScriptUrl, imageFormat, charts, chartRepoOverrides, images, ...(selinux ? { selinux } : {}) };
}
