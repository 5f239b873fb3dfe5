import { ConfigValue } from "./types";
import { argName } from "../rules/managed-flags";
import { ConfigRoot, keyPath } from "../rules/key-path";

/**
 * How the config.yaml keys a layer contributes join the user's serverConfig/agentConfig (and each
 * other). k3s reads a YAML list as the flag given once per entry (reference §2), and for a `*-arg`
 * list it passes every entry to the component, a later `name=value` winning over an earlier one of
 * the same name (k3s util.GetArgs). So a layer that needs one argument (monitoring's
 * `kube-proxy-arg: [metrics-bind-address=0.0.0.0:10249]`) adds it to the user's list: replacing the
 * list would silently drop the user's own arguments (`proxy-mode=ipvs`) on every node. Two values
 * for one argument, or for one scalar key, are a conflict for {@link layerKeyConflicts}, not a merge.
 */
export function mergeLayerKeys(base: Record<string, ConfigValue>, layer: Record<string, ConfigValue>): Record<string, ConfigValue> {
  const out = { ...base };
  for (const [key, value] of Object.entries(layer)) {
    const before = out[key];
    out[key] = Array.isArray(before) && Array.isArray(value) ? [...new Set([...before, ...value])] : value;
  }
  return out;
}

/** The value in `name=value` (empty for a bare `name`). */
function argValue(arg: string): string {
  const eq = arg.indexOf("=");
  return eq < 0 ? "" : arg.slice(eq + 1).trim();
}

/** One key or list entry the user set that a layer sets otherwise. */
export interface LayerKeyConflict {
  /** The user's key (as written, `+` included) and, for a list entry, its index. */
  key: string;
  index?: number;
  /** The user's entry or value, and the layer's. */
  userValue: unknown;
  layerValue: unknown;
  /** For a `*-arg` entry: the component argument both set. */
  arg?: string;
}

/**
 * Where `user` (a serverConfig or agentConfig) and a layer's plain keys disagree: a scalar key both
 * set to different values, or a `*-arg` argument both pass with different values (k3s would keep the
 * later one, so one side's setting would be lost without a word). Keys the layer sets from an Output
 * (not known yet) are skipped.
 */
export function layerKeyConflicts(user: Record<string, unknown>, layer: Record<string, unknown>): LayerKeyConflict[] {
  const conflicts: LayerKeyConflict[] = [];
  for (const [key, layerValue] of Object.entries(layer)) {
    for (const userKey of [key, `${key}+`]) {
      if (!(userKey in user)) continue;
      const userValue = user[userKey];
      if (Array.isArray(layerValue)) {
        if (!key.endsWith("-arg") || !Array.isArray(userValue)) continue;
        for (const entry of layerValue) {
          if (typeof entry !== "string") continue;
          const arg = argName(entry);
          userValue.forEach((mine, index) => {
            if (typeof mine === "string" && argName(mine) === arg && argValue(mine) !== argValue(entry)) conflicts.push({ key: userKey, index, userValue: mine, layerValue: entry, arg });
          });
        }
      } else if (typeof layerValue !== "object" && userValue !== layerValue) {
        conflicts.push({ key: userKey, userValue, layerValue });
      }
    }
  }
  return conflicts;
}

/**
 * Each conflict as "key: what is wrong. Fix: ...". `userRoot` is where the user's mapping is
 * (`cluster.serverConfig`, `{ arg: "K3sCluster.args.serverConfig" }`); `layer` says what needs the
 * other value and why; `fix` is the alternative to removing the user's entry.
 */
export function layerConflictProblems(conflicts: LayerKeyConflict[], userRoot: ConfigRoot, layer: string, fix: string): string[] {
  return conflicts.map((c) => {
    const where = keyPath(userRoot, c.index === undefined ? [c.key] : [c.key, c.index]);
    const what = c.arg === undefined
      ? `is ${JSON.stringify(c.userValue)}, but ${layer} sets it to ${JSON.stringify(c.layerValue)}`
      : `'${String(c.userValue)}' passes --${c.arg} with another value than ${layer} passes ('${String(c.layerValue)}'), and k3s keeps only one of them`;
    return `${where}: ${what}. Fix: remove it here, or ${fix}.`;
  });
}
