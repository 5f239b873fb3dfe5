// Layer-2 features where no layer 2 carries them: MetalLB's L2 mode and flannel host-gw on Hetzner
// Cloud/AWS (the one rule kube-vip's ARP VIP refusal uses, rules/layer2.ts), and host-gw across
// inventory nodes in different segments (the /24 or /64 the apiVip subnet check assumes).
import { apiVipOnCloud } from "../../components/addons/kube-vip";
import { CLOUD_DELIVERS_ONLY_ASSIGNED, splitSegmentsProblem } from "../../components/rules/layer2";
import { problem, problemsOf } from "../support/config";
import { cloudStack, inventoryStack } from "../stack/bad-input-cases";
import { planOf } from "./support-stack";

const metallb = (extra: Record<string, unknown> = {}) => ({ "k3s-stacks:addons": { loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["10.0.1.240/28"] }], ...extra } } });

test("the cloud refusals share one rule", () => {
  expect(apiVipOnCloud()).toContain(CLOUD_DELIVERS_ONLY_ASSIGNED);
});

describe("MetalLB", () => {
  test("L2 pools on a cloud stack are refused; the fix is servicelb", () => {
    expect(problemsOf(() => planOf({ ...cloudStack(), ...metallb() }))).toEqual([problem("k3s-stacks:addons.loadBalancer", CLOUD_DELIVERS_ONLY_ASSIGNED, "type servicelb")]);
  });

  test("L2 pools on an inventory stack and BGP pools on a cloud stack are accepted", () => {
    const lan = { "k3s-stacks:addons": { loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["192.168.1.224/28"] }] } } };
    expect(planOf({ ...inventoryStack(), ...lan }).addons?.loadBalancer.type).toBe("metallb");
    expect(planOf({ ...cloudStack(), ...metallb({ bgp: { myASN: 64512, peers: [{ address: "10.0.1.1", asn: 64513 }] } }) }).addons?.loadBalancer.type).toBe("metallb");
  });
});

describe("flannel host-gw", () => {
  test("on a cloud stack it is refused; the fix names vxlan and wireguard-native", () => {
    expect(problemsOf(() => planOf(cloudStack({ cluster: { flannelBackend: "host-gw" } })))).toEqual([problem("k3s-stacks:cluster.flannelBackend", CLOUD_DELIVERS_ONLY_ASSIGNED, /vxlan .* or wireguard-native/)]);
    expect(planOf(cloudStack({ cluster: { flannelBackend: "wireguard-native" } })).cluster.flannelBackend).toBe("wireguard-native");
  });

  const hosts = (...ips: string[]) => ips.map((ip, i) => ({ name: `n${i}`, address: ip, role: i === 0 ? "server" : "agent", arch: "amd64" }));

  test("inventory nodes in two /24 segments are refused, naming the segments", () => {
    const problems = problemsOf(() => planOf(inventoryStack({ cluster: { flannelBackend: "host-gw" }, hosts: hosts("192.168.1.11", "192.168.1.21", "192.168.2.22") })));
    expect(problems).toEqual([problem("k3s-stacks:cluster.flannelBackend", "192.168.1.0/24: n0 (192.168.1.11), n1 (192.168.1.21); 192.168.2.0/24: n2 (192.168.2.22)", "use vxlan")]);
  });

  test("the node-ip counts: internalAddress before the SSH address", () => {
    const inv = inventoryStack({ cluster: { flannelBackend: "host-gw" }, hosts: [
      { name: "s1", address: "203.0.113.5", internalAddress: "10.1.0.1", role: "server", arch: "amd64" },
      { name: "a1", address: "198.51.100.7", internalAddress: "10.1.0.2", role: "agent", arch: "amd64" },
    ] });
    expect(planOf(inv).cluster.flannelBackend).toBe("host-gw");
  });

  test("a wider LAN given as apiVip.subnet is one segment", () => {
    const inv = inventoryStack({ cluster: { flannelBackend: "host-gw", apiVip: { address: "10.0.0.250", subnet: "10.0.0.0/16" } }, hosts: hosts("10.0.1.11", "10.0.2.21") });
    expect(planOf(inv).cluster.flannelBackend).toBe("host-gw");
  });

  test("one segment, DNS-named nodes and vxlan are accepted", () => {
    expect(planOf(inventoryStack({ cluster: { flannelBackend: "host-gw" } })).cluster.flannelBackend).toBe("host-gw");
    expect(planOf(inventoryStack({ hosts: hosts("192.168.1.11", "192.168.2.22") })).nodes).toHaveLength(2);
    expect(splitSegmentsProblem([{ name: "a", nodeIp: "10.0.0.1" }, { name: "b" }])).toBeUndefined();
    expect(splitSegmentsProblem([{ name: "a", nodeIp: "fd00:1::1" }, { name: "b", nodeIp: "fd00:1::2" }])).toBeUndefined();
  });
});
