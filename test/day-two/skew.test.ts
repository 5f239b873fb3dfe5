import { ConfigError } from "../../components/rules/errors";
import { checkVersionChange, compareK3sVersions, parseK3sVersion } from "../../components/day-two/skew";

function message(prev: string | undefined, next: string, etcd = false): string {
  try {
    checkVersionChange(prev, next, etcd);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.join("\n");
    throw e;
  }
  return "";
}

describe("k3s version skew", () => {
  it("orders by Kubernetes version, then rc, then the k3s build number", () => {
    const sorted = ["v1.36.3+k3s2", "v1.35.9+k3s1", "v1.36.3+k3s1", "v1.36.3-rc1+k3s1", "v1.36.10+k3s1"]
      .map((t) => parseK3sVersion(t)!)
      .sort(compareK3sVersions)
      .map((v) => v.tag);
    expect(sorted).toEqual(["v1.35.9+k3s1", "v1.36.3-rc1+k3s1", "v1.36.3+k3s1", "v1.36.3+k3s2", "v1.36.10+k3s1"]);
    expect(parseK3sVersion("v1.36.3")).toBeUndefined();
    expect(parseK3sVersion("stable")).toBeUndefined();
  });

  // With embedded etcd (third column), also every move that keeps etcd 3.5, starts at v3.5.26+ or is 3.6 already.
  it.each([
    [undefined, "v1.36.3+k3s1", false],
    ["v1.36.3+k3s1", "v1.36.3+k3s1", false],
    ["v1.36.3+k3s1", "v1.36.3+k3s2", false],
    ["v1.36.3+k3s1", "v1.36.4+k3s1", false],
    ["v1.35.9+k3s1", "v1.36.0+k3s1", false],
    ["v1.36.3-rc1+k3s1", "v1.36.3+k3s1", false],
    ["v1.33.8+k3s1", "v1.34.2+k3s1", true],
    ["v1.33.12+k3s1", "v1.33.13+k3s1", true],
    ["v1.33.5+k3s1", "v1.33.12+k3s1", true],
    ["v1.32.3+k3s1", "v1.33.12+k3s1", true],
    ["v1.34.1+k3s1", "v1.35.0+k3s1", true],
    ["v1.35.9+k3s1", "v1.36.3+k3s1", true],
  ])("allows %s → %s (embedded etcd: %s)", (prev, next, etcd) => {
    expect(message(prev, next, etcd)).toBe("");
  });

  it("refuses a downgrade, naming the key, both versions and the fix", () => {
    const m = message("v1.36.3+k3s2", "v1.36.3+k3s1");
    expect(m).toContain("k3s-stacks:cluster.k3sVersion");
    expect(m).toContain("v1.36.3+k3s1 is older than the running v1.36.3+k3s2");
    expect(m).toContain("Fix: set it back to v1.36.3+k3s2");
    expect(message("v1.36.3+k3s1", "v1.35.9+k3s1")).toMatch(/downgrades/);
  });

  it("refuses skipping a minor version and names the intermediate releases", () => {
    const m = message("v1.34.2+k3s1", "v1.36.3+k3s1");
    expect(m).toContain("k3s-stacks:cluster.k3sVersion: v1.34.2+k3s1 → v1.36.3+k3s1 skips 1 minor version(s)");
    expect(m).toContain("Fix: set k3s-stacks:cluster.k3sVersion to the newest v1.35.x release and run pulumi up, then set v1.36.3+k3s1.");
    expect(message("v1.33.0+k3s1", "v1.36.0+k3s1")).toContain("the newest v1.34.x release, then the newest v1.35.x release and run pulumi up after each");
    // With embedded etcd older than v3.5.26, the way goes through the release embedding it; followed, each step is accepted.
    const viaSafe = message("v1.32.9+k3s1", "v1.34.5+k3s1", true);
    expect(viaSafe).toContain("Fix: set k3s-stacks:cluster.k3sVersion to v1.33.12+k3s1 (that 1.33 release exactly: its etcd v3.5.26");
    expect(message("v1.32.9+k3s1", "v1.33.12+k3s1", true)).toBe("");
    expect(message("v1.33.12+k3s1", "v1.34.5+k3s1", true)).toBe("");
    expect(message("v1.33.2+k3s1", "v1.35.1+k3s1", true)).toContain("to v1.33.12+k3s1, then the newest v1.34.x release (");
    expect(message("v1.31.4+k3s1", "v1.34.5+k3s1", true)).toContain("to the newest v1.32.x release, then v1.33.12+k3s1 (");
    expect(message("v1.36.0+k3s1", "v2.0.0+k3s1")).toMatch(/major version/);
  });

  it("refuses a malformed version", () => {
    expect(message("v1.36.3+k3s1", "1.37")).toMatch(/new version '1.37' is not a k3s release tag/);
    expect(message("latest", "v1.36.3+k3s1")).toMatch(/running version 'latest' is not a k3s release tag/);
  });
});

// etcd 3.6 reads membership that etcd 3.5 keeps right only from v3.5.26: an embedded-etcd cluster moved
// to 3.6 from an older 3.5 can fail to start or keep zombie members (k3s-io/k3s#13271, #13493).
describe("embedded etcd 3.5 → 3.6", () => {
  const etcdMessage = (prev: string, next: string, etcd = true) => message(prev, next, etcd);

  it.each([
    ["v1.33.5+k3s1", "v1.34.2+k3s1"],
    ["v1.33.7+k3s1", "v1.33.13+k3s1"],
    ["v1.32.11+k3s1", "v1.33.13-rc1+k3s1"],
    ["v1.33.0+k3s1", "v1.33.14+k3s1"],
  ])("refuses %s → %s on etcd, naming the release to move through", (prev, next) => {
    const m = etcdMessage(prev, next);
    expect(m).toContain(`k3s-stacks:cluster.k3sVersion: ${prev} → ${next} moves the cluster's embedded etcd from 3.5, older than v3.5.26 in ${prev}, to etcd 3.6 in ${next}`);
    expect(m).toContain("k3s-io/k3s#13271");
    expect(m).toContain(`Fix: set k3s-stacks:cluster.k3sVersion to v1.33.12+k3s1 (etcd v3.5.26 or later) and run pulumi up, then set ${next}.`);
  });

  it("leaves sqlite and postgres clusters alone, which run no etcd", () => {
    expect(etcdMessage("v1.33.5+k3s1", "v1.34.2+k3s1", false)).toBe("");
  });

  it("the release it names is itself a step the check allows from any 1.32 or 1.33 release", () => {
    for (const prev of ["v1.32.0+k3s1", "v1.33.0+k3s1", "v1.33.7+k3s1"]) expect(etcdMessage(prev, "v1.33.12+k3s1")).toBe("");
    expect(etcdMessage("v1.33.12+k3s1", "v1.34.2+k3s1")).toBe("");
  });
});
