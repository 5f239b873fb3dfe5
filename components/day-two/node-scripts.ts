import { ROOT_PATH, shq } from "../remote/shell";
import { checkVersionChange, EMBEDDED_ETCD, ETCD_35_SAFE_RELEASE } from "./skew";
import { readNodeRow } from "../k3s/node-table";

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
# The step also runs when only its inputs moved (the first server changed after a handover): no upgrade then.
if [ "$(k3s --version 2>/dev/null | awk 'NR == 1 { print $3 }')" = ${shq(version)} ]; then
  echo "k3s-stacks: $node already runs ${version}: nothing upgrades, so no pre-upgrade snapshot is taken."
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
 * Bash functions shared by the version checks on nodes: `k3s_version_fields <tag>` prints
 * "major minor patch rc build" (a release sorts after its release candidates) or fails when the tag is
 * not a k3s release tag; `k3s_version_order <a> <b>` prints -1, 0 or 1 (a older, equal, newer than b),
 * in the order day-two/skew.ts compareK3sVersions uses.
 */
export const VERSION_ORDER_FUNCTIONS = `k3s_version_fields() {
  local re='^v([0-9]+)\\.([0-9]+)\\.([0-9]+)(-rc([0-9]+))?\\+k3s([0-9]+)$'
  [[ $1 =~ $re ]] || return 1
  echo "\${BASH_REMATCH[1]} \${BASH_REMATCH[2]} \${BASH_REMATCH[3]} \${BASH_REMATCH[5]:-999999} \${BASH_REMATCH[6]}"
}
k3s_version_order() {
  local a b x y i
  a=$(k3s_version_fields "$1") && b=$(k3s_version_fields "$2") || return 1
  read -r -a a <<<"$a"
  read -r -a b <<<"$b"
  for i in 0 1 2 3 4; do
    x=\${a[i]} y=\${b[i]}
    if (( x > y )); then echo 1; return 0; fi
    if (( x < y )); then echo -1; return 0; fi
  done
  echo 0
}`;

/**
 * A bash function, `refuse_version_skew <running version>`, that exits 1 with the fix when moving
 * the node's k3s to `version` would downgrade it or skip a minor version (Kubernetes' version skew
 * policy; day-two/skew.ts is the same rule on the stack outputs). The rolling restart calls it on the
 * node right before install.sh, so it holds where the stack-output check cannot see the truth: a
 * legacy backend (upgrade.checkPreviousOutputs false), a half-finished rollout, a node upgraded by
 * hand. With `etcd` (an embedded-etcd server), it also refuses the move to etcd 3.6 from an etcd 3.5
 * older than v3.5.26 (skew.ts). Returns when k3s is absent (empty argument) or its version cannot be read.
 */
export function versionGuardFunction(version: string, etcd = false): string {
  checkVersionChange(undefined, version);
  const e = EMBEDDED_ETCD;
  // The same move skew.ts refuses on the stack outputs, judged here from the version the server runs.
  const etcdMove = etcd
    ? `
  read -r cmaj cmin cpatch _ <<<"$(k3s_version_fields "$current")"
  read -r tmaj tmin tpatch _ <<<"$(k3s_version_fields "$target")"
  if (( tmaj > 1 || tmin >= ${e.etcd36Minor} || (tmin == 33 && tpatch >= ${e.etcd36On133}) )) && (( cmaj == 1 && (cmin < 33 || (cmin == 33 && cpatch < ${e.etcd3526On133})) )); then
    echo "k3s-stacks: $node runs $current, whose embedded etcd 3.5 is older than v3.5.26; $target embeds etcd 3.6, which reads the cluster membership that etcd 3.5 keeps right only from v3.5.26, so this server could fail to start or keep zombie members (etcd.io/blog/2025/zombie_members_upgrade; k3s-io/k3s#13271). Fix: set k3s-stacks:cluster.k3sVersion to ${ETCD_35_SAFE_RELEASE} and run pulumi up, then set $target." >&2
    exit 1
  fi`
    : "";
  return `${VERSION_ORDER_FUNCTIONS}
refuse_version_skew() {
  local current=$1 target=${shq(version)} node order cmaj cmin tmaj tmin _${etcd ? " cpatch tpatch" : ""}
  node=$(hostname)
  [ -n "$current" ] || return 0
  if ! order=$(k3s_version_order "$target" "$current"); then
    echo "k3s-stacks: cannot read the k3s version on $node ('$current'); not checking version skew." >&2
    return 0
  fi
  read -r cmaj cmin _ <<<"$(k3s_version_fields "$current")"
  read -r tmaj tmin _ <<<"$(k3s_version_fields "$target")"
  if (( order < 0 )); then
    echo "k3s-stacks: $node runs $current; $target would be a downgrade, which k3s does not support. Fix: set k3s-stacks:cluster.k3sVersion to $current or newer." >&2
    exit 1
  fi
  if (( tmaj != cmaj || tmin - cmin > 1 )); then
    echo "k3s-stacks: $node runs $current; $target skips a minor version. Fix: upgrade to v$cmaj.$((cmin + 1)).x first, then to $target." >&2
    exit 1
  fi${etcdMove}
}`;
}

/**
 * Bash for the first server, after \`node\` (an agent) joined: exits 1 naming the server when the
 * agent's kubelet is newer than any server's (Kubernetes version skew policy: a kubelet must not be
 * newer than kube-apiserver; k3s upgrades servers first). The wiring installs new agents only after
 * the servers' roll (ssh upgrades) and the planner refuses new nodes during a system-upgrade-controller
 * upgrade; this holds where neither could see the cluster (no previous outputs, servers moved by hand).
 * Reads the Nodes from `$nodes` (k3s/node-table.ts); versions it cannot read are not judged.
 */
export function renderNotNewerThanServers(node: string): string {
  const n = shq(node);
  return `${VERSION_ORDER_FUNCTIONS}
mine=""
while ${readNodeRow({ name: "name", version: "version" })}; do
  if [ "$name" = ${n} ]; then mine=\${version#v=}; fi
done <<< "$nodes"
while ${readNodeRow({ name: "server", version: "version", cp: "cp" })}; do
  # Servers carry node-role.kubernetes.io/control-plane (k3s sets it to "true"); agents have none.
  if [ -z "$server" ] || [ "$cp" = "cp=" ]; then continue; fi
  theirs=\${version#v=}
  if [ -z "$mine" ] || [ -z "$theirs" ]; then continue; fi
  if [ "$(k3s_version_order "$mine" "$theirs" || true)" = 1 ]; then
    echo "k3s-stacks: ${node} runs k3s $mine, newer than server $server ($theirs); a kubelet newer than the API servers breaks the Kubernetes version skew policy (k3s upgrades servers first). Fix: upgrade the servers to $mine first (with upgrade.mode ssh, pulumi up rolls them before new agents install), then run pulumi up again; or remove ${node} until then." >&2
    exit 1
  fi
done <<< "$nodes"`;
}
