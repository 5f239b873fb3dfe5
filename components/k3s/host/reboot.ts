/** What to print in each case; shell double-quoted text without the prefix. */
export interface RebootMessages {
  /** The node reboots now. */
  now: string;
  /** Rebooting is not allowed (`allowReboot: false`): ask for it. */
  ask: string;
  /** Allowed, but k3s runs on the node. */
  running: string;
}

/**
 * Shell: when the shell variable `allow` is 1, reboot the node (in the background, so the step can
 * still say why) and print `now`; otherwise print `ask`, each after `prefix` (default `k3s-stacks: `).
 * The caller exits 1 after it.
 *
 * Never on a node where k3s runs or is starting: host preparation runs on every node at once (config steps are not
 * rolled), so rebooting there could take several nodes, and with them the API or etcd quorum, down
 * together; `running` asks the user to reboot it, one node at a time.
 */
export function renderRebootOrAsk(allow: string, messages: RebootMessages, prefix = "k3s-stacks: "): string {
  // Any state but inactive/failed counts: a server still starting (an etcd member joining) or a unit
  // in a restart loop is "activating", which `is-active --quiet` would take for not running.
  return `k3s_unit_up=0
for unit in k3s k3s-agent; do
  case "$(systemctl is-active "$unit" 2>/dev/null || true)" in active|activating|deactivating|reloading|refreshing) k3s_unit_up=1 ;; esac
done
if [ "$${allow}" = 1 ] && [ "$k3s_unit_up" = 1 ]; then
  echo "${prefix}${messages.running}" >&2
elif [ "$${allow}" = 1 ]; then
  echo "${prefix}${messages.now}" >&2
  (sleep 2; systemctl reboot) >/dev/null 2>&1 &
else
  echo "${prefix}${messages.ask}" >&2
fi`;
}
