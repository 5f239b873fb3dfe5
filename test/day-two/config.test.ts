import { problemsOf as problems } from "../support/config";
import { parseSnapshotConfig, parseUpgradeConfig } from "../../components/day-two/config";
import { configProblems } from "../../components/rules/flags";


describe("k3s-stacks:upgrade", () => {
  it("defaults to ssh, one agent at a time, with drain", () => {
    expect(parseUpgradeConfig(undefined)).toEqual({
      mode: "ssh",
      agentBatchSize: 1,
      drain: true,
      checkPreviousOutputs: true,
      forceServerRemoval: false,
    });
  });

  it("accepts the system-upgrade-controller mode and a batch size", () => {
    const cfg = parseUpgradeConfig({ mode: "system-upgrade-controller", agentBatchSize: 3, drain: false, drainTimeout: "90s" });
    expect(cfg).toMatchObject({ mode: "system-upgrade-controller", agentBatchSize: 3, drain: false, drainTimeout: "90s" });
  });

  it("reports every problem with its key and a fix", () => {
    const p = problems(() => parseUpgradeConfig({ mode: "helm", agentBatchSize: 0, drainTimeout: "5 minutes", batch: 2 }));
    expect(p).toHaveLength(4);
    expect(p.join("\n")).toMatch(/k3s-stacks:upgrade\.mode: .*Fix: use one of "ssh", "system-upgrade-controller"/);
    expect(p.join("\n")).toMatch(/k3s-stacks:upgrade\.agentBatchSize: must be at least 1/);
    expect(p.join("\n")).toMatch(/k3s-stacks:upgrade\.drainTimeout: must be a duration/);
    expect(p.join("\n")).toMatch(/unknown key\(s\) 'batch'/);
  });
});

