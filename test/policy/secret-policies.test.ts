import { packScript } from "../../components/remote/packed-script";
import { noSecretsOnCommandLine, secretsStaySecret } from "../../policy/secret-policies";
import { UNKNOWN, runResourcePolicy, runStackPolicy } from "./helpers";

const CMD = "command:remote:Command";
const TOKEN = "s3cr3tTokenValue0123456789abcdef";

describe("no-secrets-on-command-line", () => {
  it("refuses tokens, datastore URLs and passwords on the command line", async () => {
    const r = await runResourcePolicy(noSecretsOnCommandLine, CMD, {
      create: "K3S_TOKEN=abc sh install.sh --datastore-endpoint postgres://k3s:pw@db:5432/k3s",
      update: "k3s server --token=abc",
    });
    expect(r.violations.join("\n")).toMatch(/K3S_TOKEN=<value>/);
    expect(r.violations.join("\n")).toMatch(/--datastore-endpoint <value>/);
    expect(r.violations.join("\n")).toMatch(/a URL with a password/);
    expect(r.violations.join("\n")).toMatch(/'update' passes --token <value>/);
  });
  it("refuses secret-named environment variables", async () => {
    const r = await runResourcePolicy(noSecretsOnCommandLine, CMD, { create: "bash -s", environment: { K3S_TOKEN: "x", LANG: "C" } });
    expect(r.violations).toEqual([expect.stringMatching(/environment\.K3S_TOKEN/)]);
  });
  it("accepts the core's fixed wrapper commands and unknown values", async () => {
    for (const create of ["bash -s -- create", "sudo -n bash -s -- create", "k3s-token-file=/etc/rancher/k3s/token", UNKNOWN]) {
      expect((await runResourcePolicy(noSecretsOnCommandLine, CMD, { create, update: "bash -s -- noop" })).violations).toEqual([]);
    }
  });
});

describe("secrets-stay-secret", () => {
  const token = { type: "random:index/randomPassword:RandomPassword", name: "cluster-token", props: { result: TOKEN } };
  const secretOpts = { additionalSecretOutputs: ["stdout", "stderr"] };
  it("passes the core's pattern: token on stdin, secret unlogged output", async () => {
    const r = await runStackPolicy(secretsStaySecret, [
      token,
      { type: CMD, name: "files", props: { create: "bash -s -- create", stdin: `printf %s '${TOKEN}' > /etc/rancher/k3s/token`, logging: "none" }, opts: secretOpts },
      { type: CMD, name: "kubeconfig", props: { create: "bash -s -- create", stdin: "cat /etc/rancher/k3s/k3s.yaml", logging: "none" }, opts: secretOpts },
      { type: CMD, name: "prep", props: { create: "bash -s -- create", stdin: "swapoff -a", logging: "stdoutAndStderr" } },
    ]);
    expect(r.violations).toEqual([]);
  });
  it("finds the token on a command line or in the environment", async () => {
    const r = await runStackPolicy(secretsStaySecret, [
      token,
      { type: CMD, name: "join", props: { create: `curl -sfL https://get.k3s.io | sh -s - --token ${TOKEN}` } },
      { type: CMD, name: "env", props: { create: "true", environment: { X: TOKEN } } },
    ]);
    expect(r.violations).toEqual([expect.stringMatching(/^join: 'create' contains the cluster token/), expect.stringMatching(/^env: 'environment' contains the cluster token/)]);
  });
  it("wants the kubeconfig reader's output secret and unlogged", async () => {
    const r = await runStackPolicy(secretsStaySecret, [{ type: CMD, name: "kubeconfig", props: { create: "bash -s", stdin: "cat /etc/rancher/k3s/k3s.yaml" } }]);
    expect(r.violations).toEqual([expect.stringMatching(/additionalSecretOutputs/), expect.stringMatching(/logging: stdoutAndStderr.*logging: 'none'/)]);
  });
  it("reads a packed script (the program's stdin) as the host runs it", async () => {
    const reader = `#!/usr/bin/env bash\n# read kubeconfig\n${"for _ in $(seq 1 60); do [ -s /etc/rancher/k3s/k3s.yaml ] && break; sleep 2; done\n".repeat(8)}cat /etc/rancher/k3s/k3s.yaml\n`;
    const stdin = packScript(reader);
    expect(stdin).not.toContain("cat /etc/rancher/k3s/k3s.yaml");
    const r = await runStackPolicy(secretsStaySecret, [{ type: CMD, name: "kubeconfig", props: { create: "bash -s -- create", stdin } }]);
    expect(r.violations).toEqual([expect.stringMatching(/additionalSecretOutputs/), expect.stringMatching(/logging: stdoutAndStderr.*logging: 'none'/)]);
  });
  it("skips values unknown during preview", async () => {
    const r = await runStackPolicy(secretsStaySecret, [
      { ...token, props: { result: UNKNOWN } },
      { type: CMD, name: "files", props: { create: "bash -s -- create", stdin: UNKNOWN } },
    ]);
    expect(r.violations).toEqual([]);
  });
});
