/**
 * How a step's changed properties differ, read from the engine's events of one operation (the old
 * and new inputs the step events carry; secrets arrive masked). For telling why a step updates.
 */
import { unpackScript } from "../../../components/remote/packed-script";
import { E2eStack, Step } from "../scenarios/stack";

interface StateMeta {
  inputs?: Record<string, unknown>;
}

/** Old and new inputs of each step of the operation `label`, by URN. */
function stepInputs(stack: E2eStack, label: string): Map<string, { old?: StateMeta; new?: StateMeta }> {
  const events = stack.logs.find((l) => l.label === `${label} (events)`)?.text ?? "";
  const out = new Map<string, { old?: StateMeta; new?: StateMeta }>();
  for (const line of events.split("\n")) {
    if (!line.includes("resourcePreEvent")) continue;
    const m = (JSON.parse(line) as { resourcePreEvent?: { metadata: { urn: string; old?: StateMeta; new?: StateMeta } } }).resourcePreEvent?.metadata;
    if (m) out.set(m.urn, { old: m.old, new: m.new });
  }
  return out;
}

/** A property as lines: scripts (stdin) decoded, since they travel compressed (packed-script.ts). */
const text = (v: unknown): string => (typeof v === "string" ? unpackScript(v) : JSON.stringify(v, null, 1) ?? "undefined");

/** Lines only in `a` (-) and only in `b` (+), in order, at most `max` of them. */
export function lineChanges(a: string, b: string, max = 16): string[] {
  const inA = new Set(a.split("\n"));
  const inB = new Set(b.split("\n"));
  const out = [...a.split("\n").filter((l) => !inB.has(l)).map((l) => `- ${l}`), ...b.split("\n").filter((l) => !inA.has(l)).map((l) => `+ ${l}`)];
  return out.length > max ? [...out.slice(0, max), `… ${out.length - max} more changed lines`] : out;
}

/** Per changed property of `step` in operation `label`: its changed lines, indented for printing. */
export function describeChanges(stack: E2eStack, label: string, step: Step): string[] {
  const io = stepInputs(stack, label).get(step.urn);
  if (!io?.old?.inputs || !io.new?.inputs) return [];
  const out: string[] = [];
  for (const key of step.diffs) {
    const lines = lineChanges(text(io.old.inputs[key]), text(io.new.inputs[key]));
    out.push(`      ${key}:`, ...lines.map((l) => `        ${l.length > 160 ? `${l.slice(0, 160)}…` : l}`));
  }
  return out;
}
