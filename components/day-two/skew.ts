import * as semver from "semver";
import { ConfigError } from "../rules/errors";

const VERSION_KEY = "k3s-stacks:cluster.k3sVersion";

/** A k3s release tag split into its Kubernetes version and the k3s build number (`+k3sN`). */
export interface K3sVersion {
  tag: string;
  semver: semver.SemVer;
  /** N of `+k3sN`: k3s re-releases one Kubernetes version as k3s1, k3s2, ... */
  build: number;
}

/** Parses `v1.36.3+k3s1` (or `v1.36.3-rc1+k3s1`); undefined when it is not a k3s tag. */
export function parseK3sVersion(tag: string): K3sVersion | undefined {
  const parsed = semver.parse(tag);
  if (!parsed || parsed.build.length !== 1) return undefined;
  const m = /^k3s(\d+)$/.exec(parsed.build[0]);
  if (!m) return undefined;
  return { tag, semver: parsed, build: Number(m[1]) };
}

/** Orders two k3s tags: Kubernetes version (semver, so rc < release) first, then the k3s build number. */
export function compareK3sVersions(a: K3sVersion, b: K3sVersion): number {
  return semver.compare(a.semver, b.semver) || a.build - b.build;
}

function mustParse(tag: string, role: string): K3sVersion {
  const v = parseK3sVersion(tag);
  if (!v) {
    throw new ConfigError([`${VERSION_KEY}: the ${role} version '${tag}' is not a k3s release tag. Fix: use a tag such as v1.36.3+k3s1.`]);
  }
  return v;
}

/**
 * Refuses a version change Kubernetes' skew policy does not support: any downgrade, a major change,
 * or a jump of more than one minor version. `previous` undefined means a fresh install (anything goes).
 */
export function checkVersionChange(previous: string | undefined, next: string): void {
  const to = mustParse(next, "new");
  if (previous === undefined || previous === next) return;
  const from = mustParse(previous, "running");
  const order = compareK3sVersions(from, to);
  if (order === 0) return;
  if (order > 0) {
    throw new ConfigError([
      `${VERSION_KEY}: ${next} is older than the running ${previous}; k3s and Kubernetes do not support downgrades. ` +
        `Fix: set it back to ${previous} (or newer). To return to an older cluster state, restore an etcd snapshot taken before the upgrade (docs/day-two.md).`,
    ]);
  }
  const [fm, fn] = [from.semver.major, from.semver.minor];
  const [tm, tn] = [to.semver.major, to.semver.minor];
  if (tm !== fm) {
    throw new ConfigError([
      `${VERSION_KEY}: ${previous} → ${next} changes the major version; only one minor version at a time is supported. Fix: upgrade through each minor release in turn.`,
    ]);
  }
  if (tn - fn > 1) {
    const steps = Array.from({ length: tn - fn - 1 }, (_, i) => `v${fm}.${fn + 1 + i}.x`).join(", then ");
    throw new ConfigError([
      `${VERSION_KEY}: ${previous} → ${next} skips ${tn - fn - 1} minor version(s); Kubernetes upgrades one minor version at a time. ` +
        `Fix: set ${VERSION_KEY} to the newest ${steps} release and run pulumi up, then set ${next}.`,
    ]);
  }
}
