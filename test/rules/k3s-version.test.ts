import { OLDEST_K3S_MINOR, k3sVersionProblem } from "../../components/rules/k3s-version";
import { parseK3sVersion } from "../../components/day-two/skew";

describe("k3s release tags (v<major>.<minor>.<patch>[-rc<n>]+k3s<m>)", () => {
  test.each(["v1.36.3+k3s1", "v1.33.10+k3s2", "v1.31.0-rc1+k3s1", "v1.30.0+k3s1", "v1.30.0-rc2+k3s2", "v1.38.0+k3s1"])("%s is accepted", (tag) => {
    expect(k3sVersionProblem(tag)).toBeUndefined();
  });

  test.each(["stable", "latest", "v1.36+k3s1", "v1.36.3+k3s", "v1.36.3-beta1+k3s1", "v1.36.3+rke2r1", "v01.36.3+k3s1"])("%s is not a tag", (tag) => {
    expect(k3sVersionProblem(tag)).toMatch(/^is not a k3s release tag\. Fix: pin a release such as v1\.36\.3\+k3s1/);
  });

  // Mistakes from k3s-io/k3s issues and install docs: the Kubernetes version, the image tag, a copied space.
  test.each([
    [" v1.36.3+k3s1", "spaces around it", "v1.36.3+k3s1"],
    ["v1.36.3+k3s1\n", "spaces around it", "v1.36.3+k3s1"],
    ["1.36.3+k3s1", "start with 'v'", "v1.36.3+k3s1"],
    ["v1.36.3", "ends in its build", "v1.36.3+k3s1"],
    ["1.36.3", "start with 'v'; every k3s release tag ends in its build", "v1.36.3+k3s1"],
    ["v1.36.3-k3s2", "container image tag", "v1.36.3+k3s2"],
    ["v1.31.0-rc1", "ends in its build", "v1.31.0-rc1+k3s1"],
  ])("%j is a near-miss of a tag: the fix writes the tag", (tag, why, fixed) => {
    const problem = k3sVersionProblem(tag);
    expect(problem).toContain(why);
    expect(problem).toMatch(new RegExp(`Fix: write '${fixed.replace(/[.+]/g, "\\$&")}'$`));
    expect(k3sVersionProblem(fixed)).toBeUndefined();
  });

  test("a release line is not a release: the fix pins one of that line", () => {
    expect(k3sVersionProblem("v1.36")).toMatch(/names a release line.*Fix: pin a release of that line, such as 'v1\.36\.0\+k3s1'/);
  });

  test("a near-miss of a line older than the oldest supported names both", () => {
    expect(k3sVersionProblem("v1.29.6")).toMatch(/^'v1\.29\.6' is not a k3s release tag \(.*\+k3s1.*\), and v1\.29\.6\+k3s1 is a 1\.29 release, older than v1\.30.*Fix: pin v1\.30\.0\+k3s1 or newer/);
  });

  test("+k3s0 does not exist: builds count from +k3s1", () => {
    expect(k3sVersionProblem("v1.36.3+k3s0")).toMatch(/\+k3s0.*Fix: use v1\.36\.3\+k3s1$/);
    expect(k3sVersionProblem("v1.36.3-rc1+k3s0")).toMatch(/Fix: use v1\.36\.3-rc1\+k3s1$/);
  });

  test("-rc0 does not exist: release candidates count from -rc1", () => {
    expect(k3sVersionProblem("v1.36.3-rc0+k3s1")).toMatch(/Fix: use v1\.36\.3-rc1\+k3s1 or the release v1\.36\.3\+k3s1$/);
  });

  test(`lines before v${OLDEST_K3S_MINOR.major}.${OLDEST_K3S_MINOR.minor} are refused, rc tags of them too`, () => {
    for (const tag of ["v1.29.15+k3s1", "v1.29.1+k3s1", "v1.20.4+k3s1", "v1.29.0-rc1+k3s1", "v0.9.0+k3s1"]) {
      expect(k3sVersionProblem(tag)).toMatch(/older than v1\.30.*Fix: pin v1\.30\.0\+k3s1 or newer/);
    }
  });

  test("every tag accepted here orders with the skew rules' parser (same grammar)", () => {
    for (const tag of ["v1.36.3+k3s1", "v1.31.0-rc1+k3s1", "v1.30.0-rc2+k3s2"]) expect(parseK3sVersion(tag)).toBeDefined();
  });
});
