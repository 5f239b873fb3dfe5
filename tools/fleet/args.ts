import { parseArgs } from "util";
import { CountSpec, parseCountSpec } from "./planner";

/** Everything `npm run fleet -- ...` accepts, parsed and checked. */
export interface RolloutArgs {
  concurrency: number;
  canary: CountSpec;
  growth: number;
  maxWaveSize?: number;
  failureBudget: CountSpec;
  sites: string[];
  previewOnly: boolean;
  verify: boolean;
  refresh: boolean;
  statePath: string;
  timeoutMs: number;
  policyPacks: string[];
  logDir: string;
  /** Start afresh, ignoring the state file. */
  fresh: boolean;
}

export const USAGE = `usage: npm run fleet -- [options]
  --concurrency N        sites at once (default 4)
  --canary N|P%          canary wave size (default 1; sites with fleet.canary join it)
  --growth F             each wave F times the previous (default 2)
  --max-wave N           cap on a wave's size
  --failure-budget N|P%  failed sites tolerated before halting (default 0)
  --sites a,b,ber-*,ring=0,tier=retail   which sites (default all)
  --preview-only         preview every selected site; change nothing
  --verify               confirm sites recorded as done with a preview before skipping them
  --refresh              refresh each stack before the operation
  --state FILE           resumable state (default .fleet/state.json)
  --fresh                ignore the state file and roll out every selected site
  --timeout DUR          per-site limit, e.g. 90s, 20m, 1h (default 30m)
  --policy-pack DIR      policy pack to enforce (repeatable)
  --log-dir DIR          per-site CLI logs (default .fleet/logs)`;

/** `90s`, `20m`, `1h`, or a bare number of seconds, to milliseconds. */
export function parseDuration(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m || Number(m[1]) <= 0) throw new Error(`${what}: '${text}' is not a duration. Fix: use e.g. 90s, 20m or 1h.`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? "s") as "ms" | "s" | "m" | "h"];
  return Number(m[1]) * unit;
}

function positiveInt(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what}: '${text}' must be a whole number >= 1.`);
  return n;
}

/** True when the command line asks for the usage text (`--help` or `-h`). */
export function wantsHelp(argv: string[]): boolean {
  return argv.includes("--help") || argv.includes("-h");
}

/** Parses the rollout's command line; errors name the option and the fix, and carry the usage. */
export function parseRolloutArgs(argv: string[]): RolloutArgs {
  try {
    return parseRolloutValues(argv);
  } catch (e) {
    // Node's own parse errors ("Unknown option", "argument is ambiguous") say nothing of ours.
    if ((e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) throw new Error(`${(e as Error).message.split(". ")[0]}.\n${USAGE}`);
    throw e;
  }
}

function parseRolloutValues(argv: string[]): RolloutArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      concurrency: { type: "string", default: "4" },
      canary: { type: "string", default: "1" },
      growth: { type: "string", default: "2" },
      "max-wave": { type: "string" },
      "failure-budget": { type: "string", default: "0" },
      sites: { type: "string", multiple: true, default: [] },
      "preview-only": { type: "boolean", default: false },
      verify: { type: "boolean", default: false },
      refresh: { type: "boolean", default: false },
      state: { type: "string", default: ".fleet/state.json" },
      fresh: { type: "boolean", default: false },
      timeout: { type: "string", default: "30m" },
      "policy-pack": { type: "string", multiple: true, default: [] },
      "log-dir": { type: "string", default: ".fleet/logs" },
    },
  });
  if (positionals.length) throw new Error(`unexpected argument(s) ${positionals.join(" ")}.\n${USAGE}`);
  const growth = Number(values.growth);
  if (!Number.isFinite(growth) || growth < 1) throw new Error(`--growth: '${values.growth}' must be a number >= 1.`);
  return {
    concurrency: positiveInt(values.concurrency as string, "--concurrency"),
    canary: parseCountSpec(values.canary as string, "--canary"),
    growth,
    maxWaveSize: values["max-wave"] === undefined ? undefined : positiveInt(values["max-wave"] as string, "--max-wave"),
    failureBudget: parseCountSpec(values["failure-budget"] as string, "--failure-budget"),
    sites: (values.sites as string[]).flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean),
    previewOnly: values["preview-only"] as boolean,
    verify: values.verify as boolean,
    refresh: values.refresh as boolean,
    statePath: values.state as string,
    fresh: values.fresh as boolean,
    timeoutMs: parseDuration(values.timeout as string, "--timeout"),
    policyPacks: values["policy-pack"] as string[],
    logDir: values["log-dir"] as string,
  };
}
