/**
 * Writes the policy-pack config naming a stack's environment:
 * `ts-node tools/fleet-policy-config.ts <stack> <out.json>`. A fleet site takes it from its site
 * file; any other stack from its name (dev*, prod*, else site). CI passes the file as policyPackConfigs.
 */
import * as fs from "fs";
import * as path from "path";
import { wantsHelp } from "./fleet/args";
import { loadSites } from "./fleet/sites";
import { environmentFromStackName } from "../policy/environment";
import { policyPackConfig } from "../policy/policies";

const USAGE = "usage: npm exec ts-node -- --transpile-only tools/fleet-policy-config.ts <stack> <out.json>";
const argv = process.argv.slice(2);
if (wantsHelp(argv)) {
  console.log(`${USAGE}\nWrites the policy pack's config (the stack's environment) to <out.json>.`);
  process.exit(0);
}
const [stack, out] = argv;
if (!stack || !out || argv.length > 2 || stack.startsWith("-")) {
  console.error(USAGE);
  process.exit(2);
}
const root = path.resolve(__dirname, "..");
const site = loadSites(root).find((s) => s.name === stack);
const environment = site ? site.fleet.environment : environmentFromStackName(stack);
fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
fs.writeFileSync(out, JSON.stringify(policyPackConfig(environment), null, 2) + "\n");
console.log(`${stack}: environment ${environment} -> ${out}`);
