import { RookLayout } from "../eligibility";
import { STORAGE_ARCHES } from "../../nodes/storage-eligibility";
import { Values } from "./types";
import { tolerationFor } from "../../rules/taints";

/** StorageClass of the block pool (the chart's, or ours in external mode). */
export const ROOK_STORAGE_CLASS = "ceph-block";

/** CSI driver names Rook registers: `<operator namespace>.<rbd|cephfs>.csi.ceph.com` (Rook's import-external-cluster.sh). */
export function csiProvisioner(operatorNamespace: string, kind: "rbd" | "cephfs" | "nfs" | "nvmeof"): string {
  return `${operatorNamespace}.${kind}.csi.ceph.com`;
}

/** Secret parameters a Ceph CSI StorageClass names; a values list replaces the chart's defaults, so they are repeated. */
export function csiSecretParameters(kind: "rbd" | "cephfs", namespace: string): Record<string, string> {
  const provisioner = `rook-csi-${kind}-provisioner`;
  const node = `rook-csi-${kind}-node`;
  return {
    "csi.storage.k8s.io/provisioner-secret-name": provisioner,
    "csi.storage.k8s.io/provisioner-secret-namespace": namespace,
    "csi.storage.k8s.io/controller-expand-secret-name": provisioner,
    "csi.storage.k8s.io/controller-expand-secret-namespace": namespace,
    "csi.storage.k8s.io/node-stage-secret-name": node,
    "csi.storage.k8s.io/node-stage-secret-namespace": namespace,
  };
}

/** Values for chart rook-ceph (the operator, with its ceph-csi-operator subchart on the same arch). */
export function rookOperatorValues(layout: RookLayout): Values {
  const nodeSelector = { "kubernetes.io/arch": layout.operatorArch };
  return {
    crds: { enabled: true },
    nodeSelector,
    "ceph-csi-operator": { controllerManager: { nodeSelector } },
  };
}

const archAffinity = {
  requiredDuringSchedulingIgnoredDuringExecution: {
    nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/arch", operator: "In", values: [...STORAGE_ARCHES] }] }],
  },
};

/**
 * Values for chart ceph-csi-drivers: the CSI drivers' OperatorConfig, Driver objects and service
 * accounts, without which Rook v1.20's CSI pods fail and no Ceph volume is provisioned or mounted
 * (rook/rook@v1.20.6 Documentation/Upgrade/rook-upgrade.md, "ceph-csi-drivers Chart"). These are
 * Rook's recommended values (deploy/charts/ceph-csi-drivers/values.yaml at v1.20.6): the operator
 * namespace as the drivers' name prefix, which the StorageClasses name as their provisioner
 * (csiProvisioner), and the image set Rook's operator chart writes. Ceph CSI publishes amd64 and
 * arm64 images only, so its node and controller plugins keep to those nodes as Ceph's daemons do: an
 * armhf node would otherwise hold a node plugin pod that never pulls its image.
 */
export function cephCsiDriversValues(operatorNamespace: string): Values {
  const placement = { affinity: { nodeAffinity: archAffinity } };
  return {
    operatorConfig: {
      namespace: operatorNamespace,
      driverSpecDefaults: {
        imageSet: { name: "rook-csi-operator-image-set-configmap" },
        nodePlugin: { priorityClassName: "system-node-critical", ...placement },
        controllerPlugin: { priorityClassName: "system-cluster-critical", ...placement },
      },
    },
    drivers: {
      rbd: { enabled: true, name: csiProvisioner(operatorNamespace, "rbd") },
      cephfs: { enabled: true, name: csiProvisioner(operatorNamespace, "cephfs") },
      nfs: { enabled: false, name: csiProvisioner(operatorNamespace, "nfs") },
      nvmeof: { enabled: false, name: csiProvisioner(operatorNamespace, "nvmeof") },
    },
  };
}

/** Values for chart rook-ceph-cluster in external mode (the chart's values-external.yaml): no pools, no daemons. */
function externalClusterValues(operatorNamespace: string): Values {
  return {
    operatorNamespace,
    cephClusterSpec: {
      external: { enable: true },
      crashCollector: { disable: true },
      healthCheck: { daemonHealth: { mon: { disabled: false, interval: "45s" } } },
    },
    cephBlockPools: [],
    cephFileSystems: [],
    cephObjectStores: [],
  };
}

const pool = (size: number) => ({ failureDomain: "host", replicated: { size, requireSafeReplicaSize: size > 1 } });

/**
 * A CephFS filesystem and its ReadWriteMany StorageClass. Ceph CSI gives each claim a subvolume whose
 * quota is the claim's size (enforced by the kernel client from 4.17, reference §11), so volume
 * expansion raises the quota.
 */
function filesystemValues(fs: NonNullable<RookLayout["filesystem"]>): Values {
  return {
    name: fs.name,
    spec: {
      metadataPool: { replicated: pool(fs.replicas).replicated },
      dataPools: [{ name: "data0", ...pool(fs.replicas) }],
      metadataServer: { activeCount: fs.activeMDS, activeStandby: fs.activeStandby },
    },
    storageClass: {
      enabled: true,
      isDefault: false,
      name: fs.name,
      pool: "data0",
      reclaimPolicy: "Delete",
      allowVolumeExpansion: true,
      volumeBindingMode: "Immediate",
      parameters: { ...csiSecretParameters("cephfs", "{{ .Release.Namespace }}"), "csi.storage.k8s.io/fstype": "ext4" },
    },
  };
}

/** Values for chart rook-ceph-cluster: a block pool on the listed devices, plus CephFS when asked; or external mode. */
export function rookClusterValues(layout: RookLayout, operatorNamespace: string, isDefault: boolean): Values {
  if (layout.mode === "external") return externalClusterValues(operatorNamespace);
  return {
    operatorNamespace,
    cephClusterSpec: {
      mon: { count: layout.mons, allowMultiplePerNode: false },
      mgr: { count: layout.mgrs, allowMultiplePerNode: false },
      // Only the listed devices: useAllDevices would format every empty disk Ceph finds.
      storage: {
        useAllNodes: false,
        useAllDevices: false,
        nodes: layout.nodes.map((n) => ({ name: n.name, devices: n.devices.map((d) => ({ name: d })) })),
      },
      // OSD nodes listed although tainted (a tainted server with a disk): every Ceph daemon tolerates
      // their taints, or none would run there (Rook's CephCluster placement).
      placement: { all: { nodeAffinity: archAffinity, ...(layout.taints.length ? { tolerations: layout.taints.map(tolerationFor) } : {}) } },
    },
    cephBlockPools: [
      {
        name: "ceph-blockpool",
        // Ceph refuses size 1 unless told it is intended.
        spec: pool(layout.replicas),
        storageClass: {
          enabled: true,
          name: ROOK_STORAGE_CLASS,
          isDefault,
          reclaimPolicy: "Delete",
          allowVolumeExpansion: true,
          volumeBindingMode: "Immediate",
          parameters: {
            imageFormat: "2",
            imageFeatures: "layering",
            ...csiSecretParameters("rbd", "{{ .Release.Namespace }}"),
            "csi.storage.k8s.io/controller-publish-secret-name": "rook-csi-rbd-provisioner",
            "csi.storage.k8s.io/controller-publish-secret-namespace": "{{ .Release.Namespace }}",
            "csi.storage.k8s.io/fstype": "ext4",
          },
        },
      },
    ],
    // The object store (RGW) adds pools of size 3 and GiBs of requests; CephFS only when asked.
    cephFileSystems: layout.filesystem ? [filesystemValues(layout.filesystem)] : [],
    cephObjectStores: [],
  };
}
