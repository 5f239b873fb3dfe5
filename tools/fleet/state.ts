import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { PlanSite, SiteOutcome } from "./types";

const recordSchema = z.object({
  status: z.enum(["succeeded", "failed"]),
  /** Desired-state hash the site was rolled out with. */
  hash: z.string(),
  at: z.string(),
  durationMs: z.number(),
  detail: z.string().optional(),
});
const stateSchema = z.object({ version: z.literal(1), sites: z.record(z.string(), recordSchema) });

export type SiteRecord = z.infer<typeof recordSchema>;
/** What the rollout remembers between runs, kept in a local JSON file. */
export type RolloutState = z.infer<typeof stateSchema>;

export function emptyState(): RolloutState {
  return { version: 1, sites: {} };
}

/** A site in the run with the hash of its desired state (stack config + program). */
export interface DesiredSite extends PlanSite {
  hash: string;
}

/**
 * Splits the run into sites already rolled out at their current desired state (`recorded`) and the
 * rest (`pending`); a site that failed last time is flagged so the planner retries it first.
 */
export function selectPending(
  sites: readonly DesiredSite[],
  state: RolloutState,
): { pending: DesiredSite[]; recorded: DesiredSite[] } {
  const pending: DesiredSite[] = [];
  const recorded: DesiredSite[] = [];
  for (const site of sites) {
    const rec = state.sites[site.name];
    if (rec?.status === "succeeded" && rec.hash === site.hash) recorded.push(site);
    else pending.push({ ...site, failedBefore: rec?.status === "failed" });
  }
  return { pending, recorded };
}

/** State after one site finished an `up`; previews and skips do not change what is deployed. */
export function recordOutcome(state: RolloutState, outcome: SiteOutcome, hash: string, at: Date): RolloutState {
  if (outcome.status === "succeeded" || outcome.status === "failed" || outcome.status === "timed-out") {
    const status = outcome.status === "succeeded" ? "succeeded" : "failed";
    const record: SiteRecord = { status, hash, at: at.toISOString(), durationMs: outcome.durationMs };
    if (status === "failed") record.detail = outcome.detail;
    return { ...state, sites: { ...state.sites, [outcome.site]: record } };
  }
  return state;
}

/** Reads the state file; a missing file is an empty state, a corrupt one an error naming the file. */
export function loadState(file: string): RolloutState {
  if (!fs.existsSync(file)) return emptyState();
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message}). Fix: delete it to start the rollout afresh.`);
  }
  const parsed = stateSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${file}: not a fleet state file. Fix: delete it to start the rollout afresh.`);
  return parsed.data;
}

/** Writes via a temporary file and rename, so an interrupted run never leaves a half-written state. */
export function saveState(file: string, state: RolloutState): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 2) + "\n");
  fs.renameSync(tmp, file);
}
