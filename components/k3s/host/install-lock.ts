import { shq } from "../../remote/shell";
import { renderPackageLock } from "./package-lock";

/**
 * The package managers k3s's install.sh runs, by name from PATH, for the k3s-selinux policy on the
 * RHEL and SUSE families, and the family whose locks each waits for (K3S:install.sh setup_selinux,
 * install_selinux_rpm, check_available_upgrades: `dnf`/`yum install -y k3s-selinux` and
 * `yum -q --refresh list ... --upgrades`; `zypper --gpg-auto-import-keys install -y k3s-selinux`
 * and `zypper ... se -s -u`; on a transactional system `transactional-update --no-selfupdate -d run
 * zypper ...`). install.sh has no lock handling of its own, so dnf and yum wait without end for
 * dnf-automatic, dnf-makecache or PackageKit, and zypper fails at once while a background refresh
 * holds its lock. rpm-ostree is not here: its transactions are the rpm-ostreed daemon's, with no lock
 * file renderPackageLock could read (it refuses another transaction, naming the one in progress).
 */
const SHIMMED: Record<string, "rhel" | "suse"> = { dnf: "rhel", yum: "rhel", zypper: "suse", "transactional-update": "suse" };

/**
 * Shell function `package_shims`: writes, into a new directory it names in `$package_shim_dir`, one
 * executable per package manager of SHIMMED that the host has, which runs the real one through
 * `run_package_command` (renderPackageLock): it waits up to PACKAGE_LOCK_TIMEOUT seconds for another
 * package manager to let go of the package database (dnf and yum are told to stop instead of waiting
 * without end, zypper to wait within the bound), and on timeout exits 1 naming the node, the lock,
 * the process holding it and the fix. Put first on PATH for install.sh, whose calls by name then go
 * through them. Their waiting notice goes to stderr: install.sh reads the stdout of `yum list --upgrades`
 * and `zypper se` (check_available_upgrades) and takes a last line that is not the tool's for an upgrade,
 * which makes it remove the running k3s policy module (`semodule -r k3s`) before reinstalling the
 * package. The directory is made under /run (root's, executable: /tmp is mounted noexec on
 * hardened hosts, CIS benchmark "Ensure noexec option set on /tmp partition"), else under TMPDIR.
 */
export function renderPackageShims(node: string): string {
  const lib = `node=${shq(node)}\n${renderPackageLock("", "k3s-stacks: $node: $shim_tool, run by k3s's install.sh for k3s-selinux:", "stderr")}`;
  const families = Object.entries(SHIMMED).map(([tool, family]) => `${tool}) shim_family=${family} ;;`).join(" ");
  return `package_shims() {
  package_shim_dir=$(mktemp -d /run/k3s-stacks-install.XXXXXX 2>/dev/null || mktemp -d)
  local tool shim_family
  for tool in ${Object.keys(SHIMMED).join(" ")}; do
    command -v "$tool" >/dev/null 2>&1 || continue
    case "$tool" in ${families} esac
    {
      printf '%s\\n' '#!/bin/bash' 'set -euo pipefail' "PATH=\\\${PATH#$package_shim_dir:}" "shim_tool=$tool family=$shim_family"
      cat <<'K3S_STACKS_SHIM'
${lib}
K3S_STACKS_SHIM
      printf '%s\\n' "run_package_command $tool \\"\\$@\\""
    } > "$package_shim_dir/$tool"
    chmod 0755 "$package_shim_dir/$tool"
  done
}`;
}
