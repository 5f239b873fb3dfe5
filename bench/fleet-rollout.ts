/**
 * Fleet rollout bench: the real scheduler (runRollout + planWaves) on a simulated clock.
 * 500 sites, per-site `up` durations drawn from a fixed, seeded distribution (lognormal around
 * 5 minutes, sigma 0.2); compares the total against the ideal ceil(sites/concurrency) x mean.
 * Also times the planner for 10,000 sites. Run: npx ts-node --transpile-only bench/fleet-rollout.ts
 */
import { planWaves, PlanOptions } from "../tools/fleet/planner";
import { runRollout } from "../tools/fleet/rollout";
import { SimClock } from "../tools/fleet/sim-clock";
import { RunResult, SiteRunner } from "../tools/fleet/types";

const SITES = 500;
const MEAN_MS = 5 * 60_000;
const SIGMA = 0.2;

/** Mulberry32: small seeded PRNG so every run draws the same durations. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lognormal durations with the given mean (Box-Muller). */
function durations(n: number, seed: number): number[] {
  const r = rng(seed);
  const mu = Math.log(MEAN_MS) - (SIGMA * SIGMA) / 2;
  return Array.from({ length: n }, () => {
    const z = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    return Math.exp(mu + SIGMA * z);
  });
}

async function simulate(plan: PlanOptions, seed = 42): Promise<{ totalMs: number; meanMs: number; waves: number[] }> {
  const clock = new SimClock();
  const d = durations(SITES, seed);
  const names = d.map((_, i) => `site-${String(i).padStart(4, "0")}`);
  const byName = new Map(names.map((n, i) => [n, d[i]]));
  const run = async (site: string): Promise<RunResult> => {
    await clock.sleep(byName.get(site) ?? 0);
    return { summary: "1 update", changes: 1 };
  };
  const runner: SiteRunner = { up: run, preview: run, isUpToDate: async () => false };
  const result = await clock.drive(
    runRollout({
      sites: names.map((name) => ({ name, ring: 0, canary: false, hash: "h" })),
      runner,
      mode: "up",
      plan,
      failureBudget: { count: 0 },
      timeoutMs: 3_600_000,
      clock,
    }),
  );
  if (result.outcomes.some((o) => o.status !== "succeeded")) throw new Error("bench: a simulated site did not succeed");
  return { totalMs: result.elapsedMs, meanMs: d.reduce((a, b) => a + b, 0) / d.length, waves: result.waves.map((w) => w.sites.length) };
}

function minutes(ms: number): string {
  return `${(ms / 60_000).toFixed(1)} min`;
}

async function main(): Promise<void> {
  console.log(`fleet rollout bench: ${SITES} sites, per-site lognormal mean ${minutes(MEAN_MS)} sigma ${SIGMA}, simulated clock`);
  console.log("bound = ceil(sites/concurrency) x mean; wave bound = sum over waves of ceil(wave/concurrency) x mean");
  console.log("scenario                                   waves   total      bound      over    wave bound  over");
  const scenarios: Array<[string, PlanOptions]> = [
    ["no canary, growth 50, concurrency 10", { canary: { count: 0 }, growth: 50, concurrency: 10 }],
    ["no canary, growth 50, concurrency 25", { canary: { count: 0 }, growth: 50, concurrency: 25 }],
    ["canary 1, growth 2, concurrency 10", { canary: { count: 1 }, growth: 2, concurrency: 10 }],
    ["canary 1, growth 4, concurrency 10", { canary: { count: 1 }, growth: 4, concurrency: 10 }],
    ["canary 1, growth 4, concurrency 25", { canary: { count: 1 }, growth: 4, concurrency: 25 }],
  ];
  for (const [name, plan] of scenarios) {
    const r = await simulate(plan);
    const bound = Math.ceil(SITES / plan.concurrency) * r.meanMs;
    const waveBound = r.waves.reduce((n, w) => n + Math.ceil(w / plan.concurrency), 0) * r.meanMs;
    const pct = (x: number) => `${((r.totalMs / x - 1) * 100).toFixed(1).padStart(5)} %`;
    console.log(`${name.padEnd(42)} ${String(r.waves.length).padStart(5)}   ${minutes(r.totalMs).padEnd(10)} ${minutes(bound).padEnd(10)} ${pct(bound)}  ${minutes(waveBound).padEnd(10)} ${pct(waveBound)}`);
  }

  const big = Array.from({ length: 10_000 }, (_, i) => ({ name: `site-${String(i).padStart(5, "0")}`, ring: i % 4, canary: i % 997 === 0 }));
  const t0 = process.hrtime.bigint();
  const waves = planWaves(big, { canary: { percent: 1 }, growth: 2, concurrency: 16 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`\nplanner: 10,000 sites in 4 rings -> ${waves.length} waves in ${ms.toFixed(1)} ms (goal < 1000 ms)`);
}

void main();
