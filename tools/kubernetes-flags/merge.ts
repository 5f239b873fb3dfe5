// Merges generate.sh's per-release listings (<dir>/1.<minor>.txt) into the table
// components/rules/kubernetes-flags.ts reads: one column per release line, oldest first.
// Kubelet flags: "+" present, "-" absent. Feature gates: "-" absent, "f"/"t" default false/true,
// "F"/"T" locked to false/true. With a current table as the second argument, its lines without a
// listing in <dir> keep their column: regenerating one line does not mean compiling all of them.
// Run: npx ts-node --transpile-only merge.ts <dir> [current-table.json]
import * as fs from "fs";
import * as path from "path";

export interface Table {
  minors: string[];
  kubeletFlags: Record<string, string>;
  featureGates: Record<string, string>;
}

/** A column of `table` as the listing generate.sh's Go program prints for that line. */
export function listingOf(table: Table, col: number): string {
  const flags = Object.entries(table.kubeletFlags).filter(([, row]) => row[col] === "+").map(([name]) => `flag ${name}`);
  const gates = Object.entries(table.featureGates)
    .filter(([, row]) => row[col] !== "-")
    .map(([name, row]) => `gate ${name} ${row[col].toLowerCase() === "t"} ${row[col] === row[col].toUpperCase()}`);
  return [...flags, ...gates].join("\n");
}

/** The table of `listings` (line → generate.sh listing), lines oldest first. */
export function tableOf(listings: Map<string, string>): Table & { generatedBy: string } {
  const minors = [...listings.keys()].sort((a, b) => Number(a.split(".")[1]) - Number(b.split(".")[1]));
  const flags: Record<string, string[]> = {};
  const gates: Record<string, string[]> = {};
  minors.forEach((minor, col) => {
    for (const line of (listings.get(minor) as string).split("\n")) {
      const [kind, name, def, locked] = line.split(" ");
      if (kind === "flag") (flags[name] ??= minors.map(() => "-"))[col] = "+";
      if (kind === "gate") {
        const state = def === "true" ? "t" : "f";
        (gates[name] ??= minors.map(() => "-"))[col] = locked === "true" ? state.toUpperCase() : state;
      }
    }
  });
  const rows = (m: Record<string, string[]>) => Object.fromEntries(Object.keys(m).sort().map((k) => [k, m[k].join("")]));
  return { generatedBy: "tools/kubernetes-flags/generate.sh", minors, kubeletFlags: rows(flags), featureGates: rows(gates) };
}

if (require.main === module) {
  const [dir, current] = process.argv.slice(2);
  const listings = new Map<string, string>();
  if (current) {
    const table = JSON.parse(fs.readFileSync(current, "utf8")) as Table;
    table.minors.forEach((minor, col) => listings.set(minor, listingOf(table, col)));
  }
  for (const f of fs.readdirSync(dir).filter((f) => /^1\.\d+\.txt$/.test(f))) listings.set(f.replace(/\.txt$/, ""), fs.readFileSync(path.join(dir, f), "utf8"));
  process.stdout.write(`${JSON.stringify(tableOf(listings), null, 1)}\n`);
}
