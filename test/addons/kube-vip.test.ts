import { readFileSync } from "fs";
import * as path from "path";
import { parse, parseAllDocuments } from "yaml";
import { parseClusterConfig } from "../../components/k3s/settings";
import { parseAddonsConfig } from "../../components/addons/config";
import { PINNED_IMAGES } from "../../components/addons/charts";
import { apiVipProblems, kubeVipEnv, kubeVipFiles, renderKubeVipDaemonSet, renderKubeVipRbac, SERVER_MANIFESTS_DIR } from "../../components/addons/kube-vip";
import { REFERENCE_DIR } from "../k3s/support/reference";
import { problem, problemsOf } from "../support/config";
import { node } from "./fixtures";

const V = "v1.36.3+k3s1";
const vipOf = (raw: object) => parseClusterConfig({ k3sVersion: V, apiVip: raw }).apiVip!;
/** An IPv6 VIP belongs to an IPv6 cluster (cluster-network.ts refuses it in an IPv4-only one). */
const vip6Of = (raw: object) => parseClusterConfig({ k3sVersion: V, clusterCidr: "fd00:42::/56", serviceCidr: "fd00:43::/112", apiVip: raw }).apiVip!;
const servers = [node("s1", 11, { role: "server" }), node("s2", 12, { role: "server" }), node("s3", 13, { role: "server" }), node("a1", 20)];
const ctx = { nodes: servers, clusterCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16" };

/** The settings reference §14 documents, as `name` tokens in its kube-vip section. */
function documentedEnv(): Set<string> {
  const text = readFileSync(path.join(REFERENCE_DIR, "k3s-reference.md"), "utf8");
  const section = text.slice(text.indexOf("## 14."));
  return new Set([...section.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]));
}

describe("kube-vip manifests", () => {
  const vip = vipOf({ address: "192.168.1.250", interface: "eth0" });

  it("sets only settings kube-vip documents, in ARP control-plane mode with Service load balancing off", () => {
    const env = kubeVipEnv(vip);
    // `address` replaces the deprecated `vip_address` (kube-vip pkg/kubevip/config_envvar.go); the rest is reference §14.
    const known = new Set([...documentedEnv(), "address"]);
    expect(documentedEnv()).toContain("vip_address");
    for (const name of Object.keys(env)) expect(known).toContain(name);
    expect(env).toEqual({ address: "192.168.1.250", port: "6443", vip_arp: "true", cp_enable: "true", svc_enable: "false", vip_leaderelection: "true", vip_interface: "eth0" });
    expect(kubeVipEnv(vipOf({ address: "192.168.1.250" }))).not.toHaveProperty("vip_interface");
  });

  it("runs the pinned image on control-plane nodes with host networking and NET_ADMIN/NET_RAW (reference §14)", () => {
    const ds = parse(renderKubeVipDaemonSet(vip));
    const pod = ds.spec.template.spec;
    expect(ds).toMatchObject({ apiVersion: "apps/v1", kind: "DaemonSet", metadata: { namespace: "kube-system" } });
    expect(pod).toMatchObject({ hostNetwork: true, serviceAccountName: "kube-vip", nodeSelector: { "node-role.kubernetes.io/control-plane": "true" } });
    expect(pod.containers[0]).toMatchObject({
      image: `${PINNED_IMAGES.kubeVip.repository}:${PINNED_IMAGES.kubeVip.tag}`,
      args: ["manager"],
      securityContext: { capabilities: { add: ["NET_ADMIN", "NET_RAW"] } },
    });
    expect(ds.spec.selector.matchLabels).toEqual({ "app.kubernetes.io/name": "kube-vip" });
    expect(pod.containers[0].image).toMatch(/^ghcr\.io\/kube-vip\/kube-vip:v\d+\.\d+\.\d+$/);
  });

  it("binds the service account to leases and nodes only", () => {
    const docs = parseAllDocuments(renderKubeVipRbac()).map((d) => d.toJS());
    expect(docs.map((d) => d.kind)).toEqual(["ServiceAccount", "ClusterRole", "ClusterRoleBinding"]);
    expect(docs[1].rules.map((r: { resources: string[] }) => r.resources).flat()).toEqual(["leases", "nodes"]);
    expect(docs[2].subjects).toEqual([{ kind: "ServiceAccount", name: "kube-vip", namespace: "kube-system" }]);
  });

  it("goes to servers only, into k3s's auto-deploy directory", () => {
    const files = kubeVipFiles(vip);
    expect(files.map((f) => f.roles)).toEqual([["server"], ["server"]]);
    for (const f of files) expect(path.dirname(f.path)).toBe(SERVER_MANIFESTS_DIR);
  });
});

