// The kubeconfig's server address: a wildcard SAN names no host, so the first tlsSans entry that is
// an address or name is used; behind a bastion with nothing set, what is applied from this machine
// through the API is refused before anything is registered.
import { parse } from "yaml";
import { configuredKubeconfigHost } from "../../components/k3s/kubeconfig";
import { parseClusterConfig } from "../../components/k3s/settings";
import { problem, problemsOf } from "../support/config";
import { valueOf } from "../support/mocks";
import { renderedConfigs, runStack } from "./support/harness";
import { inventoryStack } from "./bad-input-cases";
import { planOf } from "../plan/support-stack";

const V = "v1.36.3+k3s1";
const settings = (cluster: Record<string, unknown>) => parseClusterConfig({ k3sVersion: V, ...cluster });

test("a wildcard first tlsSans entry is skipped for the first name or IP", () => {
  expect(configuredKubeconfigHost(settings({ tlsSans: ["*.k3s.example.com", "k3s.example.com", "10.0.0.9"] }))).toBe("k3s.example.com");
  expect(configuredKubeconfigHost(settings({ tlsSans: ["*.k3s.example.com"] }))).toBeUndefined();
  expect(configuredKubeconfigHost(settings({ tlsSans: ["*.k3s.example.com", "k3s.lan"], apiEndpoint: "10.0.0.5" }))).toBe("10.0.0.5");
});

test("the exported kubeconfig names the first non-wildcard SAN; with only wildcards, the first server", async () => {
  const server = async (tlsSans: string[]) => {
    const run = await runStack(inventoryStack({ cluster: { tlsSans } }), { "k3s-stacks:sshPrivateKey": "KEY" });
    const doc = parse(await valueOf(run.outputs.kubeconfig as never) as string) as { clusters: Array<{ cluster: { server: string } }> };
    return doc.clusters[0].cluster.server;
  };
  expect(await server(["*.k3s.example.com", "k3s.example.com"])).toBe("https://k3s.example.com:6443");
  expect(await server(["*.k3s.example.com"])).toBe("https://192.168.1.11:6443");
});

describe("the first server behind a bastion", () => {
  const behind = (cluster: Record<string, unknown> = {}) => inventoryStack({ cluster, hosts: [
    { name: "jump", address: "203.0.113.10", role: "agent", arch: "amd64" },
    { name: "s1", address: "10.0.0.11", role: "server", arch: "amd64", bastion: "jump" },
  ] });
  const addons = { "k3s-stacks:addons": { storage: { type: "local-path" } } };

  test("with add-ons and no API address set, it is refused with the apiEndpoint/tunnel fix", () => {
    expect(problemsOf(() => planOf({ ...behind(), ...addons }))).toEqual([problem("k3s-stacks:cluster.apiEndpoint", "reached through the bastion 203.0.113.10", /set apiEndpoint .*ssh -L 6443:10\.0\.0\.11:6443 root@203\.0\.113\.10/)]);
  });

  test("system-upgrade-controller upgrades go through the API too", () => {
    expect(problemsOf(() => planOf({ ...behind(), "k3s-stacks:upgrade": { mode: "system-upgrade-controller" } }))).toEqual([problem("k3s-stacks:cluster.apiEndpoint", "bastion", "tunnel")]);
  });

  test.each([
    ["apiEndpoint", { apiEndpoint: "k3s.example.com" }],
    ["a tlsSans host (a tunnel)", { tlsSans: ["*.k3s.lan", "127.0.0.1"] }],
  ])("%s set: accepted", (_what, cluster) => {
    expect(planOf({ ...behind(cluster), ...addons }).nodes).toHaveLength(2);
  });

  test("without anything applied through the API (SSH upgrades, no add-ons) it is accepted", () => {
    expect(planOf(behind()).nodes).toHaveLength(2);
  });

  test("only wildcard SANs do not count as an API address", () => {
    expect(problemsOf(() => planOf({ ...behind({ tlsSans: ["*.k3s.lan"] }), ...addons }))).toHaveLength(1);
  });
});

describe("the hosts the joins and the kubeconfig name are in the servers' tls-san (k3s/api-sans.ts)", () => {
  const configsOf = async (stack: Record<string, unknown>) => renderedConfigs((await runStack(stack, { "k3s-stacks:sshPrivateKey": "KEY" })).state);

  test("a first server reached by a DNS name: every server has it in tls-san, agents get no tls-san", async () => {
    const configs = await configsOf(inventoryStack({ cluster: { datastore: "etcd" }, hosts: [
      { name: "pi-1", address: "pi-1.lan", role: "server", arch: "arm64" },
      { name: "pi-2", address: "pi-2.lan", role: "server", arch: "arm64" },
      { name: "pi-3", address: "pi-3.lan", role: "server", arch: "arm64" },
      { name: "pi-4", address: "pi-4.lan", role: "agent", arch: "arm64" },
    ] }));
    for (const s of ["pi-1", "pi-2", "pi-3"]) expect({ s, sans: configs[s].config["tls-san"] }).toEqual({ s, sans: ["pi-1.lan"] });
    expect(configs["pi-2"].config.server).toBe("https://pi-1.lan:6443");
    expect(configs["pi-4"].config).not.toHaveProperty("tls-san");
  });

  test("a first server whose node-ip and kubeconfig host are named already gets nothing more", async () => {
    const configs = await configsOf(inventoryStack({ cluster: { tlsSans: ["k3s.lan"] }, hosts: [
      { name: "s1", address: "192.168.1.11", internalAddress: "10.0.0.11", role: "server", arch: "amd64" },
    ] }));
    expect(configs.s1.config["tls-san"]).toEqual(["k3s.lan"]);
  });
});
