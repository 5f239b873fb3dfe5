import { CHART_CATALOG, ChartKey } from "../../components/addons/charts";
import { parseAddonsConfig } from "../../components/addons/config";
import { rookLayout } from "../../components/addons/eligibility";
import { LONGHORN_NODE_LABEL, longhornPlacement } from "../../components/nodes/storage-eligibility";
import { longhornValues } from "../../components/addons/values/longhorn";
import { metallbBackend, metallbResources, metallbValues } from "../../components/addons/values/metallb";
import { CRD_UPGRADE_KUBECTL_TAG, monitoringValues, retentionSizeFor } from "../../components/addons/values/monitoring";
import { cephCsiDriversValues, csiProvisioner, rookClusterValues, rookOperatorValues } from "../../components/addons/values/rook";
import { Values } from "../../components/addons/values/types";
import { loadChartKeys, unknownPaths } from "./chart-keys";
import { mixedNodes, node } from "./fixtures";
import { readFileSync } from "fs";
import * as path from "path";
import { REFERENCE_DIR } from "../k3s/support/reference";

function expectKnown(key: ChartKey, values: Values) {
  const e = CHART_CATALOG.find((c) => c.key === key)!;
  expect(unknownPaths(values, loadChartKeys(e.chart, e.version))).toEqual([]);
}

const longhornCfg = (extra: object = {}) => {
  const cfg = parseAddonsConfig({ storage: { type: "longhorn", dataPath: "/mnt/ssd/longhorn", ...extra } }).storage;
  if (cfg.type !== "longhorn") throw new Error("not longhorn");
  return cfg;
};

