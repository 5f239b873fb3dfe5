// A host's own iptables rules that end INPUT or FORWARD with a REJECT (Oracle Cloud images) are
// reported (k3s/host/iptables-rules.ts), in a real bash with a fake `iptables -S`.
import * as fs from "fs";
import * as path from "path";
import { renderIptablesRejectCheck } from "../../components/k3s/host/iptables-rules";
import { firewallRules } from "../../components/k3s/host/network";
import { SERVER, host, render, run, sb } from "./support/prep-host";

const RULES = firewallRules(SERVER);
// As Oracle Cloud's Ubuntu images load them from /etc/iptables/rules.v4 (k3s-io/k3s#977).
const ORACLE = [
  "-P INPUT ACCEPT", "-P FORWARD ACCEPT", "-P OUTPUT ACCEPT", "-N InstanceServices",
  "-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT", "-A INPUT -p icmp -j ACCEPT", "-A INPUT -i lo -j ACCEPT",
  "-A INPUT -p tcp -m state --state NEW -m tcp --dport 22 -j ACCEPT",
  "-A INPUT -j REJECT --reject-with icmp-host-prohibited",
  "-A FORWARD -j REJECT --reject-with icmp-host-prohibited",
  "-A OUTPUT -d 169.254.0.0/16 -j InstanceServices",
];
const INPUT_REJECT = "-A INPUT -j REJECT --reject-with icmp-host-prohibited";

// Every test gets a prepared-host sandbox (support/prep-host.ts), which the last one runs host preparation in.
beforeEach(() => host("ubuntu"));

function check(rules: string[], firewall = "none") {
  fs.writeFileSync(path.join(sb.dir, "rules"), `${rules.join("\n")}\n`);
  sb.fake("iptables", `[ "$1" = -S ] && cat "${sb.dir}/rules"`);
  return sb.run(["bash", "-s"], { input: `set -euo pipefail\nnode=n1\nfirewall=${firewall}\n${renderIptablesRejectCheck(RULES)}\necho passed\n` });
}
const warnings = (out: string) => out.split("\n").filter((l) => l.includes("warning:"));

test("Oracle Cloud's rules: both REJECTs are named, with the k3s ports and pod and service CIDRs they cut off, and the fix", () => {
  const r = check(ORACLE);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const [input, forward] = warnings(r.stdout);
  expect(input).toBe(`k3s-stacks: n1: warning: the host's own iptables rule '${INPUT_REJECT}' refuses k3s's ports 6443/tcp 2379-2380/tcp 10250/tcp 8472/udp (no ACCEPT before it names them); pods on different nodes cannot reach each other while every node reports Ready (k3s-io/k3s#977; Oracle Cloud images load such rules from /etc/iptables/rules.v4). k3s-stacks manages firewalld and ufw only, so this rule stays. Fix: put ACCEPT rules for them before it, or delete it, where the host loads its rules at boot (/etc/iptables/rules.v4 with netfilter-persistent, /etc/sysconfig/iptables), reload them, then run pulumi up again.`);
  expect(forward).toContain("rule '-A FORWARD -j REJECT --reject-with icmp-host-prohibited' comes before the FORWARD rules k3s's flannel appends, so traffic of 10.42.0.0/16 10.43.0.0/16 between nodes is refused;");
  expect(r.stdout.endsWith("passed\n")).toBe(true);
});

test("ACCEPTs before the REJECT that name a port (single, range or multiport) or a CIDR take it off the list", () => {
  const at = ORACLE.indexOf(INPUT_REJECT);
  const opened = [...ORACLE.slice(0, at), "-A INPUT -p tcp -m tcp --dport 6443 -j ACCEPT", "-A INPUT -p udp -m udp --dport 8472 -j ACCEPT", ...ORACLE.slice(at)];
  expect(warnings(check(opened).stdout)[0]).toContain("refuses k3s's ports 2379-2380/tcp 10250/tcp (no ACCEPT");
  const all = [...opened.slice(0, at), "-A INPUT -p tcp -m multiport --dports 2379:2380,10250 -j ACCEPT", ...opened.slice(at)];
  const fwd = ORACLE.indexOf("-A FORWARD -j REJECT --reject-with icmp-host-prohibited");
  const both = [...all.slice(0, fwd + 3), "-A FORWARD -s 10.42.0.0/16 -j ACCEPT", "-A FORWARD -d 10.43.0.0/16 -j ACCEPT", ...all.slice(fwd + 3)];
  expect(check(both).stdout).toBe("passed\n");
});

