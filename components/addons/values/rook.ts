import { RookLayout, STORAGE_ARCHES } from "../eligibility";
import { Values } from "./types";

/** StorageClass the rook-ceph-cluster chart creates for the block pool. */
export const ROOK_STORAGE_CLASS = "ceph-block";

/** Values for chart rook-ceph (the operator). */
export function rookOperatorValues(layout: RookLayout): Values {
  return {
    crds: { enabled: true },
    nodeSelector: { "kubernetes.io/arch": layout.operatorArch },
  };
}

const archAffinity = {
  requiredDuringSchedulingIgnoredDuringExecution: {
    nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/arch", operator: "In", values: [...STORAGE_ARCHES] }] }],
  },
};

/** Values for chart rook-ceph-cluster: a block pool only, on the listed devices. */
export function rookClusterValues(layout: RookLayout, operatorNamespace: string, isDefault: boolean): Values {
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
      placement: { all: { nodeAffinity: archAffinity } },
    },
    cephBlockPools: [
      {
        name: "ceph-blockpool",
        spec: {
          failureDomain: "host",
          // Ceph refuses size 1 unless told it is intended.
          replicated: { size: layout.replicas, requireSafeReplicaSize: layout.replicas > 1 },
        },
        storageClass: {
          enabled: true,
          name: ROOK_STORAGE_CLASS,
          isDefault,
          reclaimPolicy: "Delete",
          allowVolumeExpansion: true,
          volumeBindingMode: "Immediate",
          // The chart's defaults, repeated because a list in values replaces the whole default list.
          parameters: {
            imageFormat: "2",
            imageFeatures: "layering",
            "csi.storage.k8s.io/provisioner-secret-name": "rook-csi-rbd-provisioner",
            "csi.storage.k8s.io/provisioner-secret-namespace": "{{ .Release.Namespace }}",
            "csi.storage.k8s.io/controller-expand-secret-name": "rook-csi-rbd-provisioner",
            "csi.storage.k8s.io/controller-expand-secret-namespace": "{{ .Release.Namespace }}",
            "csi.storage.k8s.io/controller-publish-secret-name": "rook-csi-rbd-provisioner",
            "csi.storage.k8s.io/controller-publish-secret-namespace": "{{ .Release.Namespace }}",
            "csi.storage.k8s.io/node-stage-secret-name": "rook-csi-rbd-node",
            "csi.storage.k8s.io/node-stage-secret-namespace": "{{ .Release.Namespace }}",
            "csi.storage.k8s.io/fstype": "ext4",
          },
        },
      },
    ],
    // Filesystem (MDS) and object store (RGW) each add pools of size 3 and GiBs of requests.
    cephFileSystems: [],
    cephObjectStores: [],
  };
}
