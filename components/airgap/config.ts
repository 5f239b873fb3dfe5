import { z } from "zod";
import { keyPath, parseConfig } from "../rules/errors";
import { filled } from "../rules/issues";

export const AIRGAP_KEY = "airgap";

export const airgapSchema = z
  .object({
    /** Bundle written by `npm run airgap`, relative to the project directory. */
    bundleDir: filled("the directory 'npm run airgap' wrote, such as airgap-bundle"),
  })
  .strict();
export type AirgapConfig = z.output<typeof airgapSchema>;

/** Parses `k3s-stacks:airgap`. */
export function parseAirgapConfig(raw: unknown): AirgapConfig {
  return parseConfig(airgapSchema, raw, AIRGAP_KEY);
}

/** The bundle tool's option for each cluster download setting (tools/airgap/args.ts). */
const BUNDLE_OPTIONS = { artifactUrl: "--artifact-url", installScriptUrl: "--install-script-url" } as const;

/**
 * cluster settings that only say where nodes download k3s, set together with the airgap bundle:
 * nodes then run the bundle's staged install.sh with INSTALL_K3S_SKIP_DOWNLOAD=true (stager.ts; k3s
 * docs "Air-Gap Install"), which fetches neither the script nor the release assets, so the bundle wins
 * and the URL would look configured and do nothing. `rawCluster` is `k3s-stacks:cluster` as written
 * (installScriptUrl has a default, so only a written one counts).
 */
export function unusedDownloadSettings(rawCluster: unknown): string[] {
  if (typeof rawCluster !== "object" || rawCluster === null) return [];
  const cluster = rawCluster as Record<string, unknown>;
  return (Object.keys(BUNDLE_OPTIONS) as Array<keyof typeof BUNDLE_OPTIONS>).filter((k) => cluster[k] !== undefined).map((k) =>
    `${keyPath("cluster", [k])}: is not used with ${keyPath(AIRGAP_KEY, [])}: nodes install k3s from the bundle, whose staged install.sh runs with INSTALL_K3S_SKIP_DOWNLOAD=true and downloads nothing, so the bundle wins. Fix: remove ${k}; to build the bundle from that mirror, pass it to the bundle tool: npm run airgap -- ${BUNDLE_OPTIONS[k]} ${String(cluster[k])}`);
}
