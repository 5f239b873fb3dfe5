import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { ConfigRoot } from "./key-path";
import { defaultMessage, describeIssue } from "./issues";

/** One or more problems in stack config, each naming the key and the fix; thrown before any resource exists. */
/** A RunError, so Pulumi prints the message alone rather than a stack trace and program source. */
export class ConfigError extends pulumi.RunError {
  public readonly problems: string[];
  constructor(problems: string[]) {
    // Two checks may find the same fault (a schema and a rule over the same field): said once.
    const once = [...new Set(problems)];
    super(`Invalid stack configuration:\n${once.map((p) => `  - ${p}`).join("\n")}`);
    this.problems = once;
    this.name = "ConfigError";
  }
}

export { PROJECT, isArgument, keyPath, settingName, type ConfigRoot } from "./key-path";

/** Parses `value` with `schema`; every problem becomes one line naming `key` and its path. */
export function parseConfig<S extends z.ZodType>(schema: S, value: unknown, key: ConfigRoot): z.output<S> {
  // reportInput: tells a wrong type apart from a missing key (zod leaves `input` out otherwise).
  const result = schema.safeParse(value, { reportInput: true, error: defaultMessage });
  if (!result.success) {
    throw new ConfigError(result.error.issues.flatMap((i) => describeIssue(key, i)));
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
