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

test("with etcd the server plan gates each server on etcd's quorum; with sqlite it has no gate", async () => {
  const serverPlan = async (datastore: string) => {
    const { state } = await runStack(
      {
        "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1", datastore },
        "k3s-stacks:upgrade": { mode: "system-upgrade-controller" },
        "k3s-stacks:inventory": { user: "root", hosts: [{ name: "s1", address: "192.168.1.11", role: "server", arch: "amd64" }] },
      },
      { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey },
    );
    const plan = state.byType("kubernetes:upgrade.cattle.io/v1:Plan").find((p) => (p.inputs.metadata as { name: string }).name === "server-plan")!;
    return plan.inputs.spec as { prepare?: { command: string[] } };
  };
  expect((await serverPlan("etcd")).prepare?.command.slice(0, 4)).toEqual(["chroot", "/host", "bash", "-c"]);
  expect((await serverPlan("sqlite")).prepare).toBeUndefined();
});
