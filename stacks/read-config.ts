import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../components/rules/errors";
import type { StackConfig } from "../components/plan/secrets";
import type { SecretName, StackPlan } from "../components/plan/types";

/** The SDK knows which keys were set with --secret; it exports that check without typing it. */
const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };

/**
 * Every `k3s-stacks:*` key of this stack as the planner reads it. A key counts as secret when the
 * SDK cannot tell, so nothing is refused wrongly.
 */
export function readStackConfig(): StackConfig {
  const values: Record<string, string> = {};
  const secretKeys = new Set<string>();
  const otherKeys: string[] = [];
  const otherSecretKeys = new Set<string>();
  const isSecret = (key: string) => (runtime.isConfigSecret ? runtime.isConfigSecret(key) : true);
  for (const [key, value] of Object.entries(allConfig())) {
    if (!key.startsWith(`${PROJECT}:`)) {
      otherKeys.push(key);
      if (isSecret(key)) otherSecretKeys.add(key);
      continue;
    }
    const name = key.slice(PROJECT.length + 1);
    values[name] = value;
    if (isSecret(key)) secretKeys.add(name);
  }
  return { values, secretKeys, baseDir: process.cwd(), otherKeys, otherSecretKeys };
}

/**
 * The stack's whole config. A stack without config reaches the program as "{}" from Pulumi's Node.js
 * language host (constructConfig in sdk/nodejs/cmd/pulumi-language-nodejs), but as JSON null from a
 * host that marshals a nil map, on which the SDK's reader throws a TypeError (Object.keys(null)) at
 * every read. That case becomes the empty config, so the user gets the "is missing" problems.
 */
function allConfig(): Record<string, string> {
  try {
    return pulumi.runtime.allConfig();
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    pulumi.runtime.setAllConfig({}, []);
    return {};
  }
}

/** A secret key's value as a secret Output, when the plan says it is set. */
export function secretValue(config: StackConfig, plan: StackPlan, name: SecretName): pulumi.Output<string> | undefined {
  const value = config.values[name];
  return plan.secrets[name] && typeof value === "string" ? pulumi.secret(value) : undefined;
}
