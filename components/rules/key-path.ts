/** The project's config namespace; every key we read lives under it. */
export const PROJECT = "k3s-stacks";

/**
 * Where a checked value comes from: a stack config key (`"cluster"` → `k3s-stacks:cluster`) or, for a
 * program using the components as a library, an argument of a component (`{ arg: "K3sCluster.args" }`).
 * A library user has no stack file, so messages name the argument and never point at Pulumi.<stack>.yaml
 * or `pulumi config`: checks shared by both take their roots as parameters and word each fix from them.
 */
export type ConfigRoot = string | { arg: string };

/** Whether `root` is a library argument (fixes are phrased for code) rather than a stack key. */
export function isArgument(root: ConfigRoot): root is { arg: string } {
  return typeof root !== "string";
}

/** `k3s-stacks:cluster.hosts[2].arch` (or `K3sCluster.args.nodes[2].name`) style path for a problem. */
export function keyPath(key: ConfigRoot, path: ReadonlyArray<PropertyKey>): string {
  let out = typeof key !== "string" ? key.arg : key.includes(":") ? key : `${PROJECT}:${key}`;
  for (const part of path) {
    out += typeof part === "number" ? `[${part}]` : `.${String(part)}`;
  }
  return out;
}

/**
 * A setting as a fix names it: for a stack its key (`k3s-stacks:local.name`); for a library the field
 * and the argument it is in (`` `name` in localNodeSpecs's `local` argument ``, `` `disable` in K3sCluster's args ``).
 */
export function settingName(root: ConfigRoot, path: ReadonlyArray<PropertyKey> = []): string {
  const full = keyPath(root, path);
  if (!isArgument(root)) return full;
  const m = /^([^.[]+)\.([^.[]+)(.*)$/.exec(full);
  if (!m) return `\`${full}\``;
  const [, owner, arg, rest] = m;
  const where = arg === "args" ? `${owner}'s args` : `${owner}'s \`${arg}\` argument`;
  const field = rest.replace(/^\./, "");
  return field ? `\`${field}\` in ${where}` : where;
}
