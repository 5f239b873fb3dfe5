import { readFileSync } from "fs";
import * as path from "path";
import { parseAddonsConfig } from "../../components/addons/config";
import type { MetricRelabeling } from "../../components/addons/values/k3s-metrics";
import { monitoringValues } from "../../components/addons/values/monitoring";
import type { Datastore } from "../../components/rules/datastore";
import { survives } from "./support/relabel";

/** What kube-prometheus-stack 88.5.3's rules and dashboards read per job (extract-job-metrics.ts). */
const chartReads: Record<string, string[]> = JSON.parse(
  readFileSync(path.join(__dirname, "..", "fixtures", "charts", "kube-prometheus-stack-88.5.3.job-metrics.json"), "utf8"),
).jobs;

const JOBS = ["kubeApiServer", "kubeControllerManager", "kubeScheduler", "kubeProxy", "kubeEtcd", "kubelet"] as const;
type Job = (typeof JOBS)[number];

const cfg = parseAddonsConfig({ monitoring: { enabled: true } }).monitoring;
const servers = [{ name: "s1", address: "192.168.1.10" }];
const nodes = [...servers, { name: "a1", address: "192.168.1.12" }];

/** The metricRelabelings each job's ServiceMonitor gets, read from the rendered values. */
function relabelings(datastore: Datastore): Partial<Record<Job, MetricRelabeling[]>> {
  const values = monitoringValues({ cfg, datastore, storageClass: "local-path", servers, nodes, arches: ["amd64", "amd64"] });
  const out: Partial<Record<Job, MetricRelabeling[]>> = {};
  for (const job of JOBS) {
    const v = values[job] as { enabled?: boolean; serviceMonitor?: { metricRelabelings?: MetricRelabeling[] } };
    if (v.enabled === false) continue;
    out[job] = v.serviceMonitor?.metricRelabelings ?? [];
  }
  return out;
}

/** The jobs of a node that store a series of that node's k3s process. */
function keptBy(rules: Partial<Record<Job, MetricRelabeling[]>>, jobs: readonly Job[], labels: Record<string, string>): Job[] {
  return jobs.filter((j) => rules[j] && survives(rules[j]!, labels));
}

const SERVER_JOBS = JOBS;
const AGENT_JOBS = ["kubeProxy", "kubelet"] as const;

