#!/usr/bin/env bash
# Restores a k3s embedded-etcd cluster from a snapshot (k3s "cluster reset" restore):
#   1. checks every host is reachable and the snapshot exists, changing nothing;
#   2. stops k3s on every server;
#   3. on the first server runs `k3s server --cluster-reset --cluster-reset-restore-path=<snapshot>`
#      (a local file: with --etcd-s3=false, see below) and starts k3s again, waiting until the API answers;
#   4. deletes the node-password Secrets the snapshot brought back, so each node registers again with
#      the password on its own disk;
#   5. on each other server moves <data-dir>/server/db aside (kept as db.bak-<stamp>) and starts k3s,
#      which rejoins the restored cluster;
#   6. restarts k3s-agent on the agents so they reconnect at once.
# --dry-run prints every step with its exact remote command and runs nothing.
set -Eeuo pipefail
# shellcheck source=etcd-lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/etcd-lib.sh"

usage() {
  cat <<USAGE
Usage: $(basename "$0") --snapshot NAME|PATH --first-server [USER@]HOST[:PORT]
                       [--servers [USER@]HOST[:PORT],...] [--agents [USER@]HOST[:PORT],...]
                       [--s3] [--data-dir DIR] [--port PORT] [--identity KEYFILE]
                       [--bastion [USER@]HOST[:PORT]] (--dry-run | --yes)
NAME is a file in <data-dir>/server/db/snapshots on the first server (see 'k3s etcd-snapshot ls');
a PATH (containing '/') is used as is; with --s3, NAME is fetched from the S3 bucket in config.yaml.
Nothing runs without --yes; look at the --dry-run plan first.
USAGE
}

snapshot="" first="" servers="" agents="" s3=0 yes=0 data_dir=/var/lib/rancher/k3s
while [[ $# -gt 0 ]]; do
  case $1 in
    --snapshot) snapshot=${2:?--snapshot needs a value}; shift 2 ;;
    --first-server) first=${2:?--first-server needs a value}; shift 2 ;;
    --servers) servers=${2?--servers needs a value}; shift 2 ;;
    --agents) agents=${2?--agents needs a value}; shift 2 ;;
    --s3) s3=1; shift ;;
    --data-dir) data_dir=${2:?--data-dir needs a value}; shift 2 ;;
    --port) SSH_PORT=${2:?--port needs a value}; shift 2 ;;
    --identity) SSH_IDENTITY=${2:?--identity needs a value}; shift 2 ;;
    --bastion) SSH_BASTION=${2:?--bastion needs a value}; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    --yes) yes=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done
