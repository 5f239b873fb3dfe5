import flags from "./k3s-flags.json";
import { isGoDuration } from "./duration";

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
      return Array.isArray(value) && value.every((v) => typeof v === "string") ? undefined : "must be a list of strings";
  }
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
      problems.push(`${where}: '${key}' is not a k3s ${role} flag${hint}. Fix: remove it or use a flag from 'k3s ${role} --help'.`);
      continue;
    }
    const problem = typeProblem(type, value);
    if (problem) problems.push(`${where}: '${key}' ${problem} (k3s flag type ${type}). Fix: write it like ${key}: ${EXAMPLE[type]}.`);
  }
  return problems;
}
