// A dual-stack inventory stack whose hosts give both of their addresses, through stacks/main.ts under
// mocks: every node's config.yaml carries its node-ip pair (primary family first), the others join
// the first server's primary address, the API endpoint is it, and monitoring scrapes primaries.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("./support/recorder").recordingCommandModule());

import { valueOf } from "../support/mocks";
import { loadReference, referenceProblems } from "../k3s/support/reference";
import { RenderedConfig, SENTINEL, StackRun, renderedConfigs, runStack, unwrap } from "./support/harness";

const ref = loadReference();
let run: StackRun;
let configs: Record<string, RenderedConfig>;

beforeAll(async () => {
  run = await runStack(
    {
      "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1", datastore: "etcd", clusterCidr: "10.42.0.0/16,fd00:42::/56", serviceCidr: "10.43.0.0/16,fd00:43::/112" },
      "k3s-stacks:inventory": {
        user: "root",
        hosts: [
          { name: "s1", address: "192.168.1.11", internalAddress: "10.0.10.11,2001:db8:10::11", externalAddress: "203.0.113.11,2001:db8:1::11", role: "server", arch: "amd64" },
          { name: "s2", address: "192.168.1.12", internalAddress: ["10.0.10.12", "2001:db8:10::12"], role: "server", arch: "amd64" },
          { name: "s3", address: "192.168.1.13", internalAddress: "10.0.10.13,2001:db8:10::13", role: "server", arch: "amd64" },
          { name: "a1", address: "192.168.1.21", internalAddress: "10.0.10.21,2001:db8:10::21", role: "agent", arch: "arm64" },
          { name: "a2", address: "192.168.1.22", role: "agent", arch: "arm64" },
        ],
      },
      "k3s-stacks:addons": { monitoring: { enabled: true } },
    },
    { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey },
  );
  configs = renderedConfigs(run.state);
});

test("each node's config.yaml lists its node-ips in the order given; a host without one leaves them to k3s", () => {
  expect(configs.s1.config["node-ip"]).toEqual(["10.0.10.11", "2001:db8:10::11"]);
  expect(configs.s1.config["node-external-ip"]).toEqual(["203.0.113.11", "2001:db8:1::11"]);
  expect(configs.s2.config["node-ip"]).toEqual(["10.0.10.12", "2001:db8:10::12"]);
  expect(configs.a1.config["node-ip"]).toEqual(["10.0.10.21", "2001:db8:10::21"]);
  expect(configs.a2.config).not.toHaveProperty("node-ip");
  for (const [name, c] of Object.entries(configs)) expect(referenceProblems(ref, name.startsWith("s") ? "server" : "agent", c.config)).toEqual([]);
});

test("the others join the first server's primary node-ip", () => {
  for (const name of ["s2", "s3", "a1", "a2"]) expect(configs[name].config.server).toBe("https://10.0.10.11:6443");
  expect(configs.s1.config["cluster-cidr"]).toEqual(["10.42.0.0/16,fd00:42::/56"]);
});

test("the API endpoint output is the first server's primary address", async () => {
  expect(await valueOf(run.outputs.apiEndpoint as never)).toBe("10.0.10.11");
});

test("monitoring scrapes the control plane and kube-proxy at each node's primary address", () => {
  const release = run.state.resources.find((r) => r.name.endsWith("kube-prometheus-stack"));
  expect(release).toBeDefined();
  const values = unwrap(release!.inputs.values) as { kubeControllerManager: { endpoints: string[] }; kubeProxy: { endpoints: string[] } };
  expect(values.kubeControllerManager.endpoints).toEqual(["10.0.10.11", "10.0.10.12", "10.0.10.13"]);
  expect(values.kubeProxy.endpoints).toEqual(["10.0.10.11", "10.0.10.12", "10.0.10.13", "10.0.10.21", "192.168.1.22"]);
});
