/**
 * A fleet rollout with the real Pulumi CLI: three single-server sqlite sites, one lab host each,
 * rolled out one site per wave by the real `fleet-rollout.ts` (Automation API, one CLI process per
 * site). The second site's sshd is down (the site is offline): the rollout halts, its summary names
 * who passed, who failed and who was never touched, and the untouched site's host has no k3s. Once
 * the site is back, a re-run resumes from the state file: the done site is skipped, the rest succeed.
 */
import * as fs from "fs";
import * as path from "path";
import { startLab, TestLab } from "../hosts";
import { FleetProject, summaryRows } from "./fleet-project";
import { V1, k3sLeftovers } from "./fixture";
import { hostsOf, invocationsSince } from "./log";

jest.setTimeout(900_000);

/** Site (stack) name -> its lab host. Names sort in rollout order (one ring, no canary flags). */
const SITES: Record<string, string> = { "site-1": "edge1", "site-2": "edge2", "site-3": "edge3" };
const ROLLOUT_ARGS = ["--concurrency", "1", "--canary", "1", "--growth", "1", "--failure-budget", "0", "--timeout", "8m"];

let lab: TestLab;
let project: FleetProject;

function defaultsYaml(): string {
  return [
    "fleet: { ring: 0, environment: site }",
    "cluster:",
    `  k3sVersion: ${V1}`,
    "  datastore: sqlite",
    `  installScriptUrl: ${lab.installScriptUrl}`,
    `  artifactUrl: ${lab.artifactBaseUrl}`,
    "inventory:",
    "  user: root",
    "",
  ].join("\n");
}

function siteYaml(host: string): string {
  const h = lab.host(host);
  return `inventory:\n  hosts:\n    - { name: ${host}, address: ${h.address}, role: server, arch: amd64 }\n`;
}

/** Fails with the CLI's own output, so a red run says why. */
function ok(r: { code: number; stdout: string; stderr: string }, what: string): string {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A line of the private key that must never appear in any output or log. */
function keyLine(): string {
  const lines = lab.privateKey.split("\n").filter((l) => l && !l.startsWith("-----"));
  return lines[Math.floor(lines.length / 2)];
}

function rolloutLogs(): string {
  const dir = path.join(project.root, ".fleet", "logs");
  return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), "utf8")).join("\n") : "";
}

beforeAll(() => {
  lab = startLab(Object.values(SITES).map((name) => ({ name })), { versions: [V1] });
  for (const h of Object.values(SITES)) {
    // The machine's own /etc shows through each host's overlay; an empty k3s dir there is not ours.
    lab.exec(h, "rmdir /etc/rancher/k3s 2>/dev/null; true");
    const left = k3sLeftovers(lab, h);
    if (left.length) throw new Error(`lab host ${h} starts with k3s files: ${left.join(", ")}`);
  }
  project = FleetProject.create();
  project.writeSite("_defaults", defaultsYaml());
  for (const [site, host] of Object.entries(SITES)) project.writeSite(site, siteYaml(host));
}, 3_600_000);

afterAll(() => {
  project?.cleanup();
  lab?.down();
}, 600_000);

