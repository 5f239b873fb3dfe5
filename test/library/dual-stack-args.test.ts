// K3sCluster's nodes take a dual-stack pair like an inventory host: a comma string or a list,
// held to the same rules and named by the argument path.
import { resolveK3sClusterArgs } from "../../components/cluster/args";
import { NodeArgs } from "../../components";
import { problem, problemsOf } from "../support/config";

const VERSION = "v1.36.3+k3s1";
const DUAL = { clusterCidr: "10.42.0.0/16,fd00:42::/56", serviceCidr: "10.43.0.0/16,fd00:43::/112" };
const node = (internalAddress: NodeArgs["internalAddress"]): NodeArgs => ({ name: "s1", role: "server", arch: "amd64", connection: { host: "s1.lan" }, internalAddress });

test("a list becomes the comma form k3s's node-ip is written from", () => {
  expect(resolveK3sClusterArgs({ version: VERSION, ...DUAL, nodes: [node(["10.0.10.11", "2001:db8:10::11"])] }).nodes[0].internalAddress).toBe("10.0.10.11,2001:db8:10::11");
});

test("a pair of one family and a pair out of order are refused naming the argument", () => {
  expect(problemsOf(() => resolveK3sClusterArgs({ version: VERSION, ...DUAL, nodes: [node("10.0.10.11,10.0.10.12")] }))).toEqual([
    problem("K3sCluster.args.nodes[0].internalAddress", "lists two IPv4 addresses", "add an IPv6 address only for a dual-stack cluster"),
  ]);
  expect(problemsOf(() => resolveK3sClusterArgs({ version: VERSION, ...DUAL, nodes: [node("2001:db8:10::11,10.0.10.11")] }))).toEqual([
    problem("K3sCluster.args.nodes[0].internalAddress", "starts with an IPv6 address", "write 10.0.10.11,2001:db8:10::11"),
  ]);
});
