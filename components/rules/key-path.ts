/** The project's config namespace; every key we read lives under it. */
export const PROJECT = "k3s-stacks";

/**
 * Where a checked value comes from: a stack config key (`"cluster"` → `k3s-stacks:cluster`) or, for a
 * program using the components as a library, an argument of a component (`{ arg: "K3sCluster.args" }`).
 * A library user has no stack file, so messages name the argument and never point at Pulumi.<stack>.yaml.
 */
export type ConfigRoot = string | { arg: string };

/** `k3s-stacks:cluster.hosts[2].arch` (or `K3sCluster.args.nodes[2].name`) style path for a problem. */
export function keyPath(key: ConfigRoot, path: ReadonlyArray<PropertyKey>): string {
  let out = typeof key !== "string" ? key.arg : key.includes(":") ? key : `${PROJECT}:${key}`;
  for (const part of path) {
    out += typeof part === "number" ? `[${part}]` : `.${String(part)}`;
  }
  return out;
}
