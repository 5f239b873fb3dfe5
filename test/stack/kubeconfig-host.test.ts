// The kubeconfig's server address: a wildcard SAN names no host, so the first tlsSans entry that is
// an address or name is used; behind a bastion with nothing set, what is applied from this machine
// through the API is refused before anything is registered.
import { parse } from "yaml";
import { configuredKubeconfigHost } from "../../components/k3s/kubeconfig";
import { parseClusterConfig } from "../../components/k3s/settings";
import { problem, problemsOf } from "../support/config";
import { installMocks, valueOf } from "../support/mocks";
import { setStackConfig } from "../support/stack";
import { SENTINEL, drain, mockOutputs, renderedConfigs, runStack } from "./support/harness";
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
    const run = await runStack(inventoryStack({ cluster: { tlsSans } }), { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey });
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
  const configsOf = async (stack: Record<string, unknown>) => renderedConfigs((await runStack(stack, { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey })).state);

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

  describe("a first server reached by its IP, node-ip left to k3s", () => {
    const stack = inventoryStack({ cluster: { datastore: "etcd" }, hosts: [
      { name: "s1", address: "192.168.1.11", role: "server", arch: "amd64" },
      { name: "s2", address: "192.168.1.12", role: "server", arch: "amd64" },
      { name: "s3", address: "192.168.1.13", role: "server", arch: "amd64" },
      { name: "a1", address: "192.168.1.21", role: "agent", arch: "amd64" },
    ] });
    /** The stack run with `previous` as its last update's outputs. */
    const configsAfter = async (previous: Record<string, unknown>) => {
      const state = await installMocks({ outputs: (type, name) => (type === "pulumi:pulumi:StackReference" ? { outputs: previous } : mockOutputs(type, name)) });
      setStackConfig(stack, { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey });
      const { main } = await import("../../stacks/main");
      await main();
      await drain();
      return renderedConfigs(state);
    };
    const reached = (host: string) => ({ k3sVersion: V, serverNames: ["s1", "s2", "s3"], nodeAddresses: { s1: { host, port: 22, user: "root" } } });

    test("a new cluster lists it in every server's tls-san (k3s may pick another interface's address), and keeps it on the next update", async () => {
      const configs = await configsAfter({});
      for (const s of ["s1", "s2", "s3"]) expect({ s, sans: configs[s].config["tls-san"] }).toEqual({ s, sans: ["192.168.1.11"] });
      // The next update reads back what this one decided: the configuration stays as it is.
      const next = await configsAfter({ ...reached("192.168.1.11"), knownApiHosts: [] });
      expect(next.s1.config["tls-san"]).toEqual(["192.168.1.11"]);
    });

    test("a cluster made before API hosts were added keeps its config: no tls-san, so no server restarts for it, on this update and the next", async () => {
      const configs = await configsAfter(reached("192.168.1.11"));
      for (const s of ["s1", "s2", "s3"]) expect(configs[s].config).not.toHaveProperty("tls-san");
      expect((await configsAfter({ ...reached("192.168.1.11"), knownApiHosts: ["192.168.1.11"] })).s1.config).not.toHaveProperty("tls-san");
      // Reached at another address before (the address changed): the new one is listed.
      expect((await configsAfter(reached("192.168.1.99"))).s1.config["tls-san"]).toEqual(["192.168.1.11"]);
    });

    test("the stack exports what it left out, for the next update", async () => {
      const state = await installMocks({ outputs: (type, name) => (type === "pulumi:pulumi:StackReference" ? { outputs: reached("192.168.1.11") } : mockOutputs(type, name)) });
      setStackConfig(stack, { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey });
      const { main } = await import("../../stacks/main");
      const outputs = await main();
      await drain();
      expect(state.resources.length).toBeGreaterThan(0);
      expect(await valueOf(outputs.knownApiHosts as never)).toEqual(["192.168.1.11"]);
    });
  });

  test("a first server whose node-ip and kubeconfig host are named already gets nothing more", async () => {
    const configs = await configsOf(inventoryStack({ cluster: { tlsSans: ["k3s.lan"] }, hosts: [
      { name: "s1", address: "192.168.1.11", internalAddress: "10.0.0.11", role: "server", arch: "amd64" },
    ] }));
    expect(configs.s1.config["tls-san"]).toEqual(["k3s.lan"]);
  });
});