test("sync writes the stack files; the SSH key is set per site as a secret and survives a re-sync", () => {
  expect(ok(project.script("fleet-sync.ts"), "fleet:sync")).toContain("3 site(s) synced");
  for (const site of Object.keys(SITES)) {
    expect(project.readFile(`Pulumi.${site}.yaml`)).toMatch(/^# generated from stacks\/sites\//);
    ok(project.pulumi(["stack", "init", site, "--non-interactive"]), `stack init ${site}`);
    // Through stdin, not argv: the key must never reach a command line.
    ok(project.pulumi(["config", "set", "--secret", "--stack", site, "k3s-stacks:sshPrivateKey"], lab.privateKey), `config set ${site}`);
  }
  ok(project.script("fleet-sync.ts"), "fleet:sync after config set");
  expect(ok(project.script("fleet-sync.ts", ["--check"]), "fleet:sync --check")).toContain("3 site(s) in step");
  for (const site of Object.keys(SITES)) {
    const text = project.readFile(`Pulumi.${site}.yaml`);
    expect(text).toMatch(/^# generated from stacks\/sites\//);
    expect(text).toMatch(/k3s-stacks:sshPrivateKey:\s*\n\s*secure: /);
    expect(text).not.toContain(keyLine());
  }
});

test("site 2 is offline: the rollout halts with site 1 done, site 2 failed, site 3 not attempted", () => {
  lab.stopSshd("edge2");
  const since = lab.invocations().length;
  const r = project.script("fleet-rollout.ts", ROLLOUT_ARGS);
  const out = `${r.stdout}\n${r.stderr}`;
  expect(r.code).toBe(1);
  const rows = summaryRows(r.stdout);
  expect(rows.map((row) => [row.site, row.wave, row.status])).toEqual([
    ["site-1", "1", "succeeded"],
    ["site-2", "2", "failed"],
    ["site-3", "3", "not-attempted"],
  ]);
  expect(rows[1].detail).toMatch(/^error: /);
  expect(rows[2].detail).toBe("rollout halted");
  expect(r.stdout).toMatch(/^halted: 1 failed site\(s\) exceed the failure budget of 0$/m);
  expect(lab.nodes("edge1").map((n) => [n.name, n.ready, n.version])).toEqual([["edge1", true, V1]]);
  // The third site was never touched: no stand-in call, no k3s file on its host.
  expect(hostsOf(invocationsSince(lab, since))).toEqual(["edge1"]);
  expect(k3sLeftovers(lab, "edge3")).toEqual([]);
  const state = JSON.parse(project.readFile(".fleet/state.json")) as { sites: Record<string, { status: string }> };
  expect(Object.fromEntries(Object.entries(state.sites).map(([s, rec]) => [s, rec.status]))).toEqual({ "site-1": "succeeded", "site-2": "failed" });
  expect(out).not.toContain(keyLine());
  expect(rolloutLogs()).not.toContain(keyLine());
});

test("with site 2 back, a re-run skips site 1 from the state file and rolls out sites 2 and 3", () => {
  lab.startHost("edge2");
  const since = lab.invocations().length;
  const r = project.script("fleet-rollout.ts", ROLLOUT_ARGS);
  const out = `${r.stdout}\n${r.stderr}`;
  if (r.code !== 0) throw new Error(`re-run exited ${r.code}\n${out}\n${rolloutLogs()}`);
  const rows = summaryRows(r.stdout);
  // The site that failed last time goes first and is the canary of the resumed rollout.
  expect(rows.map((row) => [row.site, row.wave, row.status])).toEqual([
    ["site-1", "-", "skipped"],
    ["site-2", "1", "succeeded"],
    ["site-3", "2", "succeeded"],
  ]);
  expect(rows[0].detail).toBe("at desired state (state file)");
  expect(r.stdout).not.toContain("halted:");
  // Skipped without calling Pulumi: nothing ran on site 1's host.
  expect(hostsOf(invocationsSince(lab, since))).toEqual(["edge2", "edge3"]);
  for (const host of ["edge2", "edge3"]) expect(lab.nodes(host).map((n) => [n.name, n.ready, n.version])).toEqual([[host, true, V1]]);
  expect(out).not.toContain(keyLine());
  expect(rolloutLogs()).not.toContain(keyLine());
});

test("each site's stack destroys cleanly and leaves its host as it was", () => {
  for (const [site, host] of Object.entries(SITES)) {
    ok(project.pulumi(["destroy", "--yes", "--skip-preview", "--stack", site, "--non-interactive", "--color", "never"]), `destroy ${site}`);
    expect(k3sLeftovers(lab, host)).toEqual([]);
  }
});
