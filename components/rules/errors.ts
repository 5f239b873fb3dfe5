import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/** One or more problems in stack config, each naming the key and the fix; thrown before any resource exists. */
/** A RunError, so Pulumi prints the message alone rather than a stack trace and program source. */
export class ConfigError extends pulumi.RunError {
  constructor(public readonly problems: string[]) {
    super(`Invalid stack configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** The project's config namespace; every key we read lives under it. */
export const PROJECT = "k3s-stacks";

/**
 * Where a checked value comes from: a stack config key (`"cluster"` → `k3s-stacks:cluster`) or, for a
 * program using the components as a library, an argument of a component (`{ arg: "K3sCluster.args" }`).
 * A library user has no stack file, so messages name the argument and never point at Pulumi.<stack>.yaml.
 */
export type ConfigRoot = string | { arg: string };

/** `k3s-stacks:cluster.hosts[2].arch` (or `K3sCluster.args.nodes[2].name`) style path for a zod issue. */
export function keyPath(key: ConfigRoot, path: ReadonlyArray<PropertyKey>): string {
  let out = typeof key !== "string" ? key.arg : key.includes(":") ? key : `${PROJECT}:${key}`;
  for (const part of path) {
    out += typeof part === "number" ? `[${part}]` : `.${String(part)}`;
  }
  return out;
}

/** How YAML users call zod's types. */
const KINDS: Record<string, string> = { array: "a list", object: "a mapping", string: "a string", number: "a number", boolean: "true or false", bigint: "a number" };

function describeIssue(key: ConfigRoot, issue: z.core.$ZodIssue): string {
  const where = keyPath(key, issue.path);
  const arg = typeof key !== "string";
  if (issue.code === "unrecognized_keys") {
    return `${where}: unknown key(s) ${issue.keys.map((k) => `'${k}'`).join(", ")}. Fix: remove them or correct the spelling (see ${arg ? "the argument's type" : "README"} for the valid keys).`;
  }
  if (issue.code === "invalid_value") {
    const allowed = issue.values.map((v) => JSON.stringify(v)).join(", ");
    return `${where}: ${issue.message}. Fix: use one of ${allowed}.`;
  }
  if (issue.code === "invalid_type") {
    if (issue.input === undefined) return `${where}: is required. Fix: ${arg ? "pass it" : "set it in the stack file"}.`;
    const got = Array.isArray(issue.input) ? "a list" : issue.input === null ? "null" : KINDS[typeof issue.input] ?? typeof issue.input;
    const want = KINDS[issue.expected] ?? issue.expected;
    return `${where}: must be ${want}, not ${got}. Fix: write it as ${want}.`;
  }
  if (issue.code === "invalid_key") {
    return `${where}: the key ${issue.issues.map((i) => i.message).join("; ")}. Fix: rename it.`;
  }
  // Our own messages carry their fix; zod's generic ones (too big, invalid URL) get a pointer to the value.
  return issue.message.includes("Fix:") ? `${where}: ${issue.message}` : `${where}: ${issue.message}. Fix: correct this value${arg ? "" : " in Pulumi.<stack>.yaml"}.`;
}

/** Parses `value` with `schema`; every problem becomes one line naming `key` and its path. */
export function parseConfig<S extends z.ZodType>(schema: S, value: unknown, key: ConfigRoot): z.output<S> {
  // reportInput: tells a wrong type apart from a missing key (zod leaves `input` out otherwise).
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => describeIssue(key, i)));
  }
  return result.data;
}

/** Runs every check, collecting all problems into one ConfigError instead of stopping at the first. */
export function collectProblems(checks: Array<() => void>): void {
  const problems: string[] = [];
  for (const check of checks) {
    try {
      check();
    } catch (e) {
      if (e instanceof ConfigError) problems.push(...e.problems);
      else throw e;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

/**
 * Re-throws a ConfigError whose problems name stack keys (`k3s-stacks:addons.storage`) with the
 * component argument each key is passed as (`ClusterAddons.args.config.storage`), for checks shared
 * by the stack and the library that name stack keys. `paths` maps a stack key to its argument; the
 * longest key wins, so `k3s-stacks:cluster.disable` is mapped before `k3s-stacks:cluster`.
 */
export function withArgumentPaths<T>(paths: Record<string, string>, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const keys = Object.keys(paths).sort((a, b) => b.length - a.length);
    const pattern = new RegExp(keys.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
    throw new ConfigError(e.problems.map((p) => p.replace(pattern, (k) => paths[k])));
  }
}
