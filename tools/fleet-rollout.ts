/**
 * Fleet rollout: `npm run fleet -- --concurrency 4 --canary 1 --growth 2 --failure-budget 0
 *   [--sites a,b] [--preview-only] [--state .fleet/state.json] [--timeout 20m] [--policy-pack policy]`.
 * Exit code 1 when any site failed or the rollout halted; 2 on bad usage or configuration.
 */
import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "../components/rules/errors";
import { USAGE, parseRolloutArgs, wantsHelp } from "./fleet/args";
import { PulumiCommand } from "@pulumi/pulumi/automation";
import { AutomationSiteRunner, errorSummary } from "./fleet/automation";
import { programFingerprint, siteHash } from "./fleet/fingerprint";
import { createReporter, exitCode, renderSummary } from "./fleet/progress";
import { runRollout } from "./fleet/rollout";
import { selectSites } from "./fleet/select";
import { stackFileName } from "./fleet/stackfile";
import { emptyState, loadState, saveState } from "./fleet/state";
import { planFleetSync, staleSites } from "./fleet/sync";
import { policyPackConfig } from "../policy/policies";

async function main(): Promise<number> {
  if (wantsHelp(process.argv.slice(2))) {
    console.log(USAGE);
    return 0;
  }
  const args = parseRolloutArgs(process.argv.slice(2));
  const root = path.resolve(__dirname, "..");
  const report = planFleetSync(root);
  const stale = staleSites(report);
  if (stale.length) {
    throw new ConfigError([`stack files out of step with stacks/sites: ${stale.join(", ")}. Fix: run \`npm run fleet:sync\` (and commit) before rolling out.`]);
  }
  const sites = selectSites(report.sites, args.sites);
  if (sites.length === 0) {
    console.error("no site matches --sites; nothing to do.");
    return 0;
  }
  const program = programFingerprint(root);
  const desired = sites.map((s) => ({
    name: s.name,
    ring: s.fleet.ring,
    canary: s.fleet.canary,
    hash: siteHash(fs.readFileSync(path.join(root, stackFileName(s.name)), "utf8"), program),
  }));

  const policyPacks = args.policyPacks.map((p) => path.resolve(p));
  for (const p of policyPacks) {
    if (!fs.existsSync(path.join(p, "PulumiPolicy.yaml"))) throw new ConfigError([`--policy-pack: ${p} has no PulumiPolicy.yaml. Fix: point it at the policy pack directory (e.g. policy).`]);
  }
  const policyDir = path.resolve(path.dirname(path.resolve(args.statePath)), "policy");
  const policyConfigs = new Map<string, string>();
  if (policyPacks.length) {
    fs.mkdirSync(policyDir, { recursive: true });
    for (const s of sites) {
      const file = path.join(policyDir, `${s.name}.json`);
      fs.writeFileSync(file, JSON.stringify(policyPackConfig(s.fleet.environment), null, 2) + "\n");
      policyConfigs.set(s.name, file);
    }
  }

  // One clear error up front instead of the same failure on every site.
  await PulumiCommand.get().catch((e) => {
    throw new Error(errorSummary(e));
  });
  const runner = new AutomationSiteRunner({
    repoRoot: root,
    policyPacks,
    policyConfigFor: (site) => policyConfigs.get(site),
    logDir: path.resolve(args.logDir),
    refresh: args.refresh,
  });
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  const reporter = createReporter(process.stderr);
  const result = await runRollout({
    sites: desired,
    runner,
    mode: args.previewOnly ? "preview" : "up",
    plan: { canary: args.canary, growth: args.growth, concurrency: args.concurrency, maxWaveSize: args.maxWaveSize },
    failureBudget: args.failureBudget,
    timeoutMs: args.timeoutMs,
    verify: args.verify,
    state: args.fresh ? emptyState() : loadState(args.statePath),
    onState: (state) => saveState(args.statePath, state),
    onEvent: reporter.onEvent,
    signal: controller.signal,
  });
  reporter.stop();
  console.log(renderSummary(result));
  console.log(`logs: ${path.join(path.resolve(args.logDir), "<site>.log")}`);
  return exitCode(result);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(e instanceof ConfigError ? e.message : e instanceof Error ? `error: ${e.message}${e.message.startsWith("--") && !e.message.includes(USAGE) ? `\n${USAGE}` : ""}` : e);
    process.exitCode = 2;
  },
);
