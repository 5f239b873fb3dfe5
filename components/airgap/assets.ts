import { ARCH_SPELLINGS, Arch } from "../nodes/types";

/** Default download locations; both can be pointed at a mirror. */
export const DEFAULT_ARTIFACT_URL = "https://github.com/k3s-io/k3s/releases/download";
export const DEFAULT_INSTALL_SCRIPT_URL = "https://get.k3s.io";

/** Image tarball formats k3s imports and the release publishes (reference §5). */
export const IMAGE_FORMATS = ["tar.zst", "tar.gz", "tar"] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

const ALIASES: Record<string, Arch> = ARCH_SPELLINGS;

/** The k3s arch name for a user-typed alias (x64 → amd64, armhf → arm), undefined when unknown. */
export function archFromAlias(alias: string): Arch | undefined {
  return ALIASES[alias.trim().toLowerCase()];
}

/** Every accepted alias, for error messages. */
export const ARCH_ALIASES = Object.keys(ALIASES);

/** Release asset names for one arch (K3S:scripts/validate-artifacts via reference §5). */
export interface ArchAssets {
  binary: string;
  images: string;
  checksums: string;
}

const BINARY_SUFFIX: Record<Arch, string> = { amd64: "", arm64: "-arm64", arm: "-armhf" };

export function archAssets(arch: Arch, imageFormat: ImageFormat): ArchAssets {
  return {
    binary: `k3s${BINARY_SUFFIX[arch]}`,
    images: `k3s-airgap-images-${arch}.${imageFormat}`,
    checksums: `sha256sum-${arch}.txt`,
  };
}

/** The version as install.sh puts it in a URL: `+` becomes `%2B` (reference §1). */
export function versionInUrl(version: string): string {
  return version.replace(/\+/g, "%2B");
}

/** `${artifactUrl}/${version}/${asset}` with the version encoded as install.sh does. */
export function releaseAssetUrl(artifactUrl: string, version: string, asset: string): string {
  return `${artifactUrl.replace(/\/+$/, "")}/${versionInUrl(version)}/${asset}`;
}

/** A version usable in file and resource names: `v1.36.3+k3s1` → `v1.36.3-k3s1`. */
export function versionSlug(version: string): string {
  return version.replace(/[^A-Za-z0-9.-]/g, "-");
}

/** Parses `sha256sum` output (`<hex>  <name>` or `<hex> *<name>`) into name → hash. */
export function parseChecksums(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line.trim());
    if (m) out.set(m[2].trim(), m[1].toLowerCase());
  }
  return out;
}
