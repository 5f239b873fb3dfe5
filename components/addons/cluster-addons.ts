import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { NodeSpec } from "../nodes/types";
import { ChartKey, effectiveChart, resolveChart } from "./charts";
import { LONGHORN_NODE_LABEL } from "../nodes/storage-eligibility";
import { replacesLocalPath } from "./k3s-contribution";
import { longhornPrereqCommand } from "./longhorn-prereq";
import { ClusterAddonsProgramArgs, resolveClusterAddonsArgs } from "./args";
import { LONGHORN_STORAGE_CLASS, longhornValues } from "./values/longhorn";
import { metallbBackend, metallbResources, metallbValues } from "./values/metallb";
import { GRAFANA_SECRET, NodeAddress, monitoringValues } from "./values/monitoring";
import { rookResources } from "./rook-resources";
import { disableHolds } from "./teardown";
import { Values } from "./values/types";
import { primaryNodeIp } from "../rules/node-ips";
import { hostPortCommands } from "./host-ports";

/** `dependsOn` as a list: K3sCluster.ready is a plain list; an Output would hide which resources it holds. */
function resourceList(d: pulumi.ComponentResourceOptions["dependsOn"]): pulumi.Resource[] {
  if (d === undefined) return [];
  if (pulumi.Output.isInstance(d)) throw new Error("ClusterAddons: pass the cluster's readiness as a list of resources, not an Output");
  return (Array.isArray(d) ? d : [d]) as pulumi.Resource[];
}

/** Per-release options beyond values and dependencies. */
interface ReleaseExtra {
  description?: string;
  /** Replace (delete first) when the description changes; otherwise a description change is ignored. */
  replaceOnDescription?: boolean;
}

/** Pod-security labels: every chart here runs privileged pods (CSI, speakers, node-exporter). */
const PRIVILEGED = {
  "pod-security.kubernetes.io/enforce": "privileged",
  "pod-security.kubernetes.io/audit": "privileged",
  "pod-security.kubernetes.io/warn": "privileged",
};

/**
 * Storage, load balancing and monitoring as Helm releases on a running cluster. Pass the cluster's
 * ready resources as `dependsOn`: the Kubernetes provider (and so every release) waits for them, and
 * on a brand-new stack the kubeconfig is unknown at preview, which the provider treats as "plan
 * only" instead of dialling a cluster that does not exist yet. Arguments: {@link ClusterAddonsArgs}
 * (checked before any resource is registered; a problem throws a ConfigError naming the argument).
 * Token `k3s:addons:ClusterAddons`.
 */
export class ClusterAddons extends pulumi.ComponentResource {
  /** The provider every addon resource uses. */
  readonly provider: k8s.Provider;
  /** Name of the default StorageClass after the addons are in. */
  readonly storageClass: pulumi.Output<string>;
  /** ReadWriteMany StorageClass (CephFS), when the storage layer has one. */
  readonly sharedStorageClass?: string;
  /** Grafana admin password (secret); undefined when monitoring is off. */
  readonly grafanaAdminPassword?: pulumi.Output<string>;
  /** Helm releases by chart key. */
  readonly releases: Partial<Record<ChartKey, k8s.helm.v3.Release>> = {};

