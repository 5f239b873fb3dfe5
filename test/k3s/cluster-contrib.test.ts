// Config contributions from other layers reach config.yaml per role, and bad ones are refused up front.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("../stack/support/recorder").recordingCommandModule());

import { unpackScript } from "../../components/remote/packed-script";
import * as pulumi from "@pulumi/pulumi";
import { MockState, installMocks, isSecret, valueOf } from "../support/mocks";
import { configYamlOf, drain, mockOutputs } from "../stack/support/harness";
import { command, recorded } from "../stack/support/recorder";
import { K3sCluster } from "../../components/cluster/k3s-cluster";
import { ConfigError } from "../../components/rules/errors";
import { ConfigContribution } from "../../components/k3s/types";
import { NodeSpec } from "../../components/nodes/types";
import { loadReference, referenceProblems } from "./support/reference";
import { addonK3sContribution } from "../../components/addons/k3s-contribution";
import { parseAddonsConfig } from "../../components/addons/config";

const ref = loadReference();
const node = (name: string, role: "server" | "agent"): NodeSpec => ({ name, role, arch: "arm64", connection: { host: `${name}.lan` }, labels: {}, taints: [], allowReboot: false, fixCgroups: false });
const build = (name: string, contributions: ConfigContribution[], user: { serverConfig?: Record<string, unknown>; agentConfig?: Record<string, unknown> } = {}) =>
  new K3sCluster(name, { version: "v1.36.3+k3s1", datastore: "etcd", nodes: [node(`${name}s`, "server"), node(`${name}a`, "agent")], contributions, ...user });
const stdin = (name: string) => command(name).args.stdin as pulumi.Input<string>;

let mocks: MockState;

beforeAll(async () => {
  mocks = await installMocks({ outputs: (type, n) => mockOutputs(type, n) });
  build("ok", [
    { server: { "etcd-snapshot-schedule-cron": pulumi.output("0 */6 * * *") }, all: { "kubelet-arg": ["max-pods=150"] }, disable: ["servicelb"] },
    { server: { "etcd-s3": true, "etcd-s3-secret-key": pulumi.secret("S3-SECRET") }, secret: true },
  ]);
  // Two layers and the user each add to one list.
  build("lists", [{ all: { "kubelet-arg": ["max-pods=150"] } }, { all: { "kubelet-arg": pulumi.output(["image-gc-high-threshold=90"]) } }], { agentConfig: { "kubelet-arg": ["system-reserved=memory=256Mi"] } });
  // MetalLB and monitoring, as the stack program contributes them.
  build("ports", [addonK3sContribution(parseAddonsConfig({ loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["192.168.1.224/28"] }] }, monitoring: { enabled: true } }), "etcd")]);
  await drain();
});

test("contributed keys reach servers and agents per role, valid against the reference", async () => {
  const server = configYamlOf(unpackScript(await valueOf(stdin("ok-oks-config"))));
  const agent = configYamlOf(unpackScript(await valueOf(stdin("ok-oka-config"))));
  expect(server).toMatchObject({ "etcd-snapshot-schedule-cron": "0 */6 * * *", "kubelet-arg": ["max-pods=150"], disable: ["servicelb"], "etcd-s3": true, "etcd-s3-secret-key": "S3-SECRET" });
  expect(agent["kubelet-arg"]).toEqual(["max-pods=150"]);
  expect(agent).not.toHaveProperty("etcd-s3");
  expect(referenceProblems(ref, "server", server)).toEqual([]);
  expect(referenceProblems(ref, "agent", agent)).toEqual([]);
});

test("a secret contribution makes every node's config stdin secret", async () => {
  expect(await isSecret(stdin("ok-oks-config"))).toBe(true);
  expect(await isSecret(stdin("ok-oka-config"))).toBe(true);
});

test("bad contributions are refused with every problem, each naming its argument, before anything is registered", () => {
  const before = recorded.length;
  const resources = mocks.resources.length;
  let error: unknown;
  try {
    build("bad", [
      { server: { "etcd-snapshot-retention": "many", "no-such-flag": 1, "kube-apiserver-arg": pulumi.output(["a=b"]), "typo-flag": pulumi.output("x") }, all: { "tls-san": ["x"], "disable-apiserver-lb": true }, disable: ["nginx"] },
    ]);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).problems).toEqual([
    expect.stringMatching(/^K3sCluster\.args\.contributions\[0\]\.disable\[0\]: 'nginx' is not one of the allowed values\. Fix: use one of .*"servicelb"/),
  ]);
  let flags: unknown;
  try {
    build("bad", [{ server: { "etcd-snapshot-retention": "many", "no-such-flag": 1, "kube-apiserver-arg": pulumi.output(["a=b"]), "typo-flag": pulumi.output("x") }, all: { "tls-san": ["x"], "disable-apiserver-lb": true } }]);
  } catch (e) {
    flags = e;
  }
  expect((flags as ConfigError).problems).toEqual([
    expect.stringMatching(/^K3sCluster\.args\.contributions\[0\]\.server: 'etcd-snapshot-retention' must be a whole number.*Fix: /),
    expect.stringMatching(/^K3sCluster\.args\.contributions\[0\]\.server: 'no-such-flag' is not a k3s server flag\. Fix: /),
    expect.stringMatching(/^K3sCluster\.args\.contributions\[0\]\.server: 'typo-flag' is not a k3s server flag\. Fix: /),
    expect.stringMatching(/^K3sCluster\.args\.contributions\[0\]\.all: 'tls-san' is not a k3s agent flag \(it is a server-only flag\)\. Fix: /),
    expect.stringMatching(/^K3sCluster\.args\.contributions\[0\]\.all: 'disable-apiserver-lb' is not a k3s server flag\. Fix: /),
  ]);
  expect(recorded.length).toBe(before);
  expect(mocks.resources.length).toBe(resources);
});

