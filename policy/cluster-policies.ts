import { PolicyResource, ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { Environment, environmentConfigSchema, known, resolveEnvironment } from "./environment";

/** A k3s release tag; anything else (stable, latest, v1.36) is a channel that moves under you. */
export const K3S_RELEASE = /^v\d+\.\d+\.\d+(-rc\d+)?\+k3s\d+$/;
const STACK_TYPE = "pulumi:pulumi:Stack";
const CLUSTER_TYPE = "k3s:cluster:K3sCluster";

/** The cluster settings the core exports as stack outputs. */
export interface ClusterOutputs {
  k3sVersion?: unknown;
  datastore?: unknown;
  serverCount?: unknown;
  secretsEncryption?: unknown;
  snapshotsEnabled?: unknown;
}

/** Environment and exported settings of the stack, or undefined when it runs no k3s cluster. */
export function clusterContext(args: StackValidationArgs): { env: Environment; outputs: ClusterOutputs; stack?: PolicyResource } | undefined {
  const stack = args.resources.find((r) => r.type === STACK_TYPE);
  const hasCluster = args.resources.some((r) => r.type === CLUSTER_TYPE);
  if (!hasCluster) return undefined;
  const env = resolveEnvironment(args.getConfig<{ environment?: string }>(), args.stackTags, args.resources[0]?.urn);
  const outputs: ClusterOutputs = {};
  for (const k of ["k3sVersion", "datastore", "serverCount", "secretsEncryption", "snapshotsEnabled"] as const) {
    outputs[k] = stack ? known(() => stack.props[k]) : undefined;
  }
  return { env, outputs, stack };
}

/** Reports a missing output once: a policy that cannot see the setting must not pass silently. */
function requireOutput(ctx: { outputs: ClusterOutputs; stack?: PolicyResource }, key: keyof ClusterOutputs, report: ReportViolation): boolean {
  if (ctx.outputs[key] !== undefined) return true;
  report(`The stack exports no '${key}' output, so this policy cannot check it. Fix: export it from the program (stacks/main.ts) as the core does.`, ctx.stack?.urn);
  return false;
}

/** Pure check behind `k3s-version-pinned`. */
export function versionProblems(env: Environment, version: unknown): string[] {
  if (env === "dev") return [];
  if (typeof version !== "string" || !K3S_RELEASE.test(version)) {
    return [`k3sVersion '${String(version)}' is not a pinned release in a ${env} stack. Fix: set k3s-stacks:cluster.k3sVersion to a release tag such as v1.36.3+k3s1; channels (stable, latest) are for dev stacks only.`];
  }
  return [];
}

/** Pure check behind `etcd-quorum`. */
export function quorumProblems(env: Environment, datastore: unknown, serverCount: unknown): string[] {
  const n = Number(serverCount);
  if (datastore === "etcd" && n % 2 === 0) {
    return [`embedded etcd with ${n} servers: an even member count tolerates no more failures than ${n - 1}, and a split loses quorum. Fix: run an odd number of servers (3 or 5).`];
  }
  if (env !== "prod") return [];
  if (datastore === "etcd" && n < 3) return [`prod stack runs embedded etcd on ${n} server(s); losing one stops the cluster. Fix: run 3 or 5 servers.`];
  if (datastore === "sqlite") return ["prod stack uses the sqlite datastore (one server, no failover). Fix: set k3s-stacks:cluster.datastore to etcd with 3 servers, or postgres."];
  return [];
}

/** Pure check behind `etcd-snapshots-prod`. */
export function snapshotProblems(env: Environment, datastore: unknown, snapshotsEnabled: unknown): string[] {
  if (env !== "prod" || datastore !== "etcd" || snapshotsEnabled === true) return [];
  return ["prod stack runs embedded etcd with snapshots off. Fix: enable k3s-stacks:snapshots (schedule, retention, ideally S3)."];
}

/** Pure check behind `secrets-encryption`. */
export function encryptionProblems(env: Environment, secretsEncryption: unknown): string[] {
  if (env === "dev" || secretsEncryption === true) return [];
  return [`secrets encryption at rest is off in a ${env} stack. Fix: set k3s-stacks:cluster.secretsEncryption to true (it must be on from the first server start).`];
}

function stackPolicy(
  name: string,
  description: string,
  keys: Array<keyof ClusterOutputs>,
  check: (env: Environment, o: ClusterOutputs) => string[],
): StackValidationPolicy {
  return {
    name,
    description,
    enforcementLevel: "mandatory",
    configSchema: environmentConfigSchema,
    validateStack: (args, report) => {
      const ctx = clusterContext(args);
      if (!ctx) return args.notApplicable("no k3s:cluster:K3sCluster in this stack");
      if (!keys.every((k) => requireOutput(ctx, k, report))) return;
      for (const problem of check(ctx.env, ctx.outputs)) report(problem, ctx.stack?.urn);
    },
  };
}

export const versionPinned = stackPolicy(
  "k3s-version-pinned",
  "Outside dev, k3s is pinned to a release tag, never a channel such as stable or latest.",
  ["k3sVersion"],
  (env, o) => versionProblems(env, o.k3sVersion),
);

export const etcdQuorum = stackPolicy(
  "etcd-quorum",
  "Embedded etcd runs an odd number of servers; prod runs at least three (or an external datastore).",
  ["datastore", "serverCount"],
  (env, o) => quorumProblems(env, o.datastore, o.serverCount),
);

export const etcdSnapshots = stackPolicy(
  "etcd-snapshots-prod",
  "Prod clusters on embedded etcd take scheduled snapshots.",
  ["datastore", "snapshotsEnabled"],
  (env, o) => snapshotProblems(env, o.datastore, o.snapshotsEnabled),
);

export const secretsEncryption = stackPolicy(
  "secrets-encryption",
  "Outside dev, Kubernetes Secrets are encrypted at rest.",
  ["secretsEncryption"],
  (env, o) => encryptionProblems(env, o.secretsEncryption),
);

export const clusterPolicies = [versionPinned, etcdQuorum, etcdSnapshots, secretsEncryption];
