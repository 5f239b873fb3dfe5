import { ProgressEvent, runRollout, RolloutOptions } from "../../tools/fleet/rollout";
import { SimClock } from "../../tools/fleet/sim-clock";
import { emptyState, RolloutState } from "../../tools/fleet/state";
import { RunResult, SiteRunner } from "../../tools/fleet/types";
import { exitCode, renderSummary } from "../../tools/fleet/progress";

/** A SiteRunner on the simulated clock that records what ran when. */
class FakeRunner implements SiteRunner {
  calls: Array<{ op: string; site: string; start: number; end?: number }> = [];
  running = 0;
  maxRunning = 0;
  constructor(
    private readonly clock: SimClock,
    private readonly behaviour: (site: string, op: string) => { ms: number; fail?: string; hang?: boolean; changes?: number },
  ) {}
  private async op(op: string, site: string, signal: AbortSignal): Promise<RunResult> {
    const b = this.behaviour(site, op);
    const call: { op: string; site: string; start: number; end?: number } = { op, site, start: this.clock.now() };
    this.calls.push(call);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      if (b.hang) {
        // Honours the abort like the CLI does on SIGINT, after a short cleanup.
        await new Promise<void>((resolve) => signal.addEventListener("abort", () => void this.clock.sleep(1000).then(resolve)));
        throw new Error("error: update canceled");
      }
      await this.clock.sleep(b.ms);
      if (b.fail) throw new Error(`${b.fail}\nmore detail`);
      return { summary: `${b.changes ?? 1} update`, changes: b.changes ?? 1 };
    } finally {
      call.end = this.clock.now();
      this.running--;
    }
  }
  up(site: string, signal: AbortSignal) {
    return this.op("up", site, signal);
  }
  preview(site: string, signal: AbortSignal) {
    return this.op("preview", site, signal);
  }
  async isUpToDate(site: string, signal: AbortSignal) {
    return (await this.op("verify", site, signal)).changes === 0;
  }
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `site-${String(i).padStart(2, "0")}`);
const desired = (n: number, hash = "h") => names(n).map((name) => ({ name, ring: 0, canary: false, hash }));

async function rollout(clock: SimClock, runner: SiteRunner, over: Partial<RolloutOptions> = {}) {
  const events: ProgressEvent[] = [];
  const states: RolloutState[] = [];
  const result = await clock.drive(
    runRollout({
      sites: desired(10),
      runner,
      mode: "up",
      plan: { canary: { count: 1 }, growth: 2, concurrency: 3 },
      failureBudget: { count: 0 },
      timeoutMs: 60_000,
      clock,
      onEvent: (e) => events.push(e),
      onState: (s) => states.push(s),
      ...over,
    }),
  );
  return { result, events, states };
}

