// A cloud node given a new VM: each VM is replaced delete-before-replace, its type change is a
// replacement (not the providers' in-place power-off), and the node hands its VM's ID to the k3s layer
// (NodeSpec.machine), whose chain then runs before the old VM goes (replace-chain.ts machineTrigger).
import * as pulumi from "@pulumi/pulumi";
import { AWS_ONE_SERVER_ONE_AGENT, installCloudMocks, settle, valueOf } from "./cloud-mocks";

let cloud: typeof import("../../components/nodes/cloud");
const cluster = { clusterCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16" };
const HETZNER = {
  provider: "hetzner",
  hetzner: { location: "nbg1" },
  adminCidrs: ["203.0.113.7/32"],
  network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/24"] },
  pools: [{ name: "control", role: "server", count: 1, type: "cx23" }, { name: "worker", role: "agent", count: 1, type: "cx23" }],
};

/** Every registration of the component's children, with the options it was given (children inherit the parent's transformations). */
async function build(name: string, raw: Record<string, unknown>) {
  const registered: Array<{ type: string; name: string; opts: pulumi.CustomResourceOptions; resource: pulumi.Resource }> = [];
  const record: pulumi.ResourceTransformation = (a) => {
    registered.push({ type: a.type, name: a.name, opts: a.opts as pulumi.CustomResourceOptions, resource: a.resource });
    return undefined;
  };
  const config = cloud.parseCloudConfig(raw, cluster);
  const nodes = await cloud.createCloudNodes(name, { config, cluster }, { transformations: [record] });
  await Promise.all(nodes.nodes.map((n) => valueOf(n.internalAddress as pulumi.Output<string>)));
  await settle();
  return { nodes: nodes.nodes, registered };
}

beforeAll(async () => {
  await installCloudMocks();
  cloud = await import("../../components/nodes/cloud");
});

test.each([
  ["Hetzner", HETZNER, "hcloud:index/server:Server", ["serverType"], ["sshKeys", "userData", "image"]],
  ["AWS", AWS_ONE_SERVER_ONE_AGENT, "aws:ec2/instance:Instance", ["instanceType"], ["ami", "userData", "keyName"]],
] as const)("%s: each VM is replaced delete-before-replace, its type change too; the node's machine is the VM's ID", async (cloudName, raw, type, replaceOn, ignored) => {
  const { nodes, registered } = await build(`m${cloudName.toLowerCase()}`, raw);
  const vms = registered.filter((r) => r.type === type);
  expect(vms).toHaveLength(2);
  for (const vm of vms) {
    expect(vm.opts.deleteBeforeReplace).toBe(true);
    expect(vm.opts.replaceOnChanges).toEqual(replaceOn);
    expect(vm.opts.ignoreChanges).toEqual(ignored);
  }
  for (const [i, node] of nodes.entries()) {
    expect(node.machine).toBeDefined();
    expect(await valueOf(node.machine!)).toBe(await valueOf((vms[i].resource as pulumi.CustomResource).id));
  }
});
