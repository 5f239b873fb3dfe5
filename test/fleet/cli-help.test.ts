// The fleet CLIs as a user runs them: --help prints the usage and exits 0; an unknown or malformed
// option names itself and prints the usage, exit 2.
import { spawnSync } from "child_process";
import * as path from "path";
import { USAGE, parseRolloutArgs, wantsHelp } from "../../tools/fleet/args";

const REPO = path.resolve(__dirname, "../..");
const run = (script: string, args: string[]) =>
  spawnSync(path.join(REPO, "node_modules/.bin/ts-node"), ["--transpile-only", path.join(REPO, "tools", script), ...args], { cwd: REPO, encoding: "utf8", timeout: 60_000 });
// Each test runs up to two CLI processes bounded at 60 s each; jest's default 30 s was the tighter
// bound (a ts-node start took 5 s under a load of 10 on 2 cores).
jest.setTimeout(150_000);

test("rollout: --help and -h ask for the usage", () => {
  expect(wantsHelp(["--help"])).toBe(true);
  expect(wantsHelp(["--sites", "a", "-h"])).toBe(true);
  expect(wantsHelp(["--sites", "a"])).toBe(false);
});

test("rollout: node's parse errors come back as ours, with the usage", () => {
  expect(() => parseRolloutArgs(["--bogus"])).toThrow(/^Unknown option '--bogus'\.\nusage: npm run fleet/);
  expect(() => parseRolloutArgs(["--failure-budget", "-1"])).toThrow(/--failure-budget.*\nusage: npm run fleet/s);
});

test("npm run fleet -- --help prints the usage and exits 0", () => {
  const r = run("fleet-rollout.ts", ["--help"]);
  expect(r.status).toBe(0);
  expect(r.stdout.trim()).toBe(USAGE.trim());
});

test("npm run fleet:sync -- --help prints its usage and changes nothing; an unknown argument exits 2", () => {
  const help = run("fleet-sync.ts", ["--help"]);
  expect(help.status).toBe(0);
  expect(help.stdout).toMatch(/^usage: npm run fleet:sync/);
  expect(help.stdout).not.toMatch(/synced/);
  const bad = run("fleet-sync.ts", ["--chek"]);
  expect(bad.status).toBe(2);
  expect(bad.stderr).toMatch(/unknown argument\(s\) --chek\.\nusage: npm run fleet:sync/);
});
