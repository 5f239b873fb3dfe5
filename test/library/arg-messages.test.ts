// Every library entry point, walked with a bad value at each documented argument: each problem names
// the argument path and phrases its fix for code, never for a stack file or `pulumi config`.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../components/rules/errors";
import { GENERIC_FIXES } from "../../components/rules/issues";
import { k3sClusterArgsSchema, resolveK3sClusterArgs } from "../../components/cluster/args";
import { clusterAddonsArgsSchema, resolveClusterAddonsArgs } from "../../components/addons/args";
import { nodeSpecSchema } from "../../components/nodes/spec";
import { inventorySchema } from "../../components/nodes/inventory/schema";
import { localSchema } from "../../components/nodes/local";
import { cloudSchema } from "../../components/nodes/cloud/config";
import { inventoryNodeSpecs, localNodeSpecs, parseCloudArgs } from "../../components/nodes/sources";
import { badValues } from "../rules/support/bad-values";

const STACK_WORDS = /pulumi config|k3s-stacks:|Pulumi\.<stack>\.yaml|stack file/;
const ZOD_WORDS = /record|discriminator|Invalid option|Invalid input|Too small|Too big|\bexpected\b|Unrecognized|nonoptional|safeint/i;

const node = { name: "s1", role: "server", arch: "arm64", connection: { host: "s1.lan" } };
const cloud = {
  provider: "hetzner", hetzner: { location: "fsn1" }, adminCidrs: ["203.0.113.7/32"],
  network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/24"] }, pools: [{ name: "cp", role: "server", count: 1, type: "cx23" }],
};
const inventory = { hosts: [{ name: "pi-1", address: "192.168.1.11", role: "server", arch: "arm64" }] };

type Case = { root: string; schema: unknown; base: unknown; build: (v: unknown) => unknown; wrap?: (v: unknown) => unknown };
const cases: Case[] = [
  { root: "K3sCluster.args", schema: k3sClusterArgsSchema, base: { version: "v1.33.4+k3s1", nodes: [node] }, build: (v) => resolveK3sClusterArgs(v as never) },
  { root: "K3sCluster.args.nodes", schema: nodeSpecSchema, base: node, build: (v) => resolveK3sClusterArgs({ version: "v1.33.4+k3s1", nodes: [v] } as never) },
  { root: "ClusterAddons.args", schema: clusterAddonsArgsSchema, base: { kubeconfig: "apiVersion: v1", nodes: [node], serverAddresses: ["10.0.0.1"] }, build: (v) => resolveClusterAddonsArgs(v as never) },
  { root: "inventoryNodeSpecs.inventory", schema: inventorySchema, base: inventory, build: (v) => inventoryNodeSpecs(v as never) },
  { root: "localNodeSpecs.local", schema: localSchema, base: {}, build: (v) => localNodeSpecs(v as never) },
  { root: "cloudNodeSpecs.args.cloud", schema: cloudSchema, base: cloud, build: (v) => parseCloudArgs({ cloud: v as never }) },
];

describe("a bad argument is named by its argument path, with a fix for code", () => {
  test.each(cases)("$root with bad values at every field", ({ root, schema, base, build }) => {
    expect(() => build(base)).not.toThrow();
    const bad: string[] = [];
    let refused = 0;
    for (const doc of badValues(schema, base)) {
      let problems: string[] = [];
      try {
        build(doc.value);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        problems = e.problems;
        refused++;
      }
      for (const p of problems) {
        const shape = p.startsWith(root) && /: .+\. Fix: \S/s.test(p);
        if (!shape || STACK_WORDS.test(p) || ZOD_WORDS.test(p) || GENERIC_FIXES.some((g) => p.includes(g))) bad.push(`${doc.what} → ${p}`);
      }
    }
    expect(bad).toEqual([]);
    expect(refused).toBeGreaterThan(0);
  });
});
void pulumi;
