import * as fs from "fs";
import * as path from "path";
import { isGoDuration } from "../../../components/rules/duration";

/**
 * The k3s reference (flag table and notes) as vendored from the workspace's ../shared/reference, so a
 * clone anywhere has it; test/k3s/reference-copy.test.ts keeps it identical to the original. Tests
 * read this, not the program's own table (components/rules/k3s-flags.json), so they do not trust it.
 */
export const REFERENCE_DIR = path.resolve(__dirname, "../../fixtures/reference");
export const REFERENCE_PATH = path.join(REFERENCE_DIR, "k3s-flags.json");

export interface ReferenceFlag {
  type: "string" | "bool" | "stringSlice" | "int" | "duration";
}

export interface Reference {
  server: Record<string, ReferenceFlag>;
  agent: Record<string, ReferenceFlag>;
  disableValues: Record<string, string[] | string>;
}

export function loadReference(): Reference {
  return JSON.parse(fs.readFileSync(REFERENCE_PATH, "utf8")) as Reference;
}


/**
 * Problems of a rendered config.yaml against the reference for `role`: unknown keys and values whose
 * YAML type does not fit the flag (stringSlice keys as lists, as the reference's configFile.keys says).
 */
export function referenceProblems(ref: Reference, role: "server" | "agent", config: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [rawKey, value] of Object.entries(config)) {
    const key = rawKey.replace(/\+$/, "");
    const flag = ref[role][key];
    if (!flag) {
      problems.push(`${role}: '${key}' is not a k3s ${role} flag`);
      continue;
    }
    const ok = {
      bool: () => typeof value === "boolean",
      int: () => Number.isInteger(value),
      duration: () => typeof value === "string" && isGoDuration(value),
      string: () => typeof value === "string",
      stringSlice: () => Array.isArray(value) && value.every((v) => typeof v === "string"),
    }[flag.type]();
    if (!ok) problems.push(`${role}: '${key}' = ${JSON.stringify(value)} does not fit type ${flag.type}`);
  }
  return problems;
}
