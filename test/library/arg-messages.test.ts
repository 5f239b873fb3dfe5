// Every library entry point walked with bad values at each argument its schema documents: each problem
// names the argument path and words its fix for code, never for a stack file or `pulumi config`.
import { ConfigError } from "../../components/rules/errors";
import { GENERIC_FIXES } from "../../components/rules/issues";
import { k3sClusterArgsSchema, resolveK3sClusterArgs } from "../../components/cluster/args";
import { clusterAddonsArgsSchema, resolveClusterAddonsArgs } from "../../components/addons/args";
import { cephExternalSchema } from "../../components/addons/rook-external";
import { nodeSpecSchema } from "../../components/nodes/spec";
import { cloudClusterSchema, inventoryNodeSpecs, localNodeSpecs, parseCloudArgs } from "../../components/nodes/sources";
import { inventorySchema } from "../../components/nodes/inventory/schema";
import { localSchema } from "../../components/nodes/local";
import { cloudSchema } from "../../components/nodes/cloud/config";
import { KIND_ONLY, badValues } from "../rules/support/bad-values";
import { STACK_WORDS } from "./support/words";

/** Words of the schema library (zod) that a user never wrote. */
const ZOD_WORDS = /record|discriminator|Invalid option|Invalid input|Too small|Too big|\bexpected\b|Unrecognized|nonoptional|safeint/i;

const VERSION = "v1.33.4+k3s1";
const node = { name: "s1", role: "server", arch: "arm64", connection: { host: "s1.lan" } };
const addons = { kubeconfig: "apiVersion: v1", nodes: [node], serverAddresses: ["10.0.0.1"] };
const KEY = "A".repeat(38) + "==";
const external = { storage: { type: "rook-ceph", external: { fsid: "68945eb2-536b-11f0-8b39-b578895a0c19", rbdPool: "rbd" } } };
const cloud = {
  provider: "hetzner", hetzner: { location: "fsn1" }, adminCidrs: ["203.0.113.7/32"],
  network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/24"] }, pools: [{ name: "cp", role: "server", count: 1, type: "cx23" }],
};

type Case = { root: string; schema: unknown; base: unknown; build: (value: unknown) => unknown };
const cases: Case[] = [
  { root: "K3sCluster.args", schema: k3sClusterArgsSchema, base: { version: VERSION, nodes: [node] }, build: (v) => resolveK3sClusterArgs(v as never) },
  { root: "K3sCluster.args.nodes[0]", schema: nodeSpecSchema, base: node, build: (v) => resolveK3sClusterArgs({ version: VERSION, nodes: [v] } as never) },
  { root: "K3sCluster.args.gone[0]", schema: nodeSpecSchema, base: { ...node, name: "old" }, build: (v) => resolveK3sClusterArgs({ version: VERSION, nodes: [node], gone: [v] } as never) },
  { root: "ClusterAddons.args", schema: clusterAddonsArgsSchema, base: addons, build: (v) => resolveClusterAddonsArgs(v as never) },
  { root: "ClusterAddons.args.nodes[0]", schema: nodeSpecSchema, base: node, build: (v) => resolveClusterAddonsArgs({ ...addons, nodes: [v] } as never) },
  {
    root: "ClusterAddons.args.cephExternal",
    schema: cephExternalSchema,
    base: { monitors: ["10.0.0.5:6789"], userKey: KEY, rbdNodeKey: KEY, rbdProvisionerKey: KEY },
    build: (v) => resolveClusterAddonsArgs({ ...addons, config: external, cephExternal: v } as never),
  },
  { root: "inventoryNodeSpecs.inventory", schema: inventorySchema, base: { hosts: [{ name: "pi-1", address: "192.168.1.11", role: "server", arch: "arm64" }] }, build: (v) => inventoryNodeSpecs(v as never) },
  { root: "localNodeSpecs.local", schema: localSchema, base: { name: "dev-box" }, build: (v) => localNodeSpecs(v as never) },
  { root: "cloudNodeSpecs.args.cloud", schema: cloudSchema, base: cloud, build: (v) => parseCloudArgs({ cloud: v as never }) },
  { root: "cloudNodeSpecs.args.cluster", schema: cloudClusterSchema, base: { clusterCidr: "10.42.0.0/16" }, build: (v) => parseCloudArgs({ cloud: cloud as never, cluster: v as never }) },
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
        if (!shape || STACK_WORDS.test(p) || ZOD_WORDS.test(p) || KIND_ONLY.test(p) || GENERIC_FIXES.some((g) => p.includes(g))) bad.push(`${doc.what} → ${p}`);
      }
    }
    expect(bad).toEqual([]);
    expect(refused).toBeGreaterThan(0);
  });
});

test("cloudNodeSpecs reports a bad cluster argument together with the cloud's own problems", () => {
  let error: unknown;
  try {
    parseCloudArgs({ cloud: { ...cloud, adminCidrs: ["not-a-cidr"] } as never, cluster: { clusterCidr: "10.42.0.0/33" } });
  } catch (e) {
    error = e;
  }
  expect((error as ConfigError).problems).toEqual([
    expect.stringMatching(/^cloudNodeSpecs\.args\.cluster\.clusterCidr: .*Fix: /),
    expect.stringMatching(/^cloudNodeSpecs\.args\.cloud\.adminCidrs\[0\]: 'not-a-cidr' is not a valid CIDR.*Fix: /),
  ]);
});

// A program that leaves out an argument is told what to pass, as code: the node list, a node's
// connection and its host (each said only "pass it").
test("K3sCluster without nodes, or a node without its connection or host, says what to pass", () => {
  const problemsOf = (args: unknown): string[] => {
    try {
      resolveK3sClusterArgs(args as never);
      return [];
    } catch (e) {
      return (e as ConfigError).problems;
    }
  };
  expect(problemsOf({ version: VERSION })).toEqual([
    "K3sCluster.args.nodes: is required. Fix: pass the cluster's nodes, servers first in their join order, such as [ { name: 'pi-1', role: 'server', arch: 'arm64', connection: { host: '192.168.1.11', user: 'pi' } } ].",
  ]);
  expect(problemsOf({ version: VERSION, nodes: [{ name: "s1", role: "server", arch: "arm64" }] })).toEqual([
    "K3sCluster.args.nodes[0].connection: is required. Fix: pass how SSH reaches the node, such as { host: '192.168.1.11', user: 'pi' }.",
  ]);
  expect(problemsOf({ version: VERSION, nodes: [{ name: "s1", role: "server", arch: "arm64", connection: {} }] })).toEqual([
    "K3sCluster.args.nodes[0].connection.host: is required. Fix: pass the address SSH dials, an IP or DNS name, such as 192.168.1.11 or pi-1.lan.",
  ]);
  // A value of the wrong kind is shown as the code to write.
  expect(problemsOf({ version: VERSION, nodes: [{ ...node, taints: [{ key: "gpu", value: "yes", effect: "NoSchedule" }] }] })).toEqual([
    expect.stringMatching(/^K3sCluster\.args\.nodes\[0\]\.taints\[0\]: is a mapping; .*Fix: write it as 'gpu=yes:NoSchedule'$/),
  ]);
  expect(problemsOf({ version: VERSION, nodes: [node], rollout: { agentBatchSize: "2" } })).toEqual(["K3sCluster.args.rollout.agentBatchSize: must be a number, not a string. Fix: write it without quotes, as a number: 2."]);
});
