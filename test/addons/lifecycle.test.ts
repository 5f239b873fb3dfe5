// Every layer and every switch between alternatives, as the release/value graph and the order Pulumi
// deletes in (reverse dependency order; removed resources go after every create and update of a run).
import { unpackScript } from "../../components/remote/packed-script";
import { installMocks } from "../support/mocks";
import { addonK3sContribution, parseAddonsConfig } from "../../components/addons";
import { disableDropinPath } from "../../components/addons/teardown";
import { Graph, addonsGraph, deleteWaves, removedBy, waveOf } from "./support/graph";
import { node } from "./fixtures";

const nodes = [
  node("s1", 11, { role: "server", arch: "amd64" }),
  node("s2", 12, { role: "server", arch: "amd64" }),
  node("s3", 13, { role: "server", arch: "amd64" }),
  node("a1", 21),
  node("a2", 22),
];
const KEY = "AQDm5F5oxUaDAxAA2Hu3jWzG+zd9NJyd/WAhtg==";

const LAYERS = {
  localPath: {},
  longhorn: { storage: { type: "longhorn" } },
  rook: { storage: { type: "rook-ceph", nodes: ["a1", "a2", "s3"].map((name) => ({ name, devices: ["sdb"] })), filesystem: {} } },
  external: { storage: { type: "rook-ceph", external: { fsid: "68945eb2-536b-11f0-8b39-b578895a0c19", rbdPool: "k8s", cephfs: { filesystem: "fs", dataPool: "fs-data" } } } },
  metallb: { loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["192.168.1.224/28"] }] } },
  monitoring: { storage: { type: "longhorn" }, monitoring: { enabled: true } },
  monitoringFromRook: { storage: { type: "longhorn" }, monitoring: { enabled: true } },
  monitoringOnRook: { storage: { type: "rook-ceph", nodes: ["a1", "a2", "s3"].map((name) => ({ name, devices: ["sdb"] })) }, monitoring: { enabled: true } },
} as const;
type Layer = keyof typeof LAYERS;

const graphs = {} as Record<Layer, Graph>;
beforeAll(async () => {
  await installMocks();
  for (const layer of Object.keys(LAYERS) as Layer[]) {
    graphs[layer] = await addonsGraph(layer, LAYERS[layer], nodes, {
      previousStorageClass: layer === "monitoringFromRook" ? "ceph-block" : layer === "monitoring" ? "longhorn" : undefined,
      cephExternal: layer === "external" ? { monitors: ["10.0.0.5:6789"], userKey: KEY, rbdNodeKey: KEY, rbdProvisionerKey: KEY, cephfsNodeKey: KEY, cephfsProvisionerKey: KEY } : undefined,
    });
  }
});

const holds = (component: string) => ["s1", "s2", "s3"].map((s) => `hold-${component}-${s}`);
const disables = (layer: Layer) => addonK3sContribution(parseAddonsConfig(LAYERS[layer]), "etcd").disable ?? [];

