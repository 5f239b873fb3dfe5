import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { NodeSpec } from "../nodes/types";
import { RookLayout } from "./eligibility";
import { CephExternalSecrets, externalObjectShapes, externalObjects } from "./rook-external";
import { renderRookTeardownScript, rookTeardownStep } from "./teardown";
import { ROOK_STORAGE_CLASS, cephCsiDriversValues, csiProvisioner, csiSecretParameters, rookClusterValues, rookOperatorValues } from "./values/rook";
import { Values } from "./values/types";
import { rookDevicesCommand } from "./rook-devices";
import { cephClientNodes, cephKernelCommand, cephKernelModules } from "./rook-kernel";
import type { ConfigRoot } from "../rules/key-path";

/** Installs a chart release after `dependsOn` (ClusterAddons' helper). */
export type ReleaseFn = (key: "rook-ceph" | "ceph-csi-drivers" | "rook-ceph-cluster", values: pulumi.Input<Values>, dependsOn: pulumi.Resource[]) => k8s.helm.v3.Release;

export interface RookInputs {
  name: string;
  parent: pulumi.Resource;
  provider: k8s.Provider;
  layout: RookLayout;
  namespace: string;
  isDefault: boolean;
  /** First server: where the teardown steps run `k3s kubectl`. */
  bootstrap: NodeSpec;
  /** Every node: the OSD nodes' devices are checked over their SSH connections. */
  nodes: NodeSpec[];
  /** Names the addons settings in run-time messages (`k3s-stacks:addons` by default). */
  configRoot?: ConfigRoot;
  /** What the cluster's readiness is (K3sCluster.ready); SSH steps wait for it too. */
  clusterReady: pulumi.Resource[];
  /** Resources the cluster release must wait for (local-storage holds). */
  before: pulumi.Resource[];
  external?: pulumi.Input<CephExternalSecrets>;
  release: ReleaseFn;
}

/** What the Rook layer leaves for the others: its releases and StorageClass names. */
export interface RookResult {
  releases: pulumi.Resource[];
  storageClass: string;
  /** The ReadWriteMany (CephFS) class, when there is one. */
  sharedStorageClass?: string;
}

/**
 * Rook's resources in install order, which is also the reverse of their delete order: operator →
 * CSI drivers → [wait for the CephCluster to be gone] → (internal: each OSD node's devices checked, rook-devices.ts;
 * external: Secrets/ConfigMap) → cluster release →
 * (internal: confirm cleanup; external: StorageClasses). Deleting therefore confirms the cleanup,
 * removes the cluster release, waits until the operator has finished the CephCluster, and only then
 * removes the operator and its CRDs.
 */
