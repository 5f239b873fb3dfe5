// Messages printed while the program runs (on nodes, in the log, or when Outputs resolve) name the
// settings the way their user wrote them: ClusterAddons.args.config / K3sCluster.args.gone for a
// library program, k3s-stacks:addons / k3s-stacks:inventory for the stack program, which passes its
// keys as configRoot / goneRoot. The stack's scripts stay byte-identical.
import * as pulumi from "@pulumi/pulumi";
import { installMocks, MockState } from "../support/mocks";
import { commandInputs, drain, mockOutputs } from "../stack/support/harness";
import { ClusterAddons } from "../../components/addons/cluster-addons";
import { K3sCluster } from "../../components/cluster/k3s-cluster";
import { parseAddonsConfig } from "../../components/addons/config";
import { renderLonghornPrereqScript } from "../../components/addons/longhorn-prereq";
import { monitoringValues } from "../../components/addons/values/monitoring";
import { STACK_WORDS } from "./support/words";

const node = { name: "s1", role: "server" as const, arch: "arm64" as const, connection: { host: "192.168.1.10" } };
const args = { kubeconfig: pulumi.secret("apiVersion: v1"), nodes: [node], serverAddresses: ["192.168.1.10"], config: { storage: { type: "longhorn" as const, prepareNodes: false }, monitoring: { enabled: true } } };
const STACK_OPTOUT = `optout="or set k3s-stacks:addons.storage.prepareNodes: true to let k3s-stacks do it"`;

let state: MockState;
const info = jest.spyOn(pulumi.log, "info");
beforeAll(async () => {
  state = await installMocks({ outputs: (type, name) => mockOutputs(type, name) });
  new ClusterAddons("lib", args);
  new ClusterAddons("stack", { ...args, configRoot: "addons" });
  new K3sCluster("k3s", { version: "v1.36.3+k3s1", nodes: [node], gone: [{ ...node, name: "old", role: "agent", connection: { host: "192.168.1.12" } }] });
  await drain();
});

test("a gone node's kept records are dropped by removing it from K3sCluster's gone argument", () => {
  const messages = info.mock.calls.map(([m]) => m).filter((m) => m.includes("is marked gone"));
  expect(messages).toEqual([expect.stringContaining("delete old from K3sCluster.args.gone and run pulumi up to drop them")]);
  for (const m of messages) expect(m).not.toMatch(STACK_WORDS);
});

test("a Longhorn node check that fails tells a library program which argument opts in to preparing nodes", () => {
  const script = commandInputs(state, "lib-longhorn-prereq-s1").stdin;
  expect(script).toContain(`optout="or set ClusterAddons.args.config.storage.prepareNodes: true to let k3s-stacks do it"`);
  expect(script).not.toMatch(STACK_WORDS);
});

test("the stack program's node check keeps its stack key, in the same script the stack always rendered", () => {
  const script = commandInputs(state, "stack-longhorn-prereq-s1").stdin;
  expect(script).toContain(STACK_OPTOUT);
  expect(script).toBe(renderLonghornPrereqScript({ nodeName: "s1", mode: "check" }));
});

test("monitoring refuses a node address that is not an IP, naming the settings by their root", () => {
  const inputs = { cfg: parseAddonsConfig({ monitoring: { enabled: true } }).monitoring, datastore: "sqlite" as const, storageClass: "local-path", servers: [{ name: "s1", address: "s1.lan" }], nodes: [], arches: [] };
  expect(() => monitoringValues({ ...inputs, configRoot: { arg: "ClusterAddons.args.config" } })).toThrow(/^ClusterAddons\.args\.config\.monitoring: controller-manager, scheduler and etcd metrics on node 's1' .*Fix: /);
  expect(() => monitoringValues(inputs)).toThrow(/^k3s-stacks:addons\.monitoring: controller-manager/);
});

test("a host port check names the layer by the library argument, or the stack key for the stack program", () => {
  const lib = commandInputs(state, "lib-kube-prometheus-stack-host-ports-s1").stdin;
  expect(lib).toContain("'ClusterAddons.args.config.monitoring.enabled'");
  expect(lib).not.toContain("k3s-stacks:addons");
  expect(commandInputs(state, "stack-kube-prometheus-stack-host-ports-s1").stdin).toContain("'k3s-stacks:addons.monitoring.enabled'");
});
