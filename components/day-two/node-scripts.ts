import { ROOT_PATH, shq } from "../remote/shell";
import { checkVersionChange } from "./skew";

/** Snapshot name for the pre-upgrade snapshot; k3s appends the node name and a timestamp. */
export function preUpgradeSnapshotName(version: string): string {
  return `pre-upgrade-${version.replace(/\+/g, "-")}`;
}

/**
 * Bash for the first server, run before its upgrade step: `k3s etcd-snapshot save --name
 * pre-upgrade-<version>`. The subcommand reads /etc/rancher/k3s/config.yaml, whose etcd-s3-* and
 * etcd-snapshot-dir/-compress keys it accepts as aliases, so the snapshot goes where scheduled ones go.
 */
export function renderPreUpgradeSnapshotScript(version: string): string {
  checkVersionChange(undefined, version);
  const name = preUpgradeSnapshotName(version);
  return `#!/usr/bin/env bash
# k3s-stacks: etcd snapshot before upgrading to ${version}
set -euo pipefail
${ROOT_PATH}
node=$(hostname)
if ! command -v k3s >/dev/null 2>&1; then
  echo "k3s-stacks: $node has no k3s yet; no pre-upgrade snapshot needed."
  exit 0
fi
echo "k3s-stacks: taking etcd snapshot ${name} on $node before upgrading to ${version}"
if ! k3s etcd-snapshot save --name ${shq(name)}; then
  echo "k3s-stacks: the pre-upgrade etcd snapshot failed on $node, so the upgrade to ${version} did not start. Fix: check 'journalctl -u k3s' and the snapshot target (disk space, S3 settings), then run pulumi up again; or set k3s-stacks:upgrade.preUpgradeSnapshot to false." >&2
  exit 1
fi
`;
}

/**
 * A bash function, `refuse_version_skew <running version>`, that exits 1 with the fix when moving
 * the node's k3s to `version` would downgrade it or skip a minor version (Kubernetes' version skew
 * policy; day-two/skew.ts is the same rule on the stack outputs). The rolling restart calls it on the
 * node right before install.sh, so it holds where the stack-output check cannot see the truth: a
 * legacy backend (upgrade.checkPreviousOutputs false), a half-finished rollout, a node upgraded by
 * hand. Returns when k3s is absent (empty argument) or its version cannot be read.
 */
export function versionGuardFunction(version: string): string {
  checkVersionChange(undefined, version);
  return `refuse_version_skew() {
  local current=$1 target=${shq(version)} node
  node=$(hostname)
  [ -n "$current" ] || return 0
  local re='^v([0-9]+)\\.([0-9]+)\\.([0-9]+)(-rc([0-9]+))?\\+k3s([0-9]+)$'
  # "major minor patch rc build"; a release sorts after its release candidates.
  local cur tgt
  if [[ $current =~ $re ]]; then
    cur="\${BASH_REMATCH[1]} \${BASH_REMATCH[2]} \${BASH_REMATCH[3]} \${BASH_REMATCH[5]:-999999} \${BASH_REMATCH[6]}"
  else
    echo "k3s-stacks: cannot read the k3s version on $node ('$current'); not checking version skew." >&2
    return 0
  fi
  [[ $target =~ $re ]]
  tgt="\${BASH_REMATCH[1]} \${BASH_REMATCH[2]} \${BASH_REMATCH[3]} \${BASH_REMATCH[5]:-999999} \${BASH_REMATCH[6]}"
  local cmaj cmin cpat crc cbld tmaj tmin tpat trc tbld newer=0 t c pair
  read -r cmaj cmin cpat crc cbld <<<"$cur"
  read -r tmaj tmin tpat trc tbld <<<"$tgt"
  for pair in "$tmaj $cmaj" "$tmin $cmin" "$tpat $cpat" "$trc $crc" "$tbld $cbld"; do
    read -r t c <<<"$pair"
    if (( t > c )); then newer=1; break; fi
    if (( t < c )); then newer=-1; break; fi
  done
  if (( newer < 0 )); then
    echo "k3s-stacks: $node runs $current; $target would be a downgrade, which k3s does not support. Fix: set k3s-stacks:cluster.k3sVersion to $current or newer." >&2
    exit 1
  fi
  if (( tmaj != cmaj || tmin - cmin > 1 )); then
    echo "k3s-stacks: $node runs $current; $target skips a minor version. Fix: upgrade to v$cmaj.$((cmin + 1)).x first, then to $target." >&2
    exit 1
  fi
}`;
}