describe("k3s-stacks:snapshots", () => {
  it("leaves unset fields undefined so the datastore check can see what the user set", () => {
    expect(parseSnapshotConfig(undefined)).toEqual({});
  });

  it.each(["0 */12 * * *", "*/30 2-4 * * MON-FRI", "@daily", "@every 6h30m"])("accepts the schedule %s", (schedule) => {
    expect(parseSnapshotConfig({ schedule }).schedule).toBe(schedule);
  });

  it.each(["0 0 */12 * * *", "every day", "* * *"])("refuses the schedule %s", (schedule) => {
    expect(problems(() => parseSnapshotConfig({ schedule }))[0]).toMatch(/^k3s-stacks:snapshots\.schedule: is not a cron schedule k3s can use: it .*Fix: five fields/);
  });

  // k3s drops the error of robfig/cron's parser: these looked like cron but left a cluster without snapshots.
  it.each([
    ["0 25 * * *", /'25' as field 2 \(hour, 0-23\), where 25 is above 23/],
    ["0 3 * * 7", /field 5 \(day of week, 0-6\), where 7 is above 6 \(Sunday is 0 or SUN\)/],
    ["0 3 0 * *", /field 3 \(day of month, 1-31\), where 0 is below 1/],
    ["0 3 * * FOO", /'FOO' is not a number or a name \(sun, mon/],
    ["*/0 * * * *", /a step of 0 never matches/],
    ["0 5-2 * * *", /the range 5-2 runs backwards/],
    ["@weekdays", /uses '@weekdays', which is not a descriptor/],
    ["@every 6 hours", /'@every 6 hours', which needs a duration/],
    ["CRON_TZ=Mars/Olympus 0 3 * * *", /time zone 'Mars\/Olympus'/],
  ])("refuses %s, which k3s would silently never run", (schedule, why) => {
    const [p] = problems(() => parseSnapshotConfig({ schedule }));
    expect(p).toMatch(/^k3s-stacks:snapshots\.schedule: is not a cron schedule k3s can use: it /);
    expect(p).toMatch(why);
    expect(p).toMatch(/k3s would ignore it and take no scheduled snapshots\. Fix: /);
  });

  // Go's time.LoadLocation opens the zone database's file of exactly that name: ICU (Node's Intl) is case-blind and knows its own aliases.
  it.each([
    ["CRON_TZ=europe/berlin 0 3 * * *", "Fix: write CRON_TZ=Europe/Berlin 0 3 * * *"],
    ["TZ=utc 0 3 * * *", "Fix: write TZ=UTC 0 3 * * *"],
    ["CRON_TZ=us/pacific 0 3 * * *", "Fix: write CRON_TZ=US/Pacific 0 3 * * *"],
    ["CRON_TZ=PST 0 3 * * *", "Fix: write CRON_TZ=America/Los_Angeles 0 3 * * *"],
  ])("refuses the zone in %s, which Go's zone database does not spell so, naming the one it does", (schedule, fix) => {
    const [p] = problems(() => parseSnapshotConfig({ schedule }));
    expect(p).toMatch(/is not a cron schedule k3s can use: it names the time zone '[^']+', which is not in the time zone database/);
    expect(p).toContain(fix);
  });

  it.each(["CRON_TZ=Europe/Berlin 30 2 * * *", "TZ=UTC @daily", "CRON_TZ=US/Pacific 0 3 * * *", "CRON_TZ=Etc/UTC 0 3 * * *", "CRON_TZ= 0 */12 * * *", "TZ=EST5EDT 0 3 * * *", "0 3 * * sun,SAT", "0 0 1 jan-mar/2 ?", "5/15 * * * *", "0 */4 * * 0-6", "@midnight"])(
    "accepts %s, which robfig/cron parses",
    (schedule) => {
      expect(parseSnapshotConfig({ schedule }).schedule).toBe(schedule);
    },
  );

  it("fills S3 defaults and validates its fields", () => {
    const cfg = parseSnapshotConfig({ s3: { bucket: "k3s-backups", folder: "homelab" } });
    expect(cfg.s3).toEqual({ bucket: "k3s-backups", folder: "homelab", endpoint: "s3.amazonaws.com", region: "us-east-1" });
    const p = problems(() =>
      parseSnapshotConfig({ dir: "snaps", s3: { endpoint: "https://minio:9000", bucket: "bad bucket!", bucketLookupType: "virtual", timeout: "soon", secretKey: "x" } }),
    );
    const text = p.join("\n");
    expect(text).toMatch(/snapshots\.dir: must be an absolute path/);
    expect(text).toMatch(/snapshots\.s3\.endpoint: must be host\[:port\] without a scheme/);
    expect(text).toMatch(/snapshots\.s3\.bucket: is not a valid bucket name/);
    expect(text).toMatch(/snapshots\.s3\.bucketLookupType/);
    expect(text).toMatch(/snapshots\.s3\.timeout: must be a duration/);
    // A secret key in the plain stack file is refused as an unknown key: it belongs in etcdS3SecretKey.
    expect(text).toMatch(/snapshots\.s3: unknown key\(s\) 'secretKey'/);
  });
});

describe("etcd-snapshot-schedule-cron in a contribution", () => {
  it("is checked by the same cron rules as snapshots.schedule", () => {
    expect(configProblems("server", { "etcd-snapshot-schedule-cron": "0 3 * * *" }, "where")).toEqual([]);
    expect(configProblems("server", { "etcd-snapshot-schedule-cron": "0 3 * * 7" }, "where")).toEqual([
      expect.stringMatching(/^where: 'etcd-snapshot-schedule-cron' has '7' as field 5 .*Sunday is 0 or SUN.*k3s would ignore it and take no scheduled snapshots\. Fix: /),
    ]);
  });
});

describe("k3s-stacks:snapshots.s3 region against an AWS regional endpoint (kube-hetzner#1404: 301 Moved Permanently)", () => {
  it.each([
    [{ endpoint: "s3.eu-central-1.amazonaws.com" }, "us-east-1", "eu-central-1"],
    [{ endpoint: "s3-eu-west-1.amazonaws.com", region: "eu-central-1" }, "eu-central-1", "eu-west-1"],
    [{ endpoint: "s3.dualstack.ap-southeast-2.amazonaws.com" }, "us-east-1", "ap-southeast-2"],
  ])("%o is refused, naming the endpoint's region", (s3, region, named) => {
    expect(problems(() => parseSnapshotConfig({ s3: { bucket: "k3s-snapshots", ...s3 } }))).toEqual([
      expect.stringMatching(new RegExp(`^k3s-stacks:snapshots\\.s3\\.region: is ${region}, but the endpoint .* is AWS's ${named} endpoint.*Fix: set region: ${named}\\.$`)),
    ]);
  });

  it.each([{ endpoint: "s3.eu-central-1.amazonaws.com", region: "eu-central-1" }, {}, { endpoint: "minio.lan:9000" }, { endpoint: "fsn1.your-objectstorage.com", region: "fsn1" }, { endpoint: "s3.us-east-1.amazonaws.com" }])("%o is accepted", (s3) => {
    expect(parseSnapshotConfig({ s3: { bucket: "k3s-snapshots", ...s3 } }).s3).toBeDefined();
  });
});

describe("etcd-snapshot-schedule-cron in serverConfig", () => {
  it("gets the zone's right spelling as its fix too", () => {
    expect(configProblems("server", { "etcd-snapshot-schedule-cron": "CRON_TZ=europe/berlin 0 3 * * *" }, "k3s-stacks:cluster.serverConfig")).toEqual([
      expect.stringMatching(/^k3s-stacks:cluster\.serverConfig: 'etcd-snapshot-schedule-cron' names the time zone 'europe\/berlin'.*Fix: write CRON_TZ=Europe\/Berlin 0 3 \* \* \*\.$/),
    ]);
  });
});
