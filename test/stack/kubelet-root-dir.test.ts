// A kubelet-arg root-dir reaches Longhorn's CSI plugin: k3s runs the kubelet inside its own process,
// so Longhorn's driver deployer cannot read --root-dir and registered under /var/lib/kubelet.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("./support/recorder").recordingCommandModule());

import { valueOf } from "../support/mocks";
import { SENTINEL, StackRun, renderedConfigs, runStack } from "./support/harness";

let run: StackRun;

beforeAll(async () => {
  run = await runStack(
    {
      "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1", agentConfig: { "kubelet-arg": ["root-dir=/data/kubelet"] } },
      "k3s-stacks:addons": { storage: { type: "longhorn" } },
      "k3s-stacks:inventory": {
        user: "root",
        hosts: [
          { name: "s1", address: "192.168.1.11", role: "server", arch: "amd64" },
          { name: "a1", address: "192.168.1.21", role: "agent", arch: "arm64" },
        ],
      },
    },
    { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey },
  );
});

test("every kubelet gets the root-dir and the Longhorn release tells its CSI plugin", async () => {
  const configs = renderedConfigs(run.state);
  expect(configs["s1"].config["kubelet-arg"]).toEqual(["root-dir=/data/kubelet"]);
  expect(configs["a1"].config["kubelet-arg"]).toEqual(["root-dir=/data/kubelet"]);
  const release = run.state.byType("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.name === "longhorn")!;
  const values = (await valueOf(release.inputs.values as never)) as { csi: Record<string, unknown> };
  expect(values.csi.kubeletRootDir).toBe("/data/kubelet");
});
