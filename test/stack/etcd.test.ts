// Embedded etcd: three servers and two agents through stacks/main.ts under mocks.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("./support/recorder").recordingCommandModule());

import { parse } from "yaml";
import { isSecret, valueOf } from "../support/mocks";
import { loadReference, referenceProblems } from "../k3s/support/reference";
import { RenderedConfig, SENTINEL, StackRun, commandInputs, renderedConfigs, runStack } from "./support/harness";

const ref = loadReference();
const SERVER_ONLY = Object.keys(ref.server).filter((k) => !(k in ref.agent));

let run: StackRun;
let configs: Record<string, RenderedConfig>;

beforeAll(async () => {
  run = await runStack(
    {
      "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1", datastore: "etcd", disable: ["traefik"], tlsSans: ["k3s.home.arpa"] },
      "k3s-stacks:inventory": {
        user: "root",
        hosts: [
          { name: "pi-1", address: "192.168.1.11", internalAddress: "10.0.0.11", role: "server", arch: "arm64" },
          { name: "pi-2", address: "192.168.1.12", internalAddress: "10.0.0.12", role: "server", arch: "arm64" },
          { name: "pi-3", address: "192.168.1.13", internalAddress: "10.0.0.13", role: "server", arch: "arm64" },
          { name: "pi-zero", address: "192.168.1.20", role: "agent", arch: "armhf", labels: { tier: "edge" }, taints: ["edge=true:NoSchedule"] },
          { name: "nuc", address: "192.168.1.30", role: "agent", arch: "x64" },
        ],
      },
    },
    { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey },
  );
  configs = renderedConfigs(run.state);
});

test("every node gets a config.yaml", () => {
  expect(Object.keys(configs).sort()).toEqual(["nuc", "pi-1", "pi-2", "pi-3", "pi-zero"]);
});

test("the first server starts the cluster with cluster-init and joins nothing", () => {
  const c = configs["pi-1"].config;
  expect(c["cluster-init"]).toBe(true);
  expect(c).not.toHaveProperty("server");
  expect(c).not.toHaveProperty("datastore-endpoint");
  expect(c["node-ip"]).toEqual(["10.0.0.11"]);
  expect(c["tls-san"]).toEqual(["k3s.home.arpa"]);
  expect(c.disable).toEqual(["traefik"]);
  expect(c["token-file"]).toBe("/etc/rancher/k3s/token");
});

test.each(["pi-2", "pi-3"])("server %s joins the first server's internal address", (node) => {
  const c = configs[node].config;
  expect(c.server).toBe("https://10.0.0.11:6443");
  expect(c).not.toHaveProperty("cluster-init");
  expect(c["node-name"]).toBe(node);
});

test.each(["pi-zero", "nuc"])("agent %s joins the first server and gets no server-only key", (node) => {
  const c = configs[node].config;
  expect(c.server).toBe("https://10.0.0.11:6443");
  for (const key of Object.keys(c)) expect(SERVER_ONLY).not.toContain(key);
  expect(c).not.toHaveProperty("tls-san");
  expect(c).not.toHaveProperty("disable");
  expect(c).not.toHaveProperty("cluster-init");
});

test("labels and taints reach the agent's registration", () => {
  expect(configs["pi-zero"].config["node-label"]).toEqual(["tier=edge"]);
  expect(configs["pi-zero"].config["node-taint"]).toEqual(["edge=true:NoSchedule"]);
});

test("every key of every config.yaml is a k3s flag of the node's role, with the right type", () => {
  const roles: Record<string, "server" | "agent"> = { "pi-1": "server", "pi-2": "server", "pi-3": "server", "pi-zero": "agent", nuc: "agent" };
  for (const [node, { config }] of Object.entries(configs)) {
    expect({ node, problems: referenceProblems(ref, roles[node], config) }).toEqual({ node, problems: [] });
  }
});

test("config.yaml carries no secret with etcd, so its stdin may stay plain", () => {
  for (const c of Object.values(configs)) expect(c.stdinSecret).toBe(false);
});

test("the kubeconfig output is secret and points at the first tlsSans name", async () => {
  expect(await isSecret(run.outputs.kubeconfig as never)).toBe(true);
  const kc = parse(await valueOf(run.outputs.kubeconfig as never)) as { clusters: Array<{ name: string; cluster: { server: string } }>; "current-context": string };
  expect(kc.clusters[0].cluster.server).toBe("https://k3s.home.arpa:6443");
  expect(kc["current-context"]).toBe("k3s-test");
});

test("stack outputs describe the cluster", async () => {
  expect(await valueOf(run.outputs.serverNames as never)).toEqual(["pi-1", "pi-2", "pi-3"]);
  expect(await valueOf(run.outputs.datastore as never)).toBe("etcd");
  expect(await valueOf(run.outputs.snapshotCommand as never)).toMatch(/^scripts\/etcd-snapshot\.sh --host /);
  expect(await valueOf(run.outputs.restoreCommand as never)).toMatch(/^scripts\/etcd-restore\.sh --snapshot SNAPSHOT /);
  // What k3s fixes at creation, for the next update's refusals (day-two/fixed-settings.ts).
  const names = ["clusterCidr", "serviceCidr", "clusterDomain", "flannelBackend", "clusterDns", "secretsEncryption"];
  const fixed = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await valueOf(run.outputs[n] as never)])));
  expect(fixed).toMatchObject({ clusterCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", clusterDomain: "cluster.local", flannelBackend: "vxlan", clusterDns: "10.43.0.10", secretsEncryption: true });
  expect(await valueOf(run.outputs.apiEndpoint as never)).toBe("10.0.0.11");
});

test.each(["pi-1", "pi-2", "pi-zero"])("the membership step of %s fails when its Node shares an InternalIP with another (k3s/unique-node-ip.ts)", (node) => {
  const member = commandInputs(run.state, `k3s-${node}-member`);
  expect(member.stdin).toContain(`registered with InternalIP $ip, which node $other has too`);
});

test.each(["pi-1", "pi-2", "pi-zero"])("the membership step of %s fails when its Node reports another's machine ID or its clock is not the first server's (k3s/unique-machine-id.ts, k3s/clock-skew.ts)", (node) => {
  const member = String(commandInputs(run.state, `k3s-${node}-member`).stdin);
  expect(member).toContain(`reports machine ID $my_machine (/etc/machine-id), which node $other reports too`);
  expect(member).toContain(`kubectl get lease -n kube-node-lease '${node}' -o jsonpath='{.spec.renewTime}'`);
});