describe("longhorn values", () => {
  it("tolerates the taints of data nodes listed although tainted, so Longhorn runs there; none otherwise", () => {
    const nodes = [node("s1", 10, { role: "server", taints: ["CriticalAddonsOnly=true:NoExecute", "example.com/slow:PreferNoSchedule"] }), node("s2", 11, { role: "server", taints: ["node-role.kubernetes.io/control-plane:NoSchedule"] }), node("a1", 12)];
    const cfg = longhornCfg({ nodes: ["s1", "s2"], replicas: 2 });
    const values = longhornValues(cfg, longhornPlacement(cfg, nodes).placement!);
    expectKnown("longhorn", values);
    const tolerations = [
      { key: "CriticalAddonsOnly", operator: "Equal", value: "true", effect: "NoExecute" },
      { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
    ];
    expect(values).toMatchObject({
      longhornManager: { tolerations },
      longhornDriver: { tolerations },
      longhornUI: { replicas: 1, tolerations },
      defaultSettings: { taintToleration: "CriticalAddonsOnly=true:NoExecute; node-role.kubernetes.io/control-plane:NoSchedule" },
    });
    const untainted = longhornCfg({ nodes: ["a1"], replicas: 1 });
    const plain = longhornValues(untainted, longhornPlacement(untainted, nodes).placement!);
    expect(plain).not.toHaveProperty("longhornManager");
    expect(plain.defaultSettings).not.toHaveProperty("taintToleration");
  });

  it("uses only keys of longhorn 1.12.1, keeps armhf nodes out through a label, and caps replicas", () => {
    const cfg = longhornCfg();
    const { placement } = longhornPlacement(cfg, mixedNodes);
    const values = longhornValues(cfg, placement!);
    expectKnown("longhorn", values);
    expect(placement!.nodes.map((n) => n.name)).toEqual(["s1", "a1", "a2", "a3"]);
    expect(values).toMatchObject({
      persistence: { defaultClass: true, defaultClassReplicaCount: 3 },
      defaultSettings: {
        defaultReplicaCount: '{"v1":"3","v2":"3"}',
        defaultDataPath: "/mnt/ssd/longhorn",
        systemManagedComponentsNodeSelector: `${LONGHORN_NODE_LABEL}:true`,
        // Without it the chart's pre-delete job refuses to uninstall (destroy, or a storage switch).
        deletingConfirmationFlag: true,
      },
      global: { nodeSelector: { [LONGHORN_NODE_LABEL]: "true" } },
    });
  });

  it("needs no selector when every node is eligible and scales replicas down on small clusters", () => {
    const cfg = longhornCfg();
    const { placement } = longhornPlacement(cfg, [node("s1", 10, { role: "server" }), node("a1", 11)]);
    const values = longhornValues(cfg, placement!);
    expectKnown("longhorn", values);
    expect(values.global).toBeUndefined();
    expect(values).toMatchObject({ persistence: { defaultClassReplicaCount: 2 }, csi: { attacherReplicaCount: 2 } });
  });

  it("tells the CSI plugin a moved kubelet root directory (k3s has no kubelet process for Longhorn to read it from)", () => {
    const cfg = longhornCfg();
    const { placement } = longhornPlacement(cfg, mixedNodes);
    const values = longhornValues(cfg, placement!, "/data/kubelet");
    expectKnown("longhorn", values);
    expect(values).toMatchObject({ csi: { kubeletRootDir: "/data/kubelet" } });
    expect(longhornValues(cfg, placement!).csi).not.toHaveProperty("kubeletRootDir");
  });

  // Our rollouts drain each node before upgrading it. Longhorn's default node-drain-policy
  // (block-if-contains-last-replica) holds that drain until --timeout on a node with a volume's last
  // healthy replica, always so with replicas: 1 (longhorn.io docs, references/settings "Node Drain
  // Policy", maintenance "Node Drain Policy Recommendations").
  it("sets a node drain policy under which the rollouts' drains finish, for replicas 1 too", () => {
    const three = [node("s1", 10, { role: "server" }), node("a1", 11), node("a2", 12)];
    for (const replicas of [1, 2, 3]) {
      const cfg = longhornCfg({ replicas });
      const { placement } = longhornPlacement(cfg, three);
      const values = longhornValues(cfg, placement!);
      expectKnown("longhorn", values);
      // Replicas without a healthy copy elsewhere are moved off the draining node, then the drain ends.
      expect(values).toMatchObject({ defaultSettings: { nodeDrainPolicy: "block-for-eviction-if-contains-last-replica" } });
    }
    // One data node: nowhere to move a replica; the drain stops the workloads, so their replicas stop.
    const single = longhornCfg({ replicas: 1 });
    const { placement } = longhornPlacement(single, [node("s1", 10, { role: "server" })]);
    expect(longhornValues(single, placement!)).toMatchObject({ defaultSettings: { nodeDrainPolicy: "allow-if-replica-is-stopped" } });
    // Longhorn restricted to one node of several: still one data node.
    const restricted = longhornCfg({ nodes: ["a1"] });
    const r = longhornPlacement(restricted, three).placement!;
    expect(r.restricted).toBe(true);
    expect(longhornValues(restricted, r)).toMatchObject({ defaultSettings: { nodeDrainPolicy: "allow-if-replica-is-stopped" } });
  });

  it("is not the default class when storage.default is false", () => {
    const cfg = longhornCfg({ default: false });
    const { placement } = longhornPlacement(cfg, mixedNodes);
    expect(longhornValues(cfg, placement!)).toMatchObject({ persistence: { defaultClass: false } });
  });
});

describe("rook-ceph values", () => {
  const cfgOf = (raw: object) => {
    const s = parseAddonsConfig({ storage: { type: "rook-ceph", ...raw } }).storage;
    if (s.type !== "rook-ceph") throw new Error("not rook");
    return s;
  };

  it("uses only chart keys, lists the configured devices, keeps Ceph off armhf and makes ceph-block the one default", () => {
    const cfg = cfgOf({ nodes: [{ name: "a1", devices: ["sdb"] }, { name: "a2", devices: ["sdb", "/dev/nvme0n1"] }, { name: "a3", devices: ["sdb"] }] });
    const { layout } = rookLayout(cfg, mixedNodes);
    const op = rookOperatorValues(layout!);
    const cluster = rookClusterValues(layout!, "rook-ceph", true);
    expectKnown("rook-ceph", op);
    expectKnown("rook-ceph-cluster", cluster);
    expect(op).toEqual({ crds: { enabled: true }, nodeSelector: { "kubernetes.io/arch": "arm64" }, "ceph-csi-operator": { controllerManager: { nodeSelector: { "kubernetes.io/arch": "arm64" } } } });
    expect(cluster).toMatchObject({
      cephClusterSpec: {
        mon: { count: 3 },
        storage: { useAllNodes: false, useAllDevices: false, nodes: [{ name: "a1", devices: [{ name: "sdb" }] }, { name: "a2", devices: [{ name: "sdb" }, { name: "/dev/nvme0n1" }] }, { name: "a3" }] },
        placement: { all: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/arch", operator: "In", values: ["amd64", "arm64"] }] }] } } } },
      },
      cephBlockPools: [{ spec: { replicated: { size: 3, requireSafeReplicaSize: true } }, storageClass: { name: "ceph-block", isDefault: true } }],
      cephFileSystems: [],
      cephObjectStores: [],
    });
  });

  it("configures the CSI drivers as Rook v1.20 requires: the provisioner names the StorageClasses use, Rook's image set, plugins off armhf", () => {
    const values = cephCsiDriversValues("rook-ceph");
    expectKnown("ceph-csi-drivers", values);
    // Rook's recommended values (rook/rook@v1.20.6 deploy/charts/ceph-csi-drivers/values.yaml).
    expect(values).toMatchObject({
      operatorConfig: { namespace: "rook-ceph", driverSpecDefaults: { imageSet: { name: "rook-csi-operator-image-set-configmap" }, nodePlugin: { priorityClassName: "system-node-critical" }, controllerPlugin: { priorityClassName: "system-cluster-critical" } } },
      drivers: { rbd: { enabled: true, name: "rook-ceph.rbd.csi.ceph.com" }, cephfs: { enabled: true, name: "rook-ceph.cephfs.csi.ceph.com" }, nfs: { enabled: false }, nvmeof: { enabled: false } },
    });
    // The StorageClasses name the same drivers.
    expect([csiProvisioner("rook-ceph", "rbd"), csiProvisioner("rook-ceph", "cephfs")]).toEqual(["rook-ceph.rbd.csi.ceph.com", "rook-ceph.cephfs.csi.ceph.com"]);
    const arches = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/arch", operator: "In", values: ["amd64", "arm64"] }] }] } } };
    expect(values).toMatchObject({ operatorConfig: { driverSpecDefaults: { nodePlugin: { affinity: arches }, controllerPlugin: { affinity: arches } } } });
  });

  it("lets every Ceph daemon tolerate the taints of OSD nodes listed although tainted; adds none otherwise", () => {
    const nodes = [1, 2, 3].map((i) => node(`s${i}`, 10 + i, { role: "server", taints: ["CriticalAddonsOnly=true:NoExecute"] }));
    const cfg = cfgOf({ nodes: nodes.map((n) => ({ name: n.name, devices: ["sdb"] })) });
    const cluster = rookClusterValues(rookLayout(cfg, nodes).layout!, "rook-ceph", true);
    expectKnown("rook-ceph-cluster", cluster);
    expect(cluster).toMatchObject({ cephClusterSpec: { placement: { all: { tolerations: [{ key: "CriticalAddonsOnly", operator: "Equal", value: "true", effect: "NoExecute" }] } } } });
    const plain = rookClusterValues(rookLayout(cfgOf({ nodes: ["a1", "a2", "a3"].map((name) => ({ name, devices: ["sdb"] })) }), mixedNodes).layout!, "rook-ceph", true);
    expect((plain.cephClusterSpec as { placement: { all: object } }).placement.all).not.toHaveProperty("tolerations");
  });

  it("renders an explicit single-node layout with one monitor and an unsafe-size pool allowed", () => {
    const cfg = cfgOf({ nodes: [{ name: "s1", devices: ["sdb"] }], replicas: 1 });
    const { layout } = rookLayout(cfg, mixedNodes);
    const cluster = rookClusterValues(layout!, "rook-ceph", true);
    expectKnown("rook-ceph-cluster", cluster);
    expect(cluster).toMatchObject({ cephClusterSpec: { mon: { count: 1 }, mgr: { count: 1 } }, cephBlockPools: [{ spec: { replicated: { size: 1, requireSafeReplicaSize: false } } }] });
    expect(rookOperatorValues(layout!)).toMatchObject({ nodeSelector: { "kubernetes.io/arch": "amd64" } });
  });

  it("adds a CephFS filesystem with a ReadWriteMany class that grows its quota, with chart keys only", () => {
    const cfg = cfgOf({ nodes: ["a1", "a2", "a3"].map((name) => ({ name, devices: ["sdb"] })), filesystem: { name: "shared", replicas: 2 } });
    const { layout } = rookLayout(cfg, mixedNodes);
    const cluster = rookClusterValues(layout!, "rook-ceph", true);
    expectKnown("rook-ceph-cluster", cluster);
    expect(cluster.cephFileSystems).toEqual([
      {
        name: "shared",
        spec: {
          metadataPool: { replicated: { size: 2, requireSafeReplicaSize: true } },
          dataPools: [{ name: "data0", failureDomain: "host", replicated: { size: 2, requireSafeReplicaSize: true } }],
          metadataServer: { activeCount: 1, activeStandby: true },
        },
        storageClass: expect.objectContaining({ enabled: true, isDefault: false, name: "shared", pool: "data0", allowVolumeExpansion: true, reclaimPolicy: "Delete" }),
      },
    ]);
    const params = (cluster.cephFileSystems as Array<{ storageClass: { parameters: Record<string, string> } }>)[0].storageClass.parameters;
    expect(params["csi.storage.k8s.io/node-stage-secret-name"]).toBe("rook-csi-cephfs-node");
    expect(params["csi.storage.k8s.io/controller-expand-secret-name"]).toBe("rook-csi-cephfs-provisioner");
  });

  it("renders external mode as the chart's values-external.yaml: no pools, no daemons, chart keys only", () => {
    const cfg = cfgOf({ external: { fsid: "68945eb2-536b-11f0-8b39-b578895a0c19", rbdPool: "k8s" } });
    const { layout, problems } = rookLayout(cfg, mixedNodes);
    expect(problems).toEqual([]);
    const cluster = rookClusterValues(layout!, "rook-ceph", true);
    expectKnown("rook-ceph-cluster", cluster);
    expect(cluster).toEqual({
      operatorNamespace: "rook-ceph",
      cephClusterSpec: { external: { enable: true }, crashCollector: { disable: true }, healthCheck: { daemonHealth: { mon: { disabled: false, interval: "45s" } } } },
      cephBlockPools: [],
      cephFileSystems: [],
      cephObjectStores: [],
    });
    expectKnown("rook-ceph", rookOperatorValues(layout!));
  });
});

describe("metallb values", () => {
  const lbOf = (raw: object) => {
    const lb = parseAddonsConfig({ loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["192.168.1.224/28"] }], ...raw } }).loadBalancer;
    if (lb.type !== "metallb") throw new Error("not metallb");
    return lb;
  };

  it("runs L2 without FRR and advertises every pool over L2", () => {
    const lb = lbOf({});
    expect(metallbBackend(lb, mixedNodes)).toBe("native");
    const values = metallbValues("native");
    expectKnown("metallb", values);
    expect(values).toEqual({ crds: { enabled: true }, frrk8s: { enabled: false }, speaker: { frr: { enabled: false } } });
    expect(metallbResources(lb).map((r) => `${r.apiVersion}/${r.kind}/${r.name}`)).toEqual(["metallb.io/v1beta1/IPAddressPool/lan", "metallb.io/v1beta1/L2Advertisement/k3s-stacks"]);
  });

  it("announces from the listed interfaces only when interfaces is set; an advertisement without it keeps its spec", () => {
    const l2 = (lb: ReturnType<typeof lbOf>) => metallbResources(lb).find((r) => r.kind === "L2Advertisement")?.spec;
    expect(l2(lbOf({}))).toEqual({ ipAddressPools: ["lan"] });
    expect(l2(lbOf({ interfaces: ["eth0", "enp1s0"] }))).toEqual({ ipAddressPools: ["lan"], interfaces: ["eth0", "enp1s0"] });
  });

  it("emits only spec fields the reference lists for IPAddressPool and L2Advertisement (metallb v0.16.1 api/v1beta1)", () => {
    const md = readFileSync(path.join(REFERENCE_DIR, "k3s-reference.md"), "utf8");
    const fields = (kind: string) => [...(md.match(new RegExp(`\`${kind}\\.spec\`: (.*)`))?.[1] ?? "").matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1]);
    expect(fields("L2Advertisement")).toContain("interfaces");
    const lb = lbOf({ interfaces: ["eth0"], pools: [{ name: "lan", addresses: ["192.168.1.224/28"], avoidBuggyIPs: true }] });
    for (const r of metallbResources(lb)) {
      const known = fields(r.kind);
      expect({ kind: r.kind, unknown: Object.keys(r.spec).filter((k) => !known.includes(k)) }).toEqual({ kind: r.kind, unknown: [] });
    }
  });

  it("refuses interfaces with bgp and names that are no interface", () => {
    expect(() => lbOf({ interfaces: ["eth0"], bgp: { myASN: 64512, peers: [{ address: "192.168.1.1", asn: 64513 }] } })).toThrow(/loadBalancer\.interfaces: selects the interfaces layer 2 announces from.*Fix: remove interfaces, or remove bgp/);
    expect(() => lbOf({ interfaces: ["wlan0:1"] })).toThrow(/loadBalancer\.interfaces\[0\]: is not a network interface name.*Fix: give the name `ip -br link` shows/);
    expect(() => lbOf({ interfaces: [".."] })).toThrow(/not a network interface name/);
    // The kernel counts bytes (IFNAMSIZ): 15 two-byte characters are 30 bytes.
    expect(() => lbOf({ interfaces: ["é".repeat(15)] })).toThrow(/at most 15 bytes/);
    expect(() => lbOf({ interfaces: ["eth\u00000"] })).toThrow(/not a network interface name/);
    expect(() => lbOf({ interfaces: ["eth*"] })).toThrow(/interfaces\[0\]: is a pattern, but MetalLB matches interface names exactly.*Fix:/);
    expect(() => lbOf({ interfaces: ["lo"] })).toThrow(/interfaces\[0\]: is the loopback.*Fix: give the interface that carries the LAN/);
    expect(() => lbOf({ interfaces: ["eth0", "eth0"] })).toThrow(/interfaces: names an interface twice\. Fix: list each interface once/);
    expect(lbOf({ interfaces: ["enp1s0", "wlan0"] }).type).toBe("metallb");
  });

  it("uses frr-k8s for BGP, but native BGP when armhf nodes are present", () => {
    const lb = lbOf({ bgp: { myASN: 64512, peers: [{ address: "192.168.1.1", asn: 64513 }] } });
    expect(metallbBackend(lb, mixedNodes)).toBe("native");
    expect(metallbBackend(lb, mixedNodes.filter((n) => n.arch !== "arm"))).toBe("frr-k8s");
    expectKnown("metallb", metallbValues("frr-k8s"));
    expect(metallbValues("frr-k8s")).toMatchObject({ frrk8s: { enabled: true } });
    const crs = metallbResources(lb);
    expect(crs.find((r) => r.kind === "BGPPeer")).toEqual({ apiVersion: "metallb.io/v1beta2", kind: "BGPPeer", name: "peer-0", spec: { myASN: 64512, peerASN: 64513, peerAddress: "192.168.1.1" } });
    expect(crs.find((r) => r.kind === "BGPAdvertisement")?.spec).toEqual({ ipAddressPools: ["lan"] });
    expect(crs.some((r) => r.kind === "L2Advertisement")).toBe(false);
  });
});

