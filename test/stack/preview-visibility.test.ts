// Without secret inputs, a node's config.yaml must stay readable in `pulumi preview --diff`: only
// commands that carry a secret (token, sudo password, datastore URL) may hide their stdin.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("./support/recorder").recordingCommandModule());

import { SENTINEL, StackRun, arrivedSecret, runStack } from "./support/harness";

let run: StackRun;

beforeAll(async () => {
  run = await runStack(
    {
      "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1", datastore: "etcd" },
      "k3s-stacks:inventory": {
        hosts: [
          { name: "s1", address: "10.2.0.1", role: "server", arch: "arm64" },
          { name: "s2", address: "10.2.0.2", role: "server", arch: "arm64" },
          { name: "s3", address: "10.2.0.3", role: "server", arch: "arm64" },
          { name: "a1", address: "10.2.0.4", role: "agent", arch: "armhf", labels: { tier: "edge" } },
        ],
      },
    },
    { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey },
  );
});

test("config (with host preparation) is plain; install (it writes the token) and kubeconfig are secret", () => {
  const stdinSecret = (name: string) => arrivedSecret(run.state.byName(name).inputs.stdin);
  for (const node of ["s1", "s2", "s3", "a1"]) {
    expect({ node, config: stdinSecret(`k3s-${node}-config`), install: stdinSecret(`k3s-${node}-install`) })
      .toEqual({ node, config: false, install: true });
    // The install never prints the token (test/k3s/scripts-shell.test.ts), so its log still streams.
    expect(run.state.byName(`k3s-${node}-install`).inputs.logging).toBe("stdoutAndStderr");
  }
  expect(stdinSecret("k3s-kubeconfig")).toBe(true);
});
