import * as pulumi from "@pulumi/pulumi";
import { ScriptCommand, remoteScript } from "../remote/command";
import { indent, shq } from "../remote/shell";
import { renderOsFacts } from "../k3s/host/facts";
import { renderPackageInstall } from "../k3s/host/packages";
import { renderRebootOrAsk } from "../k3s/host/reboot";
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

/** Longhorn's data directory when storage.dataPath is not set: the chart's defaultSettings.defaultDataPath. */
const DEFAULT_DATA_PATH = "/var/lib/longhorn/";

/** What a node can lack, as missing_parts names it, and how a message names it on a host we cannot install on. */
const PARTS = {
  iscsi: "an iSCSI initiator (iscsiadm)",
  nfs: "an NFSv4 client (mount.nfs4)",
  cryptsetup: "cryptsetup",
  dmsetup: "device-mapper (dmsetup)",
  utils: "findmnt, lsblk and blkid (util-linux)",
  curl: "curl",
};
type Part = keyof typeof PARTS;

/**
 * Package per missing piece and OS family (renderOsFacts). Names from Longhorn's
 * scripts/environment_check.sh, whose per-distribution lists are: apt nfs-common open-iscsi
 * cryptsetup dmsetup; RHEL family nfs-utils iscsi-initiator-utils cryptsetup device-mapper; SUSE
 * nfs-client open-iscsi cryptsetup device-mapper; Arch nfs-utils open-iscsi cryptsetup
 * device-mapper. util-linux and curl have those names on every family. Image-based hosts take their
 * family's names: transactional-update installs with zypper, rpm-ostree Fedora/RHEL RPMs.
 */
const PACKAGES: Record<"debian" | "rhel" | "suse" | "arch", Record<Part, string>> = {
  debian: { iscsi: "open-iscsi", nfs: "nfs-common", cryptsetup: "cryptsetup", dmsetup: "dmsetup", utils: "util-linux", curl: "curl" },
  rhel: { iscsi: "iscsi-initiator-utils", nfs: "nfs-utils", cryptsetup: "cryptsetup", dmsetup: "device-mapper", utils: "util-linux", curl: "curl" },
  suse: { iscsi: "open-iscsi", nfs: "nfs-client", cryptsetup: "cryptsetup", dmsetup: "device-mapper", utils: "util-linux", curl: "curl" },
  arch: { iscsi: "open-iscsi", nfs: "nfs-utils", cryptsetup: "cryptsetup", dmsetup: "device-mapper", utils: "util-linux", curl: "curl" },
};

const packageArms = Object.entries(PACKAGES)
  .flatMap(([family, parts]) => Object.entries(parts).map(([part, pkg]) => `${family}:${part}) echo ${pkg} ;;`))
  .join("\n    ");
const partArms = Object.entries(PARTS).map(([part, text]) => `${part}) echo ${shq(text)} ;;`).join("\n    ");

/**
 * Bash that makes a node ready for Longhorn, covering what Longhorn's own environment check
 * (longhorn/longhorn scripts/environment_check.sh) looks at on a node: packages (open-iscsi, an NFSv4
 * client, cryptsetup, device-mapper), iscsid running with iscsi_tcp loaded, multipathd not claiming
 * Longhorn's disks, shared mount propagation on /, the kernel release (>= 5.8; two releases with a
 * known RWX breakage) and NFSv4 in the kernel config; plus the tools the install guide lists (curl, findmnt, blkid, lsblk). Kernel
 * findings are warnings, as in Longhorn's check; the rest fail with the node named and the fix.
 * What the node is and how it takes packages come from host preparation's own snippets
 * (renderOsFacts, renderPackageInstall): apt-get, dnf/yum, zypper or pacman by OS family; on an
 * image-based host (transactional-update, rpm-ostree) the packages go into the next snapshot or
 * deployment and the run stops there, before anything is configured as if they were installed:
 * with `allowReboot` (default false) a node where k3s does not run reboots, else the run fails
 * asking for the reboot, one node at a time (renderRebootOrAsk). Idempotent. `$1` is the phase:
 * create|update do the work; anything else (delete) leaves the host as it is. `root` prefixes host
 * file paths (tests only). `configRoot` names the addons settings in the opt-in hint
 * (`k3s-stacks:addons` by default; ClusterAddons.args.config for a library). `dataPath` is Longhorn's
 * data directory (default the chart's /var/lib/longhorn/): a tmpfs or ramfs under it fails, as its
 * replicas would not outlive a reboot; a filesystem other than ext4 or XFS (the ones Longhorn's install
 * guide supports) is a warning.
 */
