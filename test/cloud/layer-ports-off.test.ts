// A layer turned off closes its ports in the AWS security groups too: each port is its own
// SecurityGroupIngressRule, named after the port, so a program run without the layer registers none
// of them and the engine deletes them, while every other rule keeps its name and inputs (nothing is
// replaced). Hetzner firewalls hold admin rules only (node-to-node traffic is on the private network).
import { AWS_ONE_SERVER_ONE_AGENT as CLOUD, installCloudMocks, Seen, settle } from "./cloud-mocks";
import { setStackConfig } from "../support/stack";

/** Each ingress rule the program registers, by resource name, with its inputs. */
async function ingressRules(addons?: Record<string, unknown>): Promise<Map<string, string>> {
  jest.resetModules();
  const seen: Seen[] = await installCloudMocks();
  setStackConfig({
    "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1", datastore: "etcd" },
    "k3s-stacks:cloud": CLOUD,
    ...(addons ? { "k3s-stacks:addons": addons } : {}),
  });
  const { main } = await import("../../stacks/main");
  await main();
  await settle();
  return new Map(seen.filter((s) => s.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => [r.name, JSON.stringify(r.inputs)]));
}

test("monitoring turned off: its scrape ports' rules are no longer registered (the engine deletes them); k3s's own rules are unchanged", async () => {
  const on = await ingressRules({ monitoring: { enabled: true } });
  const off = await ingressRules();
  const gone = [...on.keys()].filter((name) => !off.has(name)).sort();
  expect(gone).toEqual([
    "k3s-nodes-layer-10249-tcp", "k3s-nodes-layer-9100-tcp",
    "k3s-servers-layer-10257-tcp", "k3s-servers-layer-10259-tcp", "k3s-servers-layer-2381-tcp",
  ]);
  // Nothing new without the layer, and every remaining rule registered with the same inputs.
  expect([...off.keys()].filter((name) => !on.has(name))).toEqual([]);
  for (const [name, inputs] of off) expect(on.get(name)).toBe(inputs);
});
