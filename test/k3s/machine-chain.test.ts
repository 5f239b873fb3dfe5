// A node whose machine a program creates (NodeSpec.machine, a cloud VM's ID): the root of its k3s chain,
// the leave step, takes its trigger from that machine, so that the VM's delete-before-replace replaces
// the chain first (replace-chain.ts machineTrigger); the trigger's value stays the install identity.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("../stack/support/recorder").recordingCommandModule());

import * as pulumi from "@pulumi/pulumi";
import { installMocks } from "../support/mocks";
import { drain, mockOutputs } from "../stack/support/harness";
import { RecordedCommand, command } from "../stack/support/recorder";
import { K3sCluster } from "../../components/cluster/k3s-cluster";
import { NodeSpec } from "../../components/nodes/types";

/** A stand-in for a cloud VM: its ID is what a cloud node hands over as its machine. */
class Vm extends pulumi.CustomResource {
  constructor(name: string) {
    super("test:cloud:Vm", name, {});
  }
}
const vms = new Map<string, pulumi.CustomResource>();

function node(name: string, role: "server" | "agent", i: number, vm?: pulumi.CustomResource): NodeSpec {
  return { name, role, arch: "amd64", connection: { host: `10.9.0.${i}`, user: "root" }, labels: {}, taints: [], allowReboot: true, fixCgroups: false, ...(vm ? { machine: vm.id, dependsOn: [vm] } : {}) };
}

beforeAll(async () => {
  await installMocks({ outputs: (type, name) => mockOutputs(type, name) });
  for (const n of ["s1", "s2", "s3", "a1"]) vms.set(n, new Vm(`vm-${n}`));
  new K3sCluster("k3s", {
    version: "v1.36.3+k3s1",
    datastore: "etcd",
    // s3 is a machine the user lists: no machine of its own.
    nodes: [node("s1", "server", 1, vms.get("s1")), node("s2", "server", 2, vms.get("s2")), node("s3", "server", 3), node("a1", "agent", 11, vms.get("a1"))],
    rollout: { agentBatchSize: 1, drain: true, drainTimeout: "5m" },
  });
  await drain();
});

const leave = (n: string) => command(`k3s-${n}-leave`);
/** The resources the step's trigger is computed from (the engine's property dependencies), and its value. */
async function trigger(c: RecordedCommand): Promise<{ from: pulumi.Resource[]; value: unknown }> {
  const t = (c.args.triggers as unknown[])[0];
  if (!pulumi.Output.isInstance(t)) return { from: [], value: t };
  const from = [...await (t as unknown as { allResources(): Promise<Set<pulumi.Resource>> }).allResources()];
  const value = await new Promise((resolve) => (t as pulumi.Output<unknown>).apply((v) => { resolve(v); return v; }));
  return { from, value };
}

test.each(["s2", "a1"])("%s: the leave step's trigger is computed from its VM and keeps the value role/arch", async (n) => {
  expect(await trigger(leave(n))).toEqual({ from: [vms.get(n)], value: `${n === "a1" ? "agent" : "server"}/amd64` });
});

test("a listed machine's leave trigger stays the plain identity; the first server has no chain to replace", async () => {
  expect(leave("s3").args.triggers).toEqual(["server/amd64"]);
  expect(() => leave("s1")).toThrow(/no remote.Command k3s-s1-leave/);
});
