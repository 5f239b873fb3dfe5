import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, isSecret, valueOf } from "../support/mocks";
import { ConfigError } from "../../components/rules/errors";
import { parseSnapshotConfig } from "../../components/day-two/config";
import { snapshotContribution } from "../../components/day-two/snapshots";
import { REFERENCE_PATH } from "../k3s/support/reference";
import { isGoDuration } from "../../components/rules/duration";

type Flag = { type: "string" | "bool" | "int" | "duration" | "stringSlice" };
const reference = JSON.parse(fs.readFileSync(REFERENCE_PATH, "utf8")) as { server: Record<string, Flag> };


/** Checks one config.yaml value against the flag's type in the k3s flag reference. */
function matchesType(type: Flag["type"], value: unknown): boolean {
  switch (type) {
    case "bool": return typeof value === "boolean";
    case "int": return Number.isInteger(value);
    case "duration": return typeof value === "string" && isGoDuration(value);
    case "string": return typeof value === "string";
    case "stringSlice": return Array.isArray(value);
  }
}

async function resolved(server: Record<string, pulumi.Input<unknown>>): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(server)) out[k] = await valueOf(v);
  return out;
}

function problems(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.join("\n");
    throw e;
  }
  throw new Error("expected a ConfigError");
}

const full = parseSnapshotConfig({
  schedule: "0 */6 * * *",
  retention: 10,
  compress: true,
  dir: "/var/backups/k3s",
  s3: {
    endpoint: "minio.lan:9000",
    bucket: "k3s-snapshots",
    folder: "homelab",
    region: "eu-central-1",
    bucketLookupType: "path",
    insecure: true,
    skipSslVerify: true,
    timeout: "2m",
    retention: 20,
  },
});

beforeAll(() => installMocks());

