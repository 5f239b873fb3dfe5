// A local stack's config is checked with the rest before anything is created: one node source only,
// no airgap (staging needs SSH), and sqlite's single-server rule.
import { MockState, installMocks } from "../support/mocks";
import { refusedProblems } from "./support/harness";
import { problem } from "../support/config";

const cluster = { k3sVersion: "v1.36.3+k3s1", datastore: "sqlite" };

let state: MockState;
beforeEach(async () => {
  state = await installMocks();
});

const mainProblems = (config: Record<string, unknown>) => refusedProblems(state, config);

test("local and an inventory together are refused, naming both", async () => {
  const inventory = { hosts: [{ name: "pi-1", address: "192.168.1.11", role: "server", arch: "arm64" }] };
  expect(await mainProblems({ "k3s-stacks:cluster": cluster, "k3s-stacks:inventory": inventory, "k3s-stacks:local": {} })).toEqual([
    problem("k3s-stacks:inventory and k3s-stacks:local", "are all set", "keep one"),
  ]);
});

test("airgap with a local stack is refused with the fix, alongside a bad local key", async () => {
  expect(await mainProblems({ "k3s-stacks:cluster": cluster, "k3s-stacks:local": { name: "Laptop" }, "k3s-stacks:airgap": { bundleDir: "./bundle" } })).toEqual(expect.arrayContaining([
    problem("k3s-stacks:airgap", "is not supported with k3s-stacks:local", "remove it"),
    problem("k3s-stacks:local.name", "must be a lowercase DNS name", "use only a-z"),
  ]));
});