[[ -n $snapshot ]] || { usage >&2; die "--snapshot is required"; }
[[ -n $first ]] || { usage >&2; die "--first-server is required"; }
[[ $snapshot =~ ^[A-Za-z0-9._/-]+$ ]] || die "--snapshot may use letters, digits, '.', '_', '-' and '/' only"
# k3s fetches <etcd-s3-folder>/<name> from the bucket: a path there names no object (docs.k3s.io/cli/etcd-snapshot).
[[ $s3 == 0 || $snapshot != */* ]] || die "--s3 takes the snapshot's name as 'k3s etcd-snapshot ls' lists it, not a path ('$snapshot'). Fix: pass --snapshot ${snapshot##*/}"
[[ $data_dir == /* ]] || die "--data-dir must be an absolute path"
[[ -z $SSH_PORT || $SSH_PORT =~ ^[0-9]+$ ]] || die "--port must be a number"
if [[ $DRY_RUN == 0 && $yes == 0 ]]; then
  die "this stops k3s on every server and rewinds the cluster to the snapshot. Run with --dry-run to see the plan, then with --yes to do it."
fi

IFS=, read -r -a other_servers <<<"$servers"
IFS=, read -r -a agent_list <<<"$agents"
for t in "$first" "${other_servers[@]}" "${agent_list[@]}"; do parse_target "$t"; done

if [[ $s3 == 1 ]]; then
  restore_path=$snapshot
elif [[ $snapshot == */* ]]; then
  restore_path=$snapshot
else
  restore_path="$data_dir/server/db/snapshots/$snapshot"
fi
stamp=${ETCD_RESTORE_STAMP:-$(date -u +%Y%m%dT%H%M%SZ)}
db="$data_dir/server/db"

svc() { # svc ACTION SERVICE: systemd, or openrc where the install script used it
  # A start is queued (--no-block): k3s units set TimeoutStartSec=0, so systemctl would wait without end
  # for a k3s that never gets ready (k3s-io/k3s#1356); wait_active bounds the wait instead.
  local queue=""
  if [[ $1 != stop ]]; then queue=" --no-block"; fi
  echo "if command -v systemctl >/dev/null 2>&1; then systemctl $1$queue $2; else rc-service $2 $1; fi"
}
wait_active() { # wait_active SERVICE: until it is active (systemd) or started (openrc), at most 10 minutes
  echo "i=0; until if command -v systemctl >/dev/null 2>&1; then systemctl is-active --quiet $1; else rc-service $1 status >/dev/null 2>&1; fi; do i=\$((i+1)); if [ \"\$i\" -ge 120 ]; then echo \"$1 not active after 10 minutes; see journalctl -u $1 (or /var/log/$1.log)\" >&2; exit 1; fi; sleep 5; done"
}
# Expanded by the remote shell, hence single quotes.
# shellcheck disable=SC2016
wait_api='i=0; until k3s kubectl get --raw=/readyz >/dev/null 2>&1; do i=$((i+1)); if [ "$i" -ge 60 ]; then echo "API not ready after 5 minutes" >&2; exit 1; fi; sleep 5; done'

# The snapshot holds each node's kube-system/<node>.node-password.k3s as it was then, while every node
# keeps its password in /etc/rancher/node/password, which no restore rewinds: a node reinstalled since
# (a replaced machine or cloud VM, a role change, a rebuilt first server) would be refused ("Node password
# rejected", k3s pkg/nodepassword; rancher/rke2#1916, k3s-io/k3s#3717), its k3s waiting for ever. k3s
# creates a missing one from the password a node presents, so the nodes restarted below write their own.
# shellcheck disable=SC2016
drop_node_passwords='secrets=$(k3s kubectl -n kube-system get secrets -o name) || exit 1; set --; for s in $secrets; do case $s in *.node-password.k3s) set -- "$@" "$s" ;; esac; done; if [ $# -gt 0 ]; then k3s kubectl -n kube-system delete "$@"; fi'

trap 'echo "$(basename "$0"): step $STEP failed; later steps did not run. Fix the cause and re-run: every step is safe to repeat." >&2' ERR

echo "Restoring etcd snapshot $restore_path$([[ $s3 == 1 ]] && echo ' (from S3)') onto $first"
run_step "check the first server" "$first" "command -v k3s >/dev/null"
if [[ $s3 == 0 ]]; then
  run_step "check the snapshot exists on the first server" "$first" "test -f $(sq "$restore_path")"
fi
for t in "${other_servers[@]}" "${agent_list[@]}"; do
  run_step "check $t" "$t" "command -v k3s >/dev/null"
done
for t in "${other_servers[@]}"; do
  run_step "stop k3s on server $t" "$t" "$(svc stop k3s)"
done
run_step "stop k3s on the first server" "$first" "$(svc stop k3s)"
reset="k3s server --cluster-reset --cluster-reset-restore-path=$(sq "$restore_path")"
# With etcd-s3 in config.yaml (k3s-stacks:snapshots.s3), k3s reads the restore path as an object name
# in the bucket and tries to download it; a local file needs --etcd-s3=false (docs.k3s.io/cli/etcd-snapshot,
# section on restoring while S3 is configured; rancher/rke2#6281).
if [[ $s3 == 1 ]]; then reset+=" --etcd-s3"; else reset+=" --etcd-s3=false"; fi
run_step "reset etcd to the snapshot on the first server" "$first" "$reset"
run_step "start k3s on the first server" "$first" "$(svc start k3s)"
run_step "wait for the API on the first server" "$first" "$wait_api"
run_step "delete the node passwords the snapshot brought back (each node registers again with its own)" "$first" "$drop_node_passwords"
for t in "${other_servers[@]}"; do
  run_step "move the old etcd data aside on $t (kept as db.bak-$stamp)" "$t" \
    "if [ -d $(sq "$db") ]; then mv $(sq "$db") $(sq "$db.bak-$stamp"); fi"
  run_step "start k3s on $t so it rejoins" "$t" "$(svc start k3s)"
  run_step "wait for k3s on $t to be active (it has rejoined etcd)" "$t" "$(wait_active k3s)"
done
for t in "${agent_list[@]}"; do
  run_step "restart k3s-agent on $t" "$t" "$(svc restart k3s-agent)"
  run_step "wait for k3s-agent on $t to be active" "$t" "$(wait_active k3s-agent)"
done
run_step "show the nodes" "$first" "k3s kubectl get nodes -o wide"
if [[ $DRY_RUN == 1 ]]; then echo "Dry run: nothing was changed."; fi
