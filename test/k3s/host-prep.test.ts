// Host preparation inputs: firewall rules per role and backend against the k3s reference, the selinux
// flag against the flag table, and what the inventory lets preparation do.
import * as fs from "fs";
import * as path from "path";
import { firewallRules, NodeNetwork } from "../../components/k3s/host/network";
import { hostPrepFor } from "../../components/k3s/host-prep";
import { kernelModules } from "../../components/k3s/host/modules";
import { parseClusterConfig } from "../../components/k3s/settings";
import { inventoryNodes, parseInventoryConfig } from "../../components/nodes/inventory";
import { localNodes } from "../../components/nodes/local";
import { problem, problemsOf } from "../support/config";
import { REFERENCE_DIR, REFERENCE_PATH, Reference } from "./support/reference";

const reference = JSON.parse(fs.readFileSync(REFERENCE_PATH, "utf8")) as Reference;
const notes = fs.readFileSync(path.join(REFERENCE_DIR, "k3s-reference.md"), "utf8");
const BASE: NodeNetwork = { role: "agent", etcd: false, backend: "vxlan", clusterCidrs: ["10.42.0.0/16"], serviceCidrs: ["10.43.0.0/16"], embeddedRegistry: false };

describe("firewallRules (reference §13 inbound rules)", () => {
  test.each([
    ["etcd server, vxlan", { ...BASE, role: "server", etcd: true }, ["6443/tcp", "2379-2380/tcp", "10250/tcp", "8472/udp"]],
    ["sqlite/postgres server, vxlan", { ...BASE, role: "server" }, ["6443/tcp", "10250/tcp", "8472/udp"]],
    ["agent, vxlan", BASE, ["10250/tcp", "8472/udp"]],
    ["agent, wireguard-native", { ...BASE, backend: "wireguard-native" }, ["10250/tcp", "51820/udp"]],
    ["agent, wireguard-native dual-stack", { ...BASE, backend: "wireguard-native", clusterCidrs: ["10.42.0.0/16", "2001:cafe:42::/56"] }, ["10250/tcp", "51820/udp", "51821/udp"]],
    ["agent, host-gw", { ...BASE, backend: "host-gw" }, ["10250/tcp"]],
    ["agent, embedded registry", { ...BASE, embeddedRegistry: true }, ["6443/tcp", "10250/tcp", "8472/udp", "5001/tcp"]],
    // the local stack's machine: no port open to whatever network a laptop is on; pods and services still trusted
    ["local server (this machine, the only node)", { ...BASE, role: "server", local: true, embeddedRegistry: true }, []],
    // a layer's ports (MetalLB's memberlist) after k3s's own, each once; none on the local stack's only node
    ["agent, layer ports", { ...BASE, layerPorts: ["7946/tcp", "7946/udp", "10250/tcp"] }, ["10250/tcp", "8472/udp", "7946/tcp", "7946/udp"]],
    ["local server, layer ports", { ...BASE, role: "server", local: true, layerPorts: ["7946/tcp"] }, []],
  ] as Array<[string, NodeNetwork, string[]]>)("%s", (_, net, ports) => {
    const rules = firewallRules(net);
    expect(rules.ports).toEqual(ports);
    expect(rules.sources).toEqual([...net.clusterCidrs, ...net.serviceCidrs]);
  });

  test("every port we open is in the reference's table, with its protocol", () => {
    const section = notes.slice(notes.indexOf("## 13."), notes.indexOf("## 14."));
    const all = [{ ...BASE, role: "server", etcd: true, embeddedRegistry: true }, { ...BASE, backend: "wireguard-native", clusterCidrs: ["fd00::/56"] }] as NodeNetwork[];
    const table = section.replace(/51820 \/ 51821/, "51820 / UDP 51821");
    for (const p of all.flatMap((n) => firewallRules(n).ports)) {
      const [port, proto] = p.split("/");
      expect(table).toContain(`${proto.toUpperCase()} ${port}`);
    }
  });
});

test("the selinux flag the config step writes is a k3s flag of both roles (reference k3s-flags.json)", () => {
  expect(reference.server.selinux?.type).toBe("bool");
  expect(reference.agent.selinux?.type).toBe("bool");
});

describe("hostPrepFor", () => {
  const settings = parseClusterConfig({ k3sVersion: "v1.36.3+k3s1", datastore: "etcd" });
  const [node] = inventoryNodes(parseInventoryConfig({ installPackages: true, hosts: [{ name: "r-1", address: "10.0.0.1", role: "server", arch: "x64", firewall: "keep" }] }), {});

  test("carries the node's arch, role, backend (from a layer's contribution too), CIDRs and choices", () => {
    const prep = hostPrepFor(node, settings, { server: { "embedded-registry": true, "flannel-backend": "host-gw" }, all: {}, disable: [] }, {});
    expect(prep).toEqual({
      node: "r-1", fixCgroups: false, allowReboot: false, arch: "amd64", installPackages: true, firewall: "keep", requireCgroupV2: true, etcdServer: true,
      network: { role: "server", etcd: true, backend: "host-gw", clusterCidrs: ["10.42.0.0/16"], serviceCidrs: ["10.43.0.0/16"], embeddedRegistry: true },
    });
  });

  test("takes the layers' ports for its role: servers both lists, agents only the ones for every node", () => {
    const ports = { server: ["10257/tcp", "2381/tcp"], all: ["7946/udp", "9100/tcp"] };
    const contributions = { server: {}, all: {}, disable: [], ports };
    expect(hostPrepFor(node, settings, contributions, {}).network?.layerPorts).toEqual(["7946/udp", "9100/tcp", "10257/tcp", "2381/tcp"]);
    expect(hostPrepFor({ ...node, role: "agent" }, settings, contributions, {}).network?.layerPorts).toEqual(["7946/udp", "9100/tcp"]);
    expect(hostPrepFor(node, settings, { ...contributions, ports: { server: [], all: [] } }, {}).network).not.toHaveProperty("layerPorts");
  });

  test("an embedded-etcd server needs curl for the quorum guards; an agent, or a server of another datastore, does not", () => {
    const none = { server: {}, all: {}, disable: [] };
    expect(hostPrepFor(node, settings, none, {}).etcdServer).toBe(true);
    expect(hostPrepFor({ ...node, role: "agent" }, settings, none, {})).not.toHaveProperty("etcdServer");
    expect(hostPrepFor(node, parseClusterConfig({ k3sVersion: "v1.36.3+k3s1" }), none, {})).not.toHaveProperty("etcdServer");
  });

  test("defaults: vxlan, firewall open, no package installs", () => {
    const plain = { ...node, installPackages: undefined, firewall: undefined };
    const prep = hostPrepFor(plain, parseClusterConfig({ k3sVersion: "v1.36.3+k3s1" }), { server: {}, all: {}, disable: [] }, {});
    expect(prep).toMatchObject({ installPackages: false, firewall: "open", network: { backend: "vxlan", etcd: false, embeddedRegistry: false } });
  });
});