test("contributions add to each other's lists and to the user's, on servers and agents", async () => {
  for (const name of ["lists-listss-config", "lists-listsa-config"]) {
    const c = configYamlOf(unpackScript(await valueOf(stdin(name))));
    expect(c["kubelet-arg"]).toEqual(["system-reserved=memory=256Mi", "max-pods=150", "image-gc-high-threshold=90"]);
  }
});

test("a contribution contradicting serverConfig/agentConfig is refused, naming both, before anything is registered", () => {
  const resources = mocks.resources.length;
  let error: unknown;
  try {
    build("clash", [{ server: { "kube-scheduler-arg": ["bind-address=0.0.0.0"], "embedded-registry": true }, all: { "kube-proxy-arg": ["metrics-bind-address=0.0.0.0:10249"] } }], {
      serverConfig: { "kube-scheduler-arg": ["bind-address=127.0.0.1"], "embedded-registry": false },
      agentConfig: { "kube-proxy-arg": ["proxy-mode=ipvs", "metrics-bind-address=127.0.0.1:10249"] },
    });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).problems).toEqual([
    expect.stringMatching(/^K3sCluster\.args\.serverConfig\.kube-scheduler-arg\[0\]: 'bind-address=127\.0\.0\.1' passes --bind-address with another value than K3sCluster\.args\.contributions\[0\] passes \('bind-address=0\.0\.0\.0'\).*Fix: remove it here, or change the contribution\.$/),
    expect.stringMatching(/^K3sCluster\.args\.serverConfig\.embedded-registry: is false, but K3sCluster\.args\.contributions\[0\] sets it to true\. Fix: /),
    expect.stringMatching(/^K3sCluster\.args\.agentConfig\.kube-proxy-arg\[1\]: 'metrics-bind-address=127\.0\.0\.1:10249' passes --metrics-bind-address/),
  ]);
  expect(mocks.resources.length).toBe(resources);
});

test("the ports a layer needs between nodes are opened by each node's host preparation, per role, and never reach config.yaml", async () => {
  const script = async (name: string) => unpackScript(await valueOf(stdin(name)));
  const server = await script("ports-portss-config");
  const agent = await script("ports-portsa-config");
  // MetalLB's memberlist, kube-proxy's and the node exporter's metrics on every node; the control plane's and etcd's on servers.
  for (const p of ["7946/tcp", "7946/udp", "10249/tcp", "9100/tcp"]) {
    expect(server).toContain(`firewall-cmd --permanent --add-port=${p}`);
    expect(agent).toContain(`firewall-cmd --permanent --add-port=${p}`);
  }
  for (const p of ["10257/tcp", "10259/tcp", "2381/tcp"]) {
    expect(server).toContain(`firewall-cmd --permanent --add-port=${p}`);
    expect(agent).not.toContain(`--add-port=${p}`);
  }
  expect(Object.keys(configYamlOf(server))).not.toContain("ports");
  // Without the layers, none of them.
  expect(await script("ok-oks-config")).not.toMatch(/7946|9100|10257/);
});

test("a contribution's port that is no port/protocol is refused, naming it, before anything is registered", () => {
  const resources = mocks.resources.length;
  let error: unknown;
  try {
    build("badport", [{ ports: { all: ["7946"], server: ["70000/tcp"] } }]);
  } catch (e) {
    error = e;
  }
  expect((error as ConfigError).problems).toEqual([
    expect.stringMatching(/^K3sCluster\.args\.contributions\[0\]\.ports\.server\[0\]: must be a port or range with its protocol, such as 7946\/udp.*Fix: /),
    expect.stringMatching(/^K3sCluster\.args\.contributions\[0\]\.ports\.all\[0\]: must be a port or range with its protocol/),
  ]);
  expect(mocks.resources.length).toBe(resources);
});
