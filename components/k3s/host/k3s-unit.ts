/**
 * Bash condition: k3s or k3s-agent is active on this node (installed and started before this run).
 * Checks that guard a fresh install (node-name takeover, iptables, foreign config.yaml.d drop-ins)
 * judge a node where k3s already runs differently: it started with what is there now.
 */
export const K3S_ACTIVE = "{ systemctl is-active --quiet k3s 2>/dev/null || systemctl is-active --quiet k3s-agent 2>/dev/null; }";