describe("kube-prometheus-stack values", () => {
  const cfg = parseAddonsConfig({ monitoring: { enabled: true, retention: "7d", storageSize: "20Gi" } }).monitoring;
  const servers = [{ name: "s1", address: "192.168.1.10" }, { name: "s2", address: "192.168.1.11" }];
  const nodes = [...servers, { name: "a1", address: "192.168.1.12" }];
  const arches = ["amd64", "amd64", "arm64"] as const;

  it("points the control-plane and etcd scrapes at the k3s servers and kube-proxy at every node", () => {
    const values = monitoringValues({ cfg, datastore: "etcd", storageClass: "longhorn", servers, nodes, arches });
    expectKnown("kube-prometheus-stack", values);
    expect(values).toMatchObject({
      kubeControllerManager: { endpoints: ["192.168.1.10", "192.168.1.11"] },
      kubeScheduler: { endpoints: ["192.168.1.10", "192.168.1.11"] },
      kubeProxy: { endpoints: ["192.168.1.10", "192.168.1.11", "192.168.1.12"] },
      kubeEtcd: { enabled: true, endpoints: ["192.168.1.10", "192.168.1.11"], service: { port: 2381, targetPort: 2381 }, serviceMonitor: { scheme: "http" } },
      prometheus: { prometheusSpec: { retention: "7d", retentionSize: "16384MB", storageSpec: { volumeClaimTemplate: { spec: { storageClassName: "longhorn", resources: { requests: { storage: "20Gi" } } } } } } },
      grafana: { admin: { existingSecret: "grafana-admin" }, persistence: { enabled: true, storageClassName: "longhorn" } },
    });
    expect(JSON.stringify(values)).not.toMatch(/adminPassword/);
  });

  it("replaces Grafana's pod by Recreate, so its ReadWriteOnce volume is let go before the new pod needs it", () => {
    for (const storageClass of ["longhorn", "ceph-block", "local-path"]) {
      const values = monitoringValues({ cfg, datastore: "sqlite", storageClass, servers, nodes, arches });
      expectKnown("kube-prometheus-stack", values);
      expect(values.grafana).toMatchObject({ persistence: { enabled: true, storageClassName: storageClass }, deploymentStrategy: { type: "Recreate" } });
    }
  });

  it("turns off the etcd scrape without embedded etcd", () => {
    const values = monitoringValues({ cfg, datastore: "sqlite", storageClass: "local-path", servers: servers.slice(0, 1), nodes, arches });
    expectKnown("kube-prometheus-stack", values);
    expect(values.kubeEtcd).toEqual({ enabled: false });
  });

  it("refuses host names, which Endpoints cannot hold", () => {
    expect(() => monitoringValues({ cfg, datastore: "sqlite", storageClass: "local-path", servers: [{ name: "s1", address: "s1.lan" }], nodes, arches })).toThrow(
      /node 's1'.*'s1\.lan' is not an IP/,
    );
  });

  // kube-prometheus-stack-88.5.3 values.yaml: prometheusOperator.admissionWebhooks.patch.image is
  // ghcr.io/jkroepke/kube-webhook-certgen:1.8.7, built for linux/amd64, arm64 and s390x (its .goreleaser.yaml).
  it("keeps the chart's certificate Jobs off armhf nodes, whose arch their image is not built for", () => {
    const withPi = monitoringValues({ cfg, datastore: "sqlite", storageClass: "local-path", servers, nodes, arches: ["amd64", "arm64", "arm"] });
    expectKnown("kube-prometheus-stack", withPi);
    expect(withPi.prometheusOperator).toMatchObject({
      admissionWebhooks: {
        patch: {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/arch", operator: "In", values: ["amd64", "arm64"] }] }],
              },
            },
          },
        },
      },
    });
    // No armhf node: the chart's defaults, so no cluster without one sees its release change.
    const noPi = monitoringValues({ cfg, datastore: "sqlite", storageClass: "local-path", servers, nodes, arches });
    expect(noPi.prometheusOperator).toEqual({ resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } } });
  });

  it("turns the admission webhooks and the operator's TLS off when only armhf nodes could run the certificate Jobs", () => {
    const values = monitoringValues({ cfg, datastore: "sqlite", storageClass: "local-path", servers, nodes, arches: ["arm", "arm", "arm"] });
    expectKnown("kube-prometheus-stack", values);
    expect(values.prometheusOperator).toMatchObject({ admissionWebhooks: { enabled: false }, tls: { enabled: false } });
    expect(JSON.stringify(values.prometheusOperator)).not.toMatch(/affinity/);
  });

  // Helm installs a chart's crds/ once and never upgrades them (prometheus-community/helm-charts#3680, #1026);
  // the chart's upgrade Job applies them server-side before each install, upgrade and rollback.
  it("turns the chart's CRD upgrade Job on, with a kubectl tag that exists (not k3s's v1.36.3+k3s1), forcing Helm's field conflicts", () => {
    const values = monitoringValues({ cfg, datastore: "sqlite", storageClass: "local-path", servers, nodes, arches });
    expectKnown("kube-prometheus-stack", values);
    expect(values.crds).toEqual({ upgradeJob: { enabled: true, forceConflicts: true, image: { kubectl: { tag: "v1.36.0" } } } });
    // An image tag is [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}: no '+', as in a k3s version.
    expect(CRD_UPGRADE_KUBECTL_TAG).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/);
    // registry.k8s.io/kubectl has no armhf image: with a Pi the Job requires amd64/arm64; with Pis only it stays off.
    const withPi = monitoringValues({ cfg, datastore: "sqlite", storageClass: "local-path", servers, nodes, arches: ["amd64", "arm"] });
    expectKnown("kube-prometheus-stack", withPi);
    expect(withPi.crds).toMatchObject({ upgradeJob: { enabled: true, affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/arch", operator: "In", values: ["amd64", "arm64"] }] }] } } } } });
    expect(monitoringValues({ cfg, datastore: "sqlite", storageClass: "local-path", servers, nodes, arches: ["arm"] }).crds).toEqual({});
  });

  it("sizes retention to 80% of the volume", () => {
    expect(retentionSizeFor("10Gi")).toBe("8192MB");
    expect(retentionSizeFor("512Mi")).toBe("409MB");
    // Decimal suffixes are volume sizes too (20G = 20·10⁹ bytes).
    expect(retentionSizeFor("20G")).toBe("15258MB");
    expect(retentionSizeFor("2e10")).toBe("15258MB");
    expect(retentionSizeFor("1.5Ti")).toBe("1258291MB");
  });
});
