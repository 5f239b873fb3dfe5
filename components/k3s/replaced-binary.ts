/**
 * Bash function `k3s_binary_replaced`: true when the k3s binary on PATH was modified after the
 * unit's main process started, i.e. k3s still runs what it started from before the binary changed.
 *
 * Why: install.sh restarts only when the binary, unit or env file changed while it ran
 * (PRE/POST_INSTALL_HASHES; "No change detected so skipping service start"). A binary put in place
 * before it, as an airgap install must (INSTALL_K3S_SKIP_DOWNLOAD), or a run cut short after the
 * binary moved, leaves the old k3s running while the one on disk is new: the version gate would then
 * wait for a version the node never starts. The executable of the running process says nothing here:
 * k3s re-executes itself from its data directory (K3S:cmd/k3s/main.go stageAndRun), which an
 * upgrade leaves in place. Anything unreadable (no main PID, no ps or stat) counts as not replaced.
 * Times are wall-clock seconds: `ps -o etimes` gives the process's age, `stat` the file's mtime.
 */
export function replacedBinaryFunction(service: string): string {
  return `k3s_binary_replaced() {
  local pid bin age changed now
  pid=$(systemctl show -p MainPID ${service} 2>/dev/null | cut -d= -f2 || true)
  bin=$(command -v k3s 2>/dev/null || true)
  [ -n "$pid" ] && [ "$pid" != 0 ] && [ -n "$bin" ] || return 1
  age=$(ps -o etimes= -p "$pid" 2>/dev/null | tr -d ' ' || true)
  changed=$(stat -L -c %Y "$bin" 2>/dev/null || true)
  [ -n "$age" ] && [ -n "$changed" ] || return 1
  now=$(date +%s)
  # A time in the future (a clock that was ahead when the file was written) says nothing.
  [ "$changed" -gt "$((now - age))" ] && [ "$changed" -le "$now" ]
}`;
}
