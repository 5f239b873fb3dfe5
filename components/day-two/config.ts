import { z } from "zod";
import { parseConfig } from "../rules/errors";
import { filled } from "../rules/issues";
import { goDurationSchema } from "../rules/duration";
import { cronProblem, cronZoneFix } from "../rules/cron";
import { s3RegionProblem } from "../rules/s3-endpoint";
import { required } from "../rules/required";

const duration = goDurationSchema;

export const DEFAULT_SNAPSHOT_SCHEDULE = "0 */12 * * *";
export const DEFAULT_SNAPSHOT_RETENTION = 5;

/** `k3s-stacks:upgrade` — how a k3sVersion change reaches the nodes. */
export const upgradeSchema = z
  .object({
    /** ssh: cordon → upgrade → uncordon per node driven by Pulumi; system-upgrade-controller: in-cluster Plans. */
    mode: z.enum(["ssh", "system-upgrade-controller"]).default("ssh"),
    /** Agents upgraded at the same time, after every server. */
    agentBatchSize: z.number().int().min(1, { message: "must be at least 1. Fix: use 1 for one agent at a time" }).default(1),
    /** Drain (evict pods) before upgrading a node, not only cordon it. */
    drain: z.boolean().default(true),
    /** `kubectl drain --timeout` for upgrades; k3s-stacks:cluster.drainTimeout when omitted. */
    drainTimeout: duration.optional(),
    /** etcd snapshot on the first server before it upgrades; default true with the etcd datastore. */
    preUpgradeSnapshot: z.boolean().optional(),
    /**
     * Read the previous k3sVersion and server list from this stack's own last outputs to refuse
     * version skips and unsafe server removals before anything runs (see previous.ts).
     */
    checkPreviousOutputs: z.boolean().default(true),
    /** Allow removing more etcd servers in one run than keeps quorum (only after a cluster reset or for dead nodes). */
    forceServerRemoval: z.boolean().default(false),
  })
  .strict();

export type UpgradeConfig = z.output<typeof upgradeSchema>;

/**
 * `retention` (etcd-snapshot-retention, etcd-s3-retention): a whole number of snapshots, 0 or more.
 * k3s prunes only when the retention is at least 1; below that it deletes nothing and keeps every
 * snapshot (k3s pkg/etcd/snapshot.go snapshotRetention and pkg/etcd/s3/s3.go Client.SnapshotRetention
 * both return early for `retention < 1`; `k3s etcd-snapshot save` sets 0 itself to skip pruning,
 * pkg/cli/etcdsnapshot). So 0 is accepted as "keep all"; a negative number means the same to k3s but
 * is refused as a typo.
 */
function snapshotRetention(where: "local" | "S3") {
  const fix = `Fix: the number of ${where} snapshots to keep, such as 5, or 0 to keep every one (k3s then prunes none)`;
  return required(
    z
      .number()
      .int({ message: `must be a whole number. ${fix}` })
      .min(0, { message: `must not be negative. ${fix}` }),
    { description: `the number of ${where} snapshots to keep (0 keeps every one)`, examples: [5] },
  );
}

// k3s only checks that the bucket exists (pkg/etcd/s3: BucketExists), and minio-go checks its name
// first with s3utils.CheckValidBucketName, the non-strict rule (S3 services other than AWS, and old AWS
// buckets, allow capitals, '_' and ':'): 3-63 characters, no address form, no dot next to a dot or hyphen.
const bucketName = required(
  z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{1,61}[A-Za-z0-9]$/, {
      message: "is not a valid bucket name. Fix: 3-63 characters of letters, digits, dots, hyphens, '_' and ':', starting and ending with a letter or digit",
    })
    .refine((v) => !/^(\d+\.){3}\d+$/.test(v), {
      message: "is an IP address, which k3s's S3 client (minio-go) refuses as a bucket name. Fix: give the bucket's name, such as k3s-snapshots; the address goes in endpoint",
    })
    .refine((v) => !/\.\.|\.-|-\./.test(v), {
      message: "has a dot next to another dot or a hyphen ('..', '.-' or '-.'), which k3s's S3 client (minio-go) refuses in a bucket name. Fix: use the bucket's real name; S3 buckets cannot be named that way",
    }),
  { description: "the S3 bucket the snapshots go to", examples: ["k3s-snapshots"] },
);

