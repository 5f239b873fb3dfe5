// SystemUpgradePlans is a library component too: its arguments are checked with the rules of the
// stack keys they come from (k3s-stacks:cluster.k3sVersion, k3s-stacks:upgrade) before anything is
// registered, not even the component, and each problem names the argument with a fix.
import { refusalProblems } from "../library/support/refusal";
import * as k8s from "@pulumi/kubernetes";
import { installMocks, MockState, settle } from "../support/mocks";
import { SystemUpgradePlans, SystemUpgradePlansArgs } from "../../components/day-two/suc";
import { parseUpgradeConfig } from "../../components/day-two/config";
import { problemsOf as stackProblemsOf } from "../support/config";

let mocks: MockState;
let provider: k8s.Provider;
beforeAll(async () => {
  mocks = await installMocks();
  provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
  await settle();
});

const base = (): SystemUpgradePlansArgs => ({ provider, version: "v1.36.3+k3s1", agentConcurrency: 1, servers: 1, drain: true, drainTimeout: "5m" });

async function problemsOf(args: unknown): Promise<string[]> {
  const problems = await refusalProblems(mocks, () => new SystemUpgradePlans("bad", args as SystemUpgradePlansArgs));
  for (const p of problems) expect(p).toMatch(/^SystemUpgradePlans\.args[.:[].*Fix: /s);
  return problems;
}

test("a channel for version, a drain timeout in words and no agents per batch are refused, as the stack refuses them", async () => {
  expect(await problemsOf({ ...base(), version: "stable", drainTimeout: "five minutes", agentConcurrency: 0 })).toEqual([
    expect.stringMatching(/^SystemUpgradePlans\.args\.version: is not a k3s release tag\. Fix: pin a release/),
    expect.stringMatching(/^SystemUpgradePlans\.args\.agentConcurrency: must be at least 1\. Fix: /),
    expect.stringMatching(/^SystemUpgradePlans\.args\.drainTimeout: must be a duration in Go's syntax.*Fix: /),
  ]);
  // The stack's keys they come from refuse the same values.
  expect(stackProblemsOf(() => parseUpgradeConfig({ agentBatchSize: 0, drainTimeout: "five minutes" }))).toEqual([
    expect.stringMatching(/^k3s-stacks:upgrade\.agentBatchSize: must be at least 1\. Fix: /),
    expect.stringMatching(/^k3s-stacks:upgrade\.drainTimeout: must be a duration in Go's syntax.*Fix: /),
  ]);
});

test("a drain timeout without a unit, no servers, a misspelt argument and a bad pre-upgrade node are named", async () => {
  const node = { name: "S1", role: "server", arch: "amd64", connection: { host: "192.168.1.11:22" } };
  const problems = await problemsOf({ ...base(), drainTimeout: "300", servers: 0, upgradeImg: "x", preUpgrade: { node, script: "" } });
  expect(problems).toEqual(expect.arrayContaining([
    expect.stringMatching(/^SystemUpgradePlans\.args\.drainTimeout: is 300 without a unit.*Fix: add a unit/),
    expect.stringMatching(/^SystemUpgradePlans\.args\.servers: must be at least 1.*Fix: /),
    expect.stringMatching(/^SystemUpgradePlans\.args: unknown key\(s\) 'upgradeImg'\. Fix: correct the spelling \(did you mean 'upgradeImage'\?\)/),
    expect.stringMatching(/^SystemUpgradePlans\.args\.preUpgrade\.script: .*Fix: /),
    expect.stringMatching(/^SystemUpgradePlans\.args\.preUpgrade\.node\.name: must be a lowercase DNS name.*Fix: /),
    expect.stringMatching(/^SystemUpgradePlans\.args\.preUpgrade\.node\.connection\.host: '192\.168\.1\.11:22' carries a port\. Fix: /),
  ]));
  expect(problems).toHaveLength(6);
});

test("something other than a Kubernetes provider is refused", async () => {
  expect(await problemsOf({ ...base(), provider: { kubeconfig: "{}" } })).toEqual([
    expect.stringMatching(/^SystemUpgradePlans\.args\.provider: is not a Kubernetes provider\. Fix: /),
  ]);
});

test("good arguments still register the component", async () => {
  new SystemUpgradePlans("good", base());
  await settle();
  expect(mocks.byName("good")).toBeDefined();
});
