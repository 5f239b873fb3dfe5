// Secrets (join token, SSH key, sudo password, datastore URL, admin kubeconfig) stay secret end to end.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("./support/recorder").recordingCommandModule());

import { unpackScript } from "../../components/remote/packed-script";
import * as pulumi from "@pulumi/pulumi";
import { isSecret, valueOf } from "../support/mocks";
import { SENTINEL, StackRun, arrivedSecret, leaks, marksIn, marksInsideSecrets, runStack, unwrap } from "./support/harness";
import { recorded } from "./support/recorder";

let run: StackRun;

beforeAll(async () => {
  run = await runStack(
    {
      "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1", datastore: "postgres" },
      "k3s-stacks:inventory": {
        user: "ops",
        hosts: [
          { name: "cp-1", address: "10.2.0.11", role: "server", arch: "amd64" },
          { name: "cp-2", address: "10.2.0.12", role: "server", arch: "amd64", bastion: "cp-1" },
          { name: "w-1", address: "10.2.0.21", role: "agent", arch: "arm64", user: "root", bastion: { address: "203.0.113.5", user: "jump" } },
        ],
      },
    },
    { "k3s-stacks:datastoreEndpoint": SENTINEL.datastore, "k3s-stacks:sshPrivateKey": SENTINEL.privateKey, "k3s-stacks:sudoPassword": SENTINEL.sudoPassword },
  );
});

test("no secret appears outside a secret in any registered resource input", () => {
  expect(run.state.resources.length).toBeGreaterThan(20);
  expect(leaks(run.state)).toEqual([]);
});

test("every secret does reach the nodes, inside secret inputs", () => {
  expect([...marksInsideSecrets(run.state)].sort()).toEqual(["DB-SENTINEL", "KEY-SENTINEL", "SUDO-SENTINEL", "TOKEN-SENTINEL"]);
});

test("no command line (create/update/delete) carries a secret", () => {
  const lines = run.state.byType("command:remote:Command").flatMap((r) => [r.inputs.create, r.inputs.update, r.inputs.delete]);
  expect(lines.filter((l) => l !== undefined).length).toBeGreaterThan(30);
  for (const line of lines) {
    if (line === undefined) continue;
    expect(typeof line).toBe("string");
    expect(marksIn(line as string)).toEqual([]);
  }
});

test("commands whose stdin carries a secret have secret stdin and secret stdout/stderr", async () => {
  const withoutSecrets: string[] = [];
  for (const c of recorded) {
    const stdin = unpackScript(await valueOf(c.args.stdin as pulumi.Input<string>));
    if (marksIn(stdin).length === 0) {
      withoutSecrets.push(c.name);
      continue;
    }
    expect({ name: c.name, secret: await isSecret(c.args.stdin as pulumi.Input<string>) }).toEqual({ name: c.name, secret: true });
    expect(c.opts.additionalSecretOutputs).toEqual(expect.arrayContaining(["stdout", "stderr"]));
  }
  // Only w-1 logs in as root (no sudo password); its install still carries the token.
  expect(withoutSecrets.sort()).toEqual(["k3s-w-1-config", "k3s-w-1-restart"]);
});

test("config commands (they carry the datastore URL here) keep their logs off", () => {
  const configs = recorded.filter((r) => /-config$/.test(r.name));
  expect(configs.length).toBeGreaterThan(0);
  for (const c of configs) expect({ name: c.name, logging: c.args.logging }).toEqual({ name: c.name, logging: "none" });
});

test("the private key is a secret in every connection, bastions included", () => {
  for (const r of run.state.byType("command:remote:Command")) {
    // The SDK lifts a nested secret to the whole connection object.
    expect({ name: r.name, secret: arrivedSecret(r.inputs.connection) }).toEqual({ name: r.name, secret: true });
  }
  const proxied = run.state.byType("command:remote:Command").filter((r) => (unwrap(r.inputs.connection) as { proxy?: { privateKey: string } }).proxy);
  expect(proxied.length).toBeGreaterThan(0);
  for (const r of proxied) expect((unwrap(r.inputs.connection) as { proxy: { privateKey: string } }).proxy.privateKey).toBe(SENTINEL.privateKey);
});

test("the kubeconfig stack output is secret; no plain stack output holds a secret", async () => {
  expect(await isSecret(run.outputs.kubeconfig as never)).toBe(true);
  expect(await valueOf(run.outputs.kubeconfig as never)).toContain(SENTINEL.kubeconfigKey);
  for (const [key, value] of Object.entries(run.outputs)) {
    if (await isSecret(value as never)) continue;
    const plain = JSON.stringify(await valueOf(value as never));
    expect({ key, marks: marksIn(plain) }).toEqual({ key, marks: [] });
  }
});
