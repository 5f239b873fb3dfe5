import flags from "./k3s-flags.json";
import { isGoDuration } from "./duration";
import { cronProblem, cronZoneFix } from "./cron";
import { nearest } from "./nearest";
import { componentArgProblem, isComponentArgList } from "./component-args";
import { nodePathProblem } from "./node-paths";

/** Value types of k3s flags, as urfave/cli declares them. */
/** The k3s subcommand a flag belongs to (`k3s server`, `k3s agent`). */
type Subcommand = "server" | "agent";

export type FlagType = "string" | "bool" | "stringSlice" | "int" | "duration";

const table = flags as unknown as {
  disable: string[];
  server: Record<string, { type: FlagType }>;
  agent: Record<string, { type: FlagType }>;
};

/** Components `disable` accepts in a full (staged) k3s build. */
export const DISABLE_VALUES: readonly string[] = table.disable;

/** The flag's type for a role, or undefined when k3s does not know it for that role. */
export function flagType(role: Subcommand, key: string): FlagType | undefined {
  return table[role][key]?.type;
}

/** A config.yaml value of each flag type, for error messages. */
const EXAMPLE: Record<FlagType, string> = { bool: "true", int: "10", duration: "30s", string: "value", stringSlice: "[value1, value2]" };

function typeProblem(type: FlagType, value: unknown): string | undefined {
  switch (type) {
    case "bool":
      return typeof value === "boolean" ? undefined : "must be true or false";
    case "int":
      return Number.isInteger(value) ? undefined : "must be a whole number";
    case "duration":
      return typeof value === "string" && isGoDuration(value) ? undefined : "must be a duration such as 30s, 5m or 1h30m";
    case "string":
      return typeof value === "string" ? undefined : "must be a string";
    case "stringSlice":
      // k3s's config file parser passes a scalar as one flag value (pkg/configfilearg: a non-list value
      // becomes a single --flag value), so a string is a one-entry list.
      if (typeof value === "string") return undefined;
      return Array.isArray(value) && value.every((v) => typeof v === "string") ? undefined : "must be a string or a list of strings";
  }
}

/**
 * A config.yaml with every list flag (stringSlice) given as a list: k3s reads a scalar for such a flag
 * as one value (pkg/configfilearg), so `kube-apiserver-arg: "audit-log-maxage=30"` becomes
 * `["audit-log-maxage=30"]`, and every later check and the rendered file see the one form. Keys
 * k3s does not know for `role`, and values of other types, are left for {@link configProblems}.
 */
export function normalizeSliceFlags(role: Subcommand, config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).map(([rawKey, value]) => {
    const key = rawKey.endsWith("+") ? rawKey.slice(0, -1) : rawKey;
    return [rawKey, flagType(role, key) === "stringSlice" && typeof value === "string" ? [value] : value];
  }));
}

/**
 * The fix for a key k3s does not know for `role`: the flag written with the dashes of the command
 * line (config.yaml keys have none), a component switched off the way k3s before v1.25 did
 * (`no-deploy`, removed in favour of `disable`) or by a made-up `disable-<component>`, else the
 * nearest flag name; otherwise remove it.
 */
function unknownFlagFix(role: Subcommand, key: string, value: unknown): string {
  const bare = key.replace(/^-+/, "");
  if (bare !== key && flagType(role, bare)) return `write it without the dashes, as config.yaml keys are written: ${bare}`;
  const component = /^disable-(.+)$/.exec(bare)?.[1];
  if (bare === "no-deploy" || (component !== undefined && DISABLE_VALUES.includes(component))) {
    const names = bare === "no-deploy" ? (Array.isArray(value) ? value : [value]).filter((v) => typeof v === "string").join(", ") : component;
    return `switch packaged components off with the cluster's disable list instead, e.g. disable: [${names || "traefik"}]${bare === "no-deploy" ? " (k3s removed no-deploy in v1.25)" : ""}`;
  }
  const guess = role === "agent" && flagType("server", key) ? undefined : nearest(bare, Object.keys(table[role]));
  return guess ? `correct the spelling (did you mean '${guess}'?)` : `remove it or use a flag from 'k3s ${role} --help'`;
}

/**
 * Problems with a config.yaml for `role`. A k3s agent passes unknown keys to its CLI parser and dies
 * ("flag provided but not defined"), and a server silently drops them, so both are errors here.
 */
export function configProblems(role: Subcommand, config: Record<string, unknown>, where: string): string[] {
  const problems: string[] = [];
  for (const [rawKey, value] of Object.entries(config)) {
    const key = rawKey.endsWith("+") ? rawKey.slice(0, -1) : rawKey;
    const type = flagType(role, key);
    if (!type) {
      const hint = role === "agent" && flagType("server", key) ? " (it is a server-only flag)" : "";
      problems.push(`${where}: '${key}' is not a k3s ${role} flag${hint}. Fix: ${unknownFlagFix(role, key, value)}.`);
      continue;
    }
    const problem = typeProblem(type, value);
    if (problem) problems.push(`${where}: '${key}' ${problem} (k3s flag type ${type}). Fix: write it like ${key}: ${EXAMPLE[type]}.`);
    if (!problem && isComponentArgList(key)) {
      const entries = Array.isArray(value) ? (value as string[]) : [value as string];
      entries.forEach((entry, i) => {
        const wrong = componentArgProblem(entry);
        if (wrong) problems.push(`${where}.${rawKey}${Array.isArray(value) ? `[${i}]` : ""}: ${wrong}.`);
      });
    }
    const nodePath = !problem && typeof value === "string" ? nodePathProblem(key, value) : undefined;
    if (nodePath) problems.push(`${where}.${rawKey}: ${nodePath}.`);
    // k3s ignores a snapshot schedule its cron parser refuses, and then takes no snapshots (rules/cron.ts).
    const cron = key === "etcd-snapshot-schedule-cron" && typeof value === "string" ? cronProblem(value) : undefined;
    if (cron) problems.push(`${where}: '${key}' ${cron}; k3s would ignore it and take no scheduled snapshots. Fix: ${cronZoneFix(value as string) ?? `write it like ${key}: "0 */12 * * *" (Sunday is 0)`}.`);
  }
  return problems;
}
