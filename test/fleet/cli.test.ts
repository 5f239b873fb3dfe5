import { parseDuration, parseRolloutArgs } from "../../tools/fleet/args";
import { affectedStacks, limitStacks } from "../../tools/fleet/changed";
import { countChanges, describeChanges, errorSummary } from "../../tools/fleet/automation";
import { selectSites } from "../../tools/fleet/select";
import { SiteDefinition } from "../../tools/fleet/types";

const site = (name: string, ring = 0, labels: Record<string, string> = {}): SiteDefinition => ({
  name,
  fleet: { ring, canary: false, environment: "site", labels },
  config: {},
});

describe("rollout arguments", () => {
  it("parses the documented flags", () => {
    const a = parseRolloutArgs(["--concurrency", "4", "--canary", "5%", "--growth", "1.5", "--failure-budget", "2", "--sites", "a,b", "--sites", "c", "--preview-only", "--state", "s.json", "--timeout", "20m", "--policy-pack", "policy"]);
    expect(a).toMatchObject({ concurrency: 4, canary: { percent: 5 }, growth: 1.5, failureBudget: { count: 2 }, sites: ["a", "b", "c"], previewOnly: true, statePath: "s.json", timeoutMs: 1_200_000, policyPacks: ["policy"] });
  });
  it("has safe defaults and clear errors", () => {
    expect(parseRolloutArgs([])).toMatchObject({ concurrency: 4, canary: { count: 1 }, growth: 2, failureBudget: { count: 0 }, previewOnly: false, timeoutMs: 1_800_000 });
    expect(() => parseRolloutArgs(["--concurrency", "0"])).toThrow(/--concurrency: '0'/);
    expect(() => parseRolloutArgs(["--growth", "0.5"])).toThrow(/--growth/);
    expect(() => parseRolloutArgs(["--timeout", "soon"])).toThrow(/--timeout: 'soon' is not a duration/);
    expect(() => parseRolloutArgs(["--bogus"])).toThrow();
    expect(parseDuration("90s", "x")).toBe(90_000);
    expect(parseDuration("1h", "x")).toBe(3_600_000);
  });
});

describe("selectSites", () => {
  const sites = [site("ber-01", 0, { tier: "retail" }), site("ber-02", 1), site("muc-01", 1, { tier: "retail" })];
  it("selects by name, glob and key=value", () => {
    expect(selectSites(sites, []).map((s) => s.name)).toEqual(["ber-01", "ber-02", "muc-01"]);
    expect(selectSites(sites, ["ber-*"]).map((s) => s.name)).toEqual(["ber-01", "ber-02"]);
    expect(selectSites(sites, ["tier=retail"]).map((s) => s.name)).toEqual(["ber-01", "muc-01"]);
    expect(selectSites(sites, ["ring=1", "ber-01"]).map((s) => s.name)).toEqual(["ber-01", "ber-02", "muc-01"]);
  });
  it("refuses an unknown plain name", () => {
    expect(() => selectSites(sites, ["ber-1"])).toThrow(/no site named ber-1/);
  });
});

describe("affected stacks", () => {
  const stacks = ["homelab", "ber-01", "muc-01"];
  const sites = ["ber-01", "muc-01"];
  it("maps stack and site files to their stack", () => {
    expect(affectedStacks({ files: ["Pulumi.homelab.yaml", "stacks/sites/muc-01.yaml", "docs/fleet.md"], stacks, sites }).stacks).toEqual(["homelab", "muc-01"]);
    expect(affectedStacks({ files: ["README.md", "test/fleet/x.test.ts", "tools/fleet/planner.ts"], stacks, sites }).stacks).toEqual([]);
  });
  it("defaults touch every site, program changes every stack", () => {
    expect(affectedStacks({ files: ["stacks/sites/_defaults.yaml"], stacks, sites }).stacks).toEqual(["ber-01", "muc-01"]);
    const all = affectedStacks({ files: ["components/cluster/k3s-cluster.ts"], stacks, sites });
    expect(all.stacks).toEqual(["ber-01", "homelab", "muc-01"]);
    expect(all.reason).toMatch(/components\/cluster\/k3s-cluster\.ts/);
    expect(affectedStacks({ files: ["policy/index.ts"], stacks, sites }).stacks).toHaveLength(3);
  });
  it("ignores deleted stacks", () => {
    expect(affectedStacks({ files: ["Pulumi.old.yaml"], stacks, sites }).stacks).toEqual([]);
  });
  it("caps the preview matrix, keeping non-site stacks and canaries first", () => {
    const plan = [
      { name: "a", ring: 1, canary: false },
      { name: "b", ring: 0, canary: false },
      { name: "c", ring: 2, canary: true },
    ];
    expect(limitStacks(["a", "b", "c", "homelab"], plan, 3)).toEqual({ kept: ["homelab", "c", "b"], omitted: 1 });
  });
});

describe("automation helpers", () => {
  it("counts and describes changes", () => {
    expect(countChanges({ same: 10, create: 2, update: 1, read: 1 })).toBe(3);
    expect(countChanges(undefined)).toBe(0);
    expect(describeChanges({ same: 10, create: 2 })).toBe("2 create, 10 same");
  });
  it("picks the telling error line", () => {
    const e = new Error("code: 255\n stdout: ...\n stderr: error: update failed\nerror: ssh: handshake failed: unable to authenticate\n");
    expect(errorSummary(e)).toBe("error: ssh: handshake failed: unable to authenticate");
    expect(errorSummary(new Error("something odd"))).toBe("something odd");
  });
});