describe("runRollout", () => {
  it("runs waves in order with bounded concurrency and a wave barrier", async () => {
    const clock = new SimClock();
    const runner = new FakeRunner(clock, (site) => ({ ms: 1000 + Number(site.slice(-2)) * 10 }));
    const { result, states } = await rollout(clock, runner);
    expect(result.waves.map((w) => w.sites.length)).toEqual([1, 2, 6, 1]);
    expect(result.outcomes.every((o) => o.status === "succeeded")).toBe(true);
    expect(runner.maxRunning).toBe(3);
    for (let i = 1; i < result.waves.length; i++) {
      const prevEnd = Math.max(...runner.calls.filter((c) => result.waves[i - 1].sites.includes(c.site)).map((c) => c.end ?? Infinity));
      const nextStart = Math.min(...runner.calls.filter((c) => result.waves[i].sites.includes(c.site)).map((c) => c.start));
      expect(nextStart).toBeGreaterThanOrEqual(prevEnd);
    }
    expect(states).toHaveLength(10);
    expect(Object.values(states[9].sites).every((r) => r.status === "succeeded" && r.hash === "h")).toBe(true);
    expect(exitCode(result)).toBe(0);
    // 1 + 1 + 2 + 1 rounds of ~1s on the simulated clock
    expect(result.elapsedMs).toBeGreaterThanOrEqual(5000);
    expect(result.elapsedMs).toBeLessThan(5400);
  });

  it("halts when the canary fails: nothing else is attempted", async () => {
    const clock = new SimClock();
    const runner = new FakeRunner(clock, (site) => ({ ms: 100, fail: site === "site-00" ? "error: k3s install failed" : undefined }));
    const { result, events } = await rollout(clock, runner, { failureBudget: { count: 5 } });
    expect(result.halted).toBe(true);
    expect(result.haltReason).toMatch(/canary site site-00 failed/);
    expect(runner.calls).toHaveLength(1);
    expect(result.outcomes.filter((o) => o.status === "not-attempted")).toHaveLength(9);
    expect(result.outcomes[0]).toMatchObject({ site: "site-00", status: "failed", detail: "error: k3s install failed" });
    expect(events.some((e) => e.type === "halt")).toBe(true);
    expect(exitCode(result)).toBe(1);
  });

  it("stops launching once failures exceed the budget, lets running sites finish, skips later waves", async () => {
    const clock = new SimClock();
    const runner = new FakeRunner(clock, (site) => ({ ms: site === "site-01" ? 50 : 500, fail: ["site-01", "site-02"].includes(site) ? "boom" : undefined }));
    const { result } = await rollout(clock, runner, { plan: { canary: { count: 1 }, growth: 5, concurrency: 2 }, failureBudget: { count: 0 } });
    // wave 2 = site-01..site-05 with 2 slots: site-01 fails fast -> halt; site-02 was already running.
    const by = Object.fromEntries(result.outcomes.map((o) => [o.site, o.status]));
    expect(by["site-00"]).toBe("succeeded");
    expect(by["site-01"]).toBe("failed");
    expect(by["site-02"]).toBe("failed");
    expect(["site-03", "site-04", "site-05", "site-06", "site-09"].every((s) => by[s] === "not-attempted")).toBe(true);
    expect(result.haltReason).toMatch(/exceed the failure budget of 0/);
  });

  it("tolerates failures within the budget", async () => {
    const clock = new SimClock();
    const runner = new FakeRunner(clock, (site) => ({ ms: 100, fail: site === "site-05" ? "boom" : undefined }));
    const { result } = await rollout(clock, runner, { failureBudget: { count: 1 } });
    expect(result.halted).toBe(false);
    expect(result.outcomes.filter((o) => o.status === "succeeded")).toHaveLength(9);
    expect(exitCode(result)).toBe(1);
  });

  it("resumes: a second run skips recorded sites and retries the failed one as canary", async () => {
    const clock = new SimClock();
    let broken = true;
    const runner = new FakeRunner(clock, (site) => ({ ms: 100, fail: broken && site === "site-04" ? "boom" : undefined }));
    const first = await rollout(clock, runner, { plan: { canary: { count: 1 }, growth: 3, concurrency: 3 } });
    expect(first.result.halted).toBe(true);
    const done = first.result.outcomes.filter((o) => o.status === "succeeded").map((o) => o.site);
    broken = false;
    runner.calls = [];
    const second = await rollout(clock, runner, { state: first.result.state, plan: { canary: { count: 1 }, growth: 3, concurrency: 3 } });
    expect(second.result.waves[0].sites).toEqual(["site-04"]);
    expect(runner.calls.map((c) => c.site)).not.toEqual(expect.arrayContaining(done));
    expect(second.result.outcomes.filter((o) => o.status === "skipped").map((o) => o.site).sort()).toEqual(done.sort());
    expect(second.result.outcomes.filter((o) => o.status === "succeeded")).toHaveLength(10 - done.length);
    // A changed desired state (new hash) rolls every site again.
    runner.calls = [];
    const third = await rollout(clock, runner, { state: second.result.state, sites: desired(10, "h2") });
    expect(runner.calls).toHaveLength(10);
    expect(third.result.outcomes.every((o) => o.status === "succeeded")).toBe(true);
  });

  it("with --verify previews recorded sites and only skips those without changes", async () => {
    const clock = new SimClock();
    const runner = new FakeRunner(clock, (site, op) => ({ ms: 10, changes: op === "verify" && site === "site-01" ? 2 : 0 }));
    const state = emptyState();
    for (const n of names(3)) state.sites[n] = { status: "succeeded", hash: "h", at: "", durationMs: 1 };
    const { result } = await rollout(clock, runner, { sites: desired(3), state, verify: true });
    const by = Object.fromEntries(result.outcomes.map((o) => [o.site, o.status]));
    expect(by).toEqual({ "site-00": "skipped", "site-01": "succeeded", "site-02": "skipped" });
    expect(runner.calls.filter((c) => c.op === "verify")).toHaveLength(3);
  });

  it("times a hung site out, aborts it and counts it as failed", async () => {
    const clock = new SimClock();
    const runner = new FakeRunner(clock, (site) => ({ ms: 10, hang: site === "site-00" }));
    const { result } = await rollout(clock, runner, { timeoutMs: 5000 });
    expect(result.outcomes[0]).toMatchObject({ site: "site-00", status: "timed-out", detail: "timed out after 5s" });
    expect(result.outcomes[0].durationMs).toBe(6000);
    expect(result.halted).toBe(true);
  });

  it("preview-only previews every site, does not halt and records nothing", async () => {
    const clock = new SimClock();
    const runner = new FakeRunner(clock, (site) => ({ ms: 10, fail: site === "site-00" ? "policy violation" : undefined }));
    const state = emptyState();
    state.sites["site-03"] = { status: "succeeded", hash: "h", at: "", durationMs: 1 };
    const { result, states } = await rollout(clock, runner, { mode: "preview", state });
    expect(runner.calls.every((c) => c.op === "preview")).toBe(true);
    expect(runner.calls).toHaveLength(10);
    expect(result.outcomes.filter((o) => o.status === "previewed")).toHaveLength(9);
    expect(states).toHaveLength(0);
    expect(exitCode(result)).toBe(1);
  });

  it("stops launching when interrupted", async () => {
    const clock = new SimClock();
    const controller = new AbortController();
    const runner = new FakeRunner(clock, () => ({ ms: 100 }));
    clock.setTimer(150, () => controller.abort());
    const { result } = await rollout(clock, runner, { signal: controller.signal });
    expect(result.haltReason).toBe("interrupted");
    expect(runner.calls.length).toBeLessThan(10);
    expect(result.outcomes.filter((o) => o.status === "not-attempted").length).toBe(10 - runner.calls.length);
  });

  it("prints a summary table naming every site", async () => {
    const clock = new SimClock();
    const runner = new FakeRunner(clock, (site) => ({ ms: 61_000, fail: site === "site-02" ? "error: ssh: handshake failed" : undefined }));
    const { result } = await rollout(clock, runner, { sites: desired(4), timeoutMs: 3_600_000 });
    const text = renderSummary(result);
    expect(text.split("\n")[0]).toMatch(/^SITE\s+WAVE\s+STATUS\s+TIME\s+DETAIL$/);
    expect(text).toMatch(/site-02\s+2\s+failed\s+1m01s\s+error: ssh: handshake failed/);
    expect(text).toMatch(/site-03\s+3\s+not-attempted/);
    expect(text).toMatch(/1 failed, 2 succeeded, 1 not-attempted in 2m02s/);
    expect(text).toMatch(/halted: /);
  });
});
