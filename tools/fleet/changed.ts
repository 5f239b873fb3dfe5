import { SITES_DIR, DEFAULTS_FILE } from "./sites";
import { PlanSite } from "./types";

/** Paths whose change alters what every stack deploys (the program, its dependencies, the policies). */
const PROGRAM = [/^index\.ts$/, /^Pulumi\.yaml$/, /^package(-lock)?\.json$/, /^components\/(?!fleet\/)/, /^stacks\/[^/]+\.ts$/, /^policy\//];

export interface AffectedInput {
  /** Files changed by the PR or push (repo-relative). */
  files: readonly string[];
  /** Every stack with a `Pulumi.<name>.yaml` at the root after the change. */
  stacks: readonly string[];
  /** Which of those stacks are fleet sites. */
  sites: readonly string[];
}

/** Stacks a change touches: their stack or site file changed, or the program/defaults they all share. */
export function affectedStacks(input: AffectedInput): { stacks: string[]; reason: string } {
  const exists = new Set(input.stacks);
  const out = new Set<string>();
  const reasons: string[] = [];
  for (const file of input.files) {
    if (PROGRAM.some((r) => r.test(file))) {
      return { stacks: [...input.stacks].sort(), reason: `program file ${file} changed` };
    }
    if (file === `${SITES_DIR}/${DEFAULTS_FILE}`) {
      input.sites.forEach((s) => out.add(s));
      reasons.push("site defaults changed");
      continue;
    }
    const m = /^Pulumi\.([^/]+)\.yaml$/.exec(file) ?? new RegExp(`^${SITES_DIR}/([^/_][^/]*)\\.ya?ml$`).exec(file);
    if (m && exists.has(m[1])) out.add(m[1]);
  }
  if (out.size > reasons.length) reasons.push("stack or site files changed");
  return { stacks: [...out].sort(), reason: reasons.join("; ") || "no stack affected" };
}

/**
 * Caps a preview matrix: non-site stacks first, then canary sites, then sites in rollout order.
 * Returns the kept stacks and how many were left out (they are still covered on merge).
 */
export function limitStacks(stacks: readonly string[], sites: readonly PlanSite[], max: number): { kept: string[]; omitted: number } {
  const meta = new Map(sites.map((s) => [s.name, s]));
  const rank = (name: string): [number, number, string] => {
    const s = meta.get(name);
    if (!s) return [0, 0, name];
    return [s.canary ? 1 : 2, s.ring, name];
  };
  const sorted = [...stacks].sort((a, b) => {
    const [x, y] = [rank(a), rank(b)];
    return x[0] - y[0] || x[1] - y[1] || (x[2] < y[2] ? -1 : 1);
  });
  return { kept: sorted.slice(0, max), omitted: Math.max(0, sorted.length - max) };
}
