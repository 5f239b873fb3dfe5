import { ConfigError } from "../../components/rules/errors";
import { parseAddonsConfig } from "../../components/addons/config";
import { AddonsContext, checkAddons } from "../../components/addons/validate";
import { Arch, NodeRole, NodeSpec } from "../../components/nodes/types";

/** A node as an inventory would give it; address 192.168.1.<n>. */
export function node(name: string, n: number, opts: { role?: NodeRole; arch?: Arch; taints?: string[]; allowReboot?: boolean } = {}): NodeSpec {
  return {
    name,
    role: opts.role ?? "agent",
    arch: opts.arch ?? "arm64",
    connection: { host: `192.168.1.${n}`, user: "root" },
    internalAddress: `192.168.1.${n}`,
    labels: {},
    taints: opts.taints ?? [],
    allowReboot: opts.allowReboot ?? false,
    fixCgroups: false,
  };
}

/** One server and three arm64 agents (a3 may be rebooted), plus one armhf Pi. */
export const mixedNodes: NodeSpec[] = [
  node("s1", 10, { role: "server", arch: "amd64" }),
  node("a1", 11),
  node("a2", 12),
  node("a3", 13, { allowReboot: true }),
  node("pi2", 14, { arch: "arm" }),
];

export const clusterCtx = { datastore: "etcd" as const, clusterCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", disable: [] as string[] };

/** The problem lines checkAddons throws for a raw addons config, against clusterCtx and `nodes`. */
export function addonsProblems(raw: object, ctx: Partial<AddonsContext> = {}, nodes = mixedNodes): string[] {
  try {
    checkAddons(parseAddonsConfig(raw), { ...clusterCtx, ...ctx, nodes });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}
