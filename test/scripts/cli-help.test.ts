// Every command-line tool as a user first tries it: --help prints what it does and exits 0, having
// done nothing else (no install, no test run, no cluster call); an unknown option exits 2 with the usage.
import { spawnSync } from "child_process";
import * as path from "path";

const REPO = path.resolve(__dirname, "../..");
const TS_NODE = path.join(REPO, "node_modules/.bin/ts-node");

interface Cli {
  name: string;
  argv: string[];
  usage: RegExp;
  /** Arguments it must refuse with exit 2 (omitted where any argument is passed on, as pulumi.sh does). */
  bad?: string[];
  /** What a user types before asking for help, such as the stack (omitted where any argument is passed on). */
  before?: string[];
}

const CLIS: Cli[] = [
  { name: "tools/fleet-changed.ts", argv: [TS_NODE, "--transpile-only", "tools/fleet-changed.ts"], usage: /^usage: .*fleet-changed\.ts/, bad: ["--bogus"], before: ["main"] },
  { name: "tools/fleet-policy-config.ts", argv: [TS_NODE, "--transpile-only", "tools/fleet-policy-config.ts"], usage: /^usage: .*fleet-policy-config\.ts <stack> <out\.json>/, bad: ["--bogus"], before: ["homelab"] },
  { name: "tools/airgap-bundle.ts", argv: [TS_NODE, "--transpile-only", "tools/airgap-bundle.ts"], usage: /^Usage: npm run airgap/, bad: ["--bogus"], before: ["--version", "v1.36.3+k3s1"] },
  { name: "scripts/kubeconfig.sh", argv: ["bash", "scripts/kubeconfig.sh"], usage: /^usage: scripts\/kubeconfig\.sh STACK/, bad: ["--bogus"], before: ["homelab"] },
  { name: "scripts/pulumi.sh", argv: ["bash", "scripts/pulumi.sh"], usage: /^usage: scripts\/pulumi\.sh/ },
  { name: "scripts/test.sh", argv: ["bash", "scripts/test.sh"], usage: /^Runs every test this project has/, bad: ["--bogus"], before: ["--unit"] },
  { name: "scripts/up.sh", argv: ["bash", "scripts/up.sh"], usage: /usage/i, before: ["local"] },
  { name: "scripts/etcd-snapshot.sh", argv: ["bash", "scripts/etcd-snapshot.sh"], usage: /^Usage: etcd-snapshot\.sh/, before: ["--host", "10.0.0.1"] },
  { name: "scripts/etcd-restore.sh", argv: ["bash", "scripts/etcd-restore.sh"], usage: /^Usage: etcd-restore\.sh/, before: ["--snapshot", "on-demand-s1"] },
];

// No pulumi, kubectl or ssh on PATH: a --help that tried to run or install anything would fail or say so.
const env = { ...process.env, PATH: "/usr/bin:/bin", PULUMI_HOME: "/nonexistent" };
const run = (cli: Cli, args: string[]) => spawnSync(cli.argv[0], [...cli.argv.slice(1), ...args], { cwd: REPO, env, encoding: "utf8", timeout: 60_000 });
// A test runs one CLI process bounded at 60 s; jest's default 30 s was the tighter bound on a loaded machine.
jest.setTimeout(90_000);

describe.each(CLIS)("$name", (cli) => {
  test("--help prints the usage and exits 0, doing nothing else", () => {
    const r = run(cli, ["--help"]);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
    expect(r.stdout).toMatch(cli.usage);
    // What a run would print first: up.sh/pulumi.sh installing the CLI, test.sh starting its checks.
    expect(r.stdout).not.toMatch(/^(up\.sh: |toolchain: |== typecheck|PASS )/m);
  });
  // Help asked for after the first argument (`scripts/up.sh local --help`) is still help: users add it
  // to the command they were about to run.
  if (cli.before) {
    test(`${[...cli.before, "--help"].join(" ")} prints the usage and exits 0, doing nothing else`, () => {
      const r = run(cli, [...cli.before!, "--help"]);
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
      expect(r.stdout).toMatch(cli.usage);
      expect(r.stdout).not.toMatch(/^(up\.sh: |toolchain: |== typecheck|PASS )/m);
    });
  }
  if (cli.bad) {
    test.each(cli.bad)("refuses %s with exit 2 and the usage", (arg) => {
      const r = run(cli, [arg]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(cli.usage.source.startsWith("^") ? new RegExp(cli.usage.source.slice(1), "m") : cli.usage);
    });
  }
});
