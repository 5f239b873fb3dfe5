import { checkPlanOptions, failuresAllowed, orderSites, parseCountSpec, planWaves, resolveCount } from "../../tools/fleet/planner";
import { emptyState, recordOutcome, selectPending } from "../../tools/fleet/state";
import { PlanSite } from "../../tools/fleet/types";

const sites = (n: number, ring = 0): PlanSite[] =>
  Array.from({ length: n }, (_, i) => ({ name: `s${String(i).padStart(4, "0")}`, ring, canary: false }));
const sizes = (w: { sites: string[] }[]) => w.map((x) => x.sites.length);

describe("count specs", () => {
  it("parses counts and percentages, rejecting junk with the option name", () => {
    expect(parseCountSpec("3", "--canary")).toEqual({ count: 3 });
    expect(parseCountSpec("5%", "--canary")).toEqual({ percent: 5 });
    expect(() => parseCountSpec("abc", "--canary")).toThrow(/--canary: 'abc'/);
    expect(() => parseCountSpec("1.5", "--failure-budget")).toThrow(/whole number/);
    expect(() => parseCountSpec("150%", "--canary")).toThrow(/more than 100%/);
  });
  it("resolves a percentage to at least one site and never more than the total", () => {
    expect(resolveCount({ percent: 1 }, 10)).toBe(1);
    expect(resolveCount({ percent: 10 }, 500)).toBe(50);
    expect(resolveCount({ percent: 0 }, 500)).toBe(0);
    expect(resolveCount({ count: 5 }, 3)).toBe(3);
  });
  it("rounds a percentage failure budget down", () => {
    expect(failuresAllowed({ percent: 5 }, 10)).toBe(0);
    expect(failuresAllowed({ percent: 5 }, 100)).toBe(5);
    expect(failuresAllowed({ count: 2 }, 10)).toBe(2);
  });
});

