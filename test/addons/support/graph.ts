import * as pulumi from "@pulumi/pulumi";
import { valueOf } from "../../support/mocks";
import { NodeSpec } from "../../../components/nodes/types";
import { CephExternalSecrets } from "../../../components/addons/rook-external";

/** One registered resource of a ClusterAddons, named without the component's prefix. */
export interface GraphNode {
  type: string;
  /** Names (prefix stripped) of its explicit dependencies. */
  deps: string[];
  replaceOnChanges?: string[];
  deleteBeforeReplace?: boolean;
  ignoreChanges?: string[];
  props: Record<string, unknown>;
}
export type Graph = Map<string, GraphNode>;

async function depList(d: unknown): Promise<pulumi.Resource[]> {
  if (d === undefined) return [];
  if (pulumi.Output.isInstance(d)) return depList(await valueOf(d as pulumi.Output<unknown>));
  if (Array.isArray(d)) return (await Promise.all(d.map(depList))).flat();
  return [d as pulumi.Resource];
}

/**
 * Builds ClusterAddons `label` for a raw `k3s-stacks:addons` value under the (already installed)
 * mocks and returns its resource graph from the explicit dependsOn of every child.
 */
export async function addonsGraph(label: string, raw: unknown, nodes: NodeSpec[], extra: { cephExternal?: CephExternalSecrets; previousStorageClass?: string } = {}): Promise<Graph> {
  const { ClusterAddons, parseAddonsConfig } = await import("../../../components/addons");
  const captured: Array<{ name: string; type: string; deps: unknown; opts: pulumi.CustomResourceOptions; props: Record<string, unknown> }> = [];
  const addons = new ClusterAddons(
    label,
    {
      kubeconfig: pulumi.secret("apiVersion: v1\n"),
      nodes,
      serverAddresses: nodes.filter((n) => n.role === "server").map((n) => n.internalAddress as string),
      datastore: "etcd",
      clusterCidr: "10.42.0.0/16",
      serviceCidr: "10.43.0.0/16",
      config: parseAddonsConfig(raw),
      grafanaAdminPassword: pulumi.secret("pw"),
      cephExternal: extra.cephExternal ? pulumi.secret(extra.cephExternal) : undefined,
      previousStorageClass: extra.previousStorageClass,
    },
    {
      transformations: [
        (a) => {
          captured.push({ name: a.name, type: a.type, deps: a.opts.dependsOn, opts: a.opts as pulumi.CustomResourceOptions, props: a.props });
          return undefined;
        },
      ],
    },
  );
  await valueOf(addons.storageClass);
  const graph: Graph = new Map();
  const strip = (n: string) => n.replace(new RegExp(`^${label}-`), "");
  for (const c of captured.filter((x) => x.type !== "k3s:addons:ClusterAddons")) {
    const deps = await Promise.all((await depList(c.deps)).map((r) => valueOf(r.urn)));
    graph.set(strip(c.name), {
      type: c.type,
      deps: deps.map((u) => strip(u.split("::").pop()!)).sort(),
      replaceOnChanges: c.opts.replaceOnChanges,
      deleteBeforeReplace: c.opts.deleteBeforeReplace,
      ignoreChanges: c.opts.ignoreChanges,
      props: (await valueOf(pulumi.output(c.props))) as Record<string, unknown>,
    });
  }
  return graph;
}

/**
 * The order Pulumi deletes `removed` in: a resource goes only after every resource that depends on
 * it (reverse dependency order). Returns waves; resources in one wave may be deleted in parallel.
 */
export function deleteWaves(graph: Graph, removed: Iterable<string>): string[][] {
  const left = new Set(removed);
  const waves: string[][] = [];
  while (left.size) {
    const wave = [...left].filter((n) => ![...left].some((m) => m !== n && graph.get(m)?.deps.includes(n))).sort();
    if (!wave.length) throw new Error(`dependency cycle among ${[...left].join(", ")}`);
    wave.forEach((n) => left.delete(n));
    waves.push(wave);
  }
  return waves;
}

/** Resources of `before` that `after` no longer has: what a switch deletes. */
export function removedBy(before: Graph, after: Graph): string[] {
  return [...before.keys()].filter((n) => !after.has(n));
}

/** Wave index of a resource in `waves`. */
export function waveOf(waves: string[][], name: string): number {
  const i = waves.findIndex((w) => w.includes(name));
  if (i < 0) throw new Error(`${name} is not deleted; waves: ${JSON.stringify(waves)}`);
  return i;
}
