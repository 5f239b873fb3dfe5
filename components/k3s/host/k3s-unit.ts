/**
 * Bash condition: k3s or k3s-agent is active on this node (installed and started before this run).
 * Checks that guard a fresh install (node-name takeover, iptables, foreign config.yaml.d drop-ins)
 * judge a node where k3s already runs differently: it started with what is there now.
 */
export const K3S_ACTIVE = "{ systemctl is-active --quiet k3s 2>/dev/null || systemctl is-active --quiet k3s-agent 2>/dev/null; }";

/**
 * Bash for a host finding that stops a new node but not a working one: where k3s already runs it
 * started with the host as it is, so `warning` is printed and a day-two run goes on; elsewhere
 * `failure` goes to stderr and the script exits 1 before anything changes. Both are the contents of
 * a double-quoted echo (they may expand variables). Lines after the first are indented by `pad`
 * spaces, so the block can stand where its first line is.
 */
export function failNewNodeOrWarn(warning: string, failure: string, pad = 0): string {
  return [`if ${K3S_ACTIVE}; then`, `  echo "${warning}"`, "else", `  echo "${failure}" >&2`, "  exit 1", "fi"].join(`\n${" ".repeat(pad)}`);
}
