import { CountSpec, PlanOptions, failuresAllowed, planWaves } from "./planner";
import { DesiredSite, RolloutState, emptyState, recordOutcome, selectPending } from "./state";
import { SiteOutcome, SiteRunner, SiteStatus, Wave } from "./types";

/** Time source; injected so tests and the bench run the real scheduler on a simulated clock. */
export interface Clock {
  now(): number;
  /** Calls `fn` after `ms`; the returned function cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimer: (ms, fn) => {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

export type ProgressEvent =
  | { type: "plan"; waves: Wave[]; skipped: string[]; verifying: number }
  | { type: "wave-start"; wave: Wave }
  | { type: "site-start"; site: string; wave: number }
  | { type: "site-end"; outcome: SiteOutcome }
  | { type: "halt"; reason: string };

export interface RolloutOptions {
  /** Sites in this run (already filtered by `--sites`), each with its desired-state hash. */
  sites: DesiredSite[];
  runner: SiteRunner;
  /** `up` deploys in waves and halts on failure; `preview` previews every site and changes nothing. */
  mode: "up" | "preview";
  plan: PlanOptions;
  /** Failed sites tolerated before halting; any failure in the canary wave halts regardless. */
  failureBudget: CountSpec;
  /** Per-site limit; the site's operation is aborted (SIGINT to the CLI) and counted as failed. */
  timeoutMs: number;
  /** After aborting a timed-out site, how long to wait for it to stop before freeing its slot. */
  abortGraceMs?: number;
  /** Confirm recorded sites with `runner.isUpToDate` instead of trusting the state file alone. */
  verify?: boolean;
  /** Previous run's state (resume); empty when absent. */
  state?: RolloutState;
  /** Called with the new state after every finished `up`, so an interrupted run can resume. */
  onState?: (state: RolloutState) => void;
  onEvent?: (e: ProgressEvent) => void;
  clock?: Clock;
  /** Aborting stops launching sites (Ctrl-C); running CLI processes get the terminal's SIGINT themselves. */
  signal?: AbortSignal;
}

export interface RolloutResult {
  /** Every site of the run: skipped first, then in wave order. */
  outcomes: SiteOutcome[];
  waves: Wave[];
  halted: boolean;
  haltReason?: string;
  elapsedMs: number;
  state: RolloutState;
}

/** True when the outcome counts against the failure budget. */
export function isFailure(status: SiteStatus): boolean {
  return status === "failed" || status === "timed-out";
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split("\n").find((l) => l.trim() !== "")?.trim() ?? "unknown error";
}

/** Runs `work` over `items` with at most `limit` at once; stops launching once `stop()` is true. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>, stop: () => boolean): Promise<T[]> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !stop()) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return items.slice(next);
}

type Attempt<T> = { ok: true; value: T } | { ok: false; timedOut: boolean; error: unknown };

/**
 * Races `op` against the per-site timeout. On timeout the operation is aborted and given
 * `graceMs` to stop (the CLI releases the stack lock on SIGINT) before the slot is freed.
 */
function withTimeout<T>(clock: Clock, timeoutMs: number, graceMs: number, op: (signal: AbortSignal) => Promise<T>): Promise<Attempt<T>> {
  const controller = new AbortController();
  return new Promise((resolve) => {
    let settled = false;
    let cancelTimer = () => undefined as void;
    const finish = (r: Attempt<T>) => {
      if (settled) return;
      settled = true;
      cancelTimer();
      resolve(r);
    };
    const running = op(controller.signal).then(
      (value) => finish(controller.signal.aborted ? { ok: false, timedOut: true, error: undefined } : { ok: true, value }),
      (error) => finish({ ok: false, timedOut: controller.signal.aborted, error }),
    );
    cancelTimer = clock.setTimer(timeoutMs, () => {
      if (settled) return;
      controller.abort();
      const cancelGrace = clock.setTimer(graceMs, () => finish({ ok: false, timedOut: true, error: undefined }));
      void running.finally(cancelGrace);
    });
  });
}

/**
 * Rolls the sites out: skip those already at their desired state, plan waves over the rest, run
 * each wave with bounded concurrency, halt when the canary fails or failures exceed the budget.
 */
