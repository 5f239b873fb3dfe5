import { PlanSite, Wave } from "./types";

/** A number of sites, either absolute or a percentage of the sites in the run. */
export type CountSpec = { count: number } | { percent: number };

export interface PlanOptions {
  /** Size of the canary wave (sites marked `canary` join it even beyond this size). 0 = no canary wave. */
  canary: CountSpec;
  /** Each wave is this many times the size of the previous one (>= 1). */
  growth: number;
  /** Sites run at once; waves at least this large are rounded up to a multiple of it so no slot idles. */
  concurrency: number;
  /** Upper bound of a wave's size. */
  maxWaveSize?: number;
}

/** Parses `3` or `5%`; `what` names the CLI option in the error. */
export function parseCountSpec(text: string, what: string): CountSpec {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  if (!m) throw new Error(`${what}: '${text}' is not a count or a percentage. Fix: use e.g. 2 or 5%.`);
  const value = Number(m[1]);
  if (m[2] === "%") {
    if (value > 100) throw new Error(`${what}: ${text} is more than 100%.`);
    return { percent: value };
  }
  if (!Number.isInteger(value)) throw new Error(`${what}: '${text}' must be a whole number of sites or a percentage.`);
  return { count: value };
}

/** Sites a spec stands for out of `total`; a non-zero percentage of a non-empty run is at least one site. */
export function resolveCount(spec: CountSpec, total: number): number {
  if ("count" in spec) return Math.min(spec.count, total);
  if (spec.percent === 0 || total === 0) return 0;
  return Math.max(1, Math.ceil((spec.percent * total) / 100));
}

/** Failures tolerated before the rollout halts; a percentage rounds down, so 5% of 10 sites is 0. */
export function failuresAllowed(budget: CountSpec, total: number): number {
  return "count" in budget ? budget.count : Math.floor((budget.percent * total) / 100);
}

/** Rollout order: ring ascending, sites that failed last time first within their ring, then by name. */
export function orderSites<T extends PlanSite>(sites: readonly T[]): T[] {
  return [...sites].sort(
    (a, b) =>
      a.ring - b.ring ||
      Number(!!b.failedBefore) - Number(!!a.failedBefore) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

function nextSize(previous: number, opts: PlanOptions): number {
  let size = Math.max(previous, Math.ceil(previous * opts.growth));
  if (size >= opts.concurrency) size = Math.ceil(size / opts.concurrency) * opts.concurrency;
  if (opts.maxWaveSize !== undefined) size = Math.min(size, opts.maxWaveSize);
  return Math.max(1, size);
}

/** Rejects options the planner cannot honour, naming the CLI option. */
export function checkPlanOptions(opts: PlanOptions): void {
  if (!(opts.growth >= 1)) throw new Error(`--growth: must be at least 1 (got ${opts.growth}).`);
  if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) {
    throw new Error(`--concurrency: must be a whole number >= 1 (got ${opts.concurrency}).`);
  }
  if (opts.maxWaveSize !== undefined && (!Number.isInteger(opts.maxWaveSize) || opts.maxWaveSize < 1)) {
    throw new Error(`--max-wave: must be a whole number >= 1 (got ${opts.maxWaveSize}).`);
  }
}

/**
 * Splits sites into waves: a canary wave (marked canaries, filled up to the canary size from the
 * front of the rollout order), then waves growing by `growth`, never spanning two rings.
 * Without a canary the first wave is `concurrency` sites.
 */
export function planWaves(sites: readonly PlanSite[], opts: PlanOptions): Wave[] {
  checkPlanOptions(opts);
  const ordered = orderSites(sites);
  const waves: Wave[] = [];
  const wanted = resolveCount(opts.canary, ordered.length);
  const canary = new Set(ordered.filter((s) => s.canary).map((s) => s.name));
  for (const s of ordered) {
    if (canary.size >= wanted) break;
    canary.add(s.name);
  }
  if (canary.size > 0) {
    waves.push({ index: 0, canary: true, sites: ordered.filter((s) => canary.has(s.name)).map((s) => s.name) });
  }
  const rest = ordered.filter((s) => !canary.has(s.name));
  let size = canary.size > 0 ? nextSize(canary.size, opts) : nextSize(opts.concurrency, { ...opts, growth: 1 });
  let i = 0;
  while (i < rest.length) {
    const ring = rest[i].ring;
    const batch: string[] = [];
    while (i < rest.length && batch.length < size && rest[i].ring === ring) batch.push(rest[i++].name);
    waves.push({ index: waves.length, canary: false, sites: batch });
    size = nextSize(size, opts);
  }
  return waves;
}
