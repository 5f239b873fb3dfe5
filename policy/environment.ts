import { PolicyConfigSchema, UnknownValueError } from "@pulumi/policy";

import { ENVIRONMENTS, Environment } from "./environment-names";

export { ENVIRONMENTS, type Environment };

/** Stack tag consulted when no policy config names the environment. */
export const ENVIRONMENT_TAG = "k3s-stacks:environment";

/** Config every environment-aware policy accepts: `{"<policy>": {"environment": "prod"}}`. */
export const environmentConfigSchema: PolicyConfigSchema = {
  properties: { environment: { type: "string", enum: [...ENVIRONMENTS] } },
};

/** `urn:pulumi:<stack>::<project>::<type>::<name>` → `<stack>`. */
export function stackNameFromUrn(urn: string): string | undefined {
  return /^urn:pulumi:([^:]+)::/.exec(urn)?.[1];
}

/** Convention for stacks without config or tag: `dev`/`dev-*`/`*-dev` and likewise `prod`; anything else is `site`. */
export function environmentFromStackName(stack: string): Environment {
  const parts = stack.toLowerCase().split(/[-_.]/);
  if (parts[0] === "prod" || parts[parts.length - 1] === "prod" || parts.includes("production")) return "prod";
  if (parts[0] === "dev" || parts[parts.length - 1] === "dev") return "dev";
  return "site";
}

function asEnvironment(v: unknown): Environment | undefined {
  return (ENVIRONMENTS as readonly unknown[]).includes(v) ? (v as Environment) : undefined;
}

/**
 * The stack's environment: policy config first (the fleet rollout writes it from the site file),
 * then the stack tag, then the stack-name convention; `site` when nothing says otherwise.
 */
export function resolveEnvironment(config: { environment?: string }, tags: ReadonlyMap<string, string>, urn?: string): Environment {
  const stack = urn ? stackNameFromUrn(urn) : undefined;
  return asEnvironment(config.environment) ?? asEnvironment(tags.get(ENVIRONMENT_TAG)) ?? (stack ? environmentFromStackName(stack) : "site");
}

/** Reads a property that may be unknown during preview; undefined instead of aborting the policy. */
export function known<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (e) {
    if (e instanceof UnknownValueError) return undefined;
    throw e;
  }
}
