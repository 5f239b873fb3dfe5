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
 * The release tag a near-miss most likely means, with what is off, for the ways tags get mistyped:
 * spaces around it, no leading `v` (`1.36.3+k3s1`), the container image tag's `-k3s1` where the
 * release has `+k3s1` (rancher/k3s image tags cannot hold a `+`), no build suffix (`v1.36.3`,
 * the Kubernetes version), or a bare `v1.36` line (install.sh's INSTALL_K3S_VERSION takes a
 * release tag, its INSTALL_K3S_CHANNEL a line). Undefined when the value is no near-miss (`stable`).
 */
function nearestTag(tag: string): { tag: string; why: string; fix: string } | undefined {
  const why: string[] = [];
  let t = tag.trim();
  if (t !== tag) why.push("it has spaces around it");
  if (/^\d+\.\d+/.test(t)) {
    t = `v${t}`;
    why.push("k3s tags start with 'v'");
  }
  if (/^v\d+\.\d+\.\d+(-rc\d+)?-k3s\d+$/.test(t)) {
    t = t.replace(/-(k3s\d+)$/, "+$1");
    why.push("'-k3sN' is the container image tag's spelling; the release tag has '+k3sN'");
  }
  if (/^v\d+\.\d+\.\d+(-rc\d+)?$/.test(t)) {
    t = `${t}+k3s1`;
    why.push("every k3s release tag ends in its build, '+k3s1' for the first");
  }
  if (/^v\d+\.\d+$/.test(t)) {
    return { tag: `${t}.0+k3s1`, why: [...why, `'${t}' names a release line, not a release`].join("; "), fix: `pin a release of that line, such as '${t}.0+k3s1' (its newest is listed on https://github.com/k3s-io/k3s/releases)` };
  }
  return why.length && K3S_TAG.test(t) ? { tag: t, why: why.join("; "), fix: `write '${t}'` } : undefined;
}

/**
 * What is wrong with `tag` as the k3s release k3s-stacks installs, as "what is wrong. Fix: ..."
 * (no key, no final period); undefined when it is a release tag of a supported line. A near-miss
 * gets the tag it most likely means as its fix (see nearestTag); that tag is checked in turn.
 */
export function k3sVersionProblem(tag: string): string | undefined {
  const parsed = K3S_TAG.test(tag) ? semver.parse(tag) : null;
  if (!parsed) {
    const near = nearestTag(tag);
    const nearProblem = near && k3sVersionProblem(near.tag);
    if (near && nearProblem) return `'${tag}' is not a k3s release tag (${near.why}), and ${near.tag} ${nearProblem}`;
    if (near) return `'${tag}' is not a k3s release tag: ${near.why}. Fix: ${near.fix}`;
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