describe("planWaves", () => {
  it("starts with the canary and grows by the factor, rounding big waves to the concurrency", () => {
    const waves = planWaves(sites(100), { canary: { count: 1 }, growth: 2, concurrency: 4 });
    expect(waves[0].canary).toBe(true);
    expect(sizes(waves)).toEqual([1, 2, 4, 8, 16, 32, 37]);
    expect(waves.map((w) => w.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
  it("rounds sizes at or above the concurrency up to a multiple of it", () => {
    expect(sizes(planWaves(sites(60), { canary: { count: 1 }, growth: 3, concurrency: 5 }))).toEqual([1, 3, 10, 30, 16]);
  });
  it("keeps every site exactly once, in ring then name order", () => {
    const input = [...sites(7, 1), ...sites(5, 0).map((s) => ({ ...s, name: `z${s.name}` }))];
    const waves = planWaves(input, { canary: { count: 2 }, growth: 2, concurrency: 10 });
    const flat = waves.flatMap((w) => w.sites);
    expect(flat).toHaveLength(12);
    expect(new Set(flat).size).toBe(12);
    expect(flat.slice(0, 5).every((n) => n.startsWith("z"))).toBe(true);
  });
  it("never lets a wave span two rings", () => {
    const input = [...sites(3, 0), ...sites(10, 1).map((s) => ({ ...s, name: `r1-${s.name}` }))];
    const waves = planWaves(input, { canary: { count: 1 }, growth: 4, concurrency: 10 });
    expect(sizes(waves)).toEqual([1, 2, 10]);
    const ring = (n: string) => (n.startsWith("r1-") ? 1 : 0);
    for (const w of waves) expect(new Set(w.sites.map(ring)).size).toBe(1);
  });
  it("puts marked canaries into the canary wave even from a later ring, filling from the front", () => {
    const input = [...sites(5, 0), { name: "late", ring: 3, canary: true }];
    const waves = planWaves(input, { canary: { count: 2 }, growth: 2, concurrency: 4 });
    expect(waves[0].sites).toEqual(["s0000", "late"]);
    expect(waves.slice(1).flatMap((w) => w.sites)).not.toContain("late");
  });
  it("takes a percentage canary of the run", () => {
    expect(planWaves(sites(200), { canary: { percent: 5 }, growth: 2, concurrency: 50 })[0].sites).toHaveLength(10);
  });
  it("without a canary starts at the concurrency", () => {
    const waves = planWaves(sites(30), { canary: { count: 0 }, growth: 2, concurrency: 4 });
    expect(waves[0].canary).toBe(false);
    expect(sizes(waves)).toEqual([4, 8, 16, 2]);
  });
  it("respects the maximum wave size and growth 1", () => {
    expect(sizes(planWaves(sites(20), { canary: { count: 1 }, growth: 10, concurrency: 2, maxWaveSize: 6 }))).toEqual([1, 6, 6, 6, 1]);
    expect(sizes(planWaves(sites(7), { canary: { count: 2 }, growth: 1, concurrency: 8 }))).toEqual([2, 2, 2, 1]);
  });
  it("plans nothing for no sites and rejects impossible options", () => {
    expect(planWaves([], { canary: { count: 1 }, growth: 2, concurrency: 4 })).toEqual([]);
    expect(() => checkPlanOptions({ canary: { count: 1 }, growth: 0.5, concurrency: 4 })).toThrow(/--growth/);
    expect(() => checkPlanOptions({ canary: { count: 1 }, growth: 2, concurrency: 0 })).toThrow(/--concurrency/);
  });
  it("plans 10,000 sites completely", () => {
    const waves = planWaves(sites(10_000), { canary: { percent: 1 }, growth: 2, concurrency: 16 });
    expect(waves.reduce((n, w) => n + w.sites.length, 0)).toBe(10_000);
    expect(waves[0].sites).toHaveLength(100);
  });
});

describe("resume", () => {
  const desired = [
    { name: "a", ring: 0, canary: false, hash: "h1" },
    { name: "b", ring: 0, canary: false, hash: "h1" },
    { name: "c", ring: 0, canary: false, hash: "h2" },
    { name: "d", ring: 1, canary: false, hash: "h1" },
  ];
  it("skips sites recorded at their current hash and retries failed ones first", () => {
    let state = emptyState();
    const at = new Date(0);
    state = recordOutcome(state, { site: "a", wave: 0, status: "succeeded", durationMs: 5, detail: "" }, "h1", at);
    state = recordOutcome(state, { site: "c", wave: 0, status: "succeeded", durationMs: 5, detail: "" }, "old", at);
    state = recordOutcome(state, { site: "d", wave: 1, status: "failed", durationMs: 5, detail: "boom" }, "h1", at);
    const { pending, recorded } = selectPending(desired, state);
    expect(recorded.map((s) => s.name)).toEqual(["a"]);
    expect(pending.map((s) => s.name)).toEqual(["b", "c", "d"]);
    expect(pending.find((s) => s.name === "d")?.failedBefore).toBe(true);
    expect(state.sites.d.detail).toBe("boom");
  });
  it("orders previously failed sites first within their ring, so they become the canary", () => {
    const ordered = orderSites([
      { name: "a", ring: 0, canary: false },
      { name: "b", ring: 0, canary: false, failedBefore: true },
      { name: "c", ring: 1, canary: false, failedBefore: true },
    ]);
    expect(ordered.map((s) => s.name)).toEqual(["b", "a", "c"]);
    const waves = planWaves(ordered, { canary: { count: 1 }, growth: 2, concurrency: 2 });
    expect(waves[0].sites).toEqual(["b"]);
  });
  it("does not record previews or skips", () => {
    const s = recordOutcome(emptyState(), { site: "a", wave: 0, status: "previewed", durationMs: 1, detail: "" }, "h", new Date(0));
    expect(s.sites).toEqual({});
  });
});
