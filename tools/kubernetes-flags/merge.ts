// Merges generate.sh's per-release listings (<dir>/1.<minor>.txt) into the table
// components/rules/kubernetes-flags.ts reads: one column per release line, oldest first.
// Kubelet flags: "+" present, "-" absent. Feature gates: "-" absent, "f"/"t" default false/true,
// "F"/"T" locked to false/true.
import * as fs from "fs";
import * as path from "path";

const dir = process.argv[2];
const minors = fs.readdirSync(dir).map((f) => f.replace(/\.txt$/, "")).sort((a, b) => Number(a.split(".")[1]) - Number(b.split(".")[1]));
const flags: Record<string, string[]> = {};
const gates: Record<string, string[]> = {};
minors.forEach((minor, col) => {
  for (const line of fs.readFileSync(path.join(dir, `${minor}.txt`), "utf8").split("\n")) {
    const [kind, name, def, locked] = line.split(" ");
    if (kind === "flag") (flags[name] ??= minors.map(() => "-"))[col] = "+";
    if (kind === "gate") {
      const state = def === "true" ? "t" : "f";
      (gates[name] ??= minors.map(() => "-"))[col] = locked === "true" ? state.toUpperCase() : state;
    }
  }
});
const rows = (m: Record<string, string[]>) => Object.fromEntries(Object.keys(m).sort().map((k) => [k, m[k].join("")]));
process.stdout.write(`${JSON.stringify({ generatedBy: "tools/kubernetes-flags/generate.sh", minors, kubeletFlags: rows(flags), featureGates: rows(gates) }, null, 1)}\n`);
