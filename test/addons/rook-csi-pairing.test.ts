// Rook's operator chart and the ceph-csi-drivers chart go by pairs (rook-csi-pairing.ts): Rook v1.20
// requires the drivers chart, of the ceph-csi-operator version its rook-ceph chart depends on
// (rook/rook deploy/charts/rook-ceph/Chart.yaml at each v1.20 tag); Rook before v1.20 must not get it.
import { parseAddonsConfig } from "../../components/addons/config";
import { CHART_CATALOG } from "../../components/addons/charts";
import { parseBuildArgs } from "../../tools/airgap/args";
import { problemsOf } from "../support/config";

const rook = (charts: Record<string, { version: string }>) => () => parseAddonsConfig({ storage: { type: "rook-ceph" }, charts });
const refused = (charts: Record<string, { version: string }>) => problemsOf(rook(charts));
const KEY = "k3s-stacks:addons.charts";

describe("k3s-stacks:addons.charts pairs rook-ceph with ceph-csi-drivers", () => {
  test("the pinned pair, and a v1.20 release of the same ceph-csi-operator, are accepted", () => {
    expect(() => rook({})()).not.toThrow();
    expect(() => rook({ "rook-ceph": { version: "v1.20.2" } })()).not.toThrow();
  });

  test("a v1.20 release with another ceph-csi-operator is refused, naming the drivers version to set", () => {
    expect(refused({ "rook-ceph": { version: "v1.20.1" } })).toEqual([expect.stringMatching(new RegExp(`^${KEY}\\.rook-ceph\\.version: Rook v1\\.20\\.1 installs ceph-csi-operator 1\\.0\\.1, .*ceph-csi-drivers is 1\\.0\\.4\\. Fix: set charts\\.ceph-csi-drivers\\.version to 1\\.0\\.1$`))]);
    expect(() => rook({ "rook-ceph": { version: "v1.20.1" }, "ceph-csi-drivers": { version: "1.0.1" } })()).not.toThrow();
  });

  test("a drivers version that does not match the Rook is refused at the drivers key", () => {
    expect(refused({ "ceph-csi-drivers": { version: "1.0.1" } })).toEqual([expect.stringMatching(new RegExp(`^${KEY}\\.ceph-csi-drivers\\.version: Rook v1\\.20\\.6 installs ceph-csi-operator 1\\.0\\.4.*Fix: set charts\\.ceph-csi-drivers\\.version to 1\\.0\\.4$`))]);
  });

  test("Rook before v1.20 is refused: it must not get the drivers chart", () => {
    expect(refused({ "rook-ceph": { version: "v1.19.10" } })).toEqual([expect.stringMatching(new RegExp(`^${KEY}\\.rook-ceph\\.version: v1\\.19\\.10 is a Rook release before v1\\.20, .*Fix: set charts\\.rook-ceph\\.version to v1\\.20\\.6 \\(the pinned release\\)`))]);
  });

  test("a Rook whose pair is not known needs the drivers version set; with it, it is taken as given", () => {
    expect(refused({ "rook-ceph": { version: "v1.21.0" } })).toEqual([expect.stringMatching(new RegExp(`^${KEY}\\.rook-ceph\\.version: .*not with v1\\.21\\.0.*Fix: set charts\\.ceph-csi-drivers\\.version to <version>, .*helm show chart rook-ceph --repo https://charts\\.rook\\.io/release --version v1\\.21\\.0`))]);
    expect(() => rook({ "rook-ceph": { version: "v1.21.0" }, "ceph-csi-drivers": { version: "1.1.0" } })()).not.toThrow();
  });

  test("without Rook storage the charts are not installed, so nothing is paired", () => {
    expect(() => parseAddonsConfig({ charts: { "rook-ceph": { version: "v1.19.10" } } })).not.toThrow();
  });
});

describe("the airgap bundle builder bundles the pair the stack installs", () => {
  const build = (...args: string[]) => () => parseBuildArgs(["--version", "v1.36.3+k3s1", "--arch", "arm64", ...args], CHART_CATALOG);

  test("--chart-version rook-ceph alone, changing the pair, is refused naming the drivers flag", () => {
    expect(build("--chart-version", "rook-ceph=v1.20.1")).toThrow(/^--chart-version rook-ceph: Rook v1\.20\.1 installs ceph-csi-operator 1\.0\.1, .*Fix: add --chart-version ceph-csi-drivers=1\.0\.1, and set k3s-stacks:addons\.charts\.ceph-csi-drivers\.version to the same$/m);
    expect(build("--chart-version", "rook-ceph=v1.20.1", "--chart-version", "ceph-csi-drivers=1.0.1")()).toMatchObject({
      charts: expect.arrayContaining([expect.objectContaining({ key: "rook-ceph", version: "v1.20.1" }), expect.objectContaining({ key: "ceph-csi-drivers", version: "1.0.1" })]),
    });
  });

  test("a bundle without Rook's charts is not paired", () => {
    expect(build("--charts", "longhorn,rook-ceph-cluster", "--chart-version", "rook-ceph-cluster=v1.19.10")).not.toThrow();
  });
});
