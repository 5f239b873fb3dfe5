/**
 * Writes the policy-pack config naming a stack's environment:
 * `ts-node tools/fleet-policy-config.ts <stack> <out.json>`. A fleet site takes it from its site
 * file; any other stack from its name (dev*, prod*, else site). CI passes the file as policyPackConfigs.
 */
import * as fs from "fs";
import * as path from "path";
import { loadSites } from "./fleet/sites";
import { environmentFromStackName } from "../policy/environment";
import { policyPackConfig } from "../policy/policies";

const [stack, out] = process.argv.slice(2);
if (!stack || !out) {
  console.error("usage: fleet-policy-config.ts <stack> <out.json>");
  process.exit(2);
}
const root = path.resolve(__dirname, "..");
const site = loadSites(root).find((s) => s.name === stack);
const environment = site ? site.fleet.environment : environmentFromStackName(stack);
fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
fs.writeFileSync(out, JSON.stringify(policyPackConfig(environment), null, 2) + "\n");
console.log(`${stack}: environment ${environment} -> ${out}`);
