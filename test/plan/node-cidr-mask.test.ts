// node-cidr-mask-size flags kube-controller-manager refuses (Kubernetes setNodeCIDRMaskSizes): the plain
// flag on a dual-stack cluster, the plain flag beside a family flag, sizes that are no mask or leave no pod
// address; 0 is the default and is accepted.
import { parseClusterConfig } from "../../components/k3s/settings";
import { problem, problemsOf } from "../support/config";

const V = "v1.36.3+k3s1";
const DUAL = { clusterCidr: "10.42.0.0/16,fd00:42::/56", serviceCidr: "10.43.0.0/16,fd00:43::/112" };
const kcm = (...args: string[]) => ({ serverConfig: { "kube-controller-manager-arg": args } });
const refused = (extra: object) => problemsOf(() => parseClusterConfig({ k3sVersion: V, ...extra }));
const accepted = (extra: object) => parseClusterConfig({ k3sVersion: V, ...extra }).serverConfig;
const KEY = "k3s-stacks:cluster.serverConfig.kube-controller-manager-arg";

test("the plain flag on a dual-stack cluster: the family flags instead, and no echo of it as an IPv6 mask", () => {
  const p = refused({ ...DUAL, ...kcm("node-cidr-mask-size=24") });
  expect(p).toEqual([problem(`${KEY}[0]`, "is not allowed on a dual-stack cluster", "use node-cidr-mask-size-ipv4=24 for the IPv4 range")]);
  expect(p.join("\n")).not.toContain("fd00:42::/56 is smaller");
  expect(accepted({ ...DUAL, ...kcm("node-cidr-mask-size-ipv4=24", "node-cidr-mask-size-ipv6=64") })).toBeDefined();
});

test("the plain flag beside a family flag on a single-stack cluster", () => {
  expect(refused(kcm("node-cidr-mask-size=24", "node-cidr-mask-size-ipv4=24"))).toEqual([
    problem(`${KEY}[1]`, `node-cidr-mask-size-ipv4 is set together with node-cidr-mask-size (${KEY}[0])`, "keep one of them"),
  ]);
});

test("sizes that are no prefix length, or leave no pod address, are refused with a size that works", () => {
  expect(refused(kcm("node-cidr-mask-size-ipv4=33"))).toEqual([problem(`${KEY}[0]`, "node-cidr-mask-size-ipv4=33 is no IPv4 prefix length (0-32)", "such as 24 (the default)")]);
  for (const size of [31, 32]) {
    expect(refused(kcm(`node-cidr-mask-size-ipv4=${size}`))).toEqual([problem(`${KEY}[0]`, "no address left for a pod", "use a shorter size, such as 24")]);
  }
  expect(refused({ ...DUAL, ...kcm("node-cidr-mask-size-ipv6=128") })).toEqual([problem(`${KEY}[0]`, "no address left for a pod", "such as 64")]);
  // No negative pod counts or max-pods fixes from a mask that is not one.
  expect(refused({ ...kcm("node-cidr-mask-size-ipv4=32"), agentConfig: { "kubelet-arg": ["max-pods=1"] } }).join("\n")).not.toMatch(/-\d/);
});

test("0 means the default (/24): accepted, and the checks that size ranges use the default", () => {
  expect(accepted(kcm("node-cidr-mask-size=0"))).toEqual(kcm("node-cidr-mask-size=0").serverConfig);
  expect(accepted({ ...DUAL, ...kcm("node-cidr-mask-size-ipv4=0") })).toBeDefined();
  expect(refused({ ...kcm("node-cidr-mask-size-ipv4=0"), agentConfig: { "kubelet-arg": ["max-pods=400"] } })).toEqual([
    problem("k3s-stacks:cluster.agentConfig.kubelet-arg[0]", "253 pod addresses in each node's /24", "max-pods=253"),
  ]);
});

test("each flag's last entry counts, as kube-controller-manager keeps it", () => {
  expect(accepted(kcm("node-cidr-mask-size=24", "node-cidr-mask-size=0", "node-cidr-mask-size-ipv4=25"))).toBeDefined();
  expect(accepted({ ...DUAL, ...kcm("node-cidr-mask-size=24", "node-cidr-mask-size=0") })).toBeDefined();
  expect(refused(kcm("node-cidr-mask-size-ipv4=33", "node-cidr-mask-size-ipv4=24", "node-cidr-mask-size-ipv4=32"))).toEqual([problem(`${KEY}[2]`, "no address left for a pod", "such as 24")]);
});
