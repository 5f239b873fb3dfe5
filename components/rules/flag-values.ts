import * as semver from "semver";
import { registryHostProblem } from "./address";
import { keyedArgEntries } from "./component-args";
import { argName } from "./managed-flags";

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

/** A port number as Go's strconv.Atoi reads one: an optional sign and decimal digits, nothing else. */
const GO_INT = /^[+-]?\d+$/;

/**
 * service-node-port-range as k3s reads it at start with Kubernetes' parser (K3S:pkg/cli/server
 * `utilnet.ParsePortRange`, "invalid port range"; apimachinery pkg/util/net/port_range.go): after
 * trimming spaces, `low-high`, `low+offset` or one port, each part a Go integer, no port above
 * 65535 and the end not below the start. Anything else stops k3s before the API server starts
 * (kube-apiserver's own flag, through kube-apiserver-arg, is read by the same parser). `why` says who stops.
 */
function nodePortRangeProblem(value: string, why: string): string | undefined {
  const v = value.trim();
  if (v === "") return undefined;
  const [hyphen, plus] = [v.indexOf("-"), v.indexOf("+")];
  const parts = hyphen >= 0 && plus < 0 ? [v.slice(0, hyphen), v.slice(hyphen + 1)] : plus >= 0 && hyphen < 0 ? [v.slice(0, plus), v.slice(plus + 1)] : hyphen < 0 && plus < 0 ? [v] : undefined;
  const nums = parts?.every((p) => GO_INT.test(p)) ? parts.map(Number) : undefined;
  if (!nums) {
    const pair = /^(\d+)\s*(?:-|:|\.\.|–|to)\s*(\d+)$/.exec(v);
    const meant = pair ? [Number(pair[1]), Number(pair[2])].sort((a, b) => a - b).join("-") : "30000-32767";
    return `'${value}' is not a port range (low-high, such as 30000-32767); ${why}. Fix: write '${meant}'`;
  }
  const [low, high] = [nums[0], parts!.length === 2 && plus >= 0 ? nums[0] + nums[1] : nums[nums.length - 1]];
  if (low > 65535 || high > 65535) return `'${value}' goes past 65535, the last TCP/UDP port; ${why}. Fix: keep both ends at 65535 or below, such as 30000-32767 (k3s's default)`;
  if (high < low) return `'${value}' ends below its start; ${why}. Fix: write '${high}-${low}'`;
  return undefined;
}

/**
 * Problems of serverConfig flag values against the fixed sets above, the forms k3s parses
 * system-default-registry and service-node-port-range in, and the release, as
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
    const ports = flag === "service-node-port-range" && typeof value === "string" ? nodePortRangeProblem(value, "k3s parses it as Kubernetes does and stops at start (\"invalid port range\"), before the API server runs") : undefined;
    if (ports) problems.push(`${where(flag)}: ${ports}.`);
    const release = releaseProblem(flag, k3sVersion);
    if (release) problems.push(`${where(flag)}: ${release}.`);
  }
  for (const { key, entry } of keyedArgEntries(serverConfig, "kube-apiserver-arg")) {
    const ports = argName(entry) === "service-node-port-range" && entry.includes("=") ? nodePortRangeProblem(entry.slice(entry.indexOf("=") + 1), "kube-apiserver parses it with the same rules and exits at start, so the server never serves its API") : undefined;
    if (ports) problems.push(`${where(key)}: ${ports}.`);
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
