# shellcheck shell=bash
# Sourced by scripts/up.sh and scripts/kubeconfig.sh: the Pulumi state and secrets every script of
# this checkout shares, with no Pulumi account. State lives in a local file backend, secrets under a
# generated passphrase kept next to it (back both up together).
# Override with PULUMI_BACKEND_URL (e.g. s3://bucket) and PULUMI_CONFIG_PASSPHRASE(_FILE).
state_home="${XDG_STATE_HOME:-$HOME/.local/state}/k3s-stacks"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://${state_home}/backend}"
case "$PULUMI_BACKEND_URL" in file://*) mkdir -p "${PULUMI_BACKEND_URL#file://}" ;; esac
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  if [ ! -s "${state_home}/passphrase" ]; then
    mkdir -p "$state_home"
    (umask 077; head -c 32 /dev/urandom | base64 > "${state_home}/passphrase")
    echo "k3s-stacks: generated a secrets passphrase in ${state_home}/passphrase (back it up with the state)"
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE="${state_home}/passphrase"
fi