describe("k3s-stacks:cluster.apiVip", () => {
  it("parses with ARP as the default mode", () => {
    expect(vipOf({ address: "192.168.1.250" })).toEqual({ address: "192.168.1.250", mode: "arp" });
  });

  it.each([
    [{ address: "vip.lan" }, "k3s-stacks:cluster.apiVip.address", "is not an IP address", "free address"],
    [{ address: "192.168.1.250", mode: "bgp" }, "k3s-stacks:cluster.apiVip.mode", "", '"arp"'],
    [{ address: "192.168.1.250", interface: "eth0/1" }, "k3s-stacks:cluster.apiVip.interface", "not a network interface name", "eth0"],
    [{ address: "192.168.1.250", subnet: "192.168.1.0" }, "k3s-stacks:cluster.apiVip.subnet", "not a valid CIDR", "10.42.0.0/16"],
    [{ address: "192.168.1.250", vrrp: true }, "k3s-stacks:cluster.apiVip", "unknown key(s) 'vrrp'", "spelling"],
  ])("refuses %j", (raw, key, what, fix) => {
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: V, apiVip: raw }))).toEqual([problem(key, what, fix)]);
  });

  it("refuses apiVip together with apiEndpoint", () => {
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: V, apiEndpoint: "k3s.lan", apiVip: { address: "192.168.1.250" } }))).toEqual([
      problem("k3s-stacks:cluster.apiVip", "together with apiEndpoint", "not both"),
    ]);
  });

  it("accepts a free address on the servers' /24", () => {
    expect(apiVipProblems(vipOf({ address: "192.168.1.250" }), ctx)).toEqual([]);
  });

  it("refuses a node's own address", () => {
    expect(apiVipProblems(vipOf({ address: "192.168.1.20" }), ctx)).toEqual([problem("k3s-stacks:cluster.apiVip.address", "address of node 'a1'", "no machine uses")]);
  });

  it("refuses an address off the servers' subnet, with the subnet key as the fix for wider LANs", () => {
    const problems = apiVipProblems(vipOf({ address: "192.168.2.250" }), ctx);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toEqual(problem("k3s-stacks:cluster.apiVip.address", "server 's1' (192.168.1.11) is not in 192.168.2.0/24", "set apiVip.subnet"));
    expect(apiVipProblems(vipOf({ address: "192.168.2.250", subnet: "192.168.0.0/16" }), ctx)).toEqual([]);
  });

  it("refuses an address outside its own subnet, and the network and broadcast addresses", () => {
    expect(apiVipProblems(vipOf({ address: "192.168.1.250", subnet: "192.168.1.0/25" }), ctx)).toEqual([
      problem("k3s-stacks:cluster.apiVip.address", "outside apiVip.subnet 192.168.1.0/25", "inside 192.168.1.0/25"),
    ]);
    expect(apiVipProblems(vipOf({ address: "192.168.1.255" }), ctx)).toEqual([problem("k3s-stacks:cluster.apiVip.address", "network or broadcast address", "host address")]);
    expect(apiVipProblems(vipOf({ address: "192.168.1.0" }), ctx)).toEqual([problem("k3s-stacks:cluster.apiVip.address", "network or broadcast address", "host address")]);
  });

  it("refuses an address in the cluster or service CIDR", () => {
    const inPods = apiVipProblems(vipOf({ address: "10.42.0.5", subnet: "10.0.0.0/8" }), { ...ctx, nodes: [node("s1", 11, { role: "server" })].map((n) => ({ ...n, internalAddress: "10.1.0.11" })) });
    expect(inPods).toEqual([problem("k3s-stacks:cluster.apiVip.address", "inside k3s-stacks:cluster.clusterCidr 10.42.0.0/16", "servers' LAN")]);
    const inSvc = apiVipProblems(vipOf({ address: "10.43.0.5", subnet: "10.0.0.0/8" }), { ...ctx, nodes: [{ ...node("s1", 11, { role: "server" }), internalAddress: "10.1.0.11" }] });
    expect(inSvc).toEqual([problem("k3s-stacks:cluster.apiVip.address", "inside k3s-stacks:cluster.serviceCidr 10.43.0.0/16", "servers' LAN")]);
  });

  it("refuses an address MetalLB may hand out (CIDR or range pool)", () => {
    const lb = parseAddonsConfig({ loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["192.168.1.224/28"] }, { name: "more", addresses: ["192.168.1.100-192.168.1.120"] }] } }).loadBalancer;
    if (lb.type !== "metallb") throw new Error("not metallb");
    expect(apiVipProblems(vipOf({ address: "192.168.1.230" }), { ...ctx, metallb: lb })).toEqual([
      problem("k3s-stacks:cluster.apiVip.address", "inside MetalLB pool 'lan' (k3s-stacks:addons.loadBalancer.pools[0].addresses[0]", "outside every pool"),
    ]);
    expect(apiVipProblems(vipOf({ address: "192.168.1.110" }), { ...ctx, metallb: lb })).toEqual([problem("k3s-stacks:cluster.apiVip.address", "pool 'more'", "outside every pool")]);
    expect(apiVipProblems(vipOf({ address: "192.168.1.200" }), { ...ctx, metallb: lb })).toEqual([]);
  });

  it("checks IPv6 VIPs against a /64 by default", () => {
    const v6 = [{ ...node("s1", 11, { role: "server" }), internalAddress: "fd00:1::11" }];
    expect(apiVipProblems(vip6Of({ address: "fd00:1::250" }), { ...ctx, nodes: v6 })).toEqual([]);
    expect(apiVipProblems(vip6Of({ address: "fd00:2::250" }), { ...ctx, nodes: v6 })).toEqual([problem("k3s-stacks:cluster.apiVip.address", "is not in fd00:2::/64", "apiVip.subnet")]);
  });
});

test("a dual-stack cluster's ranges are checked one by one", () => {
  const dual = { ...ctx, clusterCidr: "10.42.0.0/16,fd00:42::/56", serviceCidr: "10.43.0.0/16,fd00:43::/112" };
  expect(apiVipProblems(vipOf({ address: "192.168.1.250" }), dual)).toEqual([]);
  expect(apiVipProblems(vipOf({ address: "10.43.0.5", subnet: "10.0.0.0/8" }), { ...dual, nodes: [{ ...node("s1", 11, { role: "server" }), internalAddress: "10.1.0.11" }] })).toEqual([
    problem("k3s-stacks:cluster.apiVip.address", "inside k3s-stacks:cluster.serviceCidr 10.43.0.0/16", "servers' LAN"),
  ]);
});
