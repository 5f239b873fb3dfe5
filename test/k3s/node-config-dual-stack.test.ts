// config.yaml of a dual-stack node: node-ip and node-external-ip are k3s stringSlice flags, written as
// YAML lists in the order given (k3s takes the first as the node's primary IP). A single address is
// written exactly as before, so existing single-stack nodes see no change (and no restart).
import { parseClusterConfig } from "../../components/k3s/settings";
import { NodeConfigInput, renderConfigYaml, renderNodeConfig } from "../../components/k3s/node-config";
import { loadReference, referenceProblems } from "./support/reference";

const ref = loadReference();
const none = { server: {}, all: {}, disable: [] };
const DUAL = parseClusterConfig({ k3sVersion: "v1.36.3+k3s1", clusterCidr: "10.42.0.0/16,fd00:42::/56", serviceCidr: "10.43.0.0/16,fd00:43::/112" });
const SINGLE = parseClusterConfig({ k3sVersion: "v1.36.3+k3s1" });
const node = (o: Partial<NodeConfigInput>): NodeConfigInput => ({ name: "n1", role: "server", bootstrap: true, labels: {}, taints: [], ...o });

test.each(["server", "agent"] as const)("a %s's pair becomes a two-entry node-ip and node-external-ip, primary first, both flags of the role", (role) => {
  const cfg = renderNodeConfig(DUAL, node({ role, bootstrap: role === "server", internalAddress: "10.0.10.7,2001:db8::7", externalAddress: "203.0.113.7,2001:db8:1::7" }), "https://10.0.10.1:6443", none);
  expect(cfg["node-ip"]).toEqual(["10.0.10.7", "2001:db8::7"]);
  expect(cfg["node-external-ip"]).toEqual(["203.0.113.7", "2001:db8:1::7"]);
  expect(referenceProblems(ref, role, cfg)).toEqual([]);
  expect(renderConfigYaml(cfg)).toContain("node-ip:\n  - 10.0.10.7\n  - 2001:db8::7\n");
});

test("one address renders byte for byte as before: a one-entry list", () => {
  const yaml = renderConfigYaml(renderNodeConfig(SINGLE, node({ internalAddress: "10.0.0.11", externalAddress: "203.0.113.11" }), "https://10.0.0.11:6443", none));
  expect(yaml).toContain("node-external-ip:\n  - 203.0.113.11\nnode-ip:\n  - 10.0.0.11\n");
});

test("the spelling written is kept (no reordering or respelling that would show as a config change)", () => {
  const cfg = renderNodeConfig(DUAL, node({ internalAddress: "10.0.10.7,2001:DB8:0::7" }), "https://10.0.10.1:6443", none);
  expect(cfg["node-ip"]).toEqual(["10.0.10.7", "2001:DB8:0::7"]);
});
