import { planStack } from "../../components/plan/plan-stack";
import type { StackConfig } from "../../components/plan/secrets";

/** A StackConfig from a `config:` map as a stack file holds it; `secrets` are set as --secret keys. */
export function stackConfig(config: Record<string, unknown>, secrets: Record<string, string> = {}): StackConfig {
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries({ ...config, ...secrets })) values[k.replace(/^k3s-stacks:/, "")] = typeof v === "string" ? v : JSON.stringify(v);
  return { values, secretKeys: new Set(Object.keys(secrets).map((k) => k.replace(/^k3s-stacks:/, ""))), baseDir: "." };
}

/** planStack of a `config:` map, without previous outputs. */
export const planOf = (config: Record<string, unknown>, secrets?: Record<string, string>) => planStack(stackConfig(config, secrets), undefined);