test("an ACCEPT after the REJECT (as k3s's flannel appends) does not count", () => {
  expect(warnings(check([...ORACLE, "-A FORWARD -s 10.42.0.0/16 -j ACCEPT"]).stdout)[1]).toContain("traffic of 10.42.0.0/16 10.43.0.0/16 between nodes");
});

test("INPUT's policy DROP refuses what no ACCEPT of the chain names, wherever the ACCEPT stands (k3s-io/k3s#977)", () => {
  const hand = ["-P INPUT DROP", "-P FORWARD ACCEPT", "-P OUTPUT ACCEPT", "-A INPUT -i lo -j ACCEPT", "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT"];
  const [input, ...rest] = warnings(check(hand).stdout);
  expect(rest).toEqual([]);
  expect(input).toBe(`k3s-stacks: n1: warning: the host's own iptables rule '-P INPUT DROP' refuses k3s's ports 6443/tcp 2379-2380/tcp 10250/tcp 8472/udp (no ACCEPT before it names them); pods on different nodes cannot reach each other while every node reports Ready (k3s-io/k3s#977; Oracle Cloud images load such rules from /etc/iptables/rules.v4). k3s-stacks manages firewalld and ufw only, so this rule stays. Fix: put ACCEPT rules for them before it, or delete it, where the host loads its rules at boot (/etc/iptables/rules.v4 with netfilter-persistent, /etc/sysconfig/iptables), reload them, then run pulumi up again.`);
  const opened = [...hand, "-A INPUT -p tcp -m multiport --dports 6443,2379:2380,10250 -j ACCEPT", "-A INPUT -p udp -m udp --dport 8472 -j ACCEPT"];
  expect(check(opened).stdout).toBe("passed\n");
  // A final REJECT before the policy is the rule named; ACCEPTs after it do not count.
  expect(warnings(check([...hand, INPUT_REJECT, "-A INPUT -p tcp -m tcp --dport 6443 -j ACCEPT"]).stdout)[0]).toContain(`rule '${INPUT_REJECT}' refuses k3s's ports 6443/tcp 2379-2380/tcp`);
});

test("FORWARD's policy (flannel's appended rules come before it), conditional rejects and an active firewalld or ufw are not judged here", () => {
  expect(check(["-P INPUT ACCEPT", "-P FORWARD DROP", "-A INPUT -s 192.0.2.0/24 -j DROP"]).stdout).toBe("passed\n");
  expect(check(ORACLE, "firewalld").stdout).toBe("passed\n");
  expect(check(ORACLE, "ufw").stdout).toBe("passed\n");
});

test("host preparation runs it and goes on: the warning, then the node prepared", () => {
  fs.writeFileSync(path.join(sb.dir, "rules"), `${ORACLE.join("\n")}\n`);
  sb.fake("iptables", `[ "$1" = -S ] && cat "${sb.dir}/rules"`);
  const r = run(render());
  expect(r.status).toBe(0);
  expect(warnings(r.stdout)).toHaveLength(2);
  expect(r.stdout).toContain("k3s-stacks: n1 prepared");
});

// iptables-services' default /etc/sysconfig/ip6tables (RHEL family): both chains end in a REJECT.
const IP6_SERVICES = [
  "-P INPUT ACCEPT", "-P FORWARD ACCEPT", "-P OUTPUT ACCEPT",
  "-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT", "-A INPUT -p ipv6-icmp -j ACCEPT", "-A INPUT -i lo -j ACCEPT",
  "-A INPUT -p tcp -m state --state NEW -m tcp --dport 22 -j ACCEPT",
  "-A INPUT -d fe80::/64 -p udp -m udp --dport 546 -m state --state NEW -j ACCEPT",
  "-A INPUT -j REJECT --reject-with icmp6-adm-prohibited",
  "-A FORWARD -j REJECT --reject-with icmp6-adm-prohibited",
];
// Written as a user may (leading zeros, upper case); ip6tables prints the network form.
const DUAL = firewallRules({ ...SERVER, clusterCidrs: ["10.42.0.0/16", "FD00:0042::/56"], serviceCidrs: ["10.43.0.0/16", "fd00:43::/112"] });

function checkBoth(v4: string[], v6: string[], rules = DUAL) {
  fs.writeFileSync(path.join(sb.dir, "rules4"), `${v4.join("\n")}\n`);
  fs.writeFileSync(path.join(sb.dir, "rules6"), `${v6.join("\n")}\n`);
  sb.fake("iptables", `[ "$1" = -S ] && cat "${sb.dir}/rules4"`);
  sb.fake("ip6tables", `echo "ip6tables $*" >> "$CALLS"; [ "$1" = -S ] && cat "${sb.dir}/rules6"`);
  return sb.run(["bash", "-s"], { input: `set -euo pipefail\nnode=n1\nfirewall=none\n${renderIptablesRejectCheck(rules)}\necho passed\n` });
}