/** `k3s-stacks:snapshots.s3`; the secret key lives in the secret k3s-stacks:etcdS3SecretKey. */
export const s3Schema = z
  .object({
    /** Host[:port] of the S3 API, without scheme (k3s default s3.amazonaws.com). */
    endpoint: z
      .string()
      .min(1, { message: "is empty. Fix: give the S3 host, such as s3.amazonaws.com, or remove the key" })
      .refine((v) => !/^[a-z]+:\/\//i.test(v), {
        message: "must be host[:port] without a scheme. Fix: drop 'https://' (use insecure: true for plain http)",
      })
      .default("s3.amazonaws.com"),
    bucket: bucketName,
    /** Prefix inside the bucket, e.g. the cluster name. */
    folder: filled("a folder in the bucket, such as the cluster's name, or remove the key").optional(),
    region: filled("the bucket's region, such as eu-central-1").default("us-east-1"),
    /** Plain access key id; use the secret k3s-stacks:etcdS3AccessKey instead to keep it out of the stack file. */
    accessKey: filled("the access key id, or remove the key and use the secret k3s-stacks:etcdS3AccessKey").optional(),
    bucketLookupType: z.enum(["auto", "dns", "path"]).optional(),
    /** Plain http to the endpoint. */
    insecure: z.boolean().optional(),
    skipSslVerify: z.boolean().optional(),
    timeout: duration.optional(),
    /** Snapshots kept in S3 (k3s default 5); 0 keeps every one, as for the local retention. */
    retention: snapshotRetention("S3").optional(),
  })
  .strict()
  .superRefine((s3, ctx) => {
    const wrong = s3RegionProblem(s3.endpoint, s3.region);
    if (wrong) ctx.addIssue({ code: "custom", path: ["region"], message: wrong });
  });

/** `k3s-stacks:snapshots` — scheduled etcd snapshots (embedded etcd only). */
export const snapshotSchema = z
  .object({
    /** Scheduled snapshots; default true. false sets etcd-disable-snapshots (on-demand ones still work). */
    enabled: z.boolean().optional(),
    /**
     * Cron schedule; DEFAULT_SNAPSHOT_SCHEDULE (every 12 hours) when omitted. Checked by robfig/cron's
     * rules (rules/cron.ts): k3s ignores a schedule that parser refuses and then takes no snapshots.
     */
    schedule: z
      .string()
      .superRefine((v, ctx) => {
        const wrong = cronProblem(v);
        if (wrong) ctx.addIssue({ code: "custom", message: `is not a cron schedule k3s can use: it ${wrong}; k3s would ignore it and take no scheduled snapshots. Fix: ${cronZoneFix(v) ?? "five fields like '0 */12 * * *' (minute hour day-of-month month day-of-week, Sunday = 0) or '@every 6h'"}` });
      })
      .optional(),
    /**
     * Local snapshots kept; DEFAULT_SNAPSHOT_RETENTION when omitted. 0 keeps every snapshot: k3s
     * prunes nothing then (see snapshotRetention), so the directory grows until you prune it.
     */
    retention: snapshotRetention("local").optional(),
    compress: z.boolean().optional(),
    /** Snapshot directory on each server; default <data-dir>/server/db/snapshots. */
    dir: z
      .string()
      .refine((v) => v.startsWith("/"), { message: "must be an absolute path. Fix: e.g. /var/backups/k3s-snapshots" })
      .optional(),
    s3: s3Schema.optional(),
  })
  .strict();

export type SnapshotConfig = z.output<typeof snapshotSchema>;
export type S3Config = z.output<typeof s3Schema>;

/** Parses `k3s-stacks:upgrade` (absent → all defaults); throws ConfigError listing every problem. */
export function parseUpgradeConfig(raw: unknown): UpgradeConfig {
  return parseConfig(upgradeSchema, raw ?? {}, "upgrade");
}

/** Parses `k3s-stacks:snapshots` (absent → all defaults); throws ConfigError listing every problem. */
export function parseSnapshotConfig(raw: unknown): SnapshotConfig {
  return parseConfig(snapshotSchema, raw ?? {}, "snapshots");
}
