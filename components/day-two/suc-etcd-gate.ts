import { etcdMemberHealthSnippet } from "../k3s/etcd-quorum";
import { indent } from "../remote/shell";

/**
 * Seconds the server plan's gate waits for etcd before it fails its Job; the controller then runs the
 * Job again (SYSTEM_UPGRADE_JOB_BACKOFF_LIMIT, suc.ts). Well inside the Job's own deadline
 * (JOB_ACTIVE_DEADLINE_SECONDS), which also covers the drain and the upgrade.
 */
export const ETCD_GATE_TIMEOUT_SECONDS = 300;

/**
 * Bash for the server plan's `prepare` step, run on the server the Job is about to upgrade, before the
 * controller cordons it: waits until etcd would keep quorum without this server's member, then exits 0;
 * fails the Job after `timeoutSeconds` naming the members etcd reports down.
 *
 * Why: k3s-upgrade's `upgrade` replaces the binary, sends k3s SIGTERM and exits at once
 * (k3s-io/k3s-upgrade scripts/upgrade.sh), so its Job completes while k3s is still starting, and the
 * controller starts the next server's Job straight away (concurrency 1 bounds Jobs, not health). The
 * next server could stop while the previous one's etcd member is still down: two of three members
 * down, etcd without quorum, the API down. The SSH rollout gates every server on etcd
 * (etcdRestartGuardFunction); this is the same count, asked of etcd in the same way
 * (etcdMemberHealthSnippet): after this member stops, the healthy others must still be a majority. A
 * single-member etcd has no quorum to keep and passes.
 *
 * Runs in the host's root (the controller mounts it at /host and gives the Job the host's network,
 * system-upgrade-controller v0.20.1 pkg/upgrade/container, pkg/upgrade/job), so it reads k3s's etcd
 * client certificates where the SSH guards read them, with the host's bash and curl (the config step of
 * an etcd server checks curl is there).
 */
export function renderSucEtcdGate(timeoutSeconds = ETCD_GATE_TIMEOUT_SECONDS): string {
  // No pulumi run retries the gate: the Job runs it again (its backoff limit), and the controller
  // replaces a failed Job. So a fix ends with the fix, and the give-up message says what retries it.
  const health = etcdMemberHealthSnippet({ node: "", leaving: [], action: "upgrading this server", where: "this server", resume: "" });
  return `# shellcheck disable=SC2034 # the health snippet also sets listed, which the gate does not need
set -uo pipefail
# k3s-stacks: system-upgrade-controller upgrades this server only while etcd keeps quorum without it.
give_up_at=$(( $(date +%s) + ${timeoutSeconds} ))
while :; do
  if report=$( (
${indent(health, 4)}
    # This member stops for the upgrade: the healthy others must still be a majority of all members.
    if [ "$members" -gt 1 ] && [ $((up - 1)) -lt $((members / 2 + 1)) ]; then
      fix="bring$down_names back ('systemctl status k3s' and 'journalctl -u k3s' on each)"
      # Every member healthy and still short: too few members to lose one (2 of 2).
      [ -n "$down_names" ] || fix="add a server: etcd needs a majority of its $members members running, so none of them may stop; with 3, one may"
      echo "$up of $members etcd members are healthy; etcd reports down:\${down:- none}. Fix: $fix."
      exit 1
    fi
  ) 2>&1 ); then
    echo "k3s-stacks: etcd keeps quorum while $(hostname) upgrades; upgrading it"
    exit 0
  fi
  if [ "$(date +%s)" -ge "$give_up_at" ]; then
    echo "k3s-stacks: not upgrading $(hostname) yet: for ${timeoutSeconds} s etcd did not show it would keep quorum without this server, and upgrading now could stop the cluster's API. Last check: $report Nothing to run by hand once that is fixed: system-upgrade-controller runs this check again (the Job retries it, and a failed Job is replaced), and the upgrade goes on from this server (kubectl -n system-upgrade get plans,jobs)." >&2
    exit 1
  fi
  sleep 5
done
`;
}
