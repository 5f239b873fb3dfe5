import * as pulumi from "@pulumi/pulumi";
import { ScriptCommand, remoteScript } from "../remote/command";
import { shq } from "../remote/shell";
import { NodeSpec } from "../nodes/types";
import { ConfigRoot, keyPath } from "../rules/key-path";


/** `prepare` installs and configures what is missing; `check` changes nothing and fails with the fix. */
export type PrereqMode = "prepare" | "check";

/**
 * multipath.conf lines that keep multipathd off Longhorn's volumes. Longhorn attaches each volume
 * as an iSCSI disk whose SCSI vendor/product are tgt's defaults, IET / VIRTUAL-DISK; multipathd would
 * otherwise claim those /dev/sdX devices and the mount fails (longhorn.io KB "troubleshooting volume
 * with multipath", which suggests a blacklist). Matching the device keeps the host's own multipath
 * disks working, unlike blacklisting every sd device.
 */
export const MULTIPATH_BLOCK = `# BEGIN k3s-stacks longhorn
blacklist {
    device {
        vendor "IET"
        product "VIRTUAL-DISK"
    }
}
# END k3s-stacks longhorn`;

/** Package per missing piece and package manager (names from Longhorn's scripts/environment_check.sh). */
const PACKAGES: Record<string, Record<string, string>> = {
  apt: { iscsi: "open-iscsi", nfs: "nfs-common", cryptsetup: "cryptsetup", dmsetup: "dmsetup", utils: "util-linux", curl: "curl" },
  rpm: { iscsi: "iscsi-initiator-utils", nfs: "nfs-utils", cryptsetup: "cryptsetup", dmsetup: "device-mapper", utils: "util-linux", curl: "curl" },
  zypper: { iscsi: "open-iscsi", nfs: "nfs-client", cryptsetup: "cryptsetup", dmsetup: "device-mapper", utils: "util-linux", curl: "curl" },
};

function caseArms(family: keyof typeof PACKAGES): string {
  return Object.entries(PACKAGES[family]).map(([k, v]) => `${k}) echo ${v} ;;`).join(" ");
}

/**
 * Bash that makes a node ready for Longhorn, covering what Longhorn's own environment check
 * (longhorn/longhorn scripts/environment_check.sh) looks at on a node: packages (open-iscsi, an NFSv4
 * client, cryptsetup, device-mapper), iscsid running with iscsi_tcp loaded, multipathd not claiming
 * Longhorn's disks, shared mount propagation on /, the kernel release (>= 5.8; two releases with a
 * known RWX breakage) and NFSv4 in the kernel config; plus the tools the install guide lists (curl, findmnt, blkid, lsblk). Kernel
 * findings are warnings, as in Longhorn's check; the rest fail with the node named and the fix.
 * Idempotent. `$1` is the phase: create|update do the work; anything else (delete) leaves the host
 * as it is. `root` prefixes host file paths (tests only).
 */
