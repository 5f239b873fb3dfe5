import type { Environment } from "../../policy/environment-names";

/** Rollout metadata of one site, from the `fleet:` block of its site file. */
export interface FleetMeta {
  /** Rings roll out in ascending order; a wave never spans two rings. */
  ring: number;
  /** Put this site into the canary wave. */
  canary: boolean;
  /** Policy environment passed to the policy pack for this site's stack. */
  environment: Environment;
  /** Free-form labels (tier, region, ...) usable in `--sites key=value` selectors. */
  labels: Record<string, string>;
}

/** One edge site: its stack name, rollout metadata and the stack config it generates. */
export interface SiteDefinition {
  /** Stack name; the site file's base name. */
  name: string;
  fleet: FleetMeta;
  /** Stack config keys (fully qualified, e.g. `k3s-stacks:cluster`) to values. */
  config: Record<string, unknown>;
}

/** What the planner needs to know about a site. */
export interface PlanSite {
  name: string;
  ring: number;
  canary: boolean;
  /** Failed in the previous run: retried first so it acts as the canary of the resumed rollout. */
  failedBefore?: boolean;
}

/** A batch of sites run together; the next wave starts only after this one finished. */
export interface Wave {
  index: number;
  canary: boolean;
  sites: string[];
}

/** Result of one operation on one site, as reported by a SiteRunner. */
export interface RunResult {
  /** One-line description, e.g. "3 created, 1 updated". */
  summary: string;
  /** Resource changes (create/update/replace/delete) the operation made or would make. */
  changes: number;
}

/**
 * Does the Pulumi work for one site. The rollout only talks to this interface, so tests and the
 * bench drive the scheduler without the Pulumi CLI.
 */
export interface SiteRunner {
  /** `pulumi preview` of the site's stack. */
  preview(site: string, signal: AbortSignal): Promise<RunResult>;
  /** `pulumi up` of the site's stack. */
  up(site: string, signal: AbortSignal): Promise<RunResult>;
  /** True when a preview shows no changes (used by `--verify` before skipping a recorded site). */
  isUpToDate(site: string, signal: AbortSignal): Promise<boolean>;
}

export type SiteStatus =
  | "succeeded" // up finished
  | "previewed" // preview finished (--preview-only)
  | "skipped" // already at the desired state
  | "failed"
  | "timed-out"
  | "not-attempted";

export interface SiteOutcome {
  site: string;
  /** Wave index, or -1 for sites skipped before planning. */
  wave: number;
  status: SiteStatus;
  durationMs: number;
  /** Change summary, skip reason or first line of the error. */
  detail: string;
}
