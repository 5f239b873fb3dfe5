// The stack outputs the next update's checks read back wait for every node's last step (day-two/settled.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("./support/recorder").recordingCommandModule());

import * as pulumi from "@pulumi/pulumi";
import { isSecret, valueOf } from "../support/mocks";
import { SENTINEL, StackRun, runStack } from "./support/harness";
import { FIXED_SETTING_OUTPUTS } from "../../components/day-two/fixed-settings";

/** Read back by readPreviousState (day-two/previous.ts), storageClass aside (no addons here). */
const CHECKED = ["k3sVersion", "serverNames", "datastore", "nodeIdentities", "restartKeys", "nodeAddresses", "etcdNodeIps", ...FIXED_SETTING_OUTPUTS];
const NODES = ["s1", "s2", "s3", "ag1"];

let run: StackRun;

beforeAll(async () => {
  run = await runStack(
    {
      "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1", datastore: "etcd" },
      "k3s-stacks:inventory": {
        hosts: [
          ...["s1", "s2", "s3"].map((name, i) => ({ name, address: `192.168.2.${10 + i}`, role: "server", arch: "amd64" })),
          { name: "ag1", address: "192.168.2.21", role: "agent", arch: "arm64" },
          { name: "old", address: "192.168.2.30", role: "agent", arch: "arm64", gone: true },
        ],
      },
    },
    { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey },
  );
});

/** Names of the resources an Output waits for (the SDK tracks them at run time without typing it). */
async function waitsFor(o: unknown): Promise<string[]> {
  const all = await (o as { allResources(): Promise<Set<pulumi.Resource>> }).allResources();
  return Promise.all([...all].map((r) => valueOf(r.urn).then((urn) => urn.split("::").pop() as string)));
}

test.each(CHECKED)("output %s waits for every node's membership and last rollout step, and the gone host's removal", async (name) => {
  const deps = await waitsFor(run.outputs[name]);
  for (const node of NODES) {
    expect(deps).toContain(`k3s-${node}-member`);
    expect(deps).toContain(`k3s-${node}-uncordon`);
  }
  expect(deps.some((d) => d.startsWith("k3s-old-"))).toBe(true);
});

test("the values and their secretness are unchanged", async () => {
  expect(await valueOf(run.outputs.k3sVersion)).toBe("v1.36.3+k3s1");
  expect(await valueOf(run.outputs.serverNames)).toEqual(["s1", "s2", "s3"]);
  expect(await valueOf(run.outputs.datastore)).toBe("etcd");
  expect(await valueOf(run.outputs.clusterCidr)).toBe("10.42.0.0/16");
  expect(await valueOf(run.outputs.secretsEncryption)).toBe(true);
  expect(Object.keys(await valueOf(run.outputs.nodeAddresses) as object).sort()).toEqual([...NODES].sort());
  expect(await isSecret(run.outputs.k3sVersion)).toBe(false);
  expect(await isSecret(run.outputs.kubeconfig)).toBe(true);
});