test("dual-stack: ip6tables' own REJECTs are named too, with the IPv6 pod and service CIDRs and where ip6tables rules are loaded", () => {
  const r = checkBoth(["-P INPUT ACCEPT"], IP6_SERVICES);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const [input, forward] = warnings(r.stdout);
  expect(input).toContain("warning: the host's own ip6tables rule '-A INPUT -j REJECT --reject-with icmp6-adm-prohibited' refuses k3s's ports 6443/tcp 2379-2380/tcp 10250/tcp 8472/udp (no ACCEPT before it names them);");
  expect(input).toContain("(/etc/iptables/rules.v6 with netfilter-persistent, /etc/sysconfig/ip6tables)");
  expect(forward).toContain("ip6tables rule '-A FORWARD -j REJECT --reject-with icmp6-adm-prohibited' comes before the FORWARD rules k3s's flannel appends, so traffic of fd00:42::/56 fd00:43::/112 between nodes is refused;");
  expect(forward).not.toContain("10.42.0.0/16");
  expect(r.stdout.endsWith("passed\n")).toBe(true);
});

test("dual-stack: both families are checked, each against its own CIDRs; ACCEPTs as ip6tables prints them count", () => {
  const both = warnings(checkBoth(ORACLE, IP6_SERVICES).stdout);
  expect(both.map((w) => w.replace(/^.*own (ip6?tables) rule '-A (\w+).*$/, "$1 $2"))).toEqual(["iptables INPUT", "iptables FORWARD", "ip6tables INPUT", "ip6tables FORWARD"]);
  const at = IP6_SERVICES.indexOf("-A INPUT -j REJECT --reject-with icmp6-adm-prohibited");
  const opened = [
    ...IP6_SERVICES.slice(0, at),
    "-A INPUT -p tcp -m multiport --dports 6443,2379:2380,10250 -j ACCEPT", "-A INPUT -p udp -m udp --dport 8472 -j ACCEPT",
    "-A INPUT -j REJECT --reject-with icmp6-adm-prohibited",
    "-A FORWARD -s fd00:42::/56 -j ACCEPT", "-A FORWARD -d fd00:43::/112 -j ACCEPT",
    "-A FORWARD -j REJECT --reject-with icmp6-adm-prohibited",
  ];
  expect(checkBoth(["-P INPUT ACCEPT"], opened).stdout).toBe("passed\n");
});

test("an IPv4-only cluster never reads ip6tables: its IPv6 rules carry no k3s traffic", () => {
  const r = checkBoth(["-P INPUT ACCEPT"], IP6_SERVICES, RULES);
  expect(r.stdout).toBe("passed\n");
  expect(sb.calls()).toEqual([]);
});

test("a host without ip6tables (or without IPv6) passes the IPv6 half", () => {
  fs.writeFileSync(path.join(sb.dir, "rules4"), "-P INPUT ACCEPT\n");
  sb.fake("iptables", `[ "$1" = -S ] && cat "${sb.dir}/rules4"`);
  sb.fake("ip6tables", "echo 'ip6tables: can't initialize ip6tables table filter' >&2; exit 3");
  const r = sb.run(["bash", "-s"], { input: `set -euo pipefail\nnode=n1\nfirewall=none\n${renderIptablesRejectCheck(DUAL)}\necho passed\n` });
  expect(r).toMatchObject({ status: 0, stdout: "passed\n", stderr: "" });
});

test("host preparation of a dual-stack node warns about ip6tables and goes on", () => {
  fs.writeFileSync(path.join(sb.dir, "rules6"), `${IP6_SERVICES.join("\n")}\n`);
  sb.fake("ip6tables", `[ "$1" = -S ] && cat "${sb.dir}/rules6"`);
  const r = run(render({ network: { ...SERVER, clusterCidrs: ["10.42.0.0/16", "fd00:42::/56"], serviceCidrs: ["10.43.0.0/16", "fd00:43::/112"] } }));
  expect(r.status).toBe(0);
  expect(warnings(r.stdout).map((w) => w.includes("own ip6tables rule"))).toEqual([true, true]);
  expect(r.stdout).toContain("k3s-stacks: n1 prepared");
});
