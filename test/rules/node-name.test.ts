import { nodeNameSchema } from "../../components/rules/node-name";
import { parseClusterConfig } from "../../components/k3s/settings";
import { problem, problemsOf } from "../support/config";
import { NODE_NAME_MAX, nodeNameProblem, poolNodeName, poolNodeNamesProblem } from "../../components/rules/node-name";
import { cloudSchema } from "../../components/nodes/cloud/config";

describe("node names: a DNS-1123 subdomain that fits the kubernetes.io/hostname label value (63)", () => {
  test.each(["pi-1", "a".repeat(63), "node.lan", `${"a".repeat(31)}.${"b".repeat(31)}`])("%s is accepted", (name) => {
    expect(nodeNameProblem(name)).toBeUndefined();
  });

  test.each([["a".repeat(64), "64 characters"], [`${"a".repeat(32)}.${"b".repeat(31)}`, "64 characters"], ["Pi-1", "a-z"], ["pi_1", "a-z"], ["-pi", "a-z"]])("%s is refused (%s)", (name, why) => {
    expect(nodeNameProblem(name)).toContain(why);
  });

  test("the limit is the label value's, 63", () => expect(NODE_NAME_MAX).toBe(63));

  test("a pool's longest generated name is checked, not just the pool name", () => {
    expect(poolNodeName("workers", 9)).toBe("workers-9");
    expect(poolNodeNamesProblem("w".repeat(61), 10)).toBeUndefined(); // w…-9: 63
    expect(poolNodeNamesProblem("w".repeat(61), 11)).toMatch(/w{61}-10 is 64 characters.*Fix: shorten the pool name to at most 60 characters/);
  });

  test("a pool name in capitals or with '_' gets the name meant once, not also a 'shorten it' fix for its node names", () => {
    expect(poolNodeNamesProblem("Control", 3)).toBeUndefined();
    const base = { provider: "hetzner", hetzner: { location: "nbg1" }, adminCidrs: ["203.0.113.7/32"], network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/24"] } };
    for (const [name, meant] of [["Control", "control"], ["gpu_workers", "gpu-workers"], ["1st", undefined]] as const) {
      const issues = cloudSchema.safeParse({ ...base, pools: [{ name, role: "server", count: 3, type: "cx23" }] }).error?.issues ?? [];
      expect(issues.map((i) => i.message)).toEqual([expect.stringMatching(meant ? new RegExp(`Fix: write '${meant}'$`) : /Fix: use a-z, 0-9 and '-', such as workers$/)]);
    }
  });

  test("the cloud pool rules (name ≤ 32, count ≤ 100) keep every generated name within the limit", () => {
    expect(poolNodeNamesProblem("p".repeat(32), 100)).toBeUndefined();
    const pool = { name: "p".repeat(32), role: "server", count: 100, type: "cx23" };
    const parsed = cloudSchema.safeParse({ provider: "hetzner", hetzner: { location: "nbg1" }, adminCidrs: ["203.0.113.7/32"], network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/24"] }, pools: [pool] });
    expect(parsed.success).toBe(true);
  });
});

describe("near-misses get the name meant (k3s-io/k3s issues: hostnames with capitals or '_' as node names)", () => {
  test.each([["Pi-1", "pi-1"], ["pi_1", "pi-1"], ["Worker_Node 2", "worker-node-2"], ["pi-1.", "pi-1"], ["-pi", "pi"]])("%s → %s", (name, near) => {
    const parsed = nodeNameSchema.safeParse(name);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0].message).toMatch(new RegExp(`Fix: write '${near}' \\(`));
  });

  test("no near-miss: the generic fix", () => {
    expect(nodeNameSchema.safeParse("ß!").error?.issues[0].message).toMatch(/Fix: use only a-z, 0-9, '-' and '\.' \(at most 63 characters\), such as pi-1$/);
  });

  test("the cluster domain too: a trailing dot, capitals", () => {
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: "v1.36.3+k3s1", clusterDomain: "Cluster.Local." }))).toEqual([problem("k3s-stacks:cluster.clusterDomain", "a-z", "write 'cluster.local'")]);
  });
});
