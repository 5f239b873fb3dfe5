// plannedRestarts across upgrade modes: the restart keys leave the version out with the
// system-upgrade-controller, so a mode switch alone changed every key and the plan listed a restart of
// every node that never happened; and a version move the controller makes restarts every node, which the
// plan did not say.
import * as pulumi from "@pulumi/pulumi";
import { valueOf } from "../support/mocks";
import { SENTINEL, upAfter } from "./support/harness";

const OLD = "v1.35.9+k3s1";
const NEW = "v1.36.3+k3s1";
const hosts = [
  { name: "s1", role: "server", arch: "amd64", address: "192.168.1.11" },
  { name: "a1", role: "agent", arch: "amd64", address: "192.168.1.21" },
];

async function run(previous: Record<string, unknown>, version: string, mode: string): Promise<{ planned: string[]; outputs: Record<string, unknown> }> {
  jest.resetModules();
  const r = await upAfter(previous, {
    "k3s-stacks:cluster": { k3sVersion: version },
    "k3s-stacks:inventory": { user: "root", reachabilityTimeout: 0, hosts },
    "k3s-stacks:upgrade": { mode, agentBatchSize: 2 },
  }, { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey });
  expect(r.error).toBeUndefined();
  const outputs = r.outputs!;
  const planned = await valueOf(outputs.plannedRestarts as pulumi.Output<string[]>);
  const last = {
    k3sVersion: version,
    serverNames: ["s1"],
    datastore: "sqlite",
    nodeIdentities: { s1: "server/amd64", a1: "agent/amd64" },
    restartKeys: await valueOf(outputs.restartKeys as pulumi.Output<Record<string, string>>),
  };
  return { planned, outputs: last };
}

test("switching the upgrade mode alone restarts nothing, either way", async () => {
  const ssh = await run({}, OLD, "ssh");
  const suc = await run(ssh.outputs, OLD, "system-upgrade-controller");
  expect(suc.planned).toEqual([]);
  expect((await run(suc.outputs, OLD, "ssh")).planned).toEqual([]);
});

test("a version move names every node's restart: through the controller, and over SSH after a switch", async () => {
  const suc = await run({}, OLD, "system-upgrade-controller");
  expect((await run(suc.outputs, NEW, "system-upgrade-controller")).planned).toEqual([
    `system-upgrade-controller, after this run: k3s ${OLD} → ${NEW} on every node (each restarts), servers one at a time, then agents 2 at a time`,
  ]);
  expect((await run(suc.outputs, NEW, "ssh")).planned).toEqual([`1. s1: k3s ${OLD} → ${NEW}`, `2. a1: k3s ${OLD} → ${NEW}`]);
});
