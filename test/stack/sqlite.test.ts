// sqlite: one server and two agents through stacks/main.ts under mocks.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("./support/recorder").recordingCommandModule());

import { parse } from "yaml";
import { isSecret, valueOf } from "../support/mocks";
import { loadReference, referenceProblems } from "../k3s/support/reference";
import { RenderedConfig, SENTINEL, StackRun, renderedConfigs, runStack } from "./support/harness";

const ref = loadReference();

let run: StackRun;
let configs: Record<string, RenderedConfig>;

beforeAll(async () => {
  run = await runStack(
    {
      "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1", serverConfig: { "kube-apiserver-arg": ["audit-log-maxage=7"] }, agentConfig: { "kubelet-arg": ["max-pods=50"], "disable-apiserver-lb": true } },
      "k3s-stacks:inventory": {
        hosts: [
          { name: "box", address: "192.168.2.10", role: "server", arch: "amd64" },
          { name: "pi-a", address: "192.168.2.21", role: "agent", arch: "arm64", labels: { "example.com/zone": "attic" } },
          { name: "pi-b", address: "192.168.2.22", role: "agent", arch: "arm64" },
        ],
      },
    },
    { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey },
  );
  configs = renderedConfigs(run.state);
});

test("the single server starts plainly: no cluster-init, no server, no datastore-endpoint", () => {
  const c = configs.box.config;
  expect(c).not.toHaveProperty("cluster-init");
  expect(c).not.toHaveProperty("server");
  expect(c).not.toHaveProperty("datastore-endpoint");
  expect(c["node-name"]).toBe("box");
  expect(c["kube-apiserver-arg"]).toEqual(["audit-log-maxage=7"]);
  expect(c["kubelet-arg"]).toEqual(["max-pods=50"]);
  // agent-only flag from agentConfig stays off the server
  expect(c).not.toHaveProperty("disable-apiserver-lb");
});

test.each(["pi-a", "pi-b"])("agent %s joins the server's address with agent keys only", (node) => {
  const c = configs[node].config;
  expect(c.server).toBe("https://192.168.2.10:6443");
  expect(c["kubelet-arg"]).toEqual(["max-pods=50"]);
  expect(c["disable-apiserver-lb"]).toBe(true);
  expect(c).not.toHaveProperty("kube-apiserver-arg");
  expect(c).not.toHaveProperty("cluster-cidr");
  expect(c).not.toHaveProperty("secrets-encryption");
});

test("every key of every config.yaml is a k3s flag of the node's role, with the right type", () => {
  expect(Object.keys(configs).sort()).toEqual(["box", "pi-a", "pi-b"]);
  for (const [node, { config }] of Object.entries(configs)) {
    const role = node === "box" ? "server" : "agent";
    expect({ node, problems: referenceProblems(ref, role, config) }).toEqual({ node, problems: [] });
  }
});

test("the kubeconfig output is secret and points at the server's address", async () => {
  expect(await isSecret(run.outputs.kubeconfig as never)).toBe(true);
  const kc = parse(await valueOf(run.outputs.kubeconfig as never)) as { clusters: Array<{ cluster: { server: string } }> };
  expect(kc.clusters[0].cluster.server).toBe("https://192.168.2.10:6443");
});

// docs/day-two.md: sqlite and postgres clusters have no etcd snapshots, so no etcd script is offered.
test("no snapshot or restore command is exported: they run k3s etcd-snapshot, which sqlite has not", () => {
  expect(run.outputs).not.toHaveProperty("snapshotCommand");
  expect(run.outputs).not.toHaveProperty("restoreCommand");
  expect(run.outputs.snapshotsEnabled).toBe(false);
});
