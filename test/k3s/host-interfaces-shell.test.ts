// node-ip and flannel-iface against the node's own interfaces, in a real bash with a fake iproute2
// `ip` (host/addresses.ts): what k3s, the kubelet and flannel would do with them, caught before any change.
import * as fs from "fs";
import { NodeInterfaces, nodeInterfacesOf } from "../../components/k3s/host/addresses";
import { exists, host, render, run, sb } from "./support/prep-host";

/** `ip -o addr show` lines of a Vagrant VM: eth0 is the NAT every VM shares, eth1 the private network. */
const VAGRANT_ADDRS = [
  "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever",
  "2: eth0    inet 10.0.2.15/24 brd 10.0.2.255 scope global dynamic eth0\\       valid_lft 86000sec preferred_lft 86000sec",
  "3: eth1    inet 192.168.56.11/24 brd 192.168.56.255 scope global eth1\\       valid_lft forever preferred_lft forever",
  "3: eth1    inet6 fd00:56::11/64 scope global \\       valid_lft forever preferred_lft forever",
].join("\n");

/** A fake `ip` answering from $IP_ADDRS (addr lines), $IP_ROUTE4 and $IP_ROUTE6 (default routes). */
function fakeIp(): void {
  sb.fake("ip", `args=" $* "
lines() { printf '%s\\n' "$IP_ADDRS"; }
case "$args" in
  *" route show default "*) case "$args" in *" -6 "*) [ -n "\${IP_ROUTE6:-}" ] && echo "$IP_ROUTE6" ;; *) [ -n "\${IP_ROUTE4:-}" ] && echo "$IP_ROUTE4" ;; esac; exit 0 ;;
  *" link show dev "*) dev=\${args##* dev }; dev=\${dev%% *}; lines | awk -v d="$dev" '$2 == d { f = 1 } END { exit !f }' ;;
  *" addr show dev "*) dev=\${args##* dev }; dev=\${dev%% *}; lines | awk -v d="$dev" '$2 == d && / scope global /' ;;
  *" addr show scope global "*) lines | grep ' scope global ' ;;
  *" addr show "*) lines ;;
  *) exit 1 ;;
esac`);
}

const VAGRANT = { IP_ADDRS: VAGRANT_ADDRS, IP_ROUTE4: "default via 10.0.2.2 dev eth0 proto dhcp metric 100" };
const check = (interfaces: NodeInterfaces) => render({ interfaces: { waitSeconds: 0, ...interfaces } });

beforeEach(() => {
  host("debian");
  fakeIp();
});

test("Vagrant: node-ip on the private NIC while the default route leaves by the shared NAT fails naming flannelIface, before any change", () => {
  const r = run(check({ nodeIps: ["192.168.56.11"] }), VAGRANT);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("n1's internalAddress 192.168.56.11 (k3s node-ip) is on eth1, but its IPv4 default route leaves by eth0; without flannel-iface flannel sends pod traffic between nodes from eth0's address whatever node-ip says (k3s-io/k3s#12056, #12459)");
  expect(r.stderr).toContain("Fix: set flannelIface of n1 to eth1, then run pulumi up again.");
  expect(exists("etc/modules-load.d")).toBe(false);
  expect(sb.calls()).toEqual([]);
  // With flannel-iface naming that NIC, or node-ip on the default route's own NIC, it passes.
  expect(run(check({ nodeIps: ["192.168.56.11"], flannelIface: "eth1" }), VAGRANT).status).toBe(0);
  expect(run(check({ nodeIps: ["10.0.2.15"] }), VAGRANT).status).toBe(0);
});

