import { shq } from "../remote/shell";
import { joinRefusedFunction } from "./join-errors";
import { unitQueueFunction } from "./unit-queue";

/**
 * Automatic restarts of a k3s unit, counted from the start of a wait, at which the wait gives up
 * early: k3s is crash-looping and waiting longer would not help. install.sh writes the unit with
 * Restart=always and RestartSec=5s (/work/shared/reference/k3s-reference.md, "Unit file"), so a k3s
 * that exits at once (a flag it does not know, a config.yaml it refuses) is started again every ~5 s
 * for ever: systemd's start limit (5 starts in 10 s by default) is never reached at that pace, so the
 * unit seldom shows `failed` and its restart count (NRestarts) is the signal. Why 5: a server joining
 * embedded etcd may exit and be restarted once or twice before its member is promoted; 5 is more than
 * twice that, and still takes only ~25-75 s (RestartSec plus k3s's own time to fail), far below the
 * 240 s and 600 s waits it shortens.
 */
export const CRASH_LOOP_RESTARTS = 5;

/** How long run_install (scripts.ts) waits for k3s to be active: the 240 s above. */
export const ACTIVE_WAIT_SECONDS = 240;

/**
 * Bash functions that watch `service` on `node` while a step waits for it:
 *  - unit_watch_begin: where the wait begins (restarts and journal lines before it, e.g. a crash loop
 *    since fixed, do not count);
 *  - unit_broken: succeeds when the unit is `failed` or was restarted CRASH_LOOP_RESTARTS times since,
 *    after printing its state (`systemctl show`) and the last lines of its journal to stderr;
 *  - join_refused (join-errors.ts): succeeds when k3s keeps logging a refusal no retry gets past (a
 *    wrong token, a node password or etcd member of another machine), after naming the cause and fix;
 *  - unit_queue (unit-queue.ts): starts or restarts the unit without waiting in systemctl, for the
 *    bounded waits that follow.
 * Only ever makes a wait fail sooner: a unit that is merely slow (activating, no restarts) keeps
 * being waited for. Journal lines mentioning a token (`token`, or `K10`, how a k3s token starts) are
 * left out: k3s does not log the token itself, but the step's output reaches the CLI and CI logs, and
 * a line could still carry one (a flag echoed by an error, another tool writing to the unit's journal).
 */
export function unitWatchFunctions(node: string, service: string): string {
  const unit = shq(service);
  return `# systemd's view of ${service}: ActiveState, SubState and NRestarts (its restarts by Restart=always).
unit_show() { systemctl show -p NRestarts,ActiveState,SubState ${unit} 2>/dev/null || true; }
unit_prop() { printf '%s\\n' "$1" | sed -n "s/^$2=//p"; }
unit_restarts() { case "$1" in ''|*[!0-9]*) echo 0 ;; *) echo "$1" ;; esac; }
# journalctl's --since reads local time, as date prints it.
unit_watch_begin() { unit_restarts_base=$(unit_restarts "$(unit_prop "$(unit_show)" NRestarts)"); unit_watch_since=$(date '+%Y-%m-%d %H:%M:%S'); }
unit_broken() {
  local shown state restarts
  shown=$(unit_show)
  state=$(unit_prop "$shown" ActiveState)
  restarts=$(unit_restarts "$(unit_prop "$shown" NRestarts)")
  # A manual start since unit_watch_begin resets systemd's count: it counts from zero then.
  if [ "$restarts" -ge "\${unit_restarts_base:-0}" ]; then restarts=$((restarts - \${unit_restarts_base:-0})); fi
  if [ "$state" != failed ] && [ "$restarts" -lt ${CRASH_LOOP_RESTARTS} ]; then return 1; fi
  echo "k3s-stacks: ${node}: ${service} is not running ($state/$(unit_prop "$shown" SubState), restarted $restarts times by systemd); last log lines of 'journalctl -u ${service}' (lines mentioning a token left out):" >&2
  { journalctl -u ${unit} -n 40 --no-pager 2>/dev/null || true; } | { grep -viE 'token|K10' || true; } | tail -n 20 | sed 's/^/  /' >&2
}
${joinRefusedFunction(node, service)}
${unitQueueFunction(node, service)}`;
}

/**
 * Bash that waits up to `seconds` for `service` to be active, checking every second (k3s is started
 * with unit_queue, so this wait is where a bring-up learns its server is ready); fails as soon as k3s
 * keeps refusing its join (join_refused, which names the cause and fix) or the unit is broken
 * (unit_broken, from unitWatchFunctions) with `fix` after its report, and runs `otherwise` when the
 * time is up and the unit is still not active.
 */
export function waitActive(opts: { node: string; service: string; seconds: number; fix: string; otherwise: string }): string {
  const unit = shq(opts.service);
  return `unit_watch_begin
for _ in $(seq 1 ${opts.seconds}); do
  if systemctl is-active --quiet ${unit}; then break; fi
  if join_refused; then exit 1; fi
  if unit_broken; then echo ${shq(`k3s-stacks: ${opts.node}: ${opts.fix}`)} >&2; exit 1; fi
  sleep 1
done
systemctl is-active --quiet ${unit} || ${opts.otherwise}`;
}

/** What to do about a broken unit, after unit_broken's report. */
export const BROKEN_FIX = "fix the cause (the log lines above; /etc/rancher/k3s/config.yaml and the join token are the usual ones) and run pulumi up again.";
