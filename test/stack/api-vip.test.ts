// A managed API VIP (cluster.apiVip) through stacks/main.ts under mocks: kube-vip manifests on the
// servers, the VIP in tls-san from the first start, joins and the kubeconfig through the VIP.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("./support/recorder").recordingCommandModule());

import { parse } from "yaml";
import { valueOf } from "../support/mocks";
import { loadReference, referenceProblems } from "../k3s/support/reference";
import { RenderedConfig, SENTINEL, StackRun, commandInputs, heredocFor, renderedConfigs, runStack } from "./support/harness";
import { KUBE_VIP_DAEMONSET_FILE, KUBE_VIP_RBAC_FILE } from "../../components/addons/kube-vip";

const VIP = "192.168.1.250";
let run: StackRun;
let configs: Record<string, RenderedConfig>;

beforeAll(async () => {
  run = await runStack(
    {
      "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1", datastore: "etcd", tlsSans: ["k3s.home.arpa"], apiVip: { address: VIP, interface: "eth0" } },
      "k3s-stacks:inventory": {
        user: "root",
        hosts: [
          { name: "pi-1", address: "192.168.1.11", role: "server", arch: "arm64" },
          { name: "pi-2", address: "192.168.1.12", role: "server", arch: "arm64" },
          { name: "pi-3", address: "192.168.1.13", role: "server", arch: "arm64" },
          { name: "nuc", address: "192.168.1.30", role: "agent", arch: "x64" },
        ],
      },
    },
    { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey },
  );
  configs = renderedConfigs(run.state);
});

test.each(["pi-1", "pi-2", "pi-3"])("server %s has the VIP in tls-san from its first start", (node) => {
  expect(configs[node].config["tls-san"]).toEqual(["k3s.home.arpa", VIP]);
  expect(referenceProblems(loadReference(), "server", configs[node].config)).toEqual([]);
});

test.each(["pi-2", "pi-3", "nuc"])("%s joins through the VIP", (node) => {
  expect(configs[node].config.server).toBe(`https://${VIP}:6443`);
});

test("the kubeconfig and the apiEndpoint output use the VIP", async () => {
  const kc = parse(await valueOf(run.outputs.kubeconfig as never)) as { clusters: Array<{ cluster: { server: string } }> };
  expect(kc.clusters[0].cluster.server).toBe(`https://${VIP}:6443`);
  expect(await valueOf(run.outputs.apiEndpoint as never)).toBe(VIP);
});

test("kube-vip's RBAC and DaemonSet are written into every server's manifests directory, and on no agent", () => {
  for (const node of ["pi-1", "pi-2", "pi-3"]) {
    const stdin = commandInputs(run.state, `k3s-${node}-config`).stdin;
    const ds = parse(heredocFor(stdin, KUBE_VIP_DAEMONSET_FILE)) as { kind: string; spec: { template: { spec: { containers: Array<{ env: Array<{ name: string; value: string }> }> } } } };
    expect(ds.kind).toBe("DaemonSet");
    expect(ds.spec.template.spec.containers[0].env).toContainEqual({ name: "address", value: VIP });
    expect(heredocFor(stdin, KUBE_VIP_RBAC_FILE)).toContain("kind: ClusterRoleBinding");
  }
  const agent = commandInputs(run.state, "k3s-nuc-config").stdin;
  expect(agent).not.toContain(KUBE_VIP_DAEMONSET_FILE);
  expect(agent).not.toContain(KUBE_VIP_RBAC_FILE);
});
