// External postgres: two servers (sudo with a password) and an agent through stacks/main.ts under mocks.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("./support/recorder").recordingCommandModule());

import { loadReference, referenceProblems } from "../k3s/support/reference";
import { RenderedConfig, SENTINEL, StackRun, renderedConfigs, runStack } from "./support/harness";

const ref = loadReference();

let run: StackRun;
let configs: Record<string, RenderedConfig>;

beforeAll(async () => {
  run = await runStack(
    {
      "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1", datastore: "postgres", apiEndpoint: "k3s.example.internal" },
      "k3s-stacks:inventory": {
        user: "admin",
        hosts: [
          { name: "cp-1", address: "10.1.0.11", role: "server", arch: "amd64" },
          { name: "cp-2", address: "10.1.0.12", role: "server", arch: "amd64" },
          { name: "worker-1", address: "10.1.0.21", role: "agent", arch: "amd64" },
        ],
      },
    },
    { "k3s-stacks:datastoreEndpoint": SENTINEL.datastore, "k3s-stacks:sshPrivateKey": SENTINEL.privateKey, "k3s-stacks:sudoPassword": SENTINEL.sudoPassword },
  );
  configs = renderedConfigs(run.state);
});

test.each(["cp-1", "cp-2"])("server %s points at the external datastore and joins nothing", (node) => {
  const c = configs[node].config;
  expect(c["datastore-endpoint"]).toBe(SENTINEL.datastore);
  expect(c).not.toHaveProperty("cluster-init");
  expect(c).not.toHaveProperty("server");
  expect(c["tls-san"]).toEqual(["k3s.example.internal"]);
});

test("the agent joins through the apiEndpoint and never sees the datastore", () => {
  const c = configs["worker-1"].config;
  expect(c.server).toBe("https://k3s.example.internal:6443");
  expect(c).not.toHaveProperty("datastore-endpoint");
});

test("config commands carrying the datastore URL have secret stdin", () => {
  for (const node of ["cp-1", "cp-2"]) expect(configs[node].stdinSecret).toBe(true);
});

test("every key of every config.yaml is a k3s flag of the node's role, with the right type", () => {
  expect(Object.keys(configs).sort()).toEqual(["cp-1", "cp-2", "worker-1"]);
  for (const [node, { config }] of Object.entries(configs)) {
    const role = node === "worker-1" ? "agent" : "server";
    expect({ node, problems: referenceProblems(ref, role, config) }).toEqual({ node, problems: [] });
  }
});

test("the sudo password wrapper is the command line on every node", () => {
  for (const r of run.state.byType("command:remote:Command")) {
    const create = r.inputs.create as string | undefined;
    if (create !== undefined) expect(create).toMatch(/^sudo -S -p '' bash -c /);
  }
});
