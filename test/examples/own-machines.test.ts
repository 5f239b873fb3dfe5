// examples/own-machines, a program of its own using the library entry, evaluated under mocks: what it
// registers (its servers, k3s on each in join order, monitoring) and that its kubeconfig stays secret.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("../stack/support/recorder").recordingCommandModule());

import { unpackScript } from "../../components/remote/packed-script";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, isSecret, MockState, valueOf } from "../support/mocks";
import { arrivedSecret, drain, mockOutputs, unwrap } from "../stack/support/harness";
import { command, dependsOnNames } from "../stack/support/recorder";
import { RETIRED_HETZNER_TYPES } from "../../components/nodes/hetzner/server-types";

const SERVERS = ["cp-1", "cp-2", "cp-3"];
const AGENTS = ["worker-1", "worker-2"];
const publicIp = (name: string) => `203.0.113.${[...SERVERS, ...AGENTS].indexOf(name) + 10}`;

let state: MockState;
let program: typeof import("../../examples/own-machines");

beforeAll(async () => {
  state = await installMocks({
    project: "own-machines",
    stack: "dev",
    outputs: (type, name) => {
      if (type === "hcloud:index/server:Server") return { ipv4Address: publicIp(name) };
      if (type === "tls:index/privateKey:PrivateKey") return { privateKeyOpenssh: "KEY-SENTINEL", publicKeyOpenssh: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample" };
      return mockOutputs(type, name);
    },
  });
  program = await import("../../examples/own-machines");
  await valueOf(program.kubeconfig);
  await drain();
});

test("it creates its own machines: three servers and two agents on a private network", () => {
  expect(state.byType("hcloud:index/server:Server").map((r) => r.name)).toEqual([...SERVERS, ...AGENTS]);
  expect(state.byType("hcloud:index/network:Network")).toHaveLength(1);
  // The default type must be one Hetzner still sells: the API refuses a retired one.
  const types = state.byType("hcloud:index/server:Server").map((r) => r.inputs.serverType as string);
  for (const type of types) expect(RETIRED_HETZNER_TYPES[type]).toBeUndefined();
});

test("K3sCluster installs k3s on each machine, over SSH to the server's address Output", () => {
  expect(state.byType("k3s:cluster:K3sCluster").map((r) => r.name)).toEqual(["k3s"]);
  for (const name of [...SERVERS, ...AGENTS]) {
    const install = state.byName(`k3s-${name}-install`);
    expect((unwrap(install.inputs.connection) as { host: string }).host).toBe(publicIp(name));
  }
});

test("servers join one after another; agents join once every server is installed", () => {
  expect(dependsOnNames(command("k3s-cp-2-install"))).toContain("k3s-cp-1-install");
  expect(dependsOnNames(command("k3s-cp-3-install"))).toContain("k3s-cp-2-install");
  for (const agent of AGENTS) {
    expect(dependsOnNames(command(`k3s-${agent}-install`))).toEqual(expect.arrayContaining(SERVERS.map((s) => `k3s-${s}-install`)));
  }
});

test("the addons' k3s keys reach the servers' config.yaml (etcd metrics for monitoring)", async () => {
  const stdin = unpackScript(await valueOf(command("k3s-cp-1-config").args.stdin as pulumi.Input<string>));
  expect(stdin).toContain("etcd-expose-metrics: true");
  expect(stdin).toContain("cluster-init: true");
});

test("the kubeconfig output is a secret pointing at the first server", async () => {
  expect(await isSecret(program.kubeconfig)).toBe(true);
  expect(await valueOf(program.kubeconfig)).toContain(`https://${publicIp("cp-1")}:6443`);
  expect(await valueOf(program.nodeNames)).toEqual([...SERVERS, ...AGENTS]);
});

test("ClusterAddons installs monitoring with a generated Grafana password", async () => {
  expect(state.byType("k3s:addons:ClusterAddons").map((r) => r.name)).toEqual(["addons"]);
  expect(state.byType("kubernetes:helm.sh/v3:Release").map((r) => r.name)).toEqual(["addons-kube-prometheus-stack"]);
  expect(state.byType("kubernetes:core/v1:Secret").map((r) => r.name)).toEqual(["addons-grafana-admin"]);
  expect(await isSecret(program.grafanaAdminPassword)).toBe(true);
});

test("the SSH key reaches every connection as a secret, even from an Output the mocks do not mark secret", () => {
  for (const name of [...SERVERS, ...AGENTS]) {
    const connection = state.byName(`k3s-${name}-install`).inputs.connection;
    expect(arrivedSecret(connection)).toBe(true);
    expect((unwrap(connection) as { privateKey: string }).privateKey).toBe("KEY-SENTINEL");
  }
});
