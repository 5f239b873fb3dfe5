import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> };
type Job = { needs?: string[]; if?: string; steps: Step[]; env?: Record<string, string>; strategy?: { matrix: Record<string, unknown> }; outputs?: Record<string, string> };
type Workflow = { on: Record<string, unknown>; permissions?: Record<string, string>; jobs: Record<string, Job> };

const ROOT = path.resolve(__dirname, "../..");
function load(name: string): Workflow {
  const doc = YAML.parseDocument(fs.readFileSync(path.join(ROOT, ".github/workflows", name), "utf8"), { uniqueKeys: true });
  expect(doc.errors).toEqual([]);
  return doc.toJS() as Workflow;
}
const pulumiSteps = (job: Job) => job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@"));
const runs = (job: Job) => job.steps.map((s) => s.run ?? "").join("\n");
const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts as Record<string, string>;

describe("pr.yml", () => {
  const wf = load("pr.yml");
  it("runs on pull requests and may comment", () => {
    expect(Object.keys(wf.on)).toEqual(["pull_request"]);
    expect(wf.permissions).toMatchObject({ "pull-requests": "write", contents: "read" });
  });
  it("tests and checks that stack files are in step", () => {
    const r = runs(wf.jobs.test);
    for (const cmd of ["npm ci", "scripts/test.sh --unit", "npm run fleet:sync -- --check"]) expect(r).toContain(cmd);
    expect(scripts["fleet:sync"]).toContain("tools/fleet-sync.ts");
  });
  it("previews each changed stack with pulumi/actions v7, the policy pack and a PR comment", () => {
    const job = wf.jobs.preview;
    expect(job.needs).toEqual(expect.arrayContaining(["test", "changes"]));
    expect(job.strategy?.matrix.stack).toBe("${{ fromJSON(needs.changes.outputs.matrix) }}");
    const [step] = pulumiSteps(job);
    expect(step.uses).toBe("pulumi/actions@v7");
    expect(step.with).toMatchObject({ command: "preview", "stack-name": "${{ matrix.stack }}", "comment-on-pr": true, policyPacks: "policy", policyPackConfigs: ".fleet/policy-config.json" });
    expect(step.with?.["cloud-url"]).toBe("${{ secrets.PULUMI_BACKEND_URL }}");
    expect(job.env).toMatchObject({ PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}", PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}" });
    expect(runs(job)).toContain("tools/fleet-policy-config.ts ${{ matrix.stack }} .fleet/policy-config.json");
  });
  it("computes the matrix from the PR's diff", () => {
    expect(runs(wf.jobs.changes)).toMatch(/tools\/fleet-changed\.ts\s+--base \$\{\{ github\.event\.pull_request\.base\.sha \}\}/);
    expect(wf.jobs.changes.outputs?.matrix).toBe("${{ steps.affected.outputs.matrix }}");
    expect(fs.existsSync(path.join(ROOT, "tools/fleet-changed.ts"))).toBe(true);
  });
});

describe("deploy.yml", () => {
  const wf = load("deploy.yml");
  it("runs on pushes to main", () => {
    expect(wf.on.push).toEqual({ branches: ["main"] });
  });
  it("runs up for changed non-site stacks with the policy pack", () => {
    const [step] = pulumiSteps(wf.jobs.up);
    expect(step.uses).toBe("pulumi/actions@v7");
    expect(step.with).toMatchObject({ command: "up", "stack-name": "${{ matrix.stack }}", policyPacks: "policy" });
    expect(wf.jobs.up.strategy?.matrix.stack).toBe("${{ fromJSON(needs.changes.outputs.others) }}");
  });
  it("rolls changed sites out in waves with the fleet tool", () => {
    const job = wf.jobs.fleet;
    const r = runs(job);
    expect(r).toMatch(/npm run fleet --\s+--sites "\$\{\{ needs\.changes\.outputs\.sites \}\}"/);
    expect(r).toContain("--policy-pack policy");
    expect(r).toContain("--failure-budget 0");
    expect(pulumiSteps(job)[0].with).toBeUndefined();
    expect(job.env).toMatchObject({ PULUMI_BACKEND_URL: "${{ secrets.PULUMI_BACKEND_URL }}" });
    expect(scripts.fleet).toContain("tools/fleet-rollout.ts");
  });
});
