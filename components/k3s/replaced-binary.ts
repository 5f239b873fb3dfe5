/**
 * Bash function `k3s_binary_replaced`: true when the unit's main process runs a k3s binary that has
 * since been replaced on disk (Linux marks the process's /proc/<pid>/exe link " (deleted)").
 *
 * Why: install.sh restarts k3s only when the binary, unit or env file changed while it ran
 * (PRE/POST_INSTALL_HASHES; "No change detected so skipping service start"). A binary put in place
 * before it, as an airgap install must (INSTALL_K3S_SKIP_DOWNLOAD), or a run cut short after the
 * binary moved, leaves the old k3s running while the one on disk is new: the version gate would then
 * wait for a version the node never starts.
 */
export function replacedBinaryFunction(service: string): string {
  return `k3s_binary_replaced() {
  local pid
  pid=$(systemctl show -p MainPID ${service} 2>/dev/null | cut -d= -f2 || true)
  [ -n "$pid" ] && [ "$pid" != 0 ] && [[ "$(readlink "/proc/$pid/exe" 2>/dev/null || true)" == *" (deleted)" ]]
}`;
}
