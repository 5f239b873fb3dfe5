// A stack whose last kubeconfig holds a client certificate with 30 days left, under mocks: every node's
// restart step renews its certificates once (k3s renews them only as it starts: docs.k3s.io
// "Certificate Management"), the plan says so, the kubeconfig is read again after the first server's
// roll, and the renewal is exported so the next update keeps the steps as they are.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("./support/recorder").recordingCommandModule());

import * as pulumi from "@pulumi/pulumi";
import { MockState, installMocks, valueOf } from "../support/mocks";
import { setStackConfig } from "../support/stack";
import { commandInputs, drain, mockOutputs } from "./support/harness";
import { kubeconfigExpiringIn } from "./support/client-certificate";

const VERSION = "v1.36.3+k3s1";
const host = (name: string, role: string, i: number) => ({ name, role, arch: "amd64", address: `192.168.1.${i}` });
const NODES = ["s1", "s2", "s3", "a1"];

async function evaluate(days: number): Promise<{ state: MockState; outputs: Record<string, unknown>; expiry: string }> {
  const kubeconfig = kubeconfigExpiringIn(days);
  const previous = { k3sVersion: VERSION, serverNames: ["s1", "s2", "s3"], datastore: "etcd", kubeconfig, restartKeys: { s1: "k1", s2: "k2", s3: "k3", a1: "k4" }, nodeIdentities: { s1: "server/amd64", s2: "server/amd64", s3: "server/amd64", a1: "agent/amd64" } };
  const state = await installMocks({ outputs: (type, name) => (type === "pulumi:pulumi:StackReference" ? { outputs: previous } : mockOutputs(type, name)) });
  setStackConfig({
    "k3s-stacks:cluster": { k3sVersion: VERSION, datastore: "etcd" },
    "k3s-stacks:inventory": { user: "root", reachabilityTimeout: 0, hosts: [host("s1", "server", 11), host("s2", "server", 12), host("s3", "server", 13), host("a1", "agent", 21)] },
  });
  const { main } = await import("../../stacks/main");
  const outputs = await main();
  await drain();
  return { state, outputs, expiry: new Date(Date.now() + days * 24 * 3600 * 1000).toISOString().slice(0, 10) };
}

test("30 days left: every node rotates once in the roll, the plan names it, the renewal is exported", async () => {
  const { state, outputs, expiry } = await evaluate(30);
  for (const n of NODES) {
    const stdin = commandInputs(state, `k3s-${n}-restart`).stdin;
    expect(stdin).toMatch(/certificates renewed before \d{4}-\d{2}-\d{2}/);
    expect(stdin).toContain("k3s certificate rotate");
  }
  const renewal = await valueOf(outputs.certificateRenewal as pulumi.Output<string>);
  expect(renewal).toBe(expiry);
  const plan = await valueOf(outputs.plannedRestarts as pulumi.Output<string[]>);
  expect(plan[0]).toBe(`1. s1: certificates renewed (they expire ${expiry})`);
  expect(plan).toHaveLength(4);
  expect(commandInputs(state, "k3s-kubeconfig").stdin).toMatch(/read kubeconfig \(written at the restart [0-9a-f]{16}\)/);
});

test("300 days left: nothing renews, no restart step changes", async () => {
  const { state, outputs } = await evaluate(300);
  for (const n of NODES) expect(commandInputs(state, `k3s-${n}-restart`).stdin).not.toContain("certificate");
  expect(outputs.certificateRenewal).toBeUndefined();
});