describe("inventory: installPackages and firewall", () => {
  const host = { name: "pi-1", address: "192.168.1.11", role: "server", arch: "arm64" };
  test("host values override the inventory's", () => {
    const [a, b] = inventoryNodes(parseInventoryConfig({ firewall: "keep", hosts: [host, { ...host, name: "pi-2", address: "192.168.1.12", firewall: "open", installPackages: true }] }), {});
    expect([a.firewall, a.installPackages, b.firewall, b.installPackages]).toEqual(["keep", false, "open", true]);
  });

  test("an unknown firewall policy or a non-boolean installPackages is refused with the fix", () => {
    expect(problemsOf(() => parseInventoryConfig({ hosts: [{ ...host, firewall: "off", installPackages: "yes" }] }))).toEqual([
      problem("k3s-stacks:inventory.hosts[0].installPackages", "must be true or false", "write true, without quotes"),
      problem("k3s-stacks:inventory.hosts[0].firewall", "must be 'open' (add exactly the rules k3s needs to firewalld/ufw) or 'keep' (change nothing; fail naming the commands)", 'use one of "open", "keep"'),
    ]);
  });
});

test("the local stack's node opens no port: hostPrepFor marks it local, an inventory server is not", () => {
  const settings = parseClusterConfig({ k3sVersion: "v1.36.3+k3s1", datastore: "sqlite" });
  const [laptop] = localNodes({ name: "laptop", arch: "amd64", labels: {}, taints: [] }, {}, { hostname: "laptop", arch: "x64", user: "ana" });
  const none = { server: {}, all: {}, disable: [] };
  expect(firewallRules(hostPrepFor(laptop, settings, none, {}).network!).ports).toEqual([]);
  const remote = { ...laptop, connection: { host: "10.0.0.5", user: "root" } };
  expect(firewallRules(hostPrepFor(remote, settings, none, {}).network!).ports).toEqual(["6443/tcp", "10250/tcp", "8472/udp"]);
});

test("hostPrepFor checks node-ip and flannel-iface of the node's config.yaml on the node, except on the local stack's own machine", () => {
  const settings = parseClusterConfig({ k3sVersion: "v1.36.3+k3s1", datastore: "sqlite" });
  const [laptop] = localNodes({ name: "laptop", arch: "amd64", labels: {}, taints: [] }, {}, { hostname: "laptop", arch: "x64", user: "ana" });
  const none = { server: {}, all: {}, disable: [] };
  const config = { "node-ip": ["192.168.56.11"], "flannel-iface": "eth1" };
  const remote = { ...laptop, connection: { host: "10.0.0.5", user: "root" } };
  expect(hostPrepFor(remote, settings, none, config).interfaces).toEqual({ nodeIps: ["192.168.56.11"], flannelIface: "eth1" });
  expect(hostPrepFor(remote, settings, none, {}).interfaces).toBeUndefined();
  expect(hostPrepFor(laptop, settings, none, config).interfaces).toBeUndefined();
});

test("hostPrepFor takes kube-proxy's proxy-mode from the node's kube-proxy-arg (the last entry wins, as k3s passes them): ipvs and nftables load their kernel modules", () => {
  const settings = parseClusterConfig({ k3sVersion: "v1.36.3+k3s1", datastore: "sqlite" });
  const [laptop] = localNodes({ name: "laptop", arch: "amd64", labels: {}, taints: [] }, {}, { hostname: "laptop", arch: "x64", user: "ana" });
  const none = { server: {}, all: {}, disable: [] };
  expect(hostPrepFor(laptop, settings, none, { "kube-proxy-arg": ["proxy-mode=iptables", "--proxy-mode=ipvs"] }).network?.proxyMode).toBe("ipvs");
  expect(hostPrepFor(laptop, settings, none, {}).network).not.toHaveProperty("proxyMode");
  expect(kernelModules("vxlan", "ipvs")).toEqual(["br_netfilter", "overlay", "vxlan", "ip_vs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_sh", "nf_conntrack"]);
  expect(kernelModules("host-gw", "nftables")).toEqual(["br_netfilter", "overlay", "nf_tables"]);
  expect(kernelModules("vxlan", "iptables")).toEqual(["br_netfilter", "overlay", "vxlan"]);
});