export function renderLonghornPrereqScript(opts: { nodeName?: string; mode?: PrereqMode; allowReboot?: boolean; root?: string; configRoot?: ConfigRoot; dataPath?: string } = {}): string {
  const nodeValue = opts.nodeName ? shq(opts.nodeName) : '"$(hostname)"';
  const dataPathKey = keyPath(opts.configRoot ?? "addons", ["storage", "dataPath"]);
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
allow_reboot=${opts.allowReboot ? 1 : 0}
optout="or set ${keyPath(opts.configRoot ?? "addons", ["storage", "prepareNodes"])}: true to let k3s-stacks do it"
${renderOsFacts('"$root"')}
${renderPackageInstall('"$root"', "longhorn prerequisites on node $node:")}

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

package_of() {
  case "$family:$1" in
    ${packageArms}
  esac
}
part_name() {
  case "$1" in
    ${partArms}
  esac
}

mapfile -t missing < <(missing_parts)
if [ "\${#missing[@]}" -gt 0 ]; then
  if [ "$family" = unknown ]; then
    needs=()
    for m in "\${missing[@]}"; do needs+=("$(part_name "$m")"); done
    needs_text=$(printf '%s, ' "\${needs[@]}")
    fail "missing \${needs_text%, }, and $root/etc/os-release names ID=\${os_id:-?} ID_LIKE=\${os_like:-?}, not a family k3s-stacks installs packages on (Debian, RHEL, SUSE, Arch). Fix: install them with your distribution's package manager, then re-run pulumi up."
  fi
  pkgs=()
  for m in "\${missing[@]}"; do pkgs+=("$(package_of "$m")"); done
  if [ "$transactional" = 1 ] && [ -z "$tx_tool" ]; then
    fail "missing \${pkgs[*]}; $node boots an ostree image ($root/run/ostree-booted) whose /usr is read-only, and has no rpm-ostree to add packages to it. Fix: build \${pkgs[*]} into $node's image, boot it, then re-run pulumi up."
  fi
  cmd=$(install_command "\${pkgs[@]}")
  fix="run '$cmd' on $node"
  # On an image-based host the packages only run from the next boot.
  if [ "$transactional" = 1 ]; then fix="$fix, then drain and reboot it ('systemctl reboot'), one node at a time"; fi
  if [ "$mode" = check ]; then
    fail "missing \${pkgs[*]} (prepareNodes is false, so nothing is installed). Fix: $fix, $optout."
  fi
  install_package "\${pkgs[@]}" >&2 ||
    fail "could not install \${pkgs[*]} ('$cmd' failed). Fix: make the packages installable (offline: from your mirror) or install them by hand, then re-run pulumi up."
  if [ "$transactional" = 1 ]; then
    # Nothing below may run as if they were installed: they are in the next $tx_image only.
${indent(renderRebootOrAsk("allow_reboot", {
    now: "${pkgs[*]} are in a new $tx_image; $node reboots now to run it. Fix: run pulumi up again once it is back.",
    ask: "${pkgs[*]} are in a new $tx_image, which runs from the next boot. Fix: reboot $node ('systemctl reboot', or set allowReboot: true for this host), then run pulumi up again.",
    running: "${pkgs[*]} are in a new $tx_image, which runs from the next boot; k3s runs on $node, so it is not rebooted from here (Longhorn's node preparation runs on every data node at once). Fix: drain and reboot $node, one node at a time, then run pulumi up again.",
  }, "longhorn prerequisites on node $node: "), 4)}
    exit 1
  fi
  mapfile -t still < <(missing_parts)
  [ "\${#still[@]}" -eq 0 ] || fail "still missing after installing: \${still[*]}. Fix: check the package installation."
fi

# open-iscsi 2.1.12 changed its configuration so that Longhorn's volumes fail to attach; Longhorn's
# install guide (1.11 to 1.13) asks for 2.1.11 or older, or 2.1.13 or newer (longhorn/longhorn#13733,
# open-iscsi/open-iscsi#540). Other numberings (RHEL's iscsi-initiator-utils 6.2.x) are not affected.
iscsi_version=$(iscsiadm --version 2>/dev/null | awk '{print $NF}' || true)
if [ "$iscsi_version" = 2.1.12 ]; then
  fail "open-iscsi 2.1.12 is installed, whose configuration change makes Longhorn's volumes fail to attach (Longhorn's install guide, longhorn/longhorn#13733). Fix: install open-iscsi 2.1.13 or newer (or 2.1.11) on $node with your distribution's package manager ($(package_of iscsi)), then re-run pulumi up."
fi

# iSCSI: Longhorn attaches volumes through iscsid and the iscsi_tcp module.
# Where iscsi_tcp comes from: Ubuntu ships it in linux-modules-extra-<release>, not in the kernel
# image (spectrocloud/CanvOS#601); the RHEL family in kernel-modules-<release> (Oracle Linux's UEK:
# kernel-uek-modules-<release>), which images that carry kernel-core alone lack; SUSE only in the
# full kernel-<flavor>, not in the minimal kernel-<flavor>-base that replaces it on VM images
# (Longhorn's install guide, longhorn/website#920); on Arch a module of the running kernel is only
# missing once pacman replaced that kernel (as for k3s's modules, components/k3s/host/modules.ts).
iscsi_tcp_fix() {
  local release flavor
  release=$(uname -r)
  flavor=\${release##*-}
  case "$family:$os_id:$release" in
    arch:*) echo "pacman replaced the running kernel $release and its modules: reboot $node into the installed kernel, then re-run pulumi up" ;;
    debian:ubuntu:*) echo "run '$(install_command "linux-modules-extra-$release")' on $node, then re-run pulumi up" ;;
    rhel:*:*uek*) echo "iscsi_tcp is in kernel-uek-modules-$release: run '$(install_command "kernel-uek-modules-$release")' on $node, then re-run pulumi up" ;;
    rhel:*) echo "iscsi_tcp is in kernel-modules-$release, which images with kernel-core alone lack: run '$(install_command "kernel-modules-$release")' on $node, then re-run pulumi up" ;;
    suse:*) echo "on SUSE iscsi_tcp is only in kernel-$flavor, not in the minimal kernel-$flavor-base (Longhorn's install guide): replace kernel-$flavor-base with kernel-$flavor on $node ('$(install_command "kernel-$flavor")'), reboot $node into it, then re-run pulumi up" ;;
    *) echo "install the package of your distribution that carries iscsi_tcp for kernel $release (or use a kernel built with CONFIG_ISCSI_TCP), then re-run pulumi up" ;;
  esac
}
module_loaded() { [ -d "$root/sys/module/$1" ]; }
if [ "$mode" = prepare ]; then
  modprobe iscsi_tcp || fail "cannot load kernel module iscsi_tcp (kernel $(uname -r)). Fix: $(iscsi_tcp_fix)."
  # dm_crypt serves encrypted volumes only, so a kernel without it is a warning.
  modprobe dm_crypt || warn "cannot load dm_crypt; encrypted Longhorn volumes will not attach."
  mkdir -p "$root/etc/modules-load.d"
  printf 'iscsi_tcp\\ndm_crypt\\n' > "$root/etc/modules-load.d/longhorn.conf"
  systemctl enable --now iscsid >&2 || fail "cannot start iscsid. Fix: check 'journalctl -u iscsid' on the node."
