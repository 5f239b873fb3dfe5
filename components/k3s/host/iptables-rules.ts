import { FirewallRules } from "./network";

/**
 * Shell, after the facts, for a host where no firewall k3s-stacks manages (firewalld, ufw) is active
 * but its own iptables rules end INPUT or FORWARD with an unconditional REJECT or DROP, as cloud
 * images load them at boot (Oracle Cloud's Ubuntu images from /etc/iptables/rules.v4 through
 * netfilter-persistent; iptables-services from /etc/sysconfig/iptables): k3s's ports are refused
 * unless an ACCEPT before that rule names them, and every rule k3s's flannel appends to FORWARD
 * comes after it, so pods on different nodes never reach each other while every node reports Ready
 * (k3s-io/k3s#977, #4847). Warns naming the rule, the ports and pod CIDRs it cuts off, and the fix;
 * these rules are the host's, so nothing is changed, and an ACCEPT by source address or interface
 * that k3s-stacks cannot judge may already let the traffic in (hence a warning, not a failure).
 * IPv4 rules only (iptables -S, filter table).
 */
export function renderIptablesRejectCheck(rules: FirewallRules): string {
  const cidrs = rules.sources.filter((c) => !c.includes(":"));
  return `if [ "$firewall" = none ] && command -v iptables >/dev/null 2>&1; then
  filter_rules=$(iptables -S 2>/dev/null || true)
  # The first rule of the chain that rejects or drops whatever reaches it, and the ACCEPTs before it.
  reject_at() { awk -v c="$1" '$1 == "-A" && $2 == c && $3 == "-j" && ($4 == "REJECT" || $4 == "DROP") { print NR; exit }' <<<"$filter_rules"; }
  accepts_before() { head -n "$(($2 - 1))" <<<"$filter_rules" | grep -E -- "^-A $1 .*-j ACCEPT" || true; }
  ipt_cut_off=()
  at=$(reject_at INPUT)
  if [ -n "$at" ]; then
    accepted=$(accepts_before INPUT "$at")
    closed=""
    for p in ${rules.ports.join(" ")}; do
      port=\${p%/*}; port=\${port/-/:}
      grep -qE -- "-p \${p#*/} .*--dports? ([0-9:]+,)*$port(,|[[:space:]]|$)" <<<"$accepted" || closed="$closed $p"
    done
    if [ -n "$closed" ]; then ipt_cut_off+=("'$(sed -n "\${at}p" <<<"$filter_rules")' refuses k3s's ports$closed (no ACCEPT before it names them)"); fi
  fi
  at=$(reject_at FORWARD)
  if [ -n "$at" ]; then
    accepted=$(accepts_before FORWARD "$at")
    closed=""
    for c in ${cidrs.join(" ")}; do
      grep -qF -- " $c " <<<"$accepted " || closed="$closed $c"
    done
    if [ -n "$closed" ]; then ipt_cut_off+=("'$(sed -n "\${at}p" <<<"$filter_rules")' comes before the FORWARD rules k3s's flannel appends, so traffic of$closed between nodes is refused"); fi
  fi
  for what in \${ipt_cut_off[@]+"\${ipt_cut_off[@]}"}; do
    echo "k3s-stacks: $node: warning: the host's own iptables rule $what; pods on different nodes cannot reach each other while every node reports Ready (k3s-io/k3s#977; Oracle Cloud images load such rules from /etc/iptables/rules.v4). k3s-stacks manages firewalld and ufw only, so this rule stays. Fix: put ACCEPT rules for them before it, or delete it, where the host loads its rules at boot (/etc/iptables/rules.v4 with netfilter-persistent, /etc/sysconfig/iptables), reload them, then run pulumi up again."
  done
fi`;
}