export function rookResources(r: RookInputs): RookResult {
  const k8sOpts = (dependsOn: pulumi.Resource[]): pulumi.CustomResourceOptions => ({ parent: r.parent, provider: r.provider, dependsOn });
  const { layout, namespace } = r;
  const shared = layout.mode === "external" ? (layout.external?.cephfs ? "ceph-filesystem" : undefined) : layout.filesystem?.name;
  const classes = [ROOK_STORAGE_CLASS, ...(shared ? [shared] : [])];
  // Both releases stay ahead of the holds: local-storage comes back only after the operator is gone.
  const operator = r.release("rook-ceph", rookOperatorValues(layout), r.before);
  // Needs the operator chart's CRDs (ceph-csi-operator subchart) and image set; the cluster waits for it.
  const csiDrivers = r.release("ceph-csi-drivers", cephCsiDriversValues(namespace), [operator]);
  const gone = rookTeardownStep(`${r.name}-rook-ceph-cluster-gone`, r.bootstrap, renderRookTeardownScript({ namespace, step: "wait-gone", storageClasses: classes }), {
    parent: r.parent,
    dependsOn: [...r.clusterReady, operator],
  });
  const beforeCluster: pulumi.Resource[] = [];
  // Nodes whose kernel cannot map Ceph volumes are found before the cluster is created, in both modes.
  const modules = cephKernelModules(layout);
  for (const node of cephClientNodes(r.nodes)) {
    beforeCluster.push(cephKernelCommand(`${r.name}-rook-kernel-${node.name}`, node, modules, { parent: r.parent, dependsOn: r.clusterReady }));
  }
  if (layout.mode === "internal") {
    // Devices Rook would skip leave the cluster short of OSDs: found on the nodes before it is created.
    layout.nodes.forEach((entry, i) => {
      const node = r.nodes.find((n) => n.name === entry.name)!;
      beforeCluster.push(rookDevicesCommand(`${r.name}-rook-devices-${node.name}`, node, entry.devices, i, { parent: r.parent, dependsOn: r.clusterReady }, r.configRoot));
    });
  }
  if (layout.mode === "external" && layout.external && r.external) {
    const ext = layout.external;
    const data = pulumi.output(r.external).apply((s) => externalObjects(namespace, ext, s));
    externalObjectShapes(ext).forEach((shape, i) => {
      const values = pulumi.secret(data.apply((list) => list[i].data));
      const metadata = { name: shape.name, namespace };
      beforeCluster.push(
        shape.kind === "ConfigMap"
          ? new k8s.core.v1.ConfigMap(`${r.name}-${shape.name}`, { metadata, data: values }, k8sOpts([]))
          : new k8s.core.v1.Secret(`${r.name}-${shape.name}`, { metadata, type: "kubernetes.io/rook", stringData: values }, k8sOpts([])),
      );
    });
  }
  const cluster = r.release("rook-ceph-cluster", rookClusterValues(layout, namespace, r.isDefault), [operator, csiDrivers, gone, ...beforeCluster]);
  if (layout.mode === "internal") {
    rookTeardownStep(`${r.name}-rook-ceph-cleanup`, r.bootstrap, renderRookTeardownScript({ namespace, step: "confirm-cleanup", storageClasses: classes }), {
      parent: r.parent,
      dependsOn: [cluster],
    });
  } else if (layout.external) {
    externalStorageClasses(r, namespace, layout.external, cluster, k8sOpts);
  }
  return { releases: [operator, csiDrivers, cluster], storageClass: ROOK_STORAGE_CLASS, sharedStorageClass: shared };
}

/** The StorageClasses Rook's import script creates for an external cluster, under our class names. */
function externalStorageClasses(
  r: RookInputs,
  namespace: string,
  ext: NonNullable<RookLayout["external"]>,
  cluster: pulumi.Resource,
  k8sOpts: (d: pulumi.Resource[]) => pulumi.CustomResourceOptions,
): void {
  const annotations = r.isDefault ? { "storageclass.kubernetes.io/is-default-class": "true" } : undefined;
  new k8s.storage.v1.StorageClass(
    `${r.name}-sc-${ROOK_STORAGE_CLASS}`,
    {
      metadata: { name: ROOK_STORAGE_CLASS, annotations },
      provisioner: csiProvisioner(namespace, "rbd"),
      parameters: { clusterID: namespace, pool: ext.rbdPool, imageFormat: "2", imageFeatures: "layering", ...csiSecretParameters("rbd", namespace), "csi.storage.k8s.io/fstype": "ext4" },
      allowVolumeExpansion: true,
      reclaimPolicy: "Delete",
    },
    k8sOpts([cluster]),
  );
  if (ext.cephfs) {
    new k8s.storage.v1.StorageClass(
      `${r.name}-sc-ceph-filesystem`,
      {
        metadata: { name: "ceph-filesystem" },
        provisioner: csiProvisioner(namespace, "cephfs"),
        parameters: { clusterID: namespace, fsName: ext.cephfs.filesystem, pool: ext.cephfs.dataPool, ...csiSecretParameters("cephfs", namespace) },
        allowVolumeExpansion: true,
        reclaimPolicy: "Delete",
      },
      k8sOpts([cluster]),
    );
  }
}