test("where k3s already runs the default-route mismatch is a warning with the same fix, so a working cluster's run goes on", () => {
  sb.fake("systemctl", 'case "$1" in is-active) [ "$3" = k3s ] ;; is-enabled|list-unit-files) exit 1 ;; *) exit 0 ;; esac');
  const r = run(check({ nodeIps: ["192.168.56.11"] }), VAGRANT);
  expect(r.status).toBe(0);
  expect(r.stdout).toContain("k3s-stacks: warning: n1's internalAddress 192.168.56.11 (k3s node-ip) is on eth1, but its IPv4 default route leaves by eth0");
  expect(r.stdout).toContain("Fix: set flannelIface of n1 to eth1");
  // A node-ip the host does not have stays a failure: the kubelet would refuse it at the next restart.
  expect(run(check({ nodeIps: ["192.168.56.99"] }), VAGRANT).status).toBe(1);
});

test("dual-stack: each family's node-ip is checked against that family's default route", () => {
  const ok = run(check({ nodeIps: ["192.168.56.11", "fd00:56::11"] }), { IP_ADDRS: VAGRANT_ADDRS, IP_ROUTE4: "default via 192.168.56.1 dev eth1", IP_ROUTE6: "default via fd00:56::1 dev eth1 metric 1024 pref medium" });
  expect(ok.stderr).toBe("");
  expect(ok.status).toBe(0);
  const noV6Route = run(check({ nodeIps: ["192.168.56.11", "fd00:56::11"] }), { IP_ADDRS: VAGRANT_ADDRS, IP_ROUTE4: "default via 192.168.56.1 dev eth1" });
  expect(noV6Route.status).toBe(1);
  expect(noV6Route.stderr).toContain("n1 has no IPv6 default route and no flannelIface; flannel takes its interface from that route, so it would not start ('failed to get default interface'). Fix: set flannelIface of n1 to eth1, the interface of its internalAddress fd00:56::11");
});

test("a node-ip the host does not have fails listing the addresses it has", () => {
  const r = run(check({ nodeIps: ["192.168.56.99"], flannelIface: "eth1" }), VAGRANT);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("n1 has no interface with 192.168.56.99, its internalAddress (k3s node-ip); the kubelet refuses a node IP the host does not have");
  expect(r.stderr).toContain("Addresses here: 10.0.2.15 (eth0), 192.168.56.11 (eth1), fd00:56::11 (eth1). Fix: set internalAddress of n1");
});

test("a flannel-iface missing on this node, or without a global address, fails naming it", () => {
  const missing = run(check({ nodeIps: [], flannelIface: "enp7s0" }), VAGRANT);
  expect(missing.status).toBe(1);
  expect(missing.stderr).toContain("n1 has no network interface enp7s0, its flannelIface (k3s flannel-iface); k3s stops with 'unable to find interface' (k3s-io/k3s#8345)");
  const bare = run(check({ nodeIps: [], flannelIface: "wg0" }), { ...VAGRANT, IP_ADDRS: `${VAGRANT_ADDRS}\n4: wg0    inet6 fe80::1/64 scope link \\       valid_lft forever preferred_lft forever` });
  expect(bare.status).toBe(1);
  expect(bare.stderr).toContain("n1's interface wg0, its flannelIface (k3s flannel-iface), has no global address");
});

test("an address that comes up late (a cloud VM's private NIC) is waited for", () => {
  // The first two answers lack eth1's address; the check waits (2 s per try) rather than failing.
  sb.fake("sleep", `touch "${sb.dir}/slept"`);
  const late = `n=$(cat "${sb.dir}/asked" 2>/dev/null || echo 0); echo $((n + 1)) > "${sb.dir}/asked"`;
  const ipBody = fs.readFileSync(`${sb.bin}/ip`, "utf8").replace("#!/bin/bash\n", "");
  sb.fake("ip", `${late}\nif [ "$(cat "${sb.dir}/asked")" -le 2 ]; then IP_ADDRS=$(printf '%s\\n' "$IP_ADDRS" | grep -v eth1); fi\n${ipBody}`);
  const r = run(render({ interfaces: { nodeIps: ["192.168.56.11"], flannelIface: "eth1", waitSeconds: 10 } }), VAGRANT);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(exists("slept")).toBe(true);
});

