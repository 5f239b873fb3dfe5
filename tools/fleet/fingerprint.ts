import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/** Files and folders whose content is the Pulumi program every site runs. */
export const PROGRAM_PATHS = ["index.ts", "Pulumi.yaml", "package-lock.json", "components", "stacks"];

/** Site files reach a stack only through its stack file (hashed per site); the fleet tooling is not the program. */
const EXCLUDED = [path.join("stacks", "sites"), path.join("components", "fleet")];

function walk(root: string, rel: string, out: string[]): void {
  const full = path.join(root, rel);
  if (!fs.existsSync(full)) return;
  if (fs.statSync(full).isDirectory()) {
    for (const entry of fs.readdirSync(full).sort()) walk(root, path.join(rel, entry), out);
  } else if (!EXCLUDED.some((e) => rel.startsWith(e))) {
    out.push(rel);
  }
}

/** Hash of the program's source: a change re-rolls every site even when its config is unchanged. */
export function programFingerprint(root: string, paths: readonly string[] = PROGRAM_PATHS): string {
  const files: string[] = [];
  for (const p of paths) walk(root, p, files);
  const h = createHash("sha256");
  for (const f of files) {
    h.update(f.split(path.sep).join("/")).update("\0").update(fs.readFileSync(path.join(root, f))).update("\0");
  }
  return h.digest("hex");
}

/** Desired-state hash of one site: its stack file (config and encrypted secrets) plus the program. */
export function siteHash(stackFileText: string, program: string): string {
  return createHash("sha256").update(program).update("\0").update(stackFileText).digest("hex").slice(0, 16);
}