export async function runRollout(opts: RolloutOptions): Promise<RolloutResult> {
  const clock = opts.clock ?? realClock;
  const emit = opts.onEvent ?? (() => undefined);
  const start = clock.now();
  const concurrency = opts.plan.concurrency;
  let state = opts.state ?? emptyState();
  const hashes = new Map(opts.sites.map((s) => [s.name, s.hash]));
  const skipped: SiteOutcome[] = [];

  const split = opts.mode === "preview" ? { pending: opts.sites, recorded: [] } : selectPending(opts.sites, state);
  const pending = [...split.pending];
  const skip = (site: string, detail: string) => skipped.push({ site, wave: -1, status: "skipped", durationMs: 0, detail });
  if (opts.verify && split.recorded.length > 0) {
    emit({ type: "plan", waves: [], skipped: [], verifying: split.recorded.length });
    await pool(split.recorded, concurrency, async (site) => {
      const t0 = clock.now();
      const r = await withTimeout(clock, opts.timeoutMs, opts.abortGraceMs ?? 30_000, (signal) => opts.runner.isUpToDate(site.name, signal));
      if (r.ok && r.value) skipped.push({ site: site.name, wave: -1, status: "skipped", durationMs: clock.now() - t0, detail: "verified: no changes" });
      else pending.push(site);
    }, () => false);
  } else {
    for (const site of split.recorded) skip(site.name, "at desired state (state file)");
  }

  const waves = planWaves(pending, opts.plan);
  emit({ type: "plan", waves, skipped: skipped.map((s) => s.site), verifying: 0 });
  const allowed = failuresAllowed(opts.failureBudget, pending.length);
  const outcomes: SiteOutcome[] = [];
  let failures = 0;
  let haltReason: string | undefined;

  for (const wave of waves) {
    if (haltReason) {
      for (const site of wave.sites) outcomes.push({ site, wave: wave.index, status: "not-attempted", durationMs: 0, detail: "rollout halted" });
      continue;
    }
    emit({ type: "wave-start", wave });
    const finished: SiteOutcome[] = [];
    const notLaunched = await pool(
      wave.sites,
      concurrency,
      async (site) => {
        emit({ type: "site-start", site, wave: wave.index });
        const t0 = clock.now();
        const op = opts.mode === "up" ? opts.runner.up.bind(opts.runner) : opts.runner.preview.bind(opts.runner);
        const r = await withTimeout(clock, opts.timeoutMs, opts.abortGraceMs ?? 30_000, (signal) => op(site, signal));
        const durationMs = clock.now() - t0;
        const outcome: SiteOutcome = r.ok
          ? { site, wave: wave.index, status: opts.mode === "up" ? "succeeded" : "previewed", durationMs, detail: r.value.summary }
          : r.timedOut
            ? { site, wave: wave.index, status: "timed-out", durationMs, detail: `timed out after ${Math.round(opts.timeoutMs / 1000)}s` }
            : { site, wave: wave.index, status: "failed", durationMs, detail: firstLine(r.error) };
        finished.push(outcome);
        if (opts.mode === "up") {
          state = recordOutcome(state, outcome, hashes.get(site) ?? "", new Date());
          opts.onState?.(state);
        }
        if (isFailure(outcome.status) && opts.mode === "up" && !haltReason) {
          failures++;
          if (wave.canary) haltReason = `canary site ${site} failed`;
          else if (failures > allowed) haltReason = `${failures} failed site(s) exceed the failure budget of ${allowed}`;
          if (haltReason) emit({ type: "halt", reason: haltReason });
        }
        emit({ type: "site-end", outcome });
      },
      () => {
        if (opts.signal?.aborted && !haltReason) {
          haltReason = "interrupted";
          emit({ type: "halt", reason: haltReason });
        }
        return haltReason !== undefined;
      },
    );
    const byName = new Map(finished.map((o) => [o.site, o]));
    for (const site of wave.sites) {
      const o = byName.get(site);
      if (o) outcomes.push(o);
    }
    for (const site of notLaunched) outcomes.push({ site, wave: wave.index, status: "not-attempted", durationMs: 0, detail: "rollout halted" });
  }
  return {
    outcomes: [...skipped.sort((a, b) => (a.site < b.site ? -1 : 1)), ...outcomes],
    waves,
    halted: haltReason !== undefined,
    haltReason,
    elapsedMs: clock.now() - start,
    state,
  };
}
