// Monitoring's k3s keys join the user's own lists: turning monitoring on once replaced
// serverConfig's kube-controller-manager-arg and agentConfig's kube-proxy-arg (proxy-mode=ipvs) on every node.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("./support/recorder").recordingCommandModule());

import { loadReference, referenceProblems } from "../k3s/support/reference";
import { RenderedConfig, SENTINEL, renderedConfigs, runStack } from "./support/harness";

const ref = loadReference();
let configs: Record<string, RenderedConfig>;

beforeAll(async () => {
  const run = await runStack(
    {
      "k3s-stacks:cluster": {
        k3sVersion: "v1.36.3+k3s1",
        datastore: "etcd",
        serverConfig: { "kube-controller-manager-arg": ["terminated-pod-gc-threshold=100"], "etcd-expose-metrics": true },
        agentConfig: { "kube-proxy-arg": ["proxy-mode=ipvs"], "kubelet-arg": ["max-pods=150"] },
      },
      "k3s-stacks:addons": { monitoring: { enabled: true } },
      "k3s-stacks:inventory": {
        user: "root",
        hosts: [
          { name: "pi-1", address: "192.168.1.11", role: "server", arch: "arm64" },
          { name: "nuc", address: "192.168.1.30", role: "agent", arch: "amd64" },
        ],
      },
    },
    { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey },
  );
  configs = renderedConfigs(run.state);
});

test("a server keeps the user's controller-manager and kube-proxy arguments next to monitoring's", () => {
  const c = configs["pi-1"].config;
  expect(c["kube-controller-manager-arg"]).toEqual(["terminated-pod-gc-threshold=100", "bind-address=0.0.0.0"]);
  expect(c["kube-scheduler-arg"]).toEqual(["bind-address=0.0.0.0"]);
  expect(c["kube-proxy-arg"]).toEqual(["proxy-mode=ipvs", "metrics-bind-address=0.0.0.0:10249"]);
  expect(c["kubelet-arg"]).toEqual(["max-pods=150"]);
  expect(c["etcd-expose-metrics"]).toBe(true);
  expect(referenceProblems(ref, "server", c)).toEqual([]);
});

test("an agent keeps proxy-mode=ipvs next to monitoring's metrics address", () => {
  const c = configs["nuc"].config;
  expect(c["kube-proxy-arg"]).toEqual(["proxy-mode=ipvs", "metrics-bind-address=0.0.0.0:10249"]);
  expect(c["kubelet-arg"]).toEqual(["max-pods=150"]);
  expect(referenceProblems(ref, "agent", c)).toEqual([]);
});
