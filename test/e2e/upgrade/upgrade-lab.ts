/**
 * Release upgrade check: clusters brought up by an older release of this program are upgraded by this
 * checkout's, in the e2e lab (real Pulumi CLI, sshd hosts, k3s stand-ins). Per shape it prints the
 * preview's steps with their changed properties, every k3s restart the upgrade caused (none allowed),
 * whether the second up is a no-op and whether a k3sVersion bump rolls one server at a time; then a
 * verdict (exit 0 on pass). Needs root, the e2e toolchain and git history holding --from.
 * Run: npx ts-node --transpile-only test/e2e/upgrade/upgrade-lab.ts --from <rev> [--shape a,b,c,d]
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runShape, ShapeResult } from "./run-shape";
import { SHAPES } from "./shapes";

const REPO = path.resolve(__dirname, "..", "..", "..");
const USAGE = "usage: upgrade-lab.ts --from <git revision> [--shape a,b,c,d]";

function parseArgs(argv: string[]): { from: string; shapes: string[] } {
  let from: string | undefined;
  let shapes = SHAPES.map((s) => s.key);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--from") from = argv[++i];
    else if (argv[i] === "--shape") shapes = (argv[++i] ?? "").split(",");
    else throw new Error(`unknown argument '${argv[i]}'. Fix: ${USAGE}`);
  }
  if (!from) throw new Error(`--from is missing: the release whose clusters are upgraded. Fix: ${USAGE}, e.g. --from v0.25.0`);
  const unknown = shapes.filter((k) => !SHAPES.some((s) => s.key === k));
  if (unknown.length) throw new Error(`--shape ${unknown.join(",")} is no shape. Fix: pick from ${SHAPES.map((s) => `${s.key} (${s.title})`).join(", ")}`);
  return { from, shapes };
}

const git = (...args: string[]): string => execFileSync("git", ["-C", REPO, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

/**
 * A detached worktree of `rev` in a temp dir, with this checkout's node_modules hard-linked in
 * (the old program runs with the dependencies it is installed with here; a different lock file is
 * said, since the old program was released with its own). Returns the dir and a remover.
 */
function oldCheckout(rev: string): { dir: string; remove: () => void } {
  let commit: string;
  try {
    commit = git("rev-parse", "--verify", `${rev}^{commit}`);
  } catch {
    throw new Error(`--from ${rev} is no commit in ${REPO}. Fix: fetch the release's history (a shallow clone lacks it: git fetch --unshallow --tags) or name a commit or tag it has`);
  }
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "k3s-stacks-upgrade-")), "old");
  git("worktree", "add", "--detach", dir, commit);
  execFileSync("cp", ["-al", path.join(REPO, "node_modules"), path.join(dir, "node_modules")]);
  if (fs.readFileSync(path.join(dir, "package-lock.json"), "utf8") !== fs.readFileSync(path.join(REPO, "package-lock.json"), "utf8")) {
    console.log(`note: package-lock.json differs between ${rev} and this checkout; the old program runs with this checkout's node_modules`);
  }
  return {
    dir,
    remove: () => {
      git("worktree", "remove", "--force", dir);
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    },
  };
}

function print(r: ShapeResult): void {
  console.log(`\n== (${r.shape.key}) ${r.shape.title}`);
  console.log(`release preview: ${r.preview.length} steps${r.preview.length ? "" : " (no-op)"}`);
  for (const p of r.preview) {
    const detail = p.step.detailed.length ? ` (${p.step.detailed.join(", ")})` : "";
    console.log(`  ${p.step.op} ${p.step.name} [${p.step.diffs.join(", ")}]${detail} — ${p.expected ?? "FINDING: not in the release's changelog"}`);
    for (const l of p.changes) console.log(l);
  }
  console.log(`k3s restarts/stops/installs during the release upgrade: ${r.upgradeRestarts.length ? r.upgradeRestarts.join("; ") : "none"}`);
  if (r.upgradeCommands.length) console.log(`commands the release upgrade ran on the hosts: ${r.upgradeCommands.join(", ")}`);
  if (r.shape.previewOnly) console.log("(preview only: no up with this checkout)");
  else console.log(`version bump roll order: ${r.bumpRoll.join(" → ") || "(none)"}`);
  console.log(`timings: ${r.timings.map(([p, s]) => `${p} ${s.toFixed(0)} s`).join(", ")}`);
  console.log(r.failures.length ? `FAIL:\n  ${r.failures.join("\n  ")}` : "PASS");
}

async function main(): Promise<number> {
  const { from, shapes } = parseArgs(process.argv.slice(2));
  // Each operation's output and events, kept for a look at a finding.
  process.env.K3S_STACKS_E2E_LOG_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), "k3s-stacks-upgrade-logs-"));
  console.log(`upgrade check: ${from} (${git("rev-parse", "--short", from)}) → ${git("rev-parse", "--short", "HEAD")}${git("status", "--porcelain").length ? " + uncommitted changes" : ""}; logs in ${process.env.K3S_STACKS_E2E_LOG_DIR}`);
  const old = oldCheckout(from);
  const results: ShapeResult[] = [];
  try {
    for (const key of shapes) {
      const shape = SHAPES.find((s) => s.key === key)!;
      console.log(`(${shape.key}) ${shape.title}`);
      const r = await runShape(shape, old.dir, REPO, (l) => console.log(l));
      print(r);
      results.push(r);
    }
  } finally {
    old.remove();
  }
  const failed = results.filter((r) => r.failures.length);
  console.log(`\nverdict: ${failed.length ? `FAIL (${failed.map((r) => r.shape.key).join(", ")})` : "PASS"} — ${from} → HEAD, shapes ${shapes.join(", ")}`);
  return failed.length ? 1 : 0;
}

main().then((code) => process.exit(code), (e: Error) => {
  console.error(`upgrade-lab: ${e.message}`);
  process.exit(2);
});
