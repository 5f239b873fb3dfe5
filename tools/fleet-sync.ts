/**
 * Keeps `Pulumi.<site>.yaml` in step with `stacks/sites/<site>.yaml` + `_defaults.yaml`.
 * `npm run fleet:sync` writes them; `npm run fleet:sync -- --check` exits 1 when any is out of date.
 */
import * as path from "path";
import { ConfigError } from "../components/rules/errors";
import { applySync, planFleetSync } from "./fleet/sync";

const USAGE = `usage: npm run fleet:sync [-- --check]
  writes Pulumi.<site>.yaml for every stacks/sites/<site>.yaml (over _defaults.yaml)
  --check   change nothing; exit 1 when any stack file is out of step (for CI)
  --help    this text`;

function main(): number {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  const unknown = argv.filter((a) => a !== "--check");
  if (unknown.length) {
    console.error(`error: unknown argument(s) ${unknown.join(" ")}.\n${USAGE}`);
    return 2;
  }
  const check = argv.includes("--check");
  const root = path.resolve(__dirname, "..");
  const report = planFleetSync(root);
  let status = 0;
  for (const a of report.actions) {
    if (a.kind === "conflict") {
      console.error(`error: ${a.message}`);
      status = 1;
    } else if (a.kind === "write") {
      console.log(check ? `out of date: ${a.file} (${a.reason})` : `wrote ${a.file} (${a.reason})`);
      if (check) status = 1;
    }
  }
  for (const f of report.orphans) {
    console.warn(`warning: ${f} was generated for a site that no longer exists; destroy that stack (pulumi destroy --stack ${f.slice(7, -5)}) before deleting the file.`);
  }
  if (!check && status === 0) applySync(root, report);
  if (check && status !== 0) console.error("Fix: run `npm run fleet:sync` and commit the result.");
  if (status === 0) console.log(`${report.sites.length} site(s) ${check ? "in step" : "synced"}.`);
  return status;
}

try {
  process.exitCode = main();
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(e.message);
    process.exitCode = 1;
  } else {
    throw e;
  }
}
