import * as semver from "semver";
import { registryHostProblem } from "./address";

/**
 * Values k3s server flags take from a fixed set, and the releases that first take a flag, for the
 * flags a user sets through serverConfig. k3s stops at start with any other value, or (a flag its
 * release does not know yet) runs without the setting the user asked for.
 * - egress-selector-mode: agent, cluster, pod or disabled (k3s-io/k3s#5603, k3s docs "Server
 *   configuration": the apiserver egress selector modes);
 * - secrets-encryption-provider: aescbc or secretbox, from the April 2025 releases v1.30.12+k3s1,
 *   v1.31.8+k3s1, v1.32.4+k3s1 and v1.33.0+k3s1 on (k3s docs "Secrets Encryption Config",
 *   "Choosing Encryption Provider").
 */
const VALUES: Record<string, readonly string[]> = {
  "egress-selector-mode": ["agent", "cluster", "pod", "disabled"],
  "secrets-encryption-provider": ["aescbc", "secretbox"],
};

/** The first patch release of each Kubernetes minor that takes the flag; later minors all do. */
const FIRST_RELEASES: Record<string, Record<number, number>> = {
  "secrets-encryption-provider": { 30: 12, 31: 8, 32: 4, 33: 0 },
};

/** Why the release `k3sVersion` does not take `flag`, or undefined (also for a tag that does not parse: the version check reports it). */
function releaseProblem(flag: string, k3sVersion: string): string | undefined {
  const first = FIRST_RELEASES[flag];
  const v = semver.parse(k3sVersion);
  if (!first || !v) return undefined;
  const minors = Object.keys(first).map(Number);
  const newest = Math.max(...minors);
  const needed = v.minor > newest ? undefined : first[v.minor];
  if (needed !== undefined ? v.patch >= needed : v.minor > newest) return undefined;
  const since = minors.map((m) => `v1.${m}.${first[m]}+k3s1`).join(", ");
  const fix = needed !== undefined ? `v1.${v.minor}.${needed}+k3s1 or newer` : `v1.${Math.min(...minors)}.${first[Math.min(...minors)]}+k3s1 or newer`;
  return `k3s ${k3sVersion} does not know ${flag} (it came with ${since}), so the setting would not apply. Fix: pin ${fix}, or remove it`;
}

/**
 * system-default-registry is the registry k3s writes before its system images, `<registry>/<image>`
 * (K3S:pkg/server/server.go helm job and servicelb images, pkg/daemons/control/deps pause image): a
 * registry host[:port], optionally with a path. A scheme or a trailing '/' makes every such reference
 * unparsable ("https://reg/rancher/mirrored-pause:3.6"), so no pod sandbox starts on any node.
 */
function systemRegistryProblem(value: string): string | undefined {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(value);
  const bare = value.slice(scheme ? scheme[0].length : 0);
  const wrong = scheme ? `'${value}' is a URL (${scheme[0]}), not a registry`
    : value.endsWith("/") ? `'${value}' ends in '/', which k3s adds itself`
    : value === "*" || value === "_default" ? `'${value}' is not a registry` : registryHostProblem(bare.split("/")[0]);
  if (!wrong) return undefined;
  const meant = bare.replace(/\/+$/, "");
  const fix = meant && !registryHostProblem(meant.split("/")[0]) && meant !== "*" && meant !== "_default" ? `'${meant}'` : "such as reg.local:5000";
  return `${wrong}; k3s writes it before every system image as <registry>/<image> (the pause image of every pod included), so no such image reference would parse and no pod would start. Fix: write the registry as host[:port], ${fix}`;
}

/**
 * Problems of serverConfig flag values against the fixed sets above and the release, as
 * "key: what is wrong. Fix: ..." lines; `where(flag)` names the flag's key.
 */
export function flagValueProblems(serverConfig: Record<string, unknown>, k3sVersion: string, where: (flag: string) => string): string[] {
  const problems: string[] = [];
  for (const [flag, value] of Object.entries(serverConfig)) {
    const allowed = VALUES[flag];
    if (allowed && typeof value === "string" && !allowed.includes(value)) {
      const near = allowed.find((a) => a === value.trim().toLowerCase() || value.toLowerCase().startsWith(a) || a.startsWith(value.toLowerCase()));
      problems.push(`${where(flag)}: '${value}' is not a value k3s takes for ${flag}, so k3s would not start. Fix: use ${near ? `'${near}', or another of ` : "one of "}${allowed.join(", ")}.`);
    }
    const registry = flag === "system-default-registry" && typeof value === "string" ? systemRegistryProblem(value) : undefined;
    if (registry) problems.push(`${where(flag)}: ${registry}.`);
    const release = releaseProblem(flag, k3sVersion);
    if (release) problems.push(`${where(flag)}: ${release}.`);
  }
  return problems;
}

/**
 * serverConfig flags that act on one datastore only, which k3s ignores with the others: embedded
 * etcd's (etcd-arg, etcd-expose-metrics, etcd-disable-snapshots) and the external datastore's TLS
 * files (datastore-cafile/-certfile/-keyfile, k3s docs "Cluster Datastore": used with
 * datastore-endpoint). Set with another datastore they would look configured and do nothing.
 */
const DATASTORE_FLAGS: Record<string, "etcd" | "postgres"> = {
  "etcd-arg": "etcd",
  "etcd-expose-metrics": "etcd",
  "etcd-disable-snapshots": "etcd",
  "datastore-cafile": "postgres",
  "datastore-certfile": "postgres",
  "datastore-keyfile": "postgres",
};

/** serverConfig flags of a datastore the cluster does not use, as "key: what is wrong. Fix: ..." lines. */
export function datastoreFlagProblems(serverConfig: Record<string, unknown>, datastore: string, where: (flag: string) => string, datastoreKey: string): string[] {
  return Object.keys(serverConfig).flatMap((raw) => {
    const flag = raw.replace(/\+$/, "");
    const needs = DATASTORE_FLAGS[flag];
    if (!needs || needs === datastore) return [];
    return [`${where(raw)}: acts only on datastore: ${needs}, but ${datastoreKey} is ${datastore}, so k3s would ignore it. Fix: remove it, or set ${datastoreKey}: ${needs}.`];
  });
}
