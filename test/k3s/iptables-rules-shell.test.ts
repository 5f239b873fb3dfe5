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

test("policies, conditional rejects and an active firewalld or ufw are not judged here", () => {
  expect(check(["-P INPUT DROP", "-P FORWARD DROP", "-A INPUT -s 192.0.2.0/24 -j DROP"]).stdout).toBe("passed\n");
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