describe("snapshotContribution", () => {
  it("emits only server flags known to k3s, each with the right value type", async () => {
    const c = snapshotContribution(full, "etcd", { accessKey: "AKIA", secretKey: "s3cr3t" });
    expect(c.all).toBeUndefined();
    const server = await resolved(c.server!);
    expect(Object.keys(server).sort()).toEqual([
      "etcd-s3", "etcd-s3-access-key", "etcd-s3-bucket", "etcd-s3-bucket-lookup-type", "etcd-s3-endpoint",
      "etcd-s3-folder", "etcd-s3-insecure", "etcd-s3-region", "etcd-s3-retention", "etcd-s3-secret-key",
      "etcd-s3-skip-ssl-verify", "etcd-s3-timeout", "etcd-snapshot-compress", "etcd-snapshot-dir",
      "etcd-snapshot-retention", "etcd-snapshot-schedule-cron",
    ]);
    for (const [key, value] of Object.entries(server)) {
      const flag = reference.server[key];
      expect({ key, known: flag !== undefined }).toEqual({ key, known: true });
      expect({ key, typeOk: matchesType(flag.type, value) }).toEqual({ key, typeOk: true });
    }
    expect(server).toMatchObject({
      "etcd-snapshot-schedule-cron": "0 */6 * * *",
      "etcd-snapshot-retention": 10,
      "etcd-s3-endpoint": "minio.lan:9000",
      "etcd-s3-bucket": "k3s-snapshots",
      "etcd-s3-folder": "homelab",
      "etcd-s3-region": "eu-central-1",
    });
  });

  it("keeps the S3 credentials secret", async () => {
    const c = snapshotContribution(full, "etcd", { accessKey: "AKIA", secretKey: pulumi.output("s3cr3t") });
    expect(await isSecret(c.server!["etcd-s3-secret-key"])).toBe(true);
    expect(await isSecret(c.server!["etcd-s3-access-key"])).toBe(true);
    expect(await valueOf(c.server!["etcd-s3-secret-key"])).toBe("s3cr3t");
  });

  it("uses the k3s defaults for an empty config, and disables the schedule on request", async () => {
    expect(await resolved(snapshotContribution(parseSnapshotConfig(undefined), "etcd").server!)).toEqual({
      "etcd-snapshot-schedule-cron": "0 */12 * * *",
      "etcd-snapshot-retention": 5,
    });
    const off = snapshotContribution(parseSnapshotConfig({ enabled: false, s3: { bucket: "b-1" } }), "etcd");
    const server = await resolved(off.server!);
    expect(server["etcd-disable-snapshots"]).toBe(true);
    expect(server["etcd-snapshot-schedule-cron"]).toBeUndefined();
    // S3 stays configured for on-demand and pre-upgrade snapshots; without keys k3s uses the IAM role.
    expect(server["etcd-s3"]).toBe(true);
    expect(server["etcd-s3-secret-key"]).toBeUndefined();
  });

  it("contributes nothing for sqlite or postgres unless the user configured snapshots", () => {
    expect(snapshotContribution(parseSnapshotConfig(undefined), "sqlite")).toEqual({});
    expect(snapshotContribution(parseSnapshotConfig({ enabled: false }), "postgres")).toEqual({});
    expect(problems(() => snapshotContribution(parseSnapshotConfig({ s3: { bucket: "b-1" } }), "sqlite"))).toMatch(
      /^k3s-stacks:snapshots: sets s3 but k3s-stacks:cluster.datastore is sqlite; .*Fix: remove k3s-stacks:snapshots, or set k3s-stacks:cluster.datastore to etcd\./,
    );
    expect(problems(() => snapshotContribution(parseSnapshotConfig({ schedule: "@daily" }), "postgres"))).toMatch(/PostgreSQL database/);
  });

  // k3s prunes only for retention >= 1 (pkg/etcd/snapshot.go snapshotRetention, pkg/etcd/s3/s3.go
  // Client.SnapshotRetention return early below 1): 0 keeps every snapshot, so it is accepted and written.
  it("accepts retention 0 (keep every snapshot) and writes it for k3s", async () => {
    const keepAll = parseSnapshotConfig({ retention: 0, s3: { bucket: "b-1", retention: 0 } });
    const server = await resolved(snapshotContribution(keepAll, "etcd").server!);
    expect(server["etcd-snapshot-retention"]).toBe(0);
    expect(server["etcd-s3-retention"]).toBe(0);
  });

  it("refuses a negative or fractional retention, naming the key and the fix", () => {
    expect(problems(() => parseSnapshotConfig({ retention: -1 }))).toMatch(
      /^k3s-stacks:snapshots\.retention: must not be negative\. Fix: .*0 to keep every one/,
    );
    expect(problems(() => parseSnapshotConfig({ s3: { bucket: "b-1", retention: 2.5 } }))).toMatch(
      /^k3s-stacks:snapshots\.s3\.retention: must be a whole number\. Fix: the number of S3 snapshots to keep/,
    );
  });

  it("refuses inconsistent credentials", () => {
    const s3 = parseSnapshotConfig({ s3: { bucket: "b-1", accessKey: "AKIA" } });
    expect(problems(() => snapshotContribution(s3, "etcd"))).toMatch(/k3s-stacks:etcdS3SecretKey: is missing .*pulumi config set --secret/);
    expect(problems(() => snapshotContribution(s3, "etcd", { accessKey: "AKIA", secretKey: "x" }))).toMatch(/is set both here and as k3s-stacks:etcdS3AccessKey/);
    expect(problems(() => snapshotContribution(parseSnapshotConfig({ s3: { bucket: "b-1" } }), "etcd", { secretKey: "x" }))).toMatch(/accessKey: is missing/);
    expect(problems(() => snapshotContribution(parseSnapshotConfig(undefined), "etcd", { secretKey: "x" }))).toMatch(/etcdS3SecretKey: is set but k3s-stacks:snapshots.s3 is not/);
  });
});
