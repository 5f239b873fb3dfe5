/**
 * A scratch copy of this project for running scripts/up.sh: symlinks to the repo's files (so no
 * Pulumi.<stack>.yaml or state lands in the repo) plus stack files of the test's own, and a PATH
 * of the system's directories with no pulumi in them.
 */
import * as fs from "fs";
import * as path from "path";

export const REPO = path.resolve(__dirname, "../../..");
/** Stack files stay out (tests bring their own), except the shipped local stack; so does .git. */
const linked = (stacks: string[]) =>
  fs.readdirSync(REPO).filter((f) => f !== ".git" && !(/^Pulumi\..+\.yaml$/.test(f) && f !== "Pulumi.local.yaml") && !stacks.includes(f));

/** Creates the project in `dir` with `stacks` as Pulumi.<name>.yaml contents; returns its up.sh. */
export function scratchProject(dir: string, stacks: Record<string, string>): string {
  fs.mkdirSync(dir, { recursive: true });
  const own = Object.keys(stacks).map((name) => `Pulumi.${name}.yaml`);
  for (const f of linked(own)) fs.symlinkSync(path.join(REPO, f), path.join(dir, f));
  for (const [name, text] of Object.entries(stacks)) fs.writeFileSync(path.join(dir, `Pulumi.${name}.yaml`), text);
  return path.join(dir, "scripts", "up.sh");
}

/** The system PATH without any directory that holds a pulumi, plus `first` in front. */
export function pathWithoutPulumi(first: string[]): string {
  const system = (process.env.PATH ?? "").split(":").filter((d) => d !== "" && !fs.existsSync(path.join(d, "pulumi")));
  return [...first, ...system].join(":");
}
