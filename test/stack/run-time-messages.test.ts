// The stack program tells ClusterAddons and K3sCluster where its settings came from, so the messages
// printed at run time name the stack keys (test/library/run-time-messages.test.ts has the library side).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("./support/recorder").recordingCommandModule());

import * as pulumi from "@pulumi/pulumi";
import { SENTINEL, StackRun, commandInputs, runStack } from "./support/harness";

let run: StackRun;
const info = jest.spyOn(pulumi.log, "info");

beforeAll(async () => {
  run = await runStack(
    {
      "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1" },
      "k3s-stacks:inventory": {
        user: "root",
        hosts: [{ name: "pi-1", address: "192.168.1.11", role: "server", arch: "arm64" }, { name: "old", address: "192.168.1.12", role: "agent", arch: "arm64", gone: true }],
      },
      "k3s-stacks:addons": { storage: { type: "longhorn", replicas: 1, prepareNodes: false } },
    },
    { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey },
  );
});

test("a failing Longhorn node check names the stack key that opts in to preparing nodes", () => {
  const script = commandInputs(run.state, "addons-longhorn-prereq-pi-1").stdin;
  expect(script).toContain(`optout="or set k3s-stacks:addons.storage.prepareNodes: true to let k3s-stacks do it"`);
  expect(script).not.toContain("ClusterAddons.args");
});

test("a gone host's kept records are dropped by deleting it from the stack's inventory", () => {
  const messages = info.mock.calls.map(([m]) => m);
  expect(messages).toContainEqual(expect.stringContaining("delete old from k3s-stacks:inventory and run pulumi up to drop them"));
});
