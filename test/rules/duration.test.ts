import { goDurationSeconds, isGoDuration, unitFix } from "../../components/rules/duration";
import { PROMETHEUS_DURATION, parseAddonsConfig } from "../../components/addons/config";
import { parseClusterConfig } from "../../components/k3s/settings";
import { parseSnapshotConfig, parseUpgradeConfig } from "../../components/day-two/config";
import { problemsOf } from "../support/config";

describe("Go durations (time.ParseDuration)", () => {
  test.each(["90s", "5m", "1h30m", "1.5h", ".5s", "1h0m0.5s", "300ms", "10us", "10µs", "0", "-5m", "+1h"])("%s is one", (v) => {
    expect(isGoDuration(v)).toBe(true);
  });
  test.each(["", "5", "1d", "1h 30m", "m", "1.h.5", "5M", "1w", "-", "00"])("%s is not", (v) => {
    expect(isGoDuration(v)).toBe(false);
  });

  test("cluster.drainTimeout and upgrade.drainTimeout take the same grammar (1h30m was refused by one of them)", () => {
    expect(parseClusterConfig({ k3sVersion: "v1.36.3+k3s1", drainTimeout: "1h30m" }).drainTimeout).toBe("1h30m");
    expect(parseUpgradeConfig({ drainTimeout: "1h30m" }).drainTimeout).toBe("1h30m");
    for (const check of [() => parseClusterConfig({ k3sVersion: "v1.36.3+k3s1", drainTimeout: "-5m" }), () => parseUpgradeConfig({ drainTimeout: "5 minutes" })]) {
      expect(problemsOf(check)).toEqual([expect.stringMatching(/drainTimeout: must be a duration.*Fix: .*1h30m/)]);
    }
  });
});

describe("Prometheus durations (model.ParseDuration), a different grammar", () => {
  test.each(["10d", "12h", "1w2d", "1y", "0", "30s", "500ms"])("%s is one", (v) => expect(PROMETHEUS_DURATION.test(v)).toBe(true));
  test.each(["", "1.5h", "2d1w", "10", "1h30"])("%s is not", (v) => expect(PROMETHEUS_DURATION.test(v)).toBe(false));
});

describe("a bare number is told to add a unit, for every duration-typed key", () => {
  const CLUSTER = { k3sVersion: "v1.36.3+k3s1" };
  test.each([
    ["cluster.drainTimeout", () => parseClusterConfig({ ...CLUSTER, drainTimeout: 300 }), "300s or 5m"],
    ["cluster.drainTimeout (a string)", () => parseClusterConfig({ ...CLUSTER, drainTimeout: "300" }), "300s or 5m"],
    ["upgrade.drainTimeout", () => parseUpgradeConfig({ drainTimeout: 90 }), "90s"],
    ["snapshots.s3.timeout", () => parseSnapshotConfig({ s3: { bucket: "backups", timeout: 45 } }), "45s"],
    ["addons.monitoring.retention (Prometheus)", () => parseAddonsConfig({ monitoring: { retention: 10 } }), "10d or 10h"],
  ])("%s", (_key, check, example) => {
    const problems = problemsOf(check);
    expect(problems).toEqual([expect.stringMatching(new RegExp(`without a unit.*Fix: add a unit, such as ${example.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`))]);
    expect(problems.join()).not.toMatch(/write it as a string|must be a string/);
  });

  test("the minutes form is offered only when whole; 0 needs no unit", () => {
    expect(unitFix(90)).toBe("is 90 without a unit, and a duration needs one. Fix: add a unit, such as 90s");
    expect(unitFix("600")).toMatch(/600s or 10m$/);
    expect(unitFix(0)).toBeUndefined();
    expect(unitFix("5m")).toBeUndefined();
  });

  test("another type is named in the user's words", () => {
    expect(problemsOf(() => parseUpgradeConfig({ drainTimeout: true }))).toEqual([expect.stringMatching(/drainTimeout: must be a duration such as 90s or 5m, not boolean\. Fix: /)]);
  });
});

describe("goDurationSeconds", () => {
  it.each([["5m", 300], ["1h30m", 5400], ["1.5h", 5400], ["90s", 90], ["500ms", 0.5], ["0", 0], ["-2m", -120]])("reads %s as %d seconds", (text, seconds) => {
    expect(goDurationSeconds(text)).toBeCloseTo(seconds);
  });
  it("throws on what Go refuses", () => {
    expect(() => goDurationSeconds("5 minutes")).toThrow(/not a Go duration/);
  });
});
