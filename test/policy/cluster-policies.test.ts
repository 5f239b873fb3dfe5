import { etcdQuorum, etcdSnapshots, secretsEncryption, versionPinned } from "../../policy/cluster-policies";
import { environmentFromStackName, resolveEnvironment, stackNameFromUrn } from "../../policy/environment";
import { allPolicies, policyPackConfig } from "../../policy/policies";
import { FakeResource, UNKNOWN, runStackPolicy } from "./helpers";

const GOOD = { k3sVersion: "v1.36.3+k3s1", datastore: "etcd", serverCount: 3, secretsEncryption: true, snapshotsEnabled: true };
const stack = (outputs: Record<string, unknown>): FakeResource[] => [
  { type: "pulumi:pulumi:Stack", name: "k3s-stacks-test", props: outputs },
  { type: "k3s:cluster:K3sCluster", name: "cluster" },
];
const prod = { config: { environment: "prod" } };
const dev = { config: { environment: "dev" } };

describe("environment", () => {
  it("resolves config, then tag, then stack name", () => {
    expect(resolveEnvironment({ environment: "prod" }, new Map([["k3s-stacks:environment", "dev"]]), "urn:pulumi:dev::p::t::n")).toBe("prod");
    expect(resolveEnvironment({}, new Map([["k3s-stacks:environment", "dev"]]), "urn:pulumi:prod-eu::p::t::n")).toBe("dev");
    expect(resolveEnvironment({}, new Map(), "urn:pulumi:prod-eu::p::t::n")).toBe("prod");
    expect(resolveEnvironment({ environment: "bogus" }, new Map(), undefined)).toBe("site");
    expect(stackNameFromUrn("urn:pulumi:ber-01::k3s-stacks::pulumi:pulumi:Stack::x")).toBe("ber-01");
    expect(["dev", "dev-pi", "lab-dev", "prod", "eu-prod", "homelab", "ber-01"].map(environmentFromStackName)).toEqual(["dev", "dev", "dev", "prod", "prod", "site", "site"]);
  });
  it("config for the rollout names the environment for exactly the environment-aware policies", () => {
    const cfg = policyPackConfig("prod");
    expect(Object.keys(cfg).sort()).toEqual(["etcd-quorum", "etcd-snapshots-prod", "k3s-version-pinned", "secrets-encryption"]);
    expect(new Set(allPolicies.map((p) => p.name)).size).toBe(allPolicies.length);
  });
});

describe("k3s-version-pinned", () => {
  it("accepts a release tag and refuses channels outside dev", async () => {
    expect((await runStackPolicy(versionPinned, stack(GOOD), prod)).violations).toEqual([]);
    const latest = await runStackPolicy(versionPinned, stack({ ...GOOD, k3sVersion: "latest" }), { stack: "ber-01" });
    expect(latest.violations[0]).toMatch(/'latest' is not a pinned release in a site stack/);
    expect((await runStackPolicy(versionPinned, stack({ ...GOOD, k3sVersion: "stable" }), dev)).violations).toEqual([]);
  });
  it("is not applicable without a cluster and loud when the output is missing", async () => {
    expect((await runStackPolicy(versionPinned, [{ type: "pulumi:pulumi:Stack", props: {} }])).notApplicable).toMatch(/no k3s:cluster:K3sCluster/);
    expect((await runStackPolicy(versionPinned, stack({}))).violations[0]).toMatch(/exports no 'k3sVersion' output/);
  });
});

describe("etcd-quorum", () => {
  it("wants an odd member count everywhere and three or more in prod", async () => {
    expect((await runStackPolicy(etcdQuorum, stack({ ...GOOD, serverCount: 2 }), dev)).violations[0]).toMatch(/even member count/);
    expect((await runStackPolicy(etcdQuorum, stack({ ...GOOD, serverCount: 1 }), dev)).violations).toEqual([]);
    expect((await runStackPolicy(etcdQuorum, stack({ ...GOOD, serverCount: 1 }), prod)).violations[0]).toMatch(/run 3 or 5 servers/);
    expect((await runStackPolicy(etcdQuorum, stack({ ...GOOD, serverCount: 5 }), prod)).violations).toEqual([]);
    expect((await runStackPolicy(etcdQuorum, stack({ ...GOOD, datastore: "sqlite", serverCount: 1 }), prod)).violations[0]).toMatch(/sqlite/);
    expect((await runStackPolicy(etcdQuorum, stack({ ...GOOD, datastore: "postgres", serverCount: 2 }), prod)).violations).toEqual([]);
    expect((await runStackPolicy(etcdQuorum, stack({ ...GOOD, datastore: "sqlite", serverCount: 1 }), { stack: "ber-01" })).violations).toEqual([]);
  });
});

describe("etcd-snapshots-prod", () => {
  it("requires snapshots for etcd in prod only", async () => {
    expect((await runStackPolicy(etcdSnapshots, stack({ ...GOOD, snapshotsEnabled: false }), prod)).violations[0]).toMatch(/snapshots off/);
    expect((await runStackPolicy(etcdSnapshots, stack({ ...GOOD, snapshotsEnabled: false }), { stack: "ber-01" })).violations).toEqual([]);
    expect((await runStackPolicy(etcdSnapshots, stack(GOOD), { stack: "prod" })).violations).toEqual([]);
  });
});

describe("secrets-encryption", () => {
  it("requires encryption at rest outside dev", async () => {
    expect((await runStackPolicy(secretsEncryption, stack({ ...GOOD, secretsEncryption: false }), { tags: { "k3s-stacks:environment": "site" } })).violations[0]).toMatch(/secretsEncryption to true/);
    expect((await runStackPolicy(secretsEncryption, stack({ ...GOOD, secretsEncryption: false }), { stack: "dev" })).violations).toEqual([]);
  });
  it("treats an output unknown during preview as missing rather than crashing", async () => {
    expect((await runStackPolicy(secretsEncryption, stack({ ...GOOD, secretsEncryption: UNKNOWN }), prod)).violations[0]).toMatch(/exports no 'secretsEncryption'/);
  });
});
