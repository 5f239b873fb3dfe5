import { checkVersionChange } from "./skew";
import { goDurationSeconds } from "../rules/duration";

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
  /** Drain nodes before upgrading (otherwise cordon only). */
  drain: boolean;
  /** Passed through to `kubectl drain --timeout`. */
  drainTimeout: string;
  /** Upgrade image without tag; the controller tags it with the version ('+' → '-'). */
  upgradeImage: string;
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

function common(o: PlanOptions): Record<string, unknown> {
  return {
    version: o.version,
    serviceAccountName: SUC_SERVICE_ACCOUNT,
    cordon: true,
    jobActiveDeadlineSecs: jobActiveDeadlineSeconds(o),
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
}

/** Servers: one at a time, selected by the control-plane role label k3s sets to "true". */
export function serverPlanSpec(o: PlanOptions): Record<string, unknown> {
  check(o);
  return {
    concurrency: 1,
    nodeSelector: { matchExpressions: [{ key: CONTROL_PLANE, operator: "In", values: ["true"] }] },
    ...common(o),
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
  };
}
