import { parse } from "yaml";
import { DownloadError } from "./download";

/** Where a chart version's .tgz lives, per the repository's index.yaml. */
export interface ChartLocation {
  url: string;
  /** The index's `digest` (SHA-256 of the .tgz) when the repository publishes one. */
  digest?: string;
}

interface IndexEntry {
  version?: unknown;
  urls?: unknown;
  digest?: unknown;
}

/** The repository's index.yaml URL (Helm appends it to the repo URL). */
export function indexUrl(repoUrl: string): string {
  return `${repoUrl.replace(/\/+$/, "")}/index.yaml`;
}

/**
 * Finds `chart` at `version` in a Helm HTTP repository index. `urls[0]` may be absolute or relative
 * to the repository URL, as Helm allows both.
 */
export function locateChart(indexText: string, repoUrl: string, chart: string, version: string): ChartLocation {
  let index: { entries?: Record<string, IndexEntry[]> };
  try {
    index = parse(indexText) as typeof index;
  } catch (e) {
    throw new DownloadError(`${indexUrl(repoUrl)} is not valid YAML: ${(e as Error).message}`);
  }
  const entries = index?.entries?.[chart];
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new DownloadError(`chart '${chart}' is not in ${indexUrl(repoUrl)}. Fix: check the chart name or the repository URL (--chart-repo-override).`);
  }
  const strip = (v: string) => v.replace(/^v/, "");
  const entry = entries.find((e) => e.version === version) ?? entries.find((e) => typeof e.version === "string" && strip(e.version) === strip(version));
  if (!entry) {
    const known = entries.slice(0, 5).map((e) => String(e.version)).join(", ");
    throw new DownloadError(`chart '${chart}' has no version ${version} in ${indexUrl(repoUrl)} (newest listed: ${known}). Fix: mirror that version or change the catalog version.`);
  }
  const first = Array.isArray(entry.urls) ? entry.urls[0] : undefined;
  if (typeof first !== "string" || first.length === 0) {
    throw new DownloadError(`chart '${chart}' ${version} in ${indexUrl(repoUrl)} lists no download URL`);
  }
  const base = repoUrl.endsWith("/") ? repoUrl : `${repoUrl}/`;
  const digest = typeof entry.digest === "string" && /^[0-9a-f]{64}$/.test(entry.digest) ? entry.digest : undefined;
  return { url: new URL(first, base).toString(), digest };
}
