// Day-two changes refused before anything runs: datastore moves, the first server's identity, gone hosts.
import { ConfigError } from "../../components/rules/errors";
import { checkDatastoreChange, checkDatastoreMoveAlone, checkGoneIdentity, checkIdentityChange } from "../../components/day-two/identity";
import { checkServerChange } from "../../components/day-two/servers";
import { parseInventoryConfig } from "../../components/nodes/inventory";

function problems(fn: () => void): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe("datastore changes", () => {
  test("sqlite → etcd converts in place; unchanged and fresh stacks pass", () => {
    expect(problems(() => checkDatastoreChange("sqlite", "etcd"))).toEqual([]);
    expect(problems(() => checkDatastoreChange("etcd", "etcd"))).toEqual([]);
    expect(problems(() => checkDatastoreChange(undefined, "postgres"))).toEqual([]);
  });

  test.each([
    ["etcd", "sqlite", /from etcd to sqlite.*once a server has etcd data it ignores cluster-init.*Fix: put back datastore: etcd/],
    ["etcd", "postgres", /from etcd to postgres.*Fix: put back datastore: etcd.*snapshot restores only into etcd/],
    ["sqlite", "postgres", /from sqlite to postgres.*converts sqlite only to embedded etcd.*Fix: put back datastore: sqlite/],
    ["postgres", "etcd", /from postgres to etcd.*no migration out of it.*Fix: put back datastore: postgres/],
  ] as const)("%s → %s is refused with the reason and the fix", (from, to, message) => {
    const p = problems(() => checkDatastoreChange(from, to));
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^k3s-stacks:cluster\.datastore: /);
    expect(p[0]).toMatch(message);
  });
});

describe("sqlite → etcd in an update of its own", () => {
  test("with a k3s version change it is refused, naming both steps", () => {
    const p = problems(() => checkDatastoreMoveAlone({ datastore: "sqlite", k3sVersion: "v1.35.2+k3s1" }, { datastore: "etcd", k3sVersion: "v1.36.3+k3s1" }));
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^k3s-stacks:cluster\.k3sVersion: changes from v1\.35\.2\+k3s1 to v1\.36\.3\+k3s1 in the same update that moves the datastore from sqlite to etcd/);
    expect(p[0]).toContain("Fix: keep k3sVersion: v1.35.2+k3s1 and run pulumi up to move to etcd, then set v1.36.3+k3s1 and run pulumi up again.");
  });

  test("alone, or a version change without the move, passes", () => {
    expect(problems(() => checkDatastoreMoveAlone({ datastore: "sqlite", k3sVersion: "v1.36.3+k3s1" }, { datastore: "etcd", k3sVersion: "v1.36.3+k3s1" }))).toEqual([]);
    expect(problems(() => checkDatastoreMoveAlone({ datastore: "etcd", k3sVersion: "v1.35.2+k3s1" }, { datastore: "etcd", k3sVersion: "v1.36.3+k3s1" }))).toEqual([]);
    expect(problems(() => checkDatastoreMoveAlone({ datastore: "sqlite" }, { datastore: "etcd", k3sVersion: "v1.36.3+k3s1" }))).toEqual([]);
  });
});

describe("install identity of the first server", () => {
  test("an arch change on the first server is refused; on another node it is a safe replacement", () => {
    const before = { s1: "server/amd64", a1: "agent/amd64" };
    expect(problems(() => checkIdentityChange(before, "s1", { s1: "server/arm64", a1: "agent/amd64" }))[0])
      .toMatch(/first server 's1' from server\/amd64 to server\/arm64.*empty cluster.*Fix: put the old value back.*Replace the first server/);
    expect(problems(() => checkIdentityChange(before, "s1", { s1: "server/amd64", a1: "server/arm64" }))).toEqual([]);
    expect(problems(() => checkIdentityChange(undefined, "s1", { s1: "server/arm64" }))).toEqual([]);
  });
});

describe("install identity of a host marked gone", () => {
  test("must stay as installed while its records still hold the uninstall; hosts already removed are not checked", () => {
    const before = { s1: "server/amd64", pi: "agent/arm64" };
    expect(problems(() => checkGoneIdentity(before, { pi: "agent/arm64" }))).toEqual([]);
    const p = problems(() => checkGoneIdentity(before, { pi: "server/arm64" }));
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^k3s-stacks:inventory: 'pi' is marked gone with role\/arch server\/arm64, but it was installed as agent\/arm64\..*stored uninstall over SSH.*Fix: keep role and arch as they were \(agent\/arm64\)/);
    expect(problems(() => checkGoneIdentity(before, { old: "server/amd64" }))).toEqual([]);
    // A 32-bit Arm host is named armhf, as its arch is written in the inventory.
    expect(problems(() => checkGoneIdentity({ pi0: "agent/arm" }, { pi0: "agent/arm64" }))[0]).toMatch(/role\/arch agent\/arm64, but it was installed as agent\/armhf\..*Fix: keep role and arch as they were \(agent\/armhf\)/);
    expect(problems(() => checkGoneIdentity(undefined, { pi: "server/arm64" }))).toEqual([]);
  });
});

describe("gone etcd servers", () => {
  test("one dead of three leaves quorum: allowed", () => {
    expect(problems(() => checkServerChange(["s1", "s2", "s3"], ["s1", "s3"], "etcd", { gone: ["s2"] }))).toEqual([]);
  });

  test("two dead of three: no quorum to remove members; the fix is a restore", () => {
    const p = problems(() => checkServerChange(["s1", "s2", "s3"], ["s1"], "etcd", { gone: ["s2", "s3"] }));
    expect(p[0]).toMatch(/s2, s3 are marked gone, 2 of 3 etcd servers; the 1 left is below quorum \(2\).*Fix: restore/);
  });
});

describe("inventory: gone", () => {
  let n = 0;
  const host = (name: string, role: string, extra: Record<string, unknown> = {}) => ({ name, address: `10.0.0.${++n}`, role, arch: "arm64", ...extra });

  test("defaults to false and is accepted on any host but the first server", () => {
    const inv = parseInventoryConfig({ hosts: [host("s1", "server"), host("s22", "server", { gone: true }), host("a333", "agent", { gone: true })] });
    expect(inv.hosts.map((h) => h.gone)).toEqual([false, true, true]);
  });

  test("some server must stay (whether the first may be gone is the plan's: test/stack/first-server-handover.test.ts)", () => {
    const p = problems(() => parseInventoryConfig({ hosts: [host("s1", "server", { gone: true }), host("s22", "server", { gone: true }), host("a1", "agent")] }));
    expect(p[0]).toMatch(/^k3s-stacks:inventory\.hosts\[0\]\.gone: every server is marked gone.*Fix: set gone: false on the servers that still run/);
    expect(problems(() => parseInventoryConfig({ hosts: [host("s1", "server", { gone: true }), host("s22", "server")] }))).toEqual([]);
  });

  test("a gone host cannot be another host's bastion", () => {
    const p = problems(() => parseInventoryConfig({ hosts: [host("s1", "server"), host("jump", "agent", { gone: true }), host("edge", "agent", { bastion: "jump" })] }));
    expect(p[0]).toMatch(/^k3s-stacks:inventory\.hosts\[2\]\.bastion: 'jump' is marked gone.*Fix:/);
  });
});