/** `configRoot` names the addons settings in the opt-in hint (`k3s-stacks:addons` by default; ClusterAddons.args.config for a library). */
export function renderLonghornPrereqScript(opts: { nodeName?: string; mode?: PrereqMode; root?: string; configRoot?: ConfigRoot } = {}): string {
  const nodeValue = opts.nodeName ? shq(opts.nodeName) : '"$(hostname)"';
  const mode = opts.mode ?? "prepare";
  return `#!/usr/bin/env bash
# Longhorn node prerequisites (${mode}).
set -euo pipefail
phase="\${1:-create}"
case "$phase" in
  create|update) ;;
  *) exit 0 ;;
esac
node=${nodeValue}
mode=${mode}
root=${shq(opts.root ?? "")}
optout="or set ${keyPath(opts.configRoot ?? "addons", ["storage", "prepareNodes"])}: true to let k3s-stacks do it"

fail() {
  echo "longhorn prerequisites on node $node: $*" >&2
  exit 1
}
warn() { echo "longhorn prerequisites on node $node: warning: $*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

has_nfs_client() {
  local d
  for d in /sbin /usr/sbin; do
    if [ -x "$root$d/mount.nfs4" ] || [ -x "$root$d/mount.nfs" ]; then return 0; fi
  done
  return 1
}

missing_parts() {
  have iscsiadm || echo iscsi
  has_nfs_client || echo nfs
  have cryptsetup || echo cryptsetup
  have dmsetup || echo dmsetup
  if ! have findmnt || ! have lsblk || ! have blkid; then echo utils; fi
  have curl || echo curl
}

pm=""
if have apt-get; then pm=apt-get; elif have dnf; then pm=dnf; elif have yum; then pm=yum; elif have zypper; then pm=zypper; fi
package_of() {
  case "$pm" in
    apt-get) case "$1" in ${caseArms("apt")} esac ;;
    dnf|yum) case "$1" in ${caseArms("rpm")} esac ;;
    *) case "$1" in ${caseArms("zypper")} esac ;;
  esac
}

mapfile -t missing < <(missing_parts)
if [ "\${#missing[@]}" -gt 0 ]; then
  pkgs=()
  for m in "\${missing[@]}"; do pkgs+=("$(package_of "$m")"); done
  if [ "$mode" = check ]; then
    fail "missing \${pkgs[*]} (prepareNodes is false, so nothing is installed). Fix: install them (\${pm:-your package manager} install \${pkgs[*]}), $optout."
  fi
  case "$pm" in
    apt-get)
      { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "\${pkgs[@]}"; } >&2 ||
        fail "apt-get could not install \${pkgs[*]}. Fix: make the packages installable (offline: from your mirror) or install them by hand, then re-run pulumi up." ;;
    dnf|yum)
      "$pm" install -y -q "\${pkgs[@]}" >&2 || fail "$pm could not install \${pkgs[*]}. Fix: install them by hand, then re-run pulumi up." ;;
    zypper)
      zypper --non-interactive install "\${pkgs[@]}" >&2 || fail "zypper could not install \${pkgs[*]}. Fix: install them by hand, then re-run pulumi up." ;;
    *)
      fail "no supported package manager (apt-get, dnf, yum, zypper) to install \${pkgs[*]}. Fix: install open-iscsi, an NFSv4 client, cryptsetup and device-mapper by hand, then re-run pulumi up." ;;
  esac
  mapfile -t still < <(missing_parts)
  [ "\${#still[@]}" -eq 0 ] || fail "still missing after installing: \${still[*]}. Fix: check the package installation."
fi

# iSCSI: Longhorn attaches volumes through iscsid and the iscsi_tcp module.
module_loaded() { [ -d "$root/sys/module/$1" ]; }
if [ "$mode" = prepare ]; then
  modprobe iscsi_tcp || fail "cannot load kernel module iscsi_tcp. Fix: install the kernel's extra modules package (e.g. linux-modules-extra-*) and re-run."
  # dm_crypt serves encrypted volumes only, so a kernel without it is a warning.
  modprobe dm_crypt || warn "cannot load dm_crypt; encrypted Longhorn volumes will not attach."
  mkdir -p "$root/etc/modules-load.d"
  printf 'iscsi_tcp\\ndm_crypt\\n' > "$root/etc/modules-load.d/longhorn.conf"
  systemctl enable --now iscsid >&2 || fail "cannot start iscsid. Fix: check 'journalctl -u iscsid' on the node."
else
  module_loaded iscsi_tcp || fail "kernel module iscsi_tcp is not loaded. Fix: modprobe iscsi_tcp and list it in /etc/modules-load.d/, $optout."
  module_loaded dm_crypt || warn "dm_crypt is not loaded; encrypted Longhorn volumes will not attach (modprobe dm_crypt)."
fi
systemctl is-active --quiet iscsid || systemctl is-active --quiet iscsid.socket ||
  fail "neither iscsid.service nor iscsid.socket is running. Fix: systemctl enable --now iscsid, $optout."

# multipathd claims Longhorn's iSCSI disks unless they are blacklisted.
conf="$root/etc/multipath.conf"
block=${shq(MULTIPATH_BLOCK)}
current_block() { [ -f "$conf" ] && awk '/^# BEGIN k3s-stacks longhorn$/,/^# END k3s-stacks longhorn$/' "$conf"; }
blacklisted() {
  [ "$(current_block || true)" = "$block" ] && return 0
  grep -qsE 'VIRTUAL-DISK|devnode[[:space:]]+"\\^sd' "$conf" "$root"/etc/multipath/conf.d/*.conf
}
if systemctl is-active --quiet multipathd 2>/dev/null && ! blacklisted; then
  if [ "$mode" = check ]; then
    fail "multipathd is running without a blacklist for Longhorn's disks, so volumes would fail to mount. Fix: add this to /etc/multipath.conf and run 'systemctl reload multipathd': $(tr '\\n' ' ' <<<"$block")— $optout."
  fi
  tmp=$(mktemp)
  trap 'rm -f "$tmp"' EXIT
  if [ -f "$conf" ]; then awk '/^# BEGIN k3s-stacks longhorn$/{skip=1} !skip{print} /^# END k3s-stacks longhorn$/{skip=0}' "$conf" > "$tmp"; fi
  printf '%s\\n' "$block" >> "$tmp"
  install -m 0644 "$tmp" "$conf"
  systemctl reload multipathd >&2 || systemctl restart multipathd >&2 ||
    fail "multipathd did not take the new /etc/multipath.conf. Fix: check 'journalctl -u multipathd' and 'multipath -t' on the node."
  echo "blacklisted Longhorn's disks in /etc/multipath.conf and reloaded multipathd"
fi

# Mount propagation: the CSI plugin's Bidirectional mounts need / to be a shared mount (systemd's default).
propagation=$(findmnt -no PROPAGATION / 2>/dev/null || true)
case "$propagation" in
  *shared*) ;;
  "") warn "could not read the propagation of / (findmnt); Longhorn's CSI plugin needs it shared." ;;
  *) fail "/ is mounted $propagation, but Longhorn's CSI plugin needs shared mount propagation. Fix: run 'mount --make-rshared /' and make it permanent (systemd does this at boot; check the init system or container runtime that mounts /)." ;;
esac

# Kernel: Longhorn recommends >= 5.8 and names two releases that break RWX volumes.
kernel=$(uname -r)
older() { [ "$1" != "$2" ] && [ "$(printf '%s\\n%s\\n' "$1" "$2" | sort -V | head -n1)" = "$1" ]; }
if older "$kernel" 5.8; then warn "kernel $kernel is older than 5.8, which Longhorn recommends."; fi
for range in 5.15.0-94:5.15.0-100 6.5.6:6.5.7; do
  if ! older "$kernel" "\${range%%:*}" && older "$kernel" "\${range##*:}"; then
    warn "kernel $kernel has a known breakage of Longhorn RWX volumes (longhorn.io KB 'troubleshooting-rwx-volume-fails-to-attached-caused-by-protocol-not-supported'); upgrade to \${range##*:} or later."
  fi
done
if [ -f "$root/boot/config-$kernel" ] && ! grep -qE '^CONFIG_NFS_V4(_1|_2)?=(y|m)$' "$root/boot/config-$kernel"; then
  warn "the kernel config has no NFSv4 client (CONFIG_NFS_V4*); RWX volumes will not mount."
fi
echo "longhorn prerequisites ready on node $node"
`;
}

/**
 * The remote command that prepares (or, with mode `check`, only checks) one Longhorn data node over
 * its SSH connection; it reruns when the script changes.
 */
export function longhornPrereqCommand(name: string, node: NodeSpec, mode: PrereqMode, opts: pulumi.CustomResourceOptions, configRoot?: ConfigRoot): ScriptCommand {
  return remoteScript(
    name,
    { connection: node.connection, script: renderLonghornPrereqScript({ nodeName: node.name, mode, configRoot }), values: [node.name], phases: ["create", "update"] },
    { ...opts, dependsOn: opts.dependsOn ?? node.dependsOn },
  );
}
