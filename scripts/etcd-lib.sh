# shellcheck shell=bash
# Helpers shared by etcd-snapshot.sh and etcd-restore.sh; sourced, never run on its own.
# Every remote action goes through run_step, which prints the step and the exact remote command
# first, and runs nothing when DRY_RUN=1.

SSH_IDENTITY=""
SSH_BASTION=""
SSH_PORT=""
DRY_RUN=0
STEP=0

die() {
  echo "$(basename "$0"): $*" >&2
  exit 2
}

# Single-quotes a word for a POSIX remote shell (the login shell may be dash, so no $'..').
sq() {
  local s=${1//\'/\'\\\'\'}
  printf "'%s'" "$s"
}

# parse_target [user@]host[:port] | [user@][v6addr]:port  →  T_USER T_HOST T_PORT
parse_target() {
  local t=$1 hostport
  T_USER=root
  if [[ $t == *@* ]]; then
    T_USER=${t%%@*}
    hostport=${t#*@}
  else
    hostport=$t
  fi
  T_PORT=$SSH_PORT
  if [[ $hostport =~ ^\[([^]]+)\](:([0-9]+))?$ ]]; then
    T_HOST=${BASH_REMATCH[1]}
    if [[ -n ${BASH_REMATCH[3]} ]]; then T_PORT=${BASH_REMATCH[3]}; fi
  elif [[ $hostport =~ ^([^:]+):([0-9]+)$ ]]; then
    T_HOST=${BASH_REMATCH[1]}
    T_PORT=${BASH_REMATCH[2]}
  else
    T_HOST=$hostport
  fi
  [[ -n $T_USER && -n $T_HOST ]] || die "'$t' is not [user@]host[:port]"
  [[ $T_HOST =~ ^[A-Za-z0-9._:%-]+$ ]] || die "'$T_HOST' is not a host name or address"
  [[ $T_USER =~ ^[A-Za-z0-9._-]+$ ]] || die "'$T_USER' is not a user name"
}

# Wraps a command for the target user: root runs it directly, anyone else through sudo.
as_root() {
  if [[ $T_USER == root ]]; then
    printf '%s' "$1"
  else
    printf 'sudo sh -c %s' "$(sq "$1")"
  fi
}

# run_step "description" target "command": prints, then (unless dry-run) runs the command over ssh.
run_step() {
  local desc=$1 target=$2 cmd=$3 remote
  local -a args=()
  parse_target "$target"
  remote=$(as_root "$cmd")
  STEP=$((STEP + 1))
  echo "[$STEP] $desc"
  echo "    $T_USER@$T_HOST\$ $remote"
  if [[ $DRY_RUN == 1 ]]; then return 0; fi
  if [[ -n $T_PORT ]]; then args+=(-p "$T_PORT"); fi
  if [[ -n $SSH_IDENTITY ]]; then args+=(-i "$SSH_IDENTITY"); fi
  if [[ -n $SSH_BASTION ]]; then args+=(-J "$SSH_BASTION"); fi
  # A tty lets sudo ask for a password when the user has no NOPASSWD rule.
  if [[ $T_USER != root ]]; then args+=(-t); fi
  ssh "${args[@]}" -- "$T_USER@$T_HOST" "$remote"
}
