import { isIpv6Cidr, networkForm } from "../../rules/cidr";
import { FirewallRules } from "./network";

/** Where each tool's rules are loaded at boot: netfilter-persistent (Debian, Ubuntu), iptables-services (RHEL family). */
const BOOT_FILES = {
  iptables: "/etc/iptables/rules.v4 with netfilter-persistent, /etc/sysconfig/iptables",
  ip6tables: "/etc/iptables/rules.v6 with netfilter-persistent, /etc/sysconfig/ip6tables",
};

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
 * INPUT's policy DROP (`iptables -P INPUT DROP`, as hand-made firewalls set it) refuses what no rule
 * accepted, as a final DROP does (k3s-io/k3s#977: "the default INPUT rules also drop everything";
 * kubernetes/kubernetes#98816: the kubelet's connections hang in SYN_SENT), so every ACCEPT of the chain
 * is read before it. FORWARD's policy is not judged: flannel's FORWARD rules, appended, come before it.
 *
 * The filter table of iptables (`iptables -S`) always; of ip6tables too when the cluster has an
 * IPv6 pod and service range (dual-stack or IPv6-only `cluster-cidr`/`service-cidr`, which k3s
 * requires to be of the same families): k3s and flannel then carry IPv6 traffic through ip6tables'
 * INPUT and FORWARD, where iptables-services' default /etc/sysconfig/ip6tables ends both chains with
 * a REJECT, and a host firewall that only ever admitted k3s over IPv4 times out over IPv6
 * (k3s-io/k3s#7211). CIDRs are compared in the network form iptables prints.
 */
export function renderIptablesRejectCheck(rules: FirewallRules): string {
  const v4 = rules.sources.filter((c) => !isIpv6Cidr(c)).map(networkForm);
  const v6 = rules.sources.filter(isIpv6Cidr).map(networkForm);
  const calls = [`ipt_reject_check iptables ${v4.join(" ")}`, ...(v6.length ? [`ipt_reject_check ip6tables ${v6.join(" ")}`] : [])];
  return `if [ "$firewall" = none ]; then
  # $1: iptables or ip6tables; the rest: that family's pod and service CIDRs.
  ipt_reject_check() {
    local tool=$1 filter_rules at accepted closed p port c what
    shift
    command -v "$tool" >/dev/null 2>&1 || return 0
    filter_rules=$("$tool" -S 2>/dev/null || true)
    local cut_off=()
    at=$(ipt_reject_at INPUT "$filter_rules" policy)
    if [ -n "$at" ]; then
      accepted=$(ipt_accepts_before INPUT "$at" "$filter_rules")
      closed=""
      for p in ${rules.ports.join(" ")}; do
        port=\${p%/*}; port=\${port/-/:}
        grep -qE -- "-p \${p#*/} .*--dports? ([0-9:]+,)*$port(,|[[:space:]]|$)" <<<"$accepted" || closed="$closed $p"
      done
      if [ -n "$closed" ]; then cut_off+=("'$(sed -n "\${at}p" <<<"$filter_rules")' refuses k3s's ports$closed (no ACCEPT before it names them)"); fi
    fi
    at=$(ipt_reject_at FORWARD "$filter_rules")
    if [ -n "$at" ]; then
      accepted=$(ipt_accepts_before FORWARD "$at" "$filter_rules")
      closed=""
      for c in "$@"; do
        grep -qF -- " $c " <<<"$accepted " || closed="$closed $c"
      done
      if [ -n "$closed" ]; then cut_off+=("'$(sed -n "\${at}p" <<<"$filter_rules")' comes before the FORWARD rules k3s's flannel appends, so traffic of$closed between nodes is refused"); fi
    fi
    for what in \${cut_off[@]+"\${cut_off[@]}"}; do
      echo "k3s-stacks: $node: warning: the host's own $tool rule $what; pods on different nodes cannot reach each other while every node reports Ready (k3s-io/k3s#977; Oracle Cloud images load such rules from /etc/iptables/rules.v4). k3s-stacks manages firewalld and ufw only, so this rule stays. Fix: put ACCEPT rules for them before it, or delete it, where the host loads its rules at boot ($(ipt_boot_files "$tool")), reload them, then run pulumi up again."
    done
  }
  # The first rule of the chain that rejects or drops whatever reaches it, else (with $3) its DROP
  # policy line, and the ACCEPTs before it: all of the chain's for the policy, which acts at its end.
  ipt_reject_at() { awk -v c="$1" -v p="\${3:-}" '$1 == "-A" && $2 == c && $3 == "-j" && ($4 == "REJECT" || $4 == "DROP") { print NR; found = 1; exit } p != "" && $1 == "-P" && $2 == c && $3 == "DROP" { policy = NR } END { if (!found && policy) print policy }' <<<"$2"; }
  ipt_accepts_before() {
    local upto=$(($2 - 1))
    case "$(sed -n "$2p" <<<"$3")" in "-P "*) upto=$(wc -l <<<"$3") ;; esac
    head -n "$upto" <<<"$3" | grep -E -- "^-A $1 .*-j ACCEPT" || true
  }
  ipt_boot_files() { if [ "$1" = ip6tables ]; then echo ${JSON.stringify(BOOT_FILES.ip6tables)}; else echo ${JSON.stringify(BOOT_FILES.iptables)}; fi; }
${calls.map((c) => `  ${c}`).join("\n")}
fi`;
}
