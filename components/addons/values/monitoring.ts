import * as ipaddr from "ipaddr.js";
import { MonitoringConfig, quantityBytes } from "../config";
import type { Datastore } from "../../rules/datastore";
import type { Arch } from "../../nodes/types";
import { ConfigRoot, keyPath } from "../../rules/key-path";
import { k3sMetricRelabelings } from "./k3s-metrics";
import { Values } from "./types";

/** Secret holding Grafana's admin login; the chart reads it through grafana.admin.existingSecret. */
export const GRAFANA_SECRET = { name: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" } as const;

/** A node's name and the address Prometheus scrapes it on. */
export interface NodeAddress {
  name: string;
  address: string;
}

/** 80% of a volume size, in Prometheus's (binary) MB, so the TSDB stops growing before the disk is full. */
export function retentionSizeFor(storageSize: string): string {
  const bytes = quantityBytes(storageSize);
  if (!bytes) throw new Error(`not a size: ${storageSize}`);
  return `${Math.floor((bytes * 0.8) / 2 ** 20)}MB`;
}

/** What Prometheus scrapes on a node: servers run the control plane (and etcd) and kube-proxy, agents kube-proxy. */
export function scrapedOn(role: "server" | "agent"): string {
  return role === "server" ? "controller-manager, scheduler and etcd metrics" : "kube-proxy metrics";
}

/**
 * The problem of a scrape address that is not an IP, or undefined: the chart writes the addresses
 * into Endpoints objects, which take IPs only. Checked with the config (addons/validate.ts) and again
 * here for addresses known only later.
 */
export function scrapeAddressProblem(root: ConfigRoot, what: string, name: string, address: string): string | undefined {
  if (ipaddr.isValid(address)) return undefined;
  return `${keyPath(root, ["monitoring"])}: ${what} on node '${name}' are scraped at its address, but '${address}' is not an IP. Fix: give the node an internalAddress that is an IP.`;
}

function ips(list: NodeAddress[], what: string, root: ConfigRoot): string[] {
  return list.map(({ name, address }) => {
    const wrong = scrapeAddressProblem(root, what, name, address);
    if (wrong) throw new Error(wrong);
    return address;
  });
}

export interface MonitoringInputs {
  cfg: MonitoringConfig;
  datastore: Datastore;
  storageClass: string;
  servers: NodeAddress[];
  /** Every node (kube-proxy runs on all). */
  nodes: NodeAddress[];
  /** The arch of every node, which decides where the chart's certificate Jobs can run (certificateJobValues). */
  arches: readonly Arch[];
  /** Names the addons settings in errors: `k3s-stacks:addons` by default, ClusterAddons.args.config for a library. */
  configRoot?: ConfigRoot;
}

/**
 * Arches of the image the chart's admission certificate Jobs run: kube-prometheus-stack 88.5.3's values.yaml
 * sets prometheusOperator.admissionWebhooks.patch.image to ghcr.io/jkroepke/kube-webhook-certgen:1.8.7. That
 * project's .goreleaser.yaml builds and publishes linux/amd64, linux/arm64 and linux/s390x only: no armhf image
 * (read at v1.7.3, the tag the chart switched to in 80.2.2, and at the newest readable commit, 8df5d96; the
 * 1.8.7 tag itself could not be read). The reference (§11) is silent on it.
 */
export const CERTGEN_ARCHES: readonly Arch[] = ["amd64", "arm64"];

/**
 * prometheusOperator values that keep the certificate Jobs off armhf nodes. Both are Helm hooks of the
 * release (admission-create pre-install/pre-upgrade, admission-patch post-install/post-upgrade; templates/
 * prometheus-operator/admission-webhooks/job-patch) with restartPolicy OnFailure and no node constraint:
 * one scheduled on an armhf node finds no image to pull and never runs, the install or upgrade waits out
 * its timeout and fails, and the operator never starts, as its TLS listener mounts the `<release>-admission`
 * secret the first Job creates (templates/prometheus-operator/deployment.yaml).
 * - no armhf node: the chart's defaults;
 * - armhf and amd64/arm64 nodes: the Jobs require an amd64 or arm64 node (patch.affinity, used by both);
 * - armhf nodes only: nothing can run them, so the admission webhooks are off (no Jobs, no webhook
 *   configurations) and the operator listens without TLS, whose certificate nobody would create.
 */
export function certificateJobValues(arches: readonly Arch[]): Values {
  if (!arches.includes("arm")) return {};
  if (!arches.some((a) => CERTGEN_ARCHES.includes(a))) return { admissionWebhooks: { enabled: false }, tls: { enabled: false } };
  return { admissionWebhooks: { patch: { affinity: { nodeAffinity: certgenNodeAffinity } } } };
}

/** A node affinity that requires an amd64 or arm64 node (CERTGEN_ARCHES). */
const certgenNodeAffinity = {
  requiredDuringSchedulingIgnoredDuringExecution: {
    nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/arch", operator: "In", values: [...CERTGEN_ARCHES] }] }],
  },
};

/**
 * The kubectl image tag of the chart's CRD upgrade Job (crdsValues). The chart defaults it to the cluster's
 * version, which on k3s is `v1.36.3+k3s1`: '+' is no valid image tag character, so the Job's pod would be
 * refused (InvalidImageName) and, as a pre-install/pre-upgrade hook, fail every install and upgrade of the
 * release. registry.k8s.io/kubectl:v1.36.0 is listed in Kubernetes' CHANGELOG-1.36 for amd64, arm64, ppc64le
 * and s390x (no armhf image: the Job keeps to CERTGEN_ARCHES nodes, the same pair); `apply --server-side` of
 * CRDs needs no matching minor. The reference (§11) is silent on the Job.
 */
export const CRD_UPGRADE_KUBECTL_TAG = "v1.36.0";

/**
 * `crds` values: the chart's CRD upgrade Job on. kube-prometheus-stack ships the operator's CRDs in its
 * crds/ directory (subchart crds), which Helm installs once and never upgrades, so a newer chart (a
 * k3s-stacks release moving the pin, or `charts.kube-prometheus-stack.version`) left its new operator on
 * the old CRDs: `helm upgrade` failed on "unknown field" (prometheus-community/helm-charts#3680, #1026) or
 * the API server dropped the new fields. The Job (crds.upgradeJob, a pre-install/pre-upgrade/pre-rollback
 * hook) applies the chart's CRDs server-side first; forceConflicts takes over the fields Helm's own create
 * manages, which otherwise fail the apply ("Apply failed with N conflicts: conflicts with "helm"",
 * prometheus-community/helm-charts#2489, #5287). Its kubectl image has no armhf build: with armhf nodes
 * it requires an amd64/arm64 node, and with armhf nodes only it stays off (CRDs are then upgraded by
 * hand, as the chart's UPGRADE.md says).
 */
export function crdsValues(arches: readonly Arch[]): Values {
  if (!arches.some((a) => CERTGEN_ARCHES.includes(a))) return {};
  const upgradeJob: Values = { enabled: true, forceConflicts: true, image: { kubectl: { tag: CRD_UPGRADE_KUBECTL_TAG } } };
  if (arches.includes("arm")) upgradeJob.affinity = { nodeAffinity: certgenNodeAffinity };
  return { upgradeJob };
}

const req = (cpu: string, memory: string, limitMemory?: string) => ({
  requests: { cpu, memory },
  ...(limitMemory ? { limits: { memory: limitMemory } } : {}),
});

/**
 * Values for kube-prometheus-stack 88.5.3 on k3s. The control plane runs inside the k3s process,
 * not as labelled static pods, so each component is found through `endpoints` (server IPs) instead
 * of a pod selector; ports are the chart's defaults, which match k3s (10257, 10259, 10249, etcd 2381).
 * Every one of those ports serves the whole process's metrics, so each job keeps only its own
 * (k3sMetricRelabelings).
 */
export function monitoringValues(m: MonitoringInputs): Values {
  const root = m.configRoot ?? "addons";
  const servers = ips(m.servers, scrapedOn("server"), root);
  const all = ips(m.nodes, scrapedOn("agent"), root);
  const etcd = m.datastore === "etcd";
  const relabel = k3sMetricRelabelings(m.datastore);
  const own = (key: keyof typeof relabel) => ({ metricRelabelings: relabel[key] });
  return {
    crds: crdsValues(m.arches),
    kubeApiServer: { serviceMonitor: own("kubeApiServer") },
    kubelet: { serviceMonitor: own("kubelet") },
    kubeControllerManager: { endpoints: servers, serviceMonitor: own("kubeControllerManager") },
    kubeScheduler: { endpoints: servers, serviceMonitor: own("kubeScheduler") },
    kubeProxy: { endpoints: all, serviceMonitor: own("kubeProxy") },
    kubeEtcd: etcd
      ? { enabled: true, endpoints: servers, service: { port: 2381, targetPort: 2381 }, serviceMonitor: { scheme: "http", ...own("kubeEtcd") } }
      : { enabled: false },
    prometheus: {
      prometheusSpec: {
        retention: m.cfg.retention,
        retentionSize: retentionSizeFor(m.cfg.storageSize),
        resources: req("100m", "512Mi", "1536Mi"),
        // Pick up ServiceMonitors/PodMonitors of every release, not only this chart's.
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        // Prometheus's volume goes with the release (monitoring off, or a new StorageClass), so the
        // old storage layer is not kept busy by it; metrics history is lost then (README).
        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Retain" },
        storageSpec: {
          volumeClaimTemplate: {
            spec: { storageClassName: m.storageClass, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: m.cfg.storageSize } } },
          },
        },
      },
    },
    alertmanager: { alertmanagerSpec: { resources: req("10m", "32Mi", "128Mi") } },
    prometheusOperator: { resources: req("50m", "64Mi", "256Mi"), ...certificateJobValues(m.arches) },
    grafana: {
      admin: { existingSecret: GRAFANA_SECRET.name, userKey: GRAFANA_SECRET.userKey, passwordKey: GRAFANA_SECRET.passwordKey },
      persistence: { enabled: true, storageClassName: m.storageClass, size: m.cfg.grafanaStorageSize },
      // Its volume is ReadWriteOnce: the chart's RollingUpdate starts the new pod before the old one
      // lets go, and on another node (Longhorn, Rook) it waits forever on "Multi-Attach error", so
      // every upgrade would time out (grafana/helm-charts#146, prometheus-community/helm-charts#898).
      deploymentStrategy: { type: "Recreate" },
      resources: req("50m", "128Mi", "384Mi"),
    },
    "kube-state-metrics": { resources: req("10m", "32Mi", "128Mi") },
    "prometheus-node-exporter": { resources: req("10m", "16Mi", "64Mi") },
  };
}
