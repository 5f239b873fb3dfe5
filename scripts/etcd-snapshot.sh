#!/usr/bin/env bash
# On-demand etcd snapshot on the first k3s server: runs `k3s etcd-snapshot save` over ssh. The
# subcommand reads the server's /etc/rancher/k3s/config.yaml, so S3, directory and compression
# settings from k3s-stacks:snapshots apply without repeating them here.
set -euo pipefail
# shellcheck source=etcd-lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/etcd-lib.sh"

usage() {
  cat <<USAGE
Usage: $(basename "$0") --host HOST [--user USER] [--port PORT] [--identity KEYFILE]
                       [--bastion [USER@]HOST[:PORT]] [--name NAME] [--s3] [--dry-run]
Takes an etcd snapshot on the first server HOST (k3s appends the node name and a timestamp to NAME)
and lists the snapshots afterwards. --s3 uploads it to S3 even if config.yaml does not enable S3.
USAGE
}

host="" user=root name=on-demand s3=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --host) host=${2:?--host needs a value}; shift 2 ;;
    --user) user=${2:?--user needs a value}; shift 2 ;;
    --port) SSH_PORT=${2:?--port needs a value}; shift 2 ;;
    --identity) SSH_IDENTITY=${2:?--identity needs a value}; shift 2 ;;
    --bastion) SSH_BASTION=${2:?--bastion needs a value}; shift 2 ;;
    --name) name=${2:?--name needs a value}; shift 2 ;;
    --s3) s3=1; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done
[[ -n $host ]] || { usage >&2; die "--host is required (the first server)"; }
[[ -z $SSH_PORT || $SSH_PORT =~ ^[0-9]+$ ]] || die "--port must be a number"
[[ $name =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die "--name may use letters, digits, '.', '_' and '-' only"

target="$user@$host"
[[ $host == *:* && $host != \[* ]] && target="$user@[$host]"
save="k3s etcd-snapshot save --name $(sq "$name")"
[[ $s3 == 1 ]] && save+=" --s3"

run_step "take etcd snapshot '$name' on the first server" "$target" "$save"
run_step "list etcd snapshots" "$target" "k3s etcd-snapshot ls"
