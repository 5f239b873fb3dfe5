import * as fs from "fs";
import * as path from "path";
import { loadSites } from "./sites";
import { SyncAction, orphans, planSync, stackFileName } from "./stackfile";
import { SiteDefinition } from "./types";

/** Every `Pulumi.<stack>.yaml` at the repo root, by file name. */
export function readStackFiles(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(root)) {
    if (/^Pulumi\.[^.]+\.yaml$/.test(f)) out[f] = fs.readFileSync(path.join(root, f), "utf8");
  }
  return out;
}

export interface SyncReport {
  sites: SiteDefinition[];
  actions: SyncAction[];
  orphans: string[];
}

/** Plans sync for every site (pure apart from reading files). */
export function planFleetSync(root: string): SyncReport {
  const sites = loadSites(root);
  const files = readStackFiles(root);
  return {
    sites,
    actions: sites.map((s) => planSync(s, files[stackFileName(s.name)])),
    orphans: orphans(files, sites.map((s) => s.name)),
  };
}

/** Writes what `planFleetSync` decided; conflicts are never written. */
export function applySync(root: string, report: SyncReport): void {
  for (const a of report.actions) {
    if (a.kind === "write") fs.writeFileSync(path.join(root, a.file), a.text);
  }
}

/** Sites whose stack file is not exactly what sync would write: a rollout must not run on them. */
export function staleSites(report: SyncReport): string[] {
  return report.actions.filter((a) => a.kind !== "unchanged").map((a) => a.file);
}
