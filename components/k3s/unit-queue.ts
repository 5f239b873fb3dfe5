import { shq } from "../remote/shell";

/** How long unit_queue waits for systemd to begin a queued restart, in seconds (polled every 0.2 s). */
export const QUEUE_BEGIN_SECONDS = 30;

/**
 * Bash function `unit_queue start|restart`: queues that job for `service` (`systemctl --no-block`)
 * instead of waiting in systemctl for k3s to be ready. k3s units are Type=notify with
 * TimeoutStartSec=0 (the unit install.sh writes), so a plain `systemctl start|restart` waits without
 * end for a k3s that never reports ready: a join it retries for ever, a datastore that does not
 * answer, an etcd member waiting for its peers (k3s-io/k3s#1356, k3s-io/k3s#6208,
 * vitobotta/hetzner-k3s#128). The step would hang with no output, and the bounded waits after it
 * (waitActive, the rollout's health gate), which read the journal and name the cause, would never
 * run. A restart returns only once systemd has begun it: the unit is no longer active, or its main
 * process is a new one (ExecMainStartTimestampMonotonic). Until then `systemctl is-active` could
 * still answer for the k3s being replaced. Fails (status 1, after saying why) when systemctl refuses
 * the job, or when systemd has not begun the restart within QUEUE_BEGIN_SECONDS. Needs `unit_prop`
 * (unit-watch.ts).
 */
export function unitQueueFunction(node: string, service: string): string {
  const unit = shq(service);
  const started = "ExecMainStartTimestampMonotonic";
  return `# Queue a start or restart of ${service} without waiting for k3s to be ready (unit-queue.ts).
unit_queue() {
  local before shown
  if [ "$1" != restart ]; then systemctl "$1" --no-block ${unit}; return; fi
  before=$(unit_prop "$(systemctl show -p ${started} ${unit} 2>/dev/null || true)" ${started})
  systemctl restart --no-block ${unit} || return 1
  for _ in $(seq 1 ${QUEUE_BEGIN_SECONDS * 5}); do
    shown=$(systemctl show -p ActiveState,${started} ${unit} 2>/dev/null || true)
    if [ "$(unit_prop "$shown" ActiveState)" != active ] || [ "$(unit_prop "$shown" ${started})" != "$before" ]; then return 0; fi
    sleep 0.2
  done
  echo "k3s-stacks: ${node}: systemd did not begin to restart ${service} within ${QUEUE_BEGIN_SECONDS}s of queueing it. Fix: see which job holds it up with 'systemctl list-jobs' on ${node}, then run pulumi up again." >&2
  return 1
}`;
}

/**
 * Bash function `systemctl_shim`: writes into `$package_shim_dir` (host/install-lock.ts, first on
 * PATH while install.sh runs) a `systemctl` that turns install.sh's start of k3s, a plain
 * `systemctl restart <unit>` (K3S:install.sh systemd_start), into `unit_queue restart`, and passes
 * every other call to the real systemctl. install.sh still decides whether to restart (only when
 * the binary, unit or env file changed); it no longer waits for k3s to be ready. Needs unit_prop and
 * unit_queue defined (unitWatchFunctions).
 */
export function systemctlShimFunction(service: "k3s" | "k3s-agent"): string {
  return `systemctl_shim() {
  {
    printf '%s\\n' '#!/bin/bash' 'set -euo pipefail' "PATH=\\\${PATH#$package_shim_dir:}"
    declare -f unit_prop unit_queue
    # shellcheck disable=SC2016 # written as is: the shim expands them
    printf '%s\\n' 'if [ "$#" = 2 ] && [ "$1" = restart ] && [ "$2" = ${service} ]; then unit_queue restart; exit; fi' 'exec systemctl "$@"'
  } > "$package_shim_dir/systemctl"
  chmod 0755 "$package_shim_dir/systemctl"
}`;
}
