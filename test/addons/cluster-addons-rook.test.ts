import { unpackScript } from "../../components/remote/packed-script";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, isSecret, MockState, settle, valueOf } from "../support/mocks";
import { ConfigError } from "../../components/rules/errors";
import { loadChartKeys, unknownPaths } from "./chart-keys";
import { mixedNodes, node } from "./fixtures";

const RELEASE = "kubernetes:helm.sh/v3:Release";
let mocks: MockState;
const deps = new Map<string, pulumi.Resource[]>();
let addons: import("../../components/addons/cluster-addons").ClusterAddons;
let mod: typeof import("../../components/addons");

const base = {
  kubeconfig: pulumi.secret("apiVersion: v1\n"),
  nodes: mixedNodes,
  serverAddresses: ["192.168.1.10"],
  datastore: "sqlite" as const,
  clusterCidr: "10.42.0.0/16",
  serviceCidr: "10.43.0.0/16",
};

beforeAll(async () => {
  mocks = await installMocks();
  mod = await import("../../components/addons");
  const config = mod.parseAddonsConfig({
    storage: { type: "rook-ceph", nodes: ["a1", "a2", "a3"].map((name) => ({ name, devices: ["sdb"] })) },
    monitoring: { enabled: true },
    charts: { "rook-ceph-cluster": { version: "v1.20.5" } },
  });
  addons = new mod.ClusterAddons(
    "edge",
    { ...base, config, airgapChartDir: "/opt/bundle/charts", grafanaAdminPassword: pulumi.secret("given-password") },
    { transformations: [(a) => { deps.set(a.name, ([] as pulumi.Resource[]).concat((a.opts.dependsOn as pulumi.Resource[] | undefined) ?? [])); return undefined; }] },
  );
  await valueOf(addons.storageClass);
  await settle();
});

async function depNames(name: string): Promise<string[]> {
  const urns = await Promise.all((deps.get(name) ?? []).map((r) => valueOf(r.urn)));
  return urns.map((u) => u.split("::").pop()!).sort();
}

const release = (key: string) => mocks.byType(RELEASE).find((r) => r.inputs.name === key)!;

describe("ClusterAddons with Rook-Ceph from an airgap bundle", () => {
  it("installs the operator, then the CSI drivers, then the cluster, then monitoring; no MetalLB with servicelb", async () => {
    expect(mocks.byType(RELEASE).map((r) => r.inputs.name).sort()).toEqual(["ceph-csi-drivers", "kube-prometheus-stack", "rook-ceph", "rook-ceph-cluster"]);
    expect(await depNames("edge-ceph-csi-drivers")).toEqual(["edge-ns-rook-ceph", "edge-rook-ceph"]);
    expect(await depNames("edge-rook-ceph-cluster")).toEqual(["edge-ceph-csi-drivers", "edge-ns-rook-ceph", "edge-rook-ceph", "edge-rook-ceph-cluster-gone", "edge-rook-devices-a1", "edge-rook-devices-a2", "edge-rook-devices-a3", "edge-rook-kernel-a1", "edge-rook-kernel-a2", "edge-rook-kernel-a3", "edge-rook-kernel-s1"]);
    expect(await depNames("edge-kube-prometheus-stack")).toContain("edge-rook-ceph-cluster");
    expect(mocks.resources.some((r) => r.type.includes("metallb"))).toBe(false);
  });

  it("takes charts from packaged files, with the stack's version override", () => {
    expect(release("rook-ceph").inputs).toMatchObject({ chart: "/opt/bundle/charts/rook-ceph-v1.20.6.tgz", namespace: "rook-ceph" });
    expect(release("rook-ceph-cluster").inputs.chart).toBe("/opt/bundle/charts/rook-ceph-cluster-v1.20.5.tgz");
    expect(release("rook-ceph").inputs.repositoryOpts).toBeUndefined();
    expect(release("ceph-csi-drivers").inputs).toMatchObject({ chart: "/opt/bundle/charts/ceph-csi-drivers-1.0.4.tgz", namespace: "rook-ceph" });
  });

  it("renders only known keys and puts monitoring on ceph-block without etcd scraping", () => {
    expect(unknownPaths(release("rook-ceph-cluster").inputs.values, loadChartKeys("rook-ceph-cluster", "v1.20.6"))).toEqual([]);
    expect(unknownPaths(release("ceph-csi-drivers").inputs.values, loadChartKeys("ceph-csi-drivers", "1.0.4"))).toEqual([]);
    expect(release("kube-prometheus-stack").inputs.values).toMatchObject({ kubeEtcd: { enabled: false }, grafana: { persistence: { storageClassName: "ceph-block" } } });
  });

  it("uses the given Grafana password, secret, and generates none", async () => {
    expect(mocks.byType("random:index/randomPassword:RandomPassword")).toHaveLength(0);
    expect(await isSecret(addons.grafanaAdminPassword!)).toBe(true);
    expect(await valueOf(addons.grafanaAdminPassword!)).toBe("given-password");
    expect(JSON.stringify(mocks.byType(RELEASE).map((r) => r.inputs))).not.toContain("given-password");
  });

  it("runs over SSH the local-storage hold, the delete-only teardown steps on the first server, a read-only device check on each OSD node and a kernel check on each node Ceph volumes may mount on", () => {
    const cmds = mocks.byType("command:remote:Command");
    // Not on the armhf Pi, where Ceph CSI has no image.
    expect(cmds.map((c) => c.name).filter((n) => !n.includes("-host-ports-")).sort()).toEqual(["edge-hold-local-storage-s1", "edge-rook-ceph-cleanup", "edge-rook-ceph-cluster-gone", "edge-rook-devices-a1", "edge-rook-devices-a2", "edge-rook-devices-a3", "edge-rook-kernel-a1", "edge-rook-kernel-a2", "edge-rook-kernel-a3", "edge-rook-kernel-s1"]);
    // Block volumes only (no CephFS): rbd.
    const s1 = unpackScript(mocks.byName("edge-rook-kernel-s1").inputs.stdin as string);
    expect(s1).toMatch(/^\s*node='s1'$/m);
    expect(s1).toContain("for m in rbd; do");
    for (const c of cmds.filter((x) => x.name.startsWith("edge-rook-ceph"))) expect(c.inputs.create).toBeUndefined();
    // Each node's own devices, named by the setting that lists them (storage.nodes[1] is a2).
    const a2 = unpackScript(mocks.byName("edge-rook-devices-a2").inputs.stdin as string);
    expect(a2).toMatch(/^\s*node='a2'$/m);
    expect(a2).toContain("'sdb' 'ClusterAddons.args.config.storage.nodes[1].devices[0]'");
  });

  it("throws every config problem before creating any child resource", () => {
    const before = mocks.resources.length;
    const bad = mod.parseAddonsConfig({
      storage: { type: "longhorn", replicas: 3 },
      loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["10.43.0.0/24"] }] },
    });
    const nodes = [node("s1", 10, { role: "server" }), node("pi", 11, { arch: "arm" })];
    expect(() => new mod.ClusterAddons("bad", { ...base, nodes, config: bad })).toThrow(ConfigError);
    expect(() => new mod.ClusterAddons("bad2", { ...base, nodes, config: bad })).toThrow(/replicas: 3 replicas need 3 eligible nodes[\s\S]*overlaps the service CIDR/);
    return settle().then(() => {
      expect(mocks.resources.slice(before).filter((r) => r.type !== "k3s:addons:ClusterAddons")).toEqual([]);
    });
  });
});
