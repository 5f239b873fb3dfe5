import * as pulumi from "@pulumi/pulumi";
import { ConfigError, keyPath } from "../rules/errors";
import type { Datastore } from "../rules/datastore";
import { ConfigContribution, ConfigValue } from "../k3s/types";
import { DEFAULT_SNAPSHOT_RETENTION, DEFAULT_SNAPSHOT_SCHEDULE, S3Config, SnapshotConfig } from "./config";

/** S3 credentials from the secret config keys k3s-stacks:etcdS3SecretKey / etcdS3AccessKey. */
export interface S3Credentials {
  /** AWS_SECRET_ACCESS_KEY equivalent (secret). */
  secretKey?: pulumi.Input<string>;
  /** Access key id given as a secret instead of snapshots.s3.accessKey. */
  accessKey?: pulumi.Input<string>;
}

const KEY = "snapshots";

/** Problems with the credentials that depend on more than one config key. */
function credentialProblems(s3: S3Config | undefined, creds: S3Credentials): string[] {
  const problems: string[] = [];
  const secretKey = "k3s-stacks:etcdS3SecretKey";
  const accessKey = "k3s-stacks:etcdS3AccessKey";
  if (!s3) {
    for (const [name, value] of [[secretKey, creds.secretKey], [accessKey, creds.accessKey]] as const) {
      if (value !== undefined) {
        problems.push(`${name}: is set but ${keyPath(KEY, ["s3"])} is not. Fix: configure snapshots.s3 (bucket, endpoint, ...) or remove it with 'pulumi config rm ${name}'.`);
      }
    }
    return problems;
  }
  if (s3.accessKey !== undefined && creds.accessKey !== undefined) {
    problems.push(`${keyPath(KEY, ["s3", "accessKey"])}: is set both here and as ${accessKey}. Fix: keep only one (the secret is preferred).`);
  }
  const hasAccess = s3.accessKey !== undefined || creds.accessKey !== undefined;
  if (hasAccess && creds.secretKey === undefined) {
    problems.push(`${secretKey}: is missing while an S3 access key is set. Fix: 'pulumi config set --secret ${secretKey} <secret key>'.`);
  }
  if (!hasAccess && creds.secretKey !== undefined) {
    problems.push(`${keyPath(KEY, ["s3", "accessKey"])}: is missing while ${secretKey} is set. Fix: set snapshots.s3.accessKey or 'pulumi config set --secret ${accessKey} <key id>'.`);
  }
  return problems;
}

/** etcd-s3-* server keys; credentials stay secret Outputs. Without keys k3s falls back to the instance's IAM role. */
function s3Keys(s3: S3Config, creds: S3Credentials): Record<string, pulumi.Input<ConfigValue>> {
  const keys: Record<string, pulumi.Input<ConfigValue>> = {
    "etcd-s3": true,
    "etcd-s3-endpoint": s3.endpoint,
    "etcd-s3-bucket": s3.bucket,
    "etcd-s3-region": s3.region,
  };
  if (s3.folder !== undefined) keys["etcd-s3-folder"] = s3.folder;
  if (s3.bucketLookupType !== undefined) keys["etcd-s3-bucket-lookup-type"] = s3.bucketLookupType;
  if (s3.insecure) keys["etcd-s3-insecure"] = true;
  if (s3.skipSslVerify) keys["etcd-s3-skip-ssl-verify"] = true;
  if (s3.timeout !== undefined) keys["etcd-s3-timeout"] = s3.timeout;
  if (s3.retention !== undefined) keys["etcd-s3-retention"] = s3.retention;
  if (creds.accessKey !== undefined) keys["etcd-s3-access-key"] = pulumi.secret(creds.accessKey);
  else if (s3.accessKey !== undefined) keys["etcd-s3-access-key"] = s3.accessKey;
  if (creds.secretKey !== undefined) keys["etcd-s3-secret-key"] = pulumi.secret(creds.secretKey);
  return keys;
}

/**
 * Server config.yaml keys for scheduled etcd snapshots. `k3s etcd-snapshot save` reads the same
 * config.yaml (its flags alias etcd-s3-*, etcd-snapshot-dir, etcd-snapshot-compress), so on-demand
 * and pre-upgrade snapshots land in the same place as scheduled ones.
 * Throws ConfigError when snapshots are configured for a datastore without embedded etcd.
 */
export function snapshotContribution(cfg: SnapshotConfig, datastore: Datastore, creds: S3Credentials = {}): ConfigContribution {
  const problems = credentialProblems(cfg.s3, creds);
  if (datastore !== "etcd") {
    const set = Object.entries(cfg).filter(([k, v]) => v !== undefined && !(k === "enabled" && v === false));
    if (set.length > 0) {
      problems.push(
        `${keyPath(KEY, [])}: sets ${set.map(([k]) => k).join(", ")} but k3s-stacks:cluster.datastore is ${datastore}; etcd snapshots need the embedded etcd datastore. ` +
          (datastore === "postgres"
            ? "Fix: remove k3s-stacks:snapshots and back up the PostgreSQL database with its own tools."
            : "Fix: remove k3s-stacks:snapshots, or set k3s-stacks:cluster.datastore to etcd."),
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  if (datastore !== "etcd") return {};

  const server: Record<string, pulumi.Input<ConfigValue>> = {};
  if (cfg.enabled === false) {
    server["etcd-disable-snapshots"] = true;
  } else {
    server["etcd-snapshot-schedule-cron"] = cfg.schedule ?? DEFAULT_SNAPSHOT_SCHEDULE;
    server["etcd-snapshot-retention"] = cfg.retention ?? DEFAULT_SNAPSHOT_RETENTION;
  }
  if (cfg.compress) server["etcd-snapshot-compress"] = true;
  if (cfg.dir !== undefined) server["etcd-snapshot-dir"] = cfg.dir;
  if (cfg.s3) Object.assign(server, s3Keys(cfg.s3, creds));
  return { server };
}
