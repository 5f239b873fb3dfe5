import { ConfigError } from "../../components/rules/errors";
import { checkAddedDuringUpgrade } from "../../components/day-two/added-nodes";

const PREVIOUS = { k3sVersion: "v1.35.9+k3s1", nodeIdentities: { s1: "server/amd64", a1: "agent/amd64" } };
const next = (over: Partial<{ k3sVersion: string; mode: string; nodes: string[] }> = {}) =>
  ({ k3sVersion: "v1.36.3+k3s1", mode: "system-upgrade-controller", nodes: ["s1", "a1", "a2"], nodesKey: "inventory.hosts", ...over });
const problems = (previous: Parameters<typeof checkAddedDuringUpgrade>[0], n: ReturnType<typeof next>): string[] => {
  try {
    checkAddedDuringUpgrade(previous, n);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems;
  }
};

describe("checkAddedDuringUpgrade: no node joins newer than the servers (system-upgrade-controller)", () => {
  it("refuses a node added in the update that raises the version, naming it and the one-change-per-update fix", () => {
    expect(problems(PREVIOUS, next())).toEqual([
      expect.stringMatching(/^k3s-stacks:inventory\.hosts: adds 'a2' while k3s moves from v1\.35\.9\+k3s1 to v1\.36\.3\+k3s1 .*kubelet newer than the API servers.*\. Fix: change one thing per update: keep k3sVersion at v1\.35\.9\+k3s1 while adding 'a2'/),
    ]);
    expect(problems(PREVIOUS, next({ k3sVersion: "v1.35.10+k3s1" }))).toHaveLength(1);
  });

  it("accepts the same change with ssh upgrades (new nodes wait for the servers' roll there)", () => {
    expect(problems(PREVIOUS, next({ mode: "ssh" }))).toEqual([]);
  });

  it("accepts adding nodes without a version change, a version change without new nodes, and stacks without nodeIdentities", () => {
    expect(problems(PREVIOUS, next({ k3sVersion: "v1.35.9+k3s1" }))).toEqual([]);
    expect(problems(PREVIOUS, next({ nodes: ["s1", "a1"] }))).toEqual([]);
    expect(problems({ k3sVersion: "v1.35.9+k3s1" }, next())).toEqual([]);
    expect(problems({}, next())).toEqual([]);
  });
});
