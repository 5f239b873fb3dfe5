// Taints that leave k3s's packaged Deployments (CoreDNS, metrics-server, local-path-provisioner,
// Traefik) no node: they tolerate only CriticalAddonsOnly and control-plane/master NoSchedule
// (k3s manifests/coredns.yaml), so with every node tainted otherwise they stay Pending while every
// node is Ready, and no pod resolves a Service name.
import { planStack } from "../../components/plan/plan-stack";
import { systemPodTaintProblems } from "../../components/k3s/system-pod-taints";
import { problem, problemsOf } from "../support/config";
import { cloudStack, inventoryStack } from "../stack/bad-input-cases";

const values = (config: Record<string, unknown>) => Object.fromEntries(Object.entries(config).map(([k, v]) => [k.replace(/^k3s-stacks:/, ""), JSON.stringify(v)]));
const plan = (config: Record<string, unknown>) => planStack({ values: values(config), secretKeys: new Set(), baseDir: "." }, undefined);
const hosts = (taints: string[][]) => taints.map((t, i) => ({ name: `n${i}`, address: `192.168.1.${11 + i}`, role: i === 0 ? "server" : "agent", arch: "amd64", taints: t }));
const nodes = (taints: string[][]) => taints.map((t, i) => ({ name: `n${i}`, taints: t }));
const KEY = "k3s-stacks:inventory.hosts";

test("every host tainted NoSchedule: refused, naming each node's taint, the pods left Pending and the fixes", () => {
  expect(problemsOf(() => plan(inventoryStack({ hosts: hosts([["dedicated=infra:NoSchedule"], ["gpu=true:NoExecute", "x=y:PreferNoSchedule"]]) })))).toEqual([
    problem(KEY, /n0: dedicated=infra:NoSchedule, n1: gpu=true:NoExecute.*CoreDNS.*stay Pending/, /leave at least one node without such a taint.*CriticalAddonsOnly=true:NoExecute.*cluster\.disable \(coredns, metrics-server, local-storage, traefik\)/),
  ]);
});

test("cloud pools are held to it too", () => {
  const tainted = ["dedicated=ci:NoSchedule"];
  expect(problemsOf(() => plan(cloudStack({ pools: [{ name: "server", role: "server", count: 1, type: "cx23", taints: tainted }, { name: "agent", role: "agent", count: 2, type: "cx23", taints: tainted }] })))).toEqual([
    problem("k3s-stacks:cloud.pools", "server-0: dedicated=ci:NoSchedule, agent-0: dedicated=ci:NoSchedule, agent-1", "leave at least one node"),
  ]);
});

test("the control-plane taint is tolerated with NoSchedule only", () => {
  expect(systemPodTaintProblems(nodes([["node-role.kubernetes.io/control-plane:NoSchedule"]]), [], KEY)).toEqual([]);
  expect(systemPodTaintProblems(nodes([["node-role.kubernetes.io/master=true:NoSchedule"]]), [], KEY)).toEqual([]);
  expect(systemPodTaintProblems(nodes([["node-role.kubernetes.io/control-plane=true:NoExecute"]]), [], KEY)).toEqual([problem(KEY, "control-plane=true:NoExecute", "leave at least one node")]);
});

test.each([
  ["one node untainted", [["dedicated=infra:NoSchedule"], []], []],
  ["servers CriticalAddonsOnly (any effect), agents tainted", [["CriticalAddonsOnly=true:NoExecute"], ["dedicated=infra:NoSchedule"]], []],
  ["PreferNoSchedule only", [["dedicated=infra:PreferNoSchedule"]], []],
  ["all four packaged Deployments disabled", [["dedicated=infra:NoSchedule"]], ["coredns", "metrics-server", "local-storage", "traefik"]],
])("accepted: %s", (_what, taints, disable) => {
  expect(systemPodTaintProblems(nodes(taints), disable, KEY)).toEqual([]);
});

test("only the Deployments still deployed are named", () => {
  const [p] = systemPodTaintProblems(nodes([["a=b:NoSchedule"]]), ["traefik", "metrics-server", "local-storage"], KEY);
  expect(p).toMatch(/so CoreDNS \(no pod could resolve a Service name\) stay Pending/);
  expect(p).toMatch(/cluster\.disable \(coredns\)/);
});

// A storage layer that becomes the default class disables local-storage itself (addons/k3s-contribution.ts):
// the check counts what the layers switch off, as the servers' config.yaml will.
test("a component a layer switches off counts as off: Longhorn as the default class disables local-storage", () => {
  const tainted = hosts([["x=y:NoSchedule"], ["x=y:NoSchedule"]]);
  const config = (disable: string[]) => ({
    ...inventoryStack({ cluster: { k3sVersion: "v1.36.3+k3s1", datastore: "sqlite", disable }, hosts: tainted }),
    "k3s-stacks:addons": { storage: { type: "longhorn", nodes: ["n0"] } },
  });
  expect(() => plan(config(["traefik", "coredns", "metrics-server"]))).not.toThrow();
  // Still refused while one runs, naming only those still deployed.
  expect(problemsOf(() => plan(config(["traefik", "metrics-server"])))).toEqual([problem(KEY, /so CoreDNS \(no pod could resolve a Service name\) stay Pending/, /cluster\.disable \(coredns\)/)]);
});
