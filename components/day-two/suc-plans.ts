import { checkVersionChange } from "./skew";
import { goDurationSeconds } from "../rules/duration";
import { renderSucEtcdGate } from "./suc-etcd-gate";

/** Namespace and service account the upstream manifest creates; Plans must live there and use it. */
export const SUC_NAMESPACE = "system-upgrade";
export const SUC_SERVICE_ACCOUNT = "system-upgrade";
export const SERVER_PLAN = "server-plan";
export const AGENT_PLAN = "agent-plan";

/** What the two k3s Plans need. */
export interface PlanOptions {
  /** k3s release tag both plans move to, e.g. v1.36.3+k3s1. */
  version: string;
  /** Agents upgraded at once (servers always one at a time). */
  agentConcurrency: number;
  /** Servers the server plan upgrades one after another (sizes the agents' wait for them). */
  servers: number;
  /** Drain nodes before upgrading (otherwise cordon only). */
  drain: boolean;
  /** Passed through to `kubectl drain --timeout`. */
  drainTimeout: string;
  /** Upgrade image without tag; the controller tags it with the version ('+' → '-'). */
  upgradeImage: string;
  /** The servers run embedded etcd: each server Job first waits until etcd keeps quorum without it (suc-etcd-gate.ts). */
  etcd: boolean;
}

const CONTROL_PLANE = "node-role.kubernetes.io/control-plane";

/** Seconds an upgrade Job may run by default (the controller's SYSTEM_UPGRADE_JOB_ACTIVE_DEADLINE_SECONDS, set in suc.ts). */
export const JOB_ACTIVE_DEADLINE_SECONDS = 900;

/**
 * The Job deadline a plan needs. The controller runs the drain as an init container of the upgrade
 * Job, under the Job's activeDeadlineSeconds (system-upgrade-controller pkg/upgrade/job/job.go, which
 * only logs "drain timeout exceeds active deadline seconds"). A drain allowed longer than the default
 * deadline would be killed mid-drain and the node left cordoned, so with drain the upgrade keeps its
 * default time after the longest drain.
 */
export function jobActiveDeadlineSeconds(o: Pick<PlanOptions, "drain" | "drainTimeout">): number {
  return JOB_ACTIVE_DEADLINE_SECONDS + (o.drain ? Math.ceil(goDurationSeconds(o.drainTimeout)) : 0);
}

/**
 * Seconds allowed, per server, between one server Job finishing and the next one starting: the
 * controller syncs the plan again when a Job completes (pkg/upgrade/handle_batch.go) and the new
 * pod is scheduled. A margin, not a measured figure.
 */
export const SERVER_HANDOVER_SECONDS = 60;

/**
 * The agent plan's Job deadline. The controller creates the agent Jobs as soon as it syncs the agent
 * plan, independently of the server plan (pkg/upgrade/handle_upgrade.go), and runs `prepare` as the
 * first init container of the same Job (pkg/upgrade/job/job.go), before cordon/drain and the upgrade.
 * Kubernetes counts activeDeadlineSeconds from the Job's start, init containers included, so the
 * prepare step's wait for the server plan (k3s-upgrade `prepare`: until the server plan applies to no
 * node) is spent from the same deadline. The servers go one at a time, each Job bounded by its own
 * deadline, so the wait is at most `servers` such Jobs (plus a handover each); the agent keeps its own
 * time after that. A server Job that fails keeps the server plan applying, and the agent Job then
 * ends at this deadline before it has cordoned its node.
 */
export function agentJobActiveDeadlineSeconds(o: Pick<PlanOptions, "drain" | "drainTimeout" | "servers">): number {
  const own = jobActiveDeadlineSeconds(o);
  return own + o.servers * (own + SERVER_HANDOVER_SECONDS);
}

function common(o: PlanOptions): Record<string, unknown> {
  return {
    version: o.version,
    serviceAccountName: SUC_SERVICE_ACCOUNT,
    cordon: true,
    // The upgrade job must run on its node whatever taints it carries (e.g. CriticalAddonsOnly on servers).
    tolerations: [{ operator: "Exists" }],
    ...(o.drain ? { drain: { timeout: o.drainTimeout, ignoreDaemonSets: true, deleteEmptydirData: true } } : {}),
    upgrade: { image: o.upgradeImage },
  };
}

function check(o: PlanOptions): void {
  checkVersionChange(undefined, o.version);
  if (!Number.isInteger(o.agentConcurrency) || o.agentConcurrency < 1) {
    throw new Error(`agentConcurrency must be a whole number of at least 1, got ${o.agentConcurrency}`);
  }
  if (!Number.isInteger(o.servers) || o.servers < 1) {
    throw new Error(`servers must be a whole number of at least 1, got ${o.servers}`);
  }
}

/**
 * The server Jobs' etcd gate: the upgrade image (its busybox chroot) runs the gate with the host's
 * bash in the host's root, which the controller mounts at /host; privileged, as the upgrade step is,
 * so that SELinux lets it read k3s's etcd certificates.
 */
function etcdGate(o: PlanOptions): Record<string, unknown> {
  return {
    image: o.upgradeImage,
    command: ["chroot", "/host", "bash", "-c", renderSucEtcdGate(), "k3s-stacks-etcd-gate"],
    securityContext: { privileged: true },
  };
}

/** Servers: one at a time, selected by the control-plane role label k3s sets to "true"; with etcd, each after an etcd gate. */
export function serverPlanSpec(o: PlanOptions): Record<string, unknown> {
  check(o);
  return {
    concurrency: 1,
    nodeSelector: { matchExpressions: [{ key: CONTROL_PLANE, operator: "In", values: ["true"] }] },
    ...(o.etcd ? { prepare: etcdGate(o) } : {}),
    ...common(o),
    jobActiveDeadlineSecs: jobActiveDeadlineSeconds(o),
  };
}

/** Agents: in batches, only after the server plan has finished (the prepare step waits for it). */
export function agentPlanSpec(o: PlanOptions): Record<string, unknown> {
  check(o);
  return {
    concurrency: o.agentConcurrency,
    nodeSelector: { matchExpressions: [{ key: CONTROL_PLANE, operator: "DoesNotExist" }] },
    prepare: { image: o.upgradeImage, args: ["prepare", SERVER_PLAN] },
    ...common(o),
    jobActiveDeadlineSecs: agentJobActiveDeadlineSeconds(o),
  };
}
