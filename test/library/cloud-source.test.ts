// cloudNodeSpecs: the stack's cloud pools as a node source of a program of its own, feeding K3sCluster.
import * as pulumi from "@pulumi/pulumi";
import { installCloudMocks, Seen, settle, valueOf } from "../cloud/cloud-mocks";
import type { ConfigError } from "../../components";
import { configYamlOf, unwrap } from "../stack/support/harness";

let seen: Seen[];
let lib: typeof import("../../components");

const cloud = {
  provider: "hetzner" as const,
  hetzner: { location: "nbg1" },
  adminCidrs: ["203.0.113.7/32"],
  network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/24"] },
  pools: [{ name: "control", role: "server" as const, count: 1, type: "cpx22" }, { name: "work", role: "agent" as const, count: 2, type: "cax21" }],
};

beforeAll(async () => {
  seen = await installCloudMocks();
  lib = await import("../../components");
});

test("its VMs become K3sCluster's nodes, with the k3s defaults for the CIDRs the network must avoid", async () => {
  const pool = await lib.cloudNodeSpecs("lab", { cloud });
  const k3s = new lib.K3sCluster("lab-k3s", { nodes: pool.nodes, version: "v1.33.4+k3s1" });
  await Promise.all(pool.nodes.map((n) => valueOf(n.internalAddress as pulumi.Output<string>)));
  await valueOf(k3s.urn);
  await settle();
  expect(seen.filter((s) => s.type === "hcloud:index/server:Server" && s.name.startsWith("lab-")).length).toBe(3);
  expect(k3s.nodeNames).toEqual(pool.nodes.map((n) => n.name));
  expect(pool.nodes.map((n) => n.role)).toEqual(["server", "agent", "agent"]);
});

test("a bad pool names the function's argument, before any VM is declared", async () => {
  const before = seen.length;
  const error = await lib.cloudNodeSpecs("bad", { cloud: { ...cloud, network: { cidr: "10.42.0.0/16", subnets: ["10.42.1.0/24"] } } }).catch((e: ConfigError) => e);
  expect(error).toBeInstanceOf(lib.ConfigError);
  expect((error as ConfigError).problems.length).toBeGreaterThan(0);
  for (const p of (error as ConfigError).problems) expect(p).toMatch(/^cloudNodeSpecs\.args\.cloud\..*Fix: /s);
  expect((error as ConfigError).problems.join("\n")).toContain("cloudNodeSpecs.args.cluster.clusterCidr");
  expect(seen.length).toBe(before);
});

test("its cluster argument's ranges are checked with K3sCluster's rules (clusterNetworkProblems), before any VM is declared", async () => {
  const before = seen.length;
  const error = await lib.cloudNodeSpecs("bad", { cloud, cluster: { clusterCidr: "10.42.0.0/16", serviceCidr: "10.42.128.0/17" } }).catch((e: ConfigError) => e);
  expect(error).toBeInstanceOf(lib.ConfigError);
  expect((error as ConfigError).problems).toEqual([
    expect.stringMatching(/^cloudNodeSpecs\.args\.cluster\.serviceCidr: 10\.42\.128\.0\/17 overlaps clusterCidr 10\.42\.0\.0\/16.*Fix: pick disjoint ranges/),
  ]);
  expect(seen.length).toBe(before);
});

test("the API load balancer passed as kubeconfigHost is in the servers' tls-san, not the agents'", async () => {
  const pool = await lib.cloudNodeSpecs("lb", { cloud: { ...cloud, apiLoadBalancer: true, allowWorldApi: true } });
  const k3s = new lib.K3sCluster("lb-k3s", { nodes: pool.nodes, version: "v1.33.4+k3s1", kubeconfigHost: pool.apiEndpoint });
  await valueOf(k3s.kubeconfig);
  await settle();
  const sans = (node: string) => {
    const step = seen.find((s) => s.name === `lb-k3s-${node}-config`)!;
    return configYamlOf(unwrap(step.inputs.stdin) as string)["tls-san"];
  };
  expect(sans(pool.nodes[0].name)).toEqual(["198.51.100.250"]);
  expect(sans(pool.nodes[1].name)).toBeUndefined();
});
