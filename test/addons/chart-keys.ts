import { readFileSync } from "fs";
import * as path from "path";

/** Valid value paths of one chart version, from test/fixtures/charts/<chart>-<version>.keys.txt. */
export interface ChartKeys {
  exact: Set<string>;
  /** Prefixes under which any key is accepted (lines ending in `.*`). */
  freeForm: string[];
}

export function loadChartKeys(chart: string, version: string): ChartKeys {
  const file = path.join(__dirname, "..", "fixtures", "charts", `${chart}-${version}.keys.txt`);
  const lines = readFileSync(file, "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  return {
    exact: new Set(lines.filter((l) => !l.endsWith(".*"))),
    freeForm: lines.filter((l) => l.endsWith(".*")).map((l) => l.slice(0, -2)),
  };
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Leaf paths of rendered values, in the fixtures' notation (`a.b`, `list[].key`). */
export function valuePaths(values: unknown, prefix = ""): string[] {
  if (isMap(values) && Object.keys(values).length > 0) {
    return Object.entries(values).flatMap(([k, v]) => valuePaths(v, prefix ? `${prefix}.${k}` : k));
  }
  if (Array.isArray(values) && values.some(isMap)) {
    return values.flatMap((el) => (isMap(el) ? valuePaths(el, `${prefix}[]`) : [prefix]));
  }
  return [prefix];
}

/** Paths in `values` that the chart does not know. */
export function unknownPaths(values: unknown, keys: ChartKeys): string[] {
  return [...new Set(valuePaths(values))].filter(
    (p) => !keys.exact.has(p) && !keys.freeForm.some((f) => p.startsWith(`${f}.`) || p.startsWith(`${f}[]`)),
  );
}
