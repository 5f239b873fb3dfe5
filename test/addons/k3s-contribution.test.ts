import { readFileSync } from "fs";
import { addonK3sContribution } from "../../components/addons/k3s-contribution";
import { parseAddonsConfig } from "../../components/addons/config";
import * as path from "path";
import { REFERENCE_DIR, REFERENCE_PATH } from "../k3s/support/reference";

const flags = JSON.parse(readFileSync(REFERENCE_PATH, "utf8")) as {
  server: Record<string, { type: string }>;
  agent: Record<string, { type: string }>;
  disableValues: Record<string, string[]>;
};

const everything = parseAddonsConfig({
  storage: { type: "longhorn" },
  loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["192.168.1.224/28"] }] },
  monitoring: { enabled: true },
});

describe("addonK3sContribution", () => {
  it("emits only keys k3s knows for the role they go to, with matching types", () => {
    const c = addonK3sContribution(everything, "etcd");
    for (const [key, value] of Object.entries(c.server ?? {})) {
      expect(flags.server[key]).toBeDefined();
      expect(flags.server[key].type).toBe(Array.isArray(value) ? "stringSlice" : typeof value === "boolean" ? "bool" : "string");
    }
    for (const key of Object.keys(c.all ?? {})) {
      expect(flags.server[key]).toBeDefined();
      expect(flags.agent[key]).toBeDefined();
    }
    for (const d of c.disable ?? []) expect(flags.disableValues["full build (stage.go, !no_stage)"]).toContain(d);
    expect(Object.keys(c.server ?? {}).length + Object.keys(c.all ?? {}).length).toBe(4);
  });

  it("disables servicelb exactly when MetalLB is chosen", () => {
    expect(addonK3sContribution(everything, "sqlite").disable).toContain("servicelb");
    expect(addonK3sContribution(parseAddonsConfig({}), "sqlite").disable ?? []).not.toContain("servicelb");
  });

  it("disables local-storage only when another class becomes the default", () => {
    expect(addonK3sContribution(everything, "sqlite").disable).toContain("local-storage");
    // Longhorn's placement goes along for K3sCluster's rollout check; no k3s key.
    expect(addonK3sContribution(parseAddonsConfig({ storage: { type: "longhorn", default: false } }), "sqlite")).toEqual({ longhorn: {} });
    expect(addonK3sContribution(parseAddonsConfig({ storage: { type: "longhorn", default: false, nodes: ["a1"], replicas: 1 } }), "sqlite")).toEqual({ longhorn: { nodes: ["a1"], replicas: 1 } });
    expect(addonK3sContribution(parseAddonsConfig({}), "sqlite")).toEqual({});
  });

  it("opens the metrics endpoints monitoring scrapes, etcd only with embedded etcd", () => {
    expect(addonK3sContribution(everything, "etcd")).toMatchObject({
      server: { "kube-controller-manager-arg": ["bind-address=0.0.0.0"], "kube-scheduler-arg": ["bind-address=0.0.0.0"], "etcd-expose-metrics": true },
      all: { "kube-proxy-arg": ["metrics-bind-address=0.0.0.0:10249"] },
    });
    expect(addonK3sContribution(everything, "postgres").server).not.toHaveProperty("etcd-expose-metrics");
  });

  it("asks for the ports its host-network parts take from other nodes: MetalLB's memberlist, the scraped metrics (etcd's with etcd only)", () => {
    expect(addonK3sContribution(everything, "etcd").ports).toEqual({ server: ["10257/tcp", "10259/tcp", "2381/tcp"], all: ["7946/tcp", "7946/udp", "10249/tcp", "9100/tcp"] });
    expect(addonK3sContribution(everything, "sqlite").ports?.server).toEqual(["10257/tcp", "10259/tcp"]);
    const lbOnly = parseAddonsConfig({ loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["192.168.1.224/28"] }] } });
    expect(addonK3sContribution(lbOnly, "etcd").ports).toEqual({ server: [], all: ["7946/tcp", "7946/udp"] });
    expect(addonK3sContribution(parseAddonsConfig({ storage: { type: "longhorn" } }), "etcd")).not.toHaveProperty("ports");
  });

  it("asks for the metrics ports the kube-prometheus-stack values scrape, and those the reference lists for k3s", () => {
    const notes = readFileSync(path.join(REFERENCE_DIR, "k3s-reference.md"), "utf8");
    const { server = [], all = [] } = addonK3sContribution(everything, "etcd").ports ?? {};
    for (const p of [...server, ...all].filter((p) => !["7946/tcp", "7946/udp", "9100/tcp"].includes(p))) expect(notes).toContain(p.split("/")[0]);
  });
});
