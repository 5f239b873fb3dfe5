import type { Datastore } from "../../rules/datastore";

/**
 * One metric relabelling rule as a ServiceMonitor endpoint takes it (monitoring.coreos.com/v1
 * RelabelConfig). Prometheus joins the sourceLabels' values with ';' and matches the fully
 * anchored RE2 `regex`: `keep` drops every sample that does not match, `drop` every one that does.
 */
export interface MetricRelabeling {
  sourceLabels: string[];
  action: "keep" | "drop";
  regex: string;
}

/** kube-prometheus-stack values keys of the jobs that scrape the k3s process besides the kubelet. */
export type K3sComponent = "kubeApiServer" | "kubeControllerManager" | "kubeScheduler" | "kubeProxy" | "kubeEtcd";

/**
 * Metric families (name regexes) each component itself registers, so its job is the one that keeps
 * them. kube-controller-manager's list names its controllers' families; one missing here is kept by
 * the kubelet job instead (see k3sMetricRelabelings), not lost. etcd_ is split by who registers it:
 * the API server's storage client (etcd_request_duration_seconds, etcd_requests_total,
 * etcd_bookmark_counts, etcd_lease_object_counts, etcd_db_total_size_in_bytes) and the etcd server
 * (etcd_server_, etcd_disk_, etcd_mvcc_, etcd_network_ ..., and its gRPC server's grpc_server_).
 */
export const OWNED_FAMILIES: Record<K3sComponent, string[]> = {
  kubeApiServer: [
    "apiserver_.+", "aggregator_.+", "apiextensions_.+", "authenticated_user_.+", "authentication_.+", "authorization_.+",
    "etcd_(request|requests|bookmark|lease|db)_.+", "field_validation_.+", "kube_apiserver_.+", "node_authorizer_.+",
    "serviceaccount_.+", "watch_cache_.+",
  ],
  kubeControllerManager: [
    "attachdetach_controller_.+", "cronjob_controller_.+", "endpoint_slice_controller_.+", "endpoint_slice_mirroring_controller_.+",
    "ephemeral_volume_controller_.+", "garbage_collector_controller_.+", "job_controller_.+", "node_collector_.+",
    "node_ipam_controller_.+", "pv_collector_.+", "replicaset_controller_.+", "root_ca_cert_publisher_.+",
    "service_controller_.+", "taint_eviction_controller_.+", "ttl_after_finished_controller_.+",
  ],
  kubeScheduler: ["scheduler_.+"],
  kubeProxy: ["kubeproxy_.+"],
  kubeEtcd: ["etcd_(cluster|debugging|disk|mvcc|network|server|snap|wal)_.+", "grpc_server_.+"],
};

const PROCESS = ["go_goroutines", "process_cpu_seconds_total", "process_resident_memory_bytes", "rest_client_requests_total"];
const CLIENT_LATENCY = ["rest_client_request_duration_seconds_bucket"];
const WORKQUEUE = ["workqueue_adds_total", "workqueue_depth", "workqueue_queue_duration_seconds_bucket"];

/**
 * Process-wide metrics (Go runtime, process, client-go's REST client and work queues) that
 * kube-prometheus-stack 88.5.3's dashboards and rules read under each component's job label
 * (test/fixtures/charts/kube-prometheus-stack-88.5.3.job-metrics.json). On k3s these are one
 * process's figures, the same on every port; each job keeps just these names of them.
 */
export const PROCESS_METRICS_READ: Record<K3sComponent, string[]> = {
  kubeApiServer: [...PROCESS, ...WORKQUEUE],
  kubeControllerManager: [...PROCESS, ...CLIENT_LATENCY, ...WORKQUEUE],
  kubeScheduler: [...PROCESS, ...CLIENT_LATENCY],
  kubeProxy: [...PROCESS, ...CLIENT_LATENCY],
  kubeEtcd: ["process_resident_memory_bytes"],
};

const escapeDots = (s: string) => s.replace(/\./g, "\\.");

/** Drops the histogram buckets of `names` whose `le` is one of `les` (written with or without ".0"). */
function dropBuckets(names: string[], les: string[]): MetricRelabeling {
  return { sourceLabels: ["__name__", "le"], action: "drop", regex: `(${names.join("|")});(${les.map(escapeDots).join("|")})(\\.0)?` };
}