  constructor(name: string, userArgs: ClusterAddonsProgramArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before super(): a bad argument registers nothing, not even this component.
    const args = resolveClusterAddonsArgs(userArgs);
    super("k3s:addons:ClusterAddons", name, {}, opts);
    const cfg = args.config;
    const { checked } = args;
    const clusterReady = opts?.dependsOn;
    // The same readiness as a plain list, for steps that run over SSH.
    const readyList = resourceList(clusterReady);
    this.provider = new k8s.Provider(
      `${name}-k8s`,
      { kubeconfig: pulumi.secret(args.kubeconfig), enableServerSideApply: true },
      { parent: this, dependsOn: clusterReady },
    );
    const k8sOpts = (dependsOn: pulumi.Resource[] = []): pulumi.CustomResourceOptions => ({ parent: this, provider: this.provider, dependsOn });

    const namespaces = new Map<string, k8s.core.v1.Namespace>();
    const namespace = (key: ChartKey) => {
      const ns = effectiveChart(key).namespace;
      if (!namespaces.has(ns)) {
        namespaces.set(ns, new k8s.core.v1.Namespace(`${name}-ns-${ns}`, { metadata: { name: ns, labels: PRIVILEGED } }, k8sOpts()));
      }
      return namespaces.get(ns)!;
    };
    const release = (key: ChartKey, values: pulumi.Input<Values>, dependsOn: pulumi.Resource[] = [], extra: ReleaseExtra = {}) => {
      const ns = namespace(key);
      const r = new k8s.helm.v3.Release(
        `${name}-${key}`,
        {
          ...resolveChart(key, cfg.charts, args.airgapChartDir),
          name: key,
          namespace: ns.metadata.name,
          values,
          description: extra.description,
          // A failed install/upgrade is rolled back, so the next `pulumi up` starts from a clean release.
          atomic: true,
          cleanupOnFail: true,
          timeout: 900,
        },
        {
          ...k8sOpts([ns, ...dependsOn]),
          ...(extra.description === undefined ? {} : extra.replaceOnDescription ? { replaceOnChanges: ["description"], deleteBeforeReplace: true } : { ignoreChanges: ["description"] }),
        },
      );
      this.releases[key] = r;
      return r;
    };
    // While an addon replaces a packaged component, each server holds the `disable` too, so the
    // component comes back only after the addon's release is deleted (teardown.ts).
    const holds = (component: string) => disableHolds(name, component, args.nodes, { parent: this, after: readyList, etcd: args.datastore === "etcd" });
    const localStorageHolds = replacesLocalPath(cfg) ? holds("local-storage") : [];

    // Host ports the releases' host-network pods bind, checked on their nodes before each release.
    const portChecks = hostPortCommands(name, cfg, args.nodes, { parent: this, dependsOn: clusterReady }, args.configRoot);

    let storageClass = "local-path";
    const storageReleases: pulumi.Resource[] = [];
    if (cfg.storage.type === "longhorn" && checked.longhorn) {
      const placement = checked.longhorn;
      const before: pulumi.Resource[] = [];
      // Opted out of host changes: the same checks still run, and fail with the fix instead of installing.
      const mode = cfg.storage.prepareNodes ? "prepare" : "check";
      for (const node of placement.nodes) {
        before.push(longhornPrereqCommand(`${name}-longhorn-prereq-${node.name}`, node, mode, { parent: this, dependsOn: clusterReady }, args.configRoot, cfg.storage.dataPath));
      }
      if (placement.restricted) {
        for (const node of placement.nodes) {
          before.push(new k8s.core.v1.NodePatch(`${name}-longhorn-node-${node.name}`, { metadata: { name: node.name, labels: { [LONGHORN_NODE_LABEL]: "true" } } }, k8sOpts()));
        }
      }
      storageReleases.push(release("longhorn", longhornValues(cfg.storage, placement, checked.kubeletRootDir), [...before, ...localStorageHolds]));
      storageClass = LONGHORN_STORAGE_CLASS;
    } else if (cfg.storage.type === "rook-ceph" && checked.rook) {
      const rook = rookResources({
        name,
        parent: this,
        provider: this.provider,
        layout: checked.rook,
        namespace: effectiveChart("rook-ceph").namespace,
        isDefault: cfg.storage.default,
        bootstrap: args.nodes.find((n) => n.role === "server") ?? args.nodes[0],
        nodes: args.nodes,
        configRoot: args.configRoot,
        clusterReady: readyList,
        before: localStorageHolds,
        external: args.cephExternal,
        release: (key, values, dependsOn) => release(key, values, dependsOn),
      });
      storageReleases.push(...rook.releases);
      storageClass = rook.storageClass;
      this.sharedStorageClass = rook.sharedStorageClass;
    }
    if (cfg.storage.type !== "local-path" && !cfg.storage.default) storageClass = "local-path";
    this.storageClass = pulumi.output(storageClass);

    if (cfg.loadBalancer.type === "metallb") {
      const lb = release("metallb", metallbValues(metallbBackend(cfg.loadBalancer, args.nodes)), [...holds("servicelb"), ...portChecks.metallb]);
      const ns = effectiveChart("metallb").namespace;
      // The release waits for the controller, which serves the validating webhook these go through.
      for (const r of metallbResources(cfg.loadBalancer)) {
        new k8s.apiextensions.CustomResource(
          `${name}-metallb-${r.kind.toLowerCase()}-${r.name}`,
          { apiVersion: r.apiVersion, kind: r.kind, metadata: { name: r.name, namespace: ns }, spec: r.spec },
          k8sOpts([lb]),
        );
      }
    }

    if (cfg.monitoring.enabled) {
      const password = args.grafanaAdminPassword ?? new random.RandomPassword(`${name}-grafana-admin`, { length: 24, special: false }, { parent: this }).result;
      this.grafanaAdminPassword = pulumi.secret(password);
      const ns = namespace("kube-prometheus-stack");
      const secret = new k8s.core.v1.Secret(
        `${name}-grafana-admin`,
        {
          metadata: { name: GRAFANA_SECRET.name, namespace: ns.metadata.name },
          stringData: { [GRAFANA_SECRET.userKey]: "admin", [GRAFANA_SECRET.passwordKey]: this.grafanaAdminPassword },
        },
        k8sOpts([ns]),
      );
      const serverNodes = args.nodes.filter((n) => n.role === "server");
      // Scraped at the primary node-ip (a dual-stack node's first address).
      const addressOf = (n: NodeSpec) => pulumi.output(n.internalAddress ?? n.connection.host).apply(primaryNodeIp);
      const values = pulumi
        .all([pulumi.output(args.serverAddresses), pulumi.all(args.nodes.map(addressOf))])
        .apply(([servers, all]) =>
          monitoringValues({
            cfg: cfg.monitoring,
            datastore: args.datastore,
            storageClass,
            servers: servers.map((address, i): NodeAddress => ({ name: serverNodes[i]?.name ?? `server #${i + 1}`, address })),
            nodes: all.map((address, i): NodeAddress => ({ name: args.nodes[i].name, address })),
            arches: args.nodes.map((n) => n.arch),
            configRoot: args.configRoot,
          }),
        );
      // Prometheus's and Grafana's volumes are on the storage layer: a new StorageClass means a new
      // release, deleted (with its volumes) before it is created again and before the old storage goes.
      // Only a change known from the previous outputs replaces it: a stack updated from a version
      // without the description (or that does not read its previous outputs) keeps its release.
      const changed = args.previousStorageClass !== undefined && args.previousStorageClass !== storageClass;
      release("kube-prometheus-stack", values, [secret, ...storageReleases, ...portChecks["kube-prometheus-stack"]], { description: `storage class ${storageClass}`, replaceOnDescription: changed });
    }

    this.registerOutputs({ storageClass: this.storageClass, sharedStorageClass: this.sharedStorageClass, grafanaAdminPassword: this.grafanaAdminPassword });
  }
}
