import * as semver from "semver";

/**
 * k3s release tags: `v<major>.<minor>.<patch>[-rc<n>]+k3s<m>`. k3s tags each Kubernetes release it
 * ships `+k3s1`, re-releases of the same Kubernetes version count up (`+k3s2`, ...), and release
 * candidates carry `-rc<n>` before the build (`v1.31.0-rc1+k3s1`, `v1.18.10-rc1+k3s2`); there is no
 * `+k3s0` and no `-rc0` (k3s-io/k3s release tags; the same shape its own version tests parse).
 * Read as semver, `-rc<n>` is the pre-release and `k3s<m>` the build metadata.
 */
export const K3S_TAG = /^v\d+\.\d+\.\d+(-rc\d+)?\+k3s\d+$/;

/**
 * The oldest k3s release line k3s-stacks installs: v1.30. The newest config keys it may write,
 * `embedded-registry` and `disable-default-registry-endpoint` (registries), first shipped in the
 * January 2024 patch releases (v1.29.1+k3s1 on the 1.29 line), so 1.30 is the oldest line on which
 * every release takes every key (test/fixtures/reference/k3s-flags.json firstSeenOnMaster: 2024-01).
 */
export const OLDEST_K3S_MINOR = { major: 1, minor: 30 } as const;
const OLDEST = `v${OLDEST_K3S_MINOR.major}.${OLDEST_K3S_MINOR.minor}`;

/** An example tag for messages. */
export const EXAMPLE_K3S_TAG = "v1.36.3+k3s1";

/**
 * What is wrong with `tag` as the k3s release k3s-stacks installs, as "what is wrong. Fix: ..."
 * (no key, no final period); undefined when it is a release tag of a supported line.
 */
export function k3sVersionProblem(tag: string): string | undefined {
  const parsed = K3S_TAG.test(tag) ? semver.parse(tag) : null;
  if (!parsed) {
    return `is not a k3s release tag. Fix: pin a release such as ${EXAMPLE_K3S_TAG} (channels like 'stable' or 'latest' make runs unrepeatable)`;
  }
  const build = Number(parsed.build[0].slice("k3s".length));
  if (build < 1) return `ends in +k3s${build}, which no k3s release has: k3s numbers its builds of a Kubernetes version from +k3s1. Fix: use ${tag.replace(/\+k3s\d+$/, "+k3s1")}`;
  const rc = parsed.prerelease.length ? Number(String(parsed.prerelease[0]).slice("rc".length)) : undefined;
  if (rc === 0) return `is an -rc0 pre-release, which k3s does not tag: its release candidates count from -rc1. Fix: use ${tag.replace(/-rc0\+/, "-rc1+")} or the release ${tag.replace(/-rc0\+/, "+")}`;
  const { major, minor } = parsed;
  if (major < OLDEST_K3S_MINOR.major || (major === OLDEST_K3S_MINOR.major && minor < OLDEST_K3S_MINOR.minor)) {
    return `is a ${major}.${minor} release, older than ${OLDEST}, the oldest k3s line k3s-stacks supports (config keys it writes, such as embedded-registry, are missing from earlier lines). Fix: pin ${OLDEST}.0+k3s1 or newer, such as ${EXAMPLE_K3S_TAG}`;
  }
  return undefined;
}
