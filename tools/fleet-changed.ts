/**
 * Which stacks a change touches, for CI: `ts-node tools/fleet-changed.ts --base <sha> [--head <sha>] [--max 20]`.
 * Prints JSON; under GitHub Actions also writes the outputs `matrix` (stacks to preview, capped),
 * `sites` (comma list of affected fleet sites), `others` (JSON list of affected non-site stacks).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { wantsHelp } from "./fleet/args";
import { affectedStacks, limitStacks } from "./fleet/changed";
import { loadSites } from "./fleet/sites";
import { readStackFiles } from "./fleet/sync";

const USAGE = `usage: npm exec ts-node -- --transpile-only tools/fleet-changed.ts [--base <sha>] [--head <sha>] [--max <n>] [--all]
Prints which stacks a change touches, as JSON (CI's preview matrix). Without --base, or with --all,
every stack counts as changed. --head defaults to HEAD, --max (stacks in the matrix) to 20.`;

function parseCommandLine(argv: string[]) {
  if (wantsHelp(argv)) {
    console.log(USAGE);
    process.exit(0);
  }
  try {
    const { values } = parseArgs({
      args: argv,
      options: { base: { type: "string" }, head: { type: "string", default: "HEAD" }, max: { type: "string", default: "20" }, all: { type: "boolean", default: false } },
    });
    if (!/^\d+$/.test(values.max) || Number(values.max) < 1) throw new Error(`--max: '${values.max}' is not a positive whole number. Fix: e.g. --max 20`);
    return values;
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

const values = parseCommandLine(process.argv.slice(2));
const root = path.resolve(__dirname, "..");
const stacks = Object.keys(readStackFiles(root)).map((f) => f.slice("Pulumi.".length, -".yaml".length));
const sites = loadSites(root);
const siteNames = new Set(sites.map((s) => s.name));
const zero = /^0+$/;
// No usable base (first push of a branch, manual run): treat everything as changed.
const files =
  values.all || !values.base || zero.test(values.base)
    ? ["Pulumi.yaml"]
    : execFileSync("git", ["diff", "--name-only", `${values.base}...${values.head}`], { cwd: root, encoding: "utf8" }).split("\n").filter(Boolean);
const affected = affectedStacks({ files, stacks, sites: stacks.filter((s) => siteNames.has(s)) });
const plan = sites.map((s) => ({ name: s.name, ring: s.fleet.ring, canary: s.fleet.canary }));
const { kept, omitted } = limitStacks(affected.stacks, plan, Number(values.max));
const result = {
  reason: affected.reason,
  stacks: affected.stacks,
  matrix: kept,
  omitted,
  sites: affected.stacks.filter((s) => siteNames.has(s)),
  others: affected.stacks.filter((s) => !siteNames.has(s)),
};
console.log(JSON.stringify(result, null, 2));
if (process.env.GITHUB_OUTPUT) {
  fs.appendFileSync(
    process.env.GITHUB_OUTPUT,
    `matrix=${JSON.stringify(kept)}\nsites=${result.sites.join(",")}\nothers=${JSON.stringify(result.others)}\nomitted=${omitted}\n`,
  );
}
if (process.env.GITHUB_STEP_SUMMARY) {
  fs.appendFileSync(
    process.env.GITHUB_STEP_SUMMARY,
    `### Affected stacks\n${affected.reason}: ${affected.stacks.length} stack(s)${omitted ? `; previewing ${kept.length}, ${omitted} more are covered by the fleet preview job` : ""}.\n`,
  );
}
