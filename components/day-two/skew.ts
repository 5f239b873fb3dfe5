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

/** The release an embedded-etcd cluster moves through on its way from an older etcd 3.5 to etcd 3.6. */
export const ETCD_35_SAFE_RELEASE = "v1.33.12+k3s1";

/**
 * Which etcd a k3s release embeds, as far as the 3.5 → 3.6 move needs it: "3.6"; "3.5.26+" (3.5, at
 * v3.5.26 or later); "3.5" (older, or not known to be newer). The reference (shared/reference) is
 * silent on etcd by release; from k3s-io/k3s: 1.34 runs etcd 3.6 (#13271), and so does 1.33 from
 * v1.33.13 (#14183, etcd v3.6.12); release-1.33 took v3.5.26 while it built Kubernetes v1.33.7
 * (#13493, its go.mod then: kubernetes v1.33.7-k3s3), so its releases of Kubernetes v1.33.8 to
 * v1.33.12 embed v3.5.26 or later. 1.32 took v3.5.26 too (#13494), at a release not pinned down here,
 * so every 1.32 release counts as older: moving through v1.33.12+k3s1 is safe from any of them.
 */
export const EMBEDDED_ETCD = {
  /** The first 1.x line whose every release embeds etcd 3.6. */
  etcd36Minor: 34,
  /** The 1.33 patch from which 1.33 releases embed etcd 3.6. */
  etcd36On133: 13,
  /** The 1.33 patch from which 1.33 releases embed etcd 3.5.26 or later. */
  etcd3526On133: 8,
} as const;

function embeddedEtcd(v: K3sVersion): "3.6" | "3.5.26+" | "3.5" {
  const { major, minor, patch } = v.semver;
  const e = EMBEDDED_ETCD;
  if (major > 1 || minor >= e.etcd36Minor || (minor === 33 && patch >= e.etcd36On133)) return "3.6";
  return minor === 33 && patch >= e.etcd3526On133 ? "3.5.26+" : "3.5";
}

/**
 * etcd 3.6 reads the cluster's membership from its v3 store, which etcd 3.5 kept right only from
 * v3.5.26: members moved to 3.6 from an older 3.5 can fail to start or keep zombie members, and etcd
 * names v3.5.26 the only safe starting point (etcd.io/blog/2025/zombie_members_upgrade, relayed in
 * k3s-io/k3s#13493; the failure: k3s-io/k3s#13271). Empty when the change is no such move.
 */
function etcdUpgradeProblem(from: K3sVersion, to: K3sVersion): string[] {
  if (embeddedEtcd(to) !== "3.6" || embeddedEtcd(from) !== "3.5") return [];
  return [
    `${VERSION_KEY}: ${from.tag} → ${to.tag} moves the cluster's embedded etcd from 3.5, older than v3.5.26 in ${from.tag}, to etcd 3.6 in ${to.tag}. ` +
      "etcd 3.6 reads the cluster membership that etcd 3.5 keeps right only from v3.5.26, so upgraded servers can fail to start or keep zombie members " +
      "(etcd.io/blog/2025/zombie_members_upgrade; k3s-io/k3s#13271, #13493). " +
      `Fix: set ${VERSION_KEY} to ${ETCD_35_SAFE_RELEASE} (etcd v3.5.26 or later) and run pulumi up, then set ${to.tag}.`,
  ];
}

/**
 * Refuses a version change Kubernetes' skew policy does not support: any downgrade, a major change,
 * or a jump of more than one minor version; with `etcd` (embedded etcd), also a move to etcd 3.6 from
 * an etcd 3.5 older than v3.5.26. `previous` undefined means a fresh install (anything goes).
 */
export function checkVersionChange(previous: string | undefined, next: string, etcd = false): void {
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
    // With an etcd 3.5 older than v3.5.26, the way to etcd 3.6 passes through the release that embeds v3.5.26 (etcdUpgradeProblem).
    const through = etcd && embeddedEtcd(from) === "3.5" && embeddedEtcd(to) === "3.6" && fn <= 33;
    const steps = [
      ...(through && fn === 33 ? [ETCD_35_SAFE_RELEASE] : []),
      ...Array.from({ length: tn - fn - 1 }, (_, i) => fn + 1 + i).map((m) => (through && m === 33 ? ETCD_35_SAFE_RELEASE : `the newest v${fm}.${m}.x release`)),
    ];
    const why = through ? ` (that 1.33 release exactly: its etcd v3.5.26 is the only safe start for etcd 3.6, which newer 1.33 releases embed; k3s-io/k3s#13493)` : "";
    throw new ConfigError([
      `${VERSION_KEY}: ${previous} → ${next} skips ${tn - fn - 1} minor version(s); Kubernetes upgrades one minor version at a time. ` +
        `Fix: set ${VERSION_KEY} to ${steps.join(", then ")}${why} and run pulumi up${steps.length > 1 ? " after each" : ""}, then set ${next}.`,
    ]);
  }
  const etcdProblems = etcd ? etcdUpgradeProblem(from, to) : [];
  if (etcdProblems.length > 0) throw new ConfigError(etcdProblems);
}