describe("nodeInterfacesOf", () => {
  test("reads node-ip (IPv6 as ip prints it) and flannel-iface from config.yaml keys", () => {
    expect(nodeInterfacesOf({ "node-ip": ["192.168.56.11", "FD00:56:0:0::11"], "flannel-iface": "eth1" })).toEqual({ nodeIps: ["192.168.56.11", "fd00:56::11"], flannelIface: "eth1" });
    expect(nodeInterfacesOf({ "node-name": "n1" })).toBeUndefined();
  });

  test("with vpn-auth k3s brings the VPN interface up itself at start, so nothing is checked before", () => {
    expect(nodeInterfacesOf({ "node-ip": ["100.64.0.7"], "vpn-auth-file": "/etc/rancher/k3s/vpn" })).toBeUndefined();
  });
});

test("a multipath (ECMP) default route without flannelIface fails naming it: flannel finds no interface on it, even where node-ip is on one of its nexthops", () => {
  const ecmp = "default proto static metric 100 \\\tnexthop via 10.0.2.2 dev eth0 weight 1 \\\tnexthop via 192.168.56.1 dev eth1 weight 1 ";
  for (const [fam, a, env] of [["IPv4", "10.0.2.15", { IP_ROUTE4: ecmp }], ["IPv6", "fd00:56::11", { IP_ROUTE6: "default proto ra metric 1024 pref medium\\\tnexthop via fe80::1 dev eth1 weight 1 \\\tnexthop via fe80::2 dev eth0 weight 1 " }]] as const) {
    const r = run(check({ nodeIps: [a] }), { IP_ADDRS: VAGRANT_ADDRS, ...env });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`n1's ${fam} default route is multipath (ECMP: default proto`);
    expect(r.stderr).toContain("('Found default route but could not determine interface', flannel pkg/ip GetDefaultGatewayInterface)");
    expect(r.stderr).toMatch(/Fix: set flannelIface of n1 to eth[01], the interface of its internalAddress/);
    expect(run(check({ nodeIps: [a], flannelIface: "eth1" }), { IP_ADDRS: VAGRANT_ADDRS, ...env }).status).toBe(0);
  }
  // Two single-path default routes (a backup with a higher metric): flannel takes the first, as before.
  expect(run(check({ nodeIps: ["10.0.2.15"] }), { IP_ADDRS: VAGRANT_ADDRS, IP_ROUTE4: "default via 10.0.2.2 dev eth0 metric 100\ndefault via 192.168.56.1 dev eth1 metric 200" }).status).toBe(0);
});

test("a node with many addresses (pod veths), listed by an ip that writes in pieces: the readers drain it, so pipefail never sees ip's SIGPIPE", () => {
  const veths = Array.from({ length: 400 }, (_, i) => `${i + 10}: veth${i}@if3    inet6 fe80::${(i + 1).toString(16)}/64 scope link \\       valid_lft forever preferred_lft forever`).join("\n");
  // ip writes its first lines, then the rest a moment later: a reader that stopped at its match has gone by then.
  sb.fake("ip", `args=" $* "
case "$args" in
  *" route show default "*) echo "default via 192.168.56.1 dev eth1" ;;
  *" addr show dev "*) printf '%s\\n' "3: eth1    inet 192.168.56.11/24 scope global eth1" "3: eth1    inet 192.168.56.12/24 scope global secondary eth1"; sleep 0.3; printf '%s\\n' "$VETHS" ;;
  *" link show dev "*) exit 0 ;;
  *) printf '%s\\n' "$IP_ADDRS"; sleep 0.3; printf '%s\\n' "$VETHS" ;;
esac`);
  const r = run(check({ nodeIps: ["192.168.56.11"], flannelIface: "eth1" }), { IP_ADDRS: VAGRANT_ADDRS, VETHS: veths });
  expect(r).toMatchObject({ status: 0, stderr: "" });
  expect(run(check({ nodeIps: ["192.168.56.11"] }), { IP_ADDRS: VAGRANT_ADDRS, VETHS: veths })).toMatchObject({ status: 0, stderr: "" });
});
