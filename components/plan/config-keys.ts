import { ADDONS_KEY, GRAFANA_PASSWORD_KEY } from "../addons/config";
import { CEPH_EXTERNAL_KEY } from "../addons/rook-external";
import { AIRGAP_KEY } from "../airgap/config";
import { REGISTRIES_KEY, REGISTRY_PASSWORDS_KEY } from "../registries/config";
import { PROJECT } from "../rules/errors";
import { editDistance, nearest } from "../rules/nearest";

/**
 * Every key the program reads under `k3s-stacks:`: the one list. The readers (stacks/read-config.ts,
 * components/plan/secrets.ts) take only these names, and any other key in the project's namespace is
 * refused, so a misspelt `k3s-stacks:clustr` is an error rather than a setting silently ignored.
 */
export const CONFIG_KEYS = [
  "cluster",
  "inventory",
  "cloud",
  "local",
  "upgrade",
  "snapshots",
  ADDONS_KEY,
  AIRGAP_KEY,
  REGISTRIES_KEY,
  // Secrets, set with `pulumi config set --secret`.
  REGISTRY_PASSWORDS_KEY,
  CEPH_EXTERNAL_KEY,
  "datastoreEndpoint",
  "sshPrivateKey",
  "sudoPassword",
  "etcdS3SecretKey",
  "etcdS3AccessKey",
  GRAFANA_PASSWORD_KEY,
] as const;

export type ConfigKey = (typeof CONFIG_KEYS)[number];

/**
 * One problem per name set under `k3s-stacks:` that the program does not read, naming the closest
 * known key when one is near. `names` are without the namespace (`cluster`, `clustr`); keys of other
 * namespaces belong to providers and never reach here.
 */
export function unknownConfigKeys(names: Iterable<string>): string[] {
  const known: readonly string[] = CONFIG_KEYS;
  return [...names]
    .filter((name) => !known.includes(name))
    .map((name) => {
      const k = `${PROJECT}:${name}`;
      const guess = nearest(name, known);
      return guess
        ? `${k}: is not a setting k3s-stacks reads, so it would be ignored. Fix: rename it to ${PROJECT}:${guess} in Pulumi.<stack>.yaml (or 'pulumi config rm ${k}' and set ${PROJECT}:${guess}).`
        : `${k}: is not a setting k3s-stacks reads, so it would be ignored. Fix: remove it with 'pulumi config rm ${k}'; the settings are ${known.map((n) => `${PROJECT}:${n}`).join(", ")}.`;
    });
}

/**
 * Keys set under another namespace that are k3s-stacks settings in a mistyped namespace
 * (`k3s-stack:cluster`, `k3s:inventory`, `k3s_stacks:addons`): Pulumi hands every namespace to the
 * program, but k3s-stacks reads only its own, so such a setting would be silently ignored. A
 * namespace counts as mistyped when it contains "k3s" or is within 3 edits of "k3s-stacks"; provider
 * namespaces (aws, hcloud, kubernetes, ...) are neither. `keys` are full `namespace:name` keys.
 */
export function mistypedNamespaceKeys(keys: Iterable<string>): string[] {
  const known: readonly string[] = CONFIG_KEYS;
  return [...keys].flatMap((full) => {
    const colon = full.indexOf(":");
    const [namespace, name] = [full.slice(0, colon), full.slice(colon + 1)];
    if (colon < 0 || namespace === PROJECT || !known.includes(name)) return [];
    if (!namespace.toLowerCase().includes("k3s") && editDistance(namespace.toLowerCase(), PROJECT) > 3) return [];
    return [`${full}: is in the namespace '${namespace}', and k3s-stacks reads only '${PROJECT}', so it would be ignored. Fix: rename it to ${PROJECT}:${name} in Pulumi.<stack>.yaml (or 'pulumi config rm ${full}' and set ${PROJECT}:${name}).`];
  });
}
