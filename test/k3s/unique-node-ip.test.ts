// A Node that registered with another Node's InternalIP (no node-ip behind a shared NAT network)
// fails its membership step, run against a stand-in `k3s kubectl` (not real k3s).
import { renderUniqueNodeIp } from "../../components/k3s/unique-node-ip";
import { runWithNodeTable } from "./support/node-table";

/** Runs the check for `node` against Nodes with these InternalIPs (undefined: the API does not answer). */
const check = (node: string, nodes: Record<string, string> | undefined) =>
  runWithNodeTable(renderUniqueNodeIp(node), nodes && Object.entries(nodes).map(([name, ips]) => ({ name, ips, version: "v1.36.3+k3s1" })));

test("two VMs behind one NAT network: the second fails naming both nodes, the address and the internalAddress fix", () => {
  const r = check("a1", { s1: "10.0.2.15", a1: "10.0.2.15" });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^k3s-stacks: node a1 registered with InternalIP 10\.0\.2\.15, which node s1 has too\. .*Fix: set internalAddress of a1 and of s1 .*k3s node-ip.*flannelIface.*run pulumi up again\.\n$/);
});

test("a dual-stack node is judged by each of its addresses", () => {
  expect(check("a1", { s1: "10.0.0.1 fd00::1", a1: "10.0.0.2 fd00::1" }).stderr).toMatch(/InternalIP fd00::1, which node s1 has too/);
  expect(check("a1", { s1: "10.0.0.1 fd00::1", a1: "10.0.0.2 fd00::2" }).stdout).toBe("passed\n");
});

test("distinct addresses pass; an address that only contains another's (10.0.0.1 in 10.0.0.10) is not a match", () => {
  expect(check("a1", { s1: "10.0.0.1", a1: "10.0.0.2", a2: "10.0.0.3" }).stdout).toBe("passed\n");
  expect(check("a1", { s1: "10.0.0.10", a1: "10.0.0.1" }).stdout).toBe("passed\n");
});

test("the first node alone, and an API that does not answer, are not judged", () => {
  expect(check("s1", { s1: "10.0.2.15" }).stdout).toBe("passed\n");
  expect(check("s1", undefined).stdout).toBe("passed\n");
});
