/**
 * One shape of the upgrade check: a cluster brought up by the old checkout's program, then the same
 * stack (state, config, hosts) run by this checkout's: preview, up, up --expect-no-changes, and a
 * k3sVersion bump that must roll the servers one at a time, then the agents.
 */
import { startLab } from "../hosts";
import { V1, V2 } from "../scenarios/fixture";
import { downtimes, invocationsSince } from "../scenarios/log";
import { E2eStack, Step } from "../scenarios/stack";
import { describeChanges } from "./changes";
import { EXPECTED, Shape, datastoreOf } from "./shapes";
import { commandCounts, k3sTouched, rollProblems } from "./verdict";

export interface ShapeResult {
  shape: Shape;
  /** The release upgrade's preview steps, each with why it is expected, or undefined (a finding). */
  preview: { step: Step; expected?: string; changes: string[] }[];
  /** k3s restarts, stops and installs during the release upgrade (must be none). */
  upgradeRestarts: string[];
  /** Stand-in commands the release upgrade ran on the hosts, counted by host, tool and verb. */
  upgradeCommands: string[];
  /** Server and agent downtimes of the version bump, in order. */
  bumpRoll: string[];
  /** Seconds per phase. */
  timings: [string, number][];
  /** Failed checks; empty when the shape passes. */
  failures: string[];
}

export async function runShape(shape: Shape, oldRepo: string, newRepo: string, say: (line: string) => void): Promise<ShapeResult> {
  const result: ShapeResult = { shape, preview: [], upgradeRestarts: [], upgradeCommands: [], bumpRoll: [], timings: [], failures: [] };
  const timed = async <T>(phase: string, f: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    say(`  ${phase} …`);
    try {
      return await f();
    } finally {
      result.timings.push([phase, (Date.now() - t0) / 1000]);
    }
  };
  const servers = shape.hosts.filter((h) => h.role === "server").map((h) => h.name);
  const agents = shape.hosts.filter((h) => h.role === "agent").map((h) => h.name);
  const lab = startLab(shape.hosts.map((h) => ({ name: h.name })), { versions: [V1, V2] });
  let stack: E2eStack | undefined;
  try {
    stack = await E2eStack.create(lab, `upgrade-${shape.key}`, oldRepo);
    const e2e = stack;
    const config = shape.config(lab, V1);
    await e2e.configure(shape.hosts, V1, config);
    await timed("bring-up with the old release", () => e2e.up("bring-up (old release)"));

    e2e.relink(newRepo);
    let before = lab.invocations().length;
    const shown = await timed("preview with this checkout", () => e2e.preview("release preview"));
    if (invocationsSince(lab, before).length) result.failures.push("the preview ran commands on the hosts");
    if (!shown.includes("no k3s restarts")) result.failures.push("the preview does not say 'no k3s restarts' (stacks/main.ts restartPlanOutput)");
    result.preview = e2e.steps.map((step) => ({ step, expected: EXPECTED(step, shape, datastoreOf(config)), changes: describeChanges(e2e, "release preview", step) }));
    for (const p of result.preview.filter((x) => !x.expected)) result.failures.push(`unexpected step in the release preview: ${p.step.op} ${p.step.name} [${p.step.diffs.join(", ")}]`);
    if (shape.previewOnly) return result;

    before = lab.invocations().length;
    const up = await timed("up with this checkout", () => e2e.up("release upgrade"));
    const planned = up.outputs.plannedRestarts?.value as unknown[] | undefined;
    if (planned?.length) result.failures.push(`the release upgrade planned restarts: ${JSON.stringify(planned)}`);
    const upSteps = e2e.steps.map((s) => `${s.op} ${s.name}`).sort();
    const previewed = result.preview.map((p) => `${p.step.op} ${p.step.name}`).sort();
    if (upSteps.join("\n") !== previewed.join("\n")) result.failures.push(`the up took other steps than its preview: ${upSteps.join(", ")}`);
    result.upgradeRestarts = k3sTouched(invocationsSince(lab, before));
    result.upgradeCommands = commandCounts(invocationsSince(lab, before));
    for (const r of result.upgradeRestarts) result.failures.push(`the release upgrade touched k3s: ${r}`);
    if (!lab.nodes(servers[0]).every((n) => n.ready)) result.failures.push("a Node is not Ready after the release upgrade");

    await timed("up --expect-no-changes", () => e2e.up("second up", { expectNoChanges: true })).catch((e: Error) => {
      result.failures.push(`the second up was not a no-op: ${e.message.split("\n").slice(0, 3).join(" ")}`);
    });

    await e2e.configure(shape.hosts, V2, shape.config(lab, V2));
    before = lab.invocations().length;
    // Each start takes a second, so two nodes down at once would overlap visibly.
    lab.setControl("start-delay", "1");
    try {
      await timed(`up: k3sVersion ${V1} → ${V2}`, () => e2e.up("version bump"));
    } finally {
      lab.clearControl("start-delay");
    }
    const spans = downtimes(invocationsSince(lab, before));
    result.bumpRoll = spans.map((s) => s.host);
    result.failures.push(...rollProblems(spans, servers, agents, 1));
    const stale = lab.nodes(servers[0]).filter((n) => !n.version.startsWith(V2.split("+")[0]) || !n.ready);
    if (stale.length) result.failures.push(`after the bump, not Ready on ${V2}: ${stale.map((n) => `${n.name} ${n.version}`).join(", ")}`);
    await timed("up --expect-no-changes after the bump", () => e2e.up("after bump", { expectNoChanges: true })).catch((e: Error) => {
      result.failures.push(`the up after the bump was not a no-op: ${e.message.split("\n").slice(0, 3).join(" ")}`);
    });
  } catch (e) {
    result.failures.push(`stopped: ${(e as Error).message.split("\n").slice(0, 12).join("\n    ")}`);
  } finally {
    stack?.cleanup();
    lab.down();
  }
  return result;
}