else
  # modprobe -n resolves the module without loading it: a kernel without iscsi_tcp needs its package first.
  if ! module_loaded iscsi_tcp; then
    modprobe -n -q iscsi_tcp || fail "kernel module iscsi_tcp is not loaded, and kernel $(uname -r) has none. Fix: $(iscsi_tcp_fix)."
    fail "kernel module iscsi_tcp is not loaded. Fix: modprobe iscsi_tcp and list it in /etc/modules-load.d/, $optout."
  fi
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

# Longhorn's data path: the filesystem of its nearest existing directory is where replicas will live.
data_path=${shq(opts.dataPath ?? DEFAULT_DATA_PATH)}
probe=$data_path
while [ ! -e "$root$probe" ] && [ "$probe" != / ]; do probe=$(dirname "$probe"); done
data_fs=$(findmnt -no FSTYPE -T "$root$probe" 2>/dev/null || true)
case "$data_fs" in
  ext4|xfs) ;;
  tmpfs|ramfs) fail "Longhorn's data path $data_path is on $data_fs, which is emptied at every reboot, with every replica on it. Fix: mount a disk (ext4 or XFS) at $data_path, or set ${dataPathKey} to a directory on one." ;;
  "") warn "could not read the filesystem of $data_path (findmnt); Longhorn supports ext4 and XFS." ;;
  *) warn "Longhorn's data path $data_path is on $data_fs; Longhorn's install guide supports ext4 and XFS." ;;
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
 * its SSH connection, with Longhorn's `dataPath` when set; it reruns when the script changes.
 */
export function longhornPrereqCommand(name: string, node: NodeSpec, mode: PrereqMode, opts: pulumi.CustomResourceOptions, configRoot?: ConfigRoot, dataPath?: string): ScriptCommand {
  return remoteScript(
    name,
    { connection: node.connection, script: renderLonghornPrereqScript({ nodeName: node.name, mode, allowReboot: node.allowReboot, configRoot, dataPath }), values: [node.name], phases: ["create", "update"] },
    { ...opts, dependsOn: opts.dependsOn ?? node.dependsOn },
  );
}
