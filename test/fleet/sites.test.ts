import { problemsOf as problems } from "../support/config";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { buildSite, deepMerge, loadSites } from "../../tools/fleet/sites";
import { isGenerated, planSync, readStackFile, renderStackFile } from "../../tools/fleet/stackfile";
import { applySync, planFleetSync, staleSites } from "../../tools/fleet/sync";

const REPO = path.resolve(__dirname, "../..");
const DEFAULTS = `
fleet: { ring: 1, environment: site }
cluster: { k3sVersion: v1.36.3+k3s1, datastore: sqlite, disable: [traefik] }
inventory: { user: k3s }
`;
const SITE = `
fleet: { ring: 0, canary: true, labels: { tier: retail } }
cluster: { tlsSans: [a.example.org] }
inventory:
  hosts: [{ name: a-s1, address: 192.0.2.1, role: server, arch: arm64 }]
config:
  k3s-stacks:addons: { monitoring: { enabled: false } }
`;


describe("deepMerge", () => {
  it("merges maps, replaces lists and deletes on null", () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1, e: 2 }, { a: { c: [3] }, e: null })).toEqual({ a: { b: 1, c: [3] }, d: 1 });
  });
});

describe("buildSite", () => {
  it("merges the site over the defaults into project config keys", () => {
    const site = buildSite("a-site", DEFAULTS, SITE);
    expect(site.fleet).toEqual({ ring: 0, canary: true, environment: "site", labels: { tier: "retail" } });
    expect(site.config["k3s-stacks:cluster"]).toEqual({ k3sVersion: "v1.36.3+k3s1", datastore: "sqlite", disable: ["traefik"], tlsSans: ["a.example.org"] });
    expect(site.config["k3s-stacks:inventory"]).toMatchObject({ user: "k3s", hosts: [{ name: "a-s1" }] });
    expect(site.config["k3s-stacks:addons"]).toEqual({ monitoring: { enabled: false } });
  });
  it("plans the merged config block with the program's planner, naming the site file", () => {
    const bad = SITE.replace("monitoring: { enabled: false }", "metallb: { enabled: false }") + "  k3s-stacks:snapshots: { retention: 3 }\n";
    expect(problems(() => buildSite("a-site", DEFAULTS, bad))).toEqual([
      expect.stringMatching(/^stacks\/sites\/a-site\.yaml: k3s-stacks:addons: unknown key\(s\) 'metallb'\. Fix: /),
      expect.stringMatching(/^stacks\/sites\/a-site\.yaml: k3s-stacks:snapshots: sets retention but k3s-stacks:cluster\.datastore is sqlite.*Fix: /),
    ]);
  });
  it("takes secret keys from the site's stack file: set there, the planner accepts them unread", () => {
    const postgres = SITE.replace("cluster: { tlsSans: [a.example.org] }", "cluster: { tlsSans: [a.example.org], datastore: postgres }");
    expect(problems(() => buildSite("a-site", DEFAULTS, postgres))).toEqual([expect.stringMatching(/^stacks\/sites\/a-site\.yaml: k3s-stacks:datastoreEndpoint: is required for datastore: postgres/)]);
    expect(buildSite("a-site", DEFAULTS, postgres, undefined, { secretKeys: new Set(["datastoreEndpoint"]) }).name).toBe("a-site");
  });
  it("reports every problem at once, naming the file and the fix", () => {
    const bad = `
fleet: { ring: -1, enviroment: prod }
cluster: { k3sVersion: latest }
inventory: { hosts: [] }
config:
  k3s-stacks:sshPrivateKey: "-----BEGIN"
  addons: {}
`;
    const p = problems(() => buildSite("Bad_Name", DEFAULTS, bad, "stacks/sites/Bad_Name.yaml"));
    const text = p.join("\n");
    expect(text).toMatch(/'Bad_Name' is not a usable stack name/);
    expect(text).toMatch(/fleet\.ring/);
    expect(text).toMatch(/enviroment/);
    expect(text).toMatch(/sshPrivateKey: looks like a secret.*pulumi config set --secret --stack Bad_Name/);
    expect(text).toMatch(/config\.addons: not a fully qualified config key/);
    expect(text).toMatch(/k3s-stacks:cluster\.k3sVersion: is not a k3s release tag/);
    expect(text).toMatch(/k3s-stacks:inventory\.hosts/);
    expect(p.every((l) => l.startsWith("stacks/sites/Bad_Name.yaml"))).toBe(true);
  });
  it("words site-file problems as the stack's: what is wrong and a fix, no schema-library words", () => {
    expect(problems(() => buildSite("x", DEFAULTS, "cluster: [a]\n", "stacks/sites/x.yaml"))).toEqual([
      "stacks/sites/x.yaml: cluster: must be a mapping of k3s-stacks:cluster settings. Fix: write it like cluster: { k3sVersion: v1.36.3+k3s1 }",
    ]);
    const p = problems(() => buildSite("x", DEFAULTS, "fleet: { ring: -1, environment: staging, enviroment: prod }\n", "stacks/sites/x.yaml"));
    expect(p).toEqual(expect.arrayContaining([
      "stacks/sites/x.yaml: fleet.ring: is -1, below the minimum 0. Fix: use 0 or more.",
      expect.stringMatching(/^stacks\/sites\/x\.yaml: fleet\.environment: 'staging' is not one of the allowed values\. Fix: use one of "dev", "site", "prod"/),
      "stacks/sites/x.yaml: fleet: unknown key(s) 'enviroment'. Fix: correct the spelling (did you mean 'environment'?).",
    ]));
    expect(p.join("\n")).not.toMatch(/record|Invalid|Too small|expected/);
  });
  it("rejects unknown top-level keys and broken YAML", () => {
    expect(problems(() => buildSite("x", DEFAULTS, "clutser: {}\n")).join()).toMatch(/unknown top-level key\(s\) clutser/);
    expect(problems(() => buildSite("x", DEFAULTS, "a: [\n")).join()).toMatch(/stacks\/sites\/x\.yaml/);
  });
});