/**
 * The chart's own default metricRelabelings of the two jobs that get ours (values.yaml
 * kubeApiServer.serviceMonitor / kubelet.serviceMonitor): Helm replaces a list value whole, so
 * without them here the bucket thinning the chart ships would be lost.
 */
const CHART_DEFAULTS = {
  kubeApiServer: dropBuckets(
    ["etcd_request_duration_seconds_bucket", "apiserver_request_slo_duration_seconds_bucket", "apiserver_request_sli_duration_seconds_bucket", "apiserver_request_duration_seconds_bucket"],
    ["0.15", "0.2", "0.3", "0.35", "0.4", "0.45", "0.6", "0.7", "0.8", "0.9", "1.25", "1.5", "1.75", "2", "3", "3.5", "4", "4.5", "6", "7", "8", "9", "15", "20", "40", "45", "50"],
  ),
  kubelet: dropBuckets(["csi_operations_seconds_bucket", "storage_operation_duration_seconds_bucket"], ["0.25", "2.5", "15", "25", "120", "600"]),
};

const alternation = (parts: string[]) => `(${parts.join("|")})`;

/**
 * metricRelabelings that store each series of the k3s process once.
 *
 * k3s runs every Kubernetes component in one process with one Prometheus registry, so the
 * kubelet's, API server's, controller-manager's, scheduler's, kube-proxy's and embedded etcd's
 * metrics ports all serve the same, combined metric set (k3s docs, reference/metrics "Metrics":
 * scraping each endpoint collects duplicates; k3s-io/k3s#2262, #12917; on the etcd metrics port
 * too, k3s-io/k3s#2921). Scraping them all stores every series once per job (ricsanfre/pi-cluster#67,
 * prometheus-community/helm-charts#2865), multiplying Prometheus's memory and disk, and alerts
 * that select no job (kubelet_certificate_manager_*_ttl_seconds) fire once per job.
 *
 * So each component's job keeps its own families (OWNED_FAMILIES) and the process-wide names the
 * chart's dashboards and rules read under its job (PROCESS_METRICS_READ). The kubelet job, the one
 * that reaches every k3s process (servers and agents) exactly once, keeps the rest: its own
 * families, process-wide and k3s's own metrics and any family nobody claims, so none of a server's
 * series is lost. An agent's process has no apiserver/etcd job: series of server-owned families it
 * registers through shared libraries (the kubelet's delegated authentication, apiserver_* and
 * authentication_* histograms) are not stored for agents; no chart rule or dashboard reads them there.
 * `up` is made per target by Prometheus, not scraped, so every component's Down alert still works.
 *
 * Returns the lists for the chart's `<key>.serviceMonitor.metricRelabelings`; kubeEtcd only with
 * embedded etcd (no etcd job otherwise).
 */
export function k3sMetricRelabelings(datastore: Datastore): Record<K3sComponent | "kubelet", MetricRelabeling[]> {
  const components: K3sComponent[] = ["kubeApiServer", "kubeControllerManager", "kubeScheduler", "kubeProxy"];
  if (datastore === "etcd") components.push("kubeEtcd");
  const keep = (c: K3sComponent): MetricRelabeling => ({
    sourceLabels: ["__name__"],
    action: "keep",
    regex: alternation([...OWNED_FAMILIES[c], ...PROCESS_METRICS_READ[c]]),
  });
  const othersOwned = components.flatMap((c) => OWNED_FAMILIES[c]);
  return {
    kubeApiServer: [keep("kubeApiServer"), CHART_DEFAULTS.kubeApiServer],
    kubeControllerManager: [keep("kubeControllerManager")],
    kubeScheduler: [keep("kubeScheduler")],
    kubeProxy: [keep("kubeProxy")],
    kubeEtcd: datastore === "etcd" ? [keep("kubeEtcd")] : [],
    kubelet: [{ sourceLabels: ["__name__"], action: "drop", regex: alternation(othersOwned) }, CHART_DEFAULTS.kubelet],
  };
}
