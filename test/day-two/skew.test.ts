import { ConfigError } from "../../components/rules/errors";
import { checkVersionChange, compareK3sVersions, parseK3sVersion } from "../../components/day-two/skew";

function message(prev: string | undefined, next: string): string {
  try {
    checkVersionChange(prev, next);
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

  it.each([
    [undefined, "v1.36.3+k3s1"],
    ["v1.36.3+k3s1", "v1.36.3+k3s1"],
    ["v1.36.3+k3s1", "v1.36.3+k3s2"],
    ["v1.36.3+k3s1", "v1.36.4+k3s1"],
    ["v1.35.9+k3s1", "v1.36.0+k3s1"],
    ["v1.36.3-rc1+k3s1", "v1.36.3+k3s1"],
  ])("allows %s → %s", (prev, next) => {
    expect(message(prev, next)).toBe("");
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
    expect(message("v1.33.0+k3s1", "v1.36.0+k3s1")).toContain("v1.34.x, then v1.35.x");
    expect(message("v1.36.0+k3s1", "v2.0.0+k3s1")).toMatch(/major version/);
  });

  it("refuses a malformed version", () => {
    expect(message("v1.36.3+k3s1", "1.37")).toMatch(/new version '1.37' is not a k3s release tag/);
    expect(message("latest", "v1.36.3+k3s1")).toMatch(/running version 'latest' is not a k3s release tag/);
  });
});