describe("stack files", () => {
  const site = buildSite("a-site", DEFAULTS, SITE);
  it("renders a header and the plain config", () => {
    const text = renderStackFile(site);
    expect(text.split("\n")[0]).toBe("# generated from stacks/sites/a-site.yaml — edit that file, then run `npm run fleet:sync`.");
    expect(isGenerated(text)).toBe(true);
    expect(YAML.parse(text).config["k3s-stacks:cluster"].k3sVersion).toBe("v1.36.3+k3s1");
  });
  it("keeps secrets and the secrets-provider salt of an existing file", () => {
    const existing = "# generated from stacks/sites/a-site.yaml — edit that file\nencryptionsalt: v1:abc\nconfig:\n  k3s-stacks:sshPrivateKey:\n    secure: v1:xyz\n  k3s-stacks:cluster: {k3sVersion: old}\n";
    const action = planSync(site, existing);
    expect(action.kind).toBe("write");
    const text = action.kind === "write" ? action.text : "";
    const doc = YAML.parse(text);
    expect(doc.encryptionsalt).toBe("v1:abc");
    expect(doc.config["k3s-stacks:sshPrivateKey"]).toEqual({ secure: "v1:xyz" });
    expect(doc.config["k3s-stacks:cluster"].k3sVersion).toBe("v1.36.3+k3s1");
    expect(planSync(site, text)).toEqual({ kind: "unchanged", file: "Pulumi.a-site.yaml" });
  });
  it("takes over a file Pulumi rewrote without our header, but refuses hand-written config", () => {
    const rewritten = YAML.stringify({ config: { ...site.config, "k3s-stacks:sudoPassword": { secure: "v1:s" } } });
    expect(planSync(site, rewritten).kind).toBe("write");
    const foreign = YAML.stringify({ config: { "k3s-stacks:cluster": { k3sVersion: "v1.30.0+k3s1" } } });
    const action = planSync(site, foreign);
    expect(action.kind).toBe("conflict");
    expect(action.kind === "conflict" && action.message).toMatch(/hand-written config/);
  });
  it("splits an existing file into provider fields, secrets and plain config", () => {
    expect(readStackFile("secretsprovider: awskms://x\nconfig:\n  a:b: 1\n  a:c: {secure: s}\n")).toEqual({
      provider: { secretsprovider: "awskms://x" },
      secure: { "a:c": { secure: "s" } },
      plain: { "a:b": 1 },
    });
  });
});

describe("sync on disk", () => {
  it("writes missing files, then --check passes; editing a site makes it stale", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-sync-"));
    fs.mkdirSync(path.join(root, "stacks/sites"), { recursive: true });
    fs.writeFileSync(path.join(root, "stacks/sites/_defaults.yaml"), DEFAULTS);
    fs.writeFileSync(path.join(root, "stacks/sites/a-site.yaml"), SITE);
    fs.writeFileSync(path.join(root, "Pulumi.gone.yaml"), "# generated from stacks/sites/gone.yaml — edit that file\nconfig: {}\n");
    let report = planFleetSync(root);
    expect(staleSites(report)).toEqual(["Pulumi.a-site.yaml"]);
    expect(report.orphans).toEqual(["Pulumi.gone.yaml"]);
    applySync(root, report);
    report = planFleetSync(root);
    expect(staleSites(report)).toEqual([]);
    fs.writeFileSync(path.join(root, "stacks/sites/a-site.yaml"), SITE.replace("a.example.org", "b.example.org"));
    expect(staleSites(planFleetSync(root))).toEqual(["Pulumi.a-site.yaml"]);
  });
  it("--check plans each site with the secret keys its stack file holds, naming the site file of each problem", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-plan-"));
    fs.mkdirSync(path.join(root, "stacks/sites"), { recursive: true });
    fs.writeFileSync(path.join(root, "stacks/sites/_defaults.yaml"), DEFAULTS);
    const postgres = SITE.replace("cluster: { tlsSans: [a.example.org] }", "cluster: { tlsSans: [a.example.org], datastore: postgres }");
    fs.writeFileSync(path.join(root, "stacks/sites/a-site.yaml"), postgres);
    fs.writeFileSync(path.join(root, "stacks/sites/b-site.yaml"), postgres);
    fs.writeFileSync(path.join(root, "Pulumi.a-site.yaml"), "config:\n  k3s-stacks:datastoreEndpoint:\n    secure: v1:xyz\n");
    expect(problems(() => planFleetSync(root))).toEqual([expect.stringMatching(/^stacks\/sites\/b-site\.yaml: k3s-stacks:datastoreEndpoint: is required for datastore: postgres\. Fix: /)]);
  });
  it("the example sites in the repository load, validate and are in step", () => {
    const sites = loadSites(REPO);
    expect(sites.map((s) => s.name)).toEqual(expect.arrayContaining(["ber-01", "ham-01", "muc-01"]));
    expect(staleSites(planFleetSync(REPO))).toEqual([]);
    const ham = sites.find((s) => s.name === "ham-01");
    expect((ham?.config["k3s-stacks:cluster"] as Record<string, unknown>).disable).toBeUndefined();
  });
});
