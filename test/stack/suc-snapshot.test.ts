// upgrade.mode system-upgrade-controller with etcd: the stack takes the pre-upgrade snapshot
// (preUpgradeSnapshot defaults to true with etcd) before the Plans move, as the ssh rollout does.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("./support/recorder").recordingCommandModule());

import { SENTINEL, runStack } from "./support/harness";
import { recorded } from "./support/recorder";

test("the first server's pre-upgrade snapshot step is registered in system-upgrade-controller mode, not the ssh one", async () => {
  await runStack(
    {
      "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1", datastore: "etcd" },
      "k3s-stacks:upgrade": { mode: "system-upgrade-controller" },
      "k3s-stacks:inventory": { user: "root", hosts: [{ name: "s1", address: "192.168.1.11", role: "server", arch: "amd64" }, { name: "a1", address: "192.168.1.21", role: "agent", arch: "amd64" }] },
    },
    { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey },
  );
  const steps = recorded.filter((c) => c.name.endsWith("-pre-upgrade"));
  expect(steps.map((c) => c.name)).toEqual(["upgrade-pre-upgrade"]);
  expect(JSON.stringify(steps[0].args.connection)).toContain("192.168.1.11");
});