describe("each layer's graph", () => {
  it("local-path and servicelb are k3s's own: no release, nothing held", () => {
    expect([...graphs.localPath.values()].map((n) => n.type)).toEqual(["pulumi:providers:kubernetes"]);
  });

  it("MetalLB: one hold of servicelb per server, chained, under the release; its pool and advertisement on top", () => {
    const g = graphs.metallb;
    expect(g.get("hold-servicelb-s1")!.deps).toEqual([]);
    expect(g.get("hold-servicelb-s2")!.deps).toEqual(["hold-servicelb-s1"]);
    expect(g.get("hold-servicelb-s3")!.deps).toEqual(["hold-servicelb-s2"]);
    // The speakers' host ports are checked on every node they run on (all five: none tainted) before the release.
    const portChecks = ["a1", "a2", "s1", "s2", "s3"].map((n) => `metallb-host-ports-${n}`);
    expect(g.get("metallb")!.deps).toEqual(["hold-servicelb-s1", "hold-servicelb-s2", "hold-servicelb-s3", ...portChecks, "ns-metallb-system"]);
    for (const check of portChecks) expect(g.get(check)!.props).toMatchObject({ delete: undefined });
    for (const cr of ["metallb-ipaddresspool-lan", "metallb-l2advertisement-k3s-stacks"]) expect(g.get(cr)!.deps).toEqual(["metallb"]);
    const stdin = unpackScript(g.get("hold-servicelb-s2")!.props.stdin as string);
    expect(stdin).toContain(disableDropinPath("servicelb"));
    expect(stdin).toContain("'disable+:' '  - servicelb'");
  });

  it("Longhorn: prerequisites and local-storage holds before the release, which can be uninstalled", () => {
    const g = graphs.longhorn;
    expect(g.get("longhorn")!.deps).toEqual(expect.arrayContaining([...holds("local-storage"), "longhorn-prereq-s1", "ns-longhorn-system"]));
    expect((g.get("longhorn")!.props.values as { defaultSettings: Record<string, unknown> }).defaultSettings.deletingConfirmationFlag).toBe(true);
  });

  it("Rook: operator → CSI drivers, wait-for-CephCluster-gone and each OSD node's device check → cluster release (CephFS too) → cleanup confirmation", () => {
    const g = graphs.rook;
    expect(g.get("rook-ceph-cluster-gone")!.deps).toEqual(["rook-ceph"]);
    expect(g.get("rook-ceph")!.deps).toEqual([...holds("local-storage"), "ns-rook-ceph"]);
    expect(g.get("ceph-csi-drivers")!.deps).toEqual(["ns-rook-ceph", "rook-ceph"]);
    expect(g.get("rook-ceph-cluster")!.deps).toEqual(["ceph-csi-drivers", "ns-rook-ceph", "rook-ceph", "rook-ceph-cluster-gone", "rook-devices-a1", "rook-devices-a2", "rook-devices-s3", "rook-kernel-a1", "rook-kernel-a2", "rook-kernel-s1", "rook-kernel-s2", "rook-kernel-s3"]);
    expect(g.get("rook-ceph-cleanup")!.deps).toEqual(["rook-ceph-cluster"]);
    const fs = (g.get("rook-ceph-cluster")!.props.values as { cephFileSystems: Array<{ name: string; storageClass: Record<string, unknown> }> }).cephFileSystems;
    expect(fs.map((f) => [f.name, f.storageClass.name, f.storageClass.allowVolumeExpansion])).toEqual([["ceph-filesystem", "ceph-filesystem", true]]);
    // Delete-only steps: nothing runs on create or update.
    for (const step of ["rook-ceph-cluster-gone", "rook-ceph-cleanup"]) {
      expect(g.get(step)!.props).toMatchObject({ create: undefined, update: undefined, delete: "bash -s -- delete" });
    }
  });

  it("external Ceph: secrets and mon endpoints before the cluster release, StorageClasses after it, no OSDs and no cleanup", () => {
    const g = graphs.external;
    const imported = ["rook-ceph-mon", "rook-ceph-mon-endpoints", "rook-csi-cephfs-node", "rook-csi-cephfs-provisioner", "rook-csi-rbd-node", "rook-csi-rbd-provisioner"];
    // The nodes' kernels are checked for Ceph CSI in external mode too.
    expect(g.get("rook-ceph-cluster")!.deps).toEqual([...imported, "ceph-csi-drivers", "ns-rook-ceph", "rook-ceph", "rook-ceph-cluster-gone", "rook-kernel-a1", "rook-kernel-a2", "rook-kernel-s1", "rook-kernel-s2", "rook-kernel-s3"].sort());
    expect(g.has("rook-ceph-cleanup")).toBe(false);
    for (const sc of ["sc-ceph-block", "sc-ceph-filesystem"]) expect(g.get(sc)!.deps).toEqual(["rook-ceph-cluster"]);
    const values = g.get("rook-ceph-cluster")!.props.values as Record<string, unknown>;
    expect(values).toMatchObject({ cephClusterSpec: { external: { enable: true } }, cephBlockPools: [], cephFileSystems: [] });
    expect(JSON.stringify(values)).not.toContain("storage");
  });

  it("monitoring: after storage, replaced (deleted first) when the StorageClass changes, its Prometheus volume deleted with it", () => {
    const g = graphs.monitoring;
    const mon = g.get("kube-prometheus-stack")!;
    expect(mon.deps).toEqual(expect.arrayContaining(["longhorn"]));
    // Same class as the previous outputs: a description change alone (a stack from before) replaces nothing.
    expect(mon).toMatchObject({ ignoreChanges: ["description"], replaceOnChanges: undefined });
    // The previous outputs say ceph-block, now longhorn: the release is deleted, then created on the new class.
    expect(graphs.monitoringFromRook.get("kube-prometheus-stack")!).toMatchObject({ replaceOnChanges: ["description"], deleteBeforeReplace: true });
    expect(graphs.monitoringOnRook.get("kube-prometheus-stack")!).toMatchObject({ ignoreChanges: ["description"] });
    expect(mon.props.description).toBe("storage class longhorn");
    expect(graphs.monitoringOnRook.get("kube-prometheus-stack")!.props.description).toBe("storage class ceph-block");
    expect((mon.props.values as { prometheus: { prometheusSpec: Record<string, unknown> } }).prometheus.prometheusSpec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Delete", whenScaled: "Retain" });
  });
});

describe("switches: what goes, in which order", () => {
  const order = (from: Layer, to: Layer) => deleteWaves(graphs[from], removedBy(graphs[from], graphs[to]));

  it("MetalLB → ServiceLB: pool and advertisement, then the release, then the servicelb holds one server at a time", () => {
    const waves = order("metallb", "localPath");
    expect(waveOf(waves, "metallb-ipaddresspool-lan")).toBeLessThan(waveOf(waves, "metallb"));
    expect(waveOf(waves, "metallb")).toBeLessThan(waveOf(waves, "hold-servicelb-s3"));
    expect(waveOf(waves, "hold-servicelb-s3")).toBeLessThan(waveOf(waves, "hold-servicelb-s2"));
    expect(waveOf(waves, "hold-servicelb-s2")).toBeLessThan(waveOf(waves, "hold-servicelb-s1"));
    // config.yaml drops servicelb in the same run (update phase), but the holds keep it off until here.
    expect(disables("metallb")).toEqual(["servicelb"]);
    expect(disables("localPath")).toEqual([]);
  });

  it("Longhorn → local-path: the release (its uninstall job allowed by the flag) before local-storage comes back", () => {
    const waves = order("longhorn", "localPath");
    expect(waveOf(waves, "longhorn")).toBeLessThan(waveOf(waves, "hold-local-storage-s3"));
    expect(waveOf(waves, "longhorn-prereq-a1")).toBeGreaterThan(waveOf(waves, "longhorn"));
    expect(waves.flat()).toEqual(expect.arrayContaining(holds("local-storage")));
  });

  it("Longhorn → Rook: Longhorn goes, local-storage stays off (the holds belong to both)", () => {
    const removed = removedBy(graphs.longhorn, graphs.rook);
    expect(removed).toContain("longhorn");
    expect(removed.filter((n) => n.startsWith("hold-"))).toEqual([]);
    expect(disables("longhorn")).toEqual(disables("rook"));
  });

  it("Rook → Longhorn: cleanup confirmed, cluster release, wait for the CephCluster, then the operator (CRDs last)", () => {
    const waves = order("rook", "longhorn");
    const seq = ["rook-ceph-cleanup", "rook-ceph-cluster", "rook-ceph-cluster-gone", "rook-ceph"].map((n) => waveOf(waves, n));
    expect(seq).toEqual([...seq].sort((a, b) => a - b));
    expect(new Set(seq).size).toBe(4);
  });

  it("Rook → local-path: the whole Rook chain before local-storage comes back", () => {
    const waves = order("rook", "localPath");
    expect(waveOf(waves, "rook-ceph")).toBeLessThan(waveOf(waves, "hold-local-storage-s3"));
  });

  it("external Ceph → local-path: StorageClasses, release, secrets, operator; nothing wiped on the external cluster", () => {
    const waves = order("external", "localPath");
    expect(waveOf(waves, "sc-ceph-block")).toBeLessThan(waveOf(waves, "rook-ceph-cluster"));
    expect(waveOf(waves, "rook-ceph-cluster")).toBeLessThan(waveOf(waves, "rook-ceph-mon"));
    expect(waveOf(waves, "rook-ceph-cluster-gone")).toBeLessThan(waveOf(waves, "rook-ceph"));
    expect(waves.flat()).not.toContain("rook-ceph-cleanup");
  });

  it("monitoring on → off: the release and its secret go; storage stays", () => {
    const removed = removedBy(graphs.monitoring, graphs.longhorn);
    const portChecks = ["a1", "a2", "s1", "s2", "s3"].map((n) => `kube-prometheus-stack-host-ports-${n}`);
    expect(removed.sort()).toEqual(["grafana-admin", "kube-prometheus-stack", ...portChecks, "ns-monitoring"]);
    const waves = deleteWaves(graphs.monitoring, removed);
    expect(waveOf(waves, "kube-prometheus-stack")).toBeLessThan(waveOf(waves, "grafana-admin"));
  });

  it("destroy: every release before the holds, CRs before their releases, one server's hold at a time", () => {
    const waves = deleteWaves(graphs.monitoring, graphs.monitoring.keys());
    expect(waveOf(waves, "kube-prometheus-stack")).toBeLessThan(waveOf(waves, "longhorn"));
    expect(waveOf(waves, "longhorn")).toBeLessThan(waveOf(waves, "hold-local-storage-s3"));
    expect(waveOf(waves, "hold-local-storage-s3")).toBeLessThan(waveOf(waves, "hold-local-storage-s1"));
  });
});