describe("kube-prometheus-stack on k3s: one process, one registry, each series stored once", () => {
  it("the chart facts name what its rules and dashboards read under every job", () => {
    expect(Object.keys(chartReads).sort()).toEqual([...JOBS].sort());
    expect(chartReads.kubeScheduler).toContain("scheduler_scheduling_attempt_duration_seconds_bucket");
    expect(chartReads.kubeEtcd).toContain("etcd_server_has_leader");
  });

  it.each(["etcd", "sqlite"] as const)("keeps under each job every metric the chart's rules and dashboards read there (%s)", (datastore) => {
    const rules = relabelings(datastore);
    for (const [job, names] of Object.entries(chartReads)) {
      if (job === "kubeEtcd" && datastore !== "etcd") continue;
      const dropped = names.filter((n) => !survives(rules[job as Job]!, { __name__: n, le: "+Inf" }));
      expect({ job, dropped }).toEqual({ job, dropped: [] });
    }
  });

  // Every port of a k3s server serves this whole set (k3s docs reference/metrics; k3s-io/k3s#2262, #2921).
  const serverSample: [string, Job[]][] = [
    ["apiserver_request_duration_seconds_bucket", ["kubeApiServer"]],
    ["apiserver_storage_objects", ["kubeApiServer"]],
    ["aggregator_unavailable_apiservice", ["kubeApiServer"]],
    ["etcd_request_duration_seconds_bucket", ["kubeApiServer"]],
    ["etcd_server_has_leader", ["kubeEtcd"]],
    ["etcd_mvcc_db_total_size_in_bytes", ["kubeEtcd"]],
    ["grpc_server_handled_total", ["kubeEtcd"]],
    ["node_collector_evictions_total", ["kubeControllerManager"]],
    ["job_controller_job_pods_finished_total", ["kubeControllerManager"]],
    ["scheduler_pending_pods", ["kubeScheduler"]],
    ["kubeproxy_sync_proxy_rules_duration_seconds_bucket", ["kubeProxy"]],
    ["kubelet_running_pods", ["kubelet"]],
    ["storage_operation_duration_seconds_bucket", ["kubelet"]],
    // Read by alerts that select no job: one series per node, so one alert per node.
    ["kubelet_certificate_manager_client_ttl_seconds", ["kubelet"]],
    ["kubelet_certificate_manager_server_ttl_seconds", ["kubelet"]],
    // Process-wide, k3s's own and unclaimed families: kept once, by the kubelet job.
    ["go_memstats_alloc_bytes", ["kubelet"]],
    ["process_open_fds", ["kubelet"]],
    ["rest_client_rate_limiter_duration_seconds_bucket", ["kubelet"]],
    ["workqueue_retries_total", ["kubelet"]],
    ["leader_election_master_status", ["kubelet"]],
    ["kubernetes_build_info", ["kubelet"]],
    ["k3s_certificate_expiration_seconds", ["kubelet"]],
    ["some_future_component_total", ["kubelet"]],
    // Process-wide names the chart reads per job: kept where read, and once more by the kubelet.
    ["go_goroutines", ["kubeApiServer", "kubeControllerManager", "kubeScheduler", "kubeProxy", "kubelet"]],
    ["process_resident_memory_bytes", ["kubeApiServer", "kubeControllerManager", "kubeScheduler", "kubeProxy", "kubeEtcd", "kubelet"]],
    ["rest_client_requests_total", ["kubeApiServer", "kubeControllerManager", "kubeScheduler", "kubeProxy", "kubelet"]],
    ["workqueue_depth", ["kubeApiServer", "kubeControllerManager", "kubelet"]],
  ];

  it("stores each series of a server's k3s process under its owner's job, or the kubelet's", () => {
    const rules = relabelings("etcd");
    for (const [name, jobs] of serverSample) {
      expect({ name, jobs: keptBy(rules, SERVER_JOBS, { __name__: name }) }).toEqual({ name, jobs });
    }
  });

  it("stores each series of an agent's k3s process once, and each of a server without etcd once", () => {
    const rules = relabelings("etcd");
    const agentSample: [string, Job[]][] = [
      ["kubelet_running_pods", ["kubelet"]],
      ["kubeproxy_sync_proxy_rules_duration_seconds_bucket", ["kubeProxy"]],
      ["go_memstats_alloc_bytes", ["kubelet"]],
      ["some_future_component_total", ["kubelet"]],
      ["go_goroutines", ["kubeProxy", "kubelet"]],
    ];
    for (const [name, jobs] of agentSample) {
      expect({ name, jobs: keptBy(rules, AGENT_JOBS, { __name__: name }) }).toEqual({ name, jobs });
    }
    const sqlite = relabelings("sqlite");
    expect(sqlite.kubeEtcd).toBeUndefined();
    // The API server's storage client metrics exist with kine too; the apiserver job keeps them.
    expect(keptBy(sqlite, SERVER_JOBS, { __name__: "etcd_request_duration_seconds_bucket" })).toEqual(["kubeApiServer"]);
    expect(keptBy(sqlite, SERVER_JOBS, { __name__: "apiserver_request_total" })).toEqual(["kubeApiServer"]);
  });

  it("keeps the bucket thinning the chart ships for the apiserver and kubelet jobs", () => {
    const rules = relabelings("etcd");
    const api = rules.kubeApiServer!;
    expect(survives(api, { __name__: "apiserver_request_duration_seconds_bucket", le: "0.15" })).toBe(false);
    expect(survives(api, { __name__: "apiserver_request_sli_duration_seconds_bucket", le: "2.0" })).toBe(false);
    expect(survives(api, { __name__: "etcd_request_duration_seconds_bucket", le: "45" })).toBe(false);
    expect(survives(api, { __name__: "apiserver_request_duration_seconds_bucket", le: "1" })).toBe(true);
    const kubelet = rules.kubelet!;
    expect(survives(kubelet, { __name__: "csi_operations_seconds_bucket", le: "2.5" })).toBe(false);
    expect(survives(kubelet, { __name__: "storage_operation_duration_seconds_bucket", le: "600.0" })).toBe(false);
    expect(survives(kubelet, { __name__: "storage_operation_duration_seconds_bucket", le: "10" })).toBe(true);
  });
});
