import { Policies } from "@pulumi/policy";
import { clusterPolicies } from "./cluster-policies";
import { Environment, environmentConfigSchema } from "./environment";
import { noWorldOpenAdminPorts } from "./network-policies";
import { secretPolicies } from "./secret-policies";

/** Every policy of the pack (kept apart from index.ts so tests import them without starting a server). */
export const allPolicies: Policies = [...clusterPolicies, noWorldOpenAdminPorts, ...secretPolicies];

/** Policy-pack config naming the stack's environment for every policy that reads it. */
export function policyPackConfig(environment: Environment): Record<string, { environment: Environment }> {
  const out: Record<string, { environment: Environment }> = {};
  for (const p of allPolicies) if (p.configSchema === environmentConfigSchema) out[p.name] = { environment };
  return out;
}
