import * as pulumi from "@pulumi/pulumi";
import { ScriptCommand, remoteScript } from "../k3s/remote";
import { NodeSpec } from "../nodes/types";

/** Quotes a value for bash (single quotes, embedded quotes escaped). */
function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Bash that makes a node ready for Longhorn (longhorn.io install requirements): open-iscsi with
 * iscsid running and iscsi_tcp loaded, and an NFSv4 client for RWX volumes. Idempotent; installs
 * only what is missing; fails with the node named and the fix when it cannot. $1 is the phase
 * (create|update do the work; anything else, e.g. delete, leaves the packages in place).
 */
export function renderLonghornPrereqScript(opts: { nodeName?: string } = {}): string {
  const nodeValue = opts.nodeName ? shq(opts.nodeName) : '"$(hostname)"';
  return `#!/usr/bin/env bash
# Longhorn prerequisites: open-iscsi (iscsid running, iscsi_tcp loaded) and an NFSv4 client.
set -euo pipefail
phase="\${1:-create}"
case "$phase" in
  create|update) ;;
  *) exit 0 ;;
esac
node=${nodeValue}

fail() {
  echo "longhorn prerequisites on node $node: $*" >&2
  exit 1
}

have() { command -v "$1" >/dev/null 2>&1; }

has_nfs_client() {
  [ -x /sbin/mount.nfs4 ] || [ -x /usr/sbin/mount.nfs4 ] || [ -x /sbin/mount.nfs ] || [ -x /usr/sbin/mount.nfs ]
}

missing=()
have iscsiadm || missing+=(iscsi)
has_nfs_client || missing+=(nfs)

if [ "\${#missing[@]}" -gt 0 ]; then
  if have apt-get; then
    pkgs=()
    for m in "\${missing[@]}"; do
      case "$m" in iscsi) pkgs+=(open-iscsi) ;; nfs) pkgs+=(nfs-common) ;; esac
    done
    { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "\${pkgs[@]}"; } >&2 ||
      fail "apt-get could not install \${pkgs[*]}. Fix: make the packages installable (offline: from your mirror) or install them by hand, then re-run pulumi up."
  elif have dnf || have yum; then
    pm=dnf
    have dnf || pm=yum
    pkgs=()
    for m in "\${missing[@]}"; do
      case "$m" in iscsi) pkgs+=(iscsi-initiator-utils) ;; nfs) pkgs+=(nfs-utils) ;; esac
    done
    "$pm" install -y -q "\${pkgs[@]}" >&2 ||
      fail "$pm could not install \${pkgs[*]}. Fix: install them by hand, then re-run pulumi up."
  elif have zypper; then
    pkgs=()
    for m in "\${missing[@]}"; do
      case "$m" in iscsi) pkgs+=(open-iscsi) ;; nfs) pkgs+=(nfs-client) ;; esac
    done
    zypper --non-interactive install "\${pkgs[@]}" >&2 ||
      fail "zypper could not install \${pkgs[*]}. Fix: install them by hand, then re-run pulumi up."
  else
    fail "no supported package manager (apt-get, dnf, yum, zypper) to install open-iscsi and an NFSv4 client. Fix: install them by hand, then re-run pulumi up."
  fi
fi

have iscsiadm || fail "iscsiadm is still missing after installing open-iscsi. Fix: check the package installation."
has_nfs_client || fail "mount.nfs4 is still missing after installing the NFS client. Fix: check the package installation."

modprobe iscsi_tcp || fail "cannot load kernel module iscsi_tcp. Fix: install the kernel's extra modules package (e.g. linux-modules-extra-*) and re-run."
mkdir -p /etc/modules-load.d
echo iscsi_tcp > /etc/modules-load.d/longhorn.conf

systemctl enable --now iscsid >&2 || fail "cannot start iscsid. Fix: check 'journalctl -u iscsid' on the node."
systemctl is-active --quiet iscsid || fail "iscsid is not running. Fix: check 'journalctl -u iscsid' on the node."
echo "longhorn prerequisites ready on node $node"
`;
}

/**
 * The remote command that prepares one Longhorn data node over the node's SSH connection; its
 * update reruns the (idempotent) script when the script changes.
 */
export function longhornPrereqCommand(name: string, node: NodeSpec, opts: pulumi.CustomResourceOptions): ScriptCommand {
  return remoteScript(
    name,
    { connection: node.connection, script: renderLonghornPrereqScript({ nodeName: node.name }), phases: ["create", "update"] },
    { ...opts, dependsOn: opts.dependsOn ?? node.dependsOn },
  );
}
