import { ConfigError } from "../../components/rules/errors";
import { checkGoneDuringUpgrade, checkServerChange, clusterInitServer, maxServerRemoval, oneFewerServerAllowed } from "../../components/day-two/servers";

function message(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.join("\n");
    throw e;
  }
  return "";
}

describe("server set changes", () => {
  it("keeps quorum of the old membership when every removed server leaves at once", () => {
    expect([1, 3, 5, 7].map(maxServerRemoval)).toEqual([0, 1, 2, 3]);
  });

  it("allows a fresh stack, additions, and removals within quorum", () => {
    expect(message(() => checkServerChange(undefined, ["s1", "s2", "s3"], "etcd"))).toBe("");
    expect(message(() => checkServerChange(["s1"], ["s1", "s2", "s3"], "etcd"))).toBe("");
    expect(message(() => checkServerChange(["s1", "s2", "s3", "s4", "s5"], ["s1", "s2", "s5"], "etcd"))).toBe("");
    // Replacing a dead server: one out, one in.
    expect(message(() => checkServerChange(["s1", "s2", "s3"], ["s1", "s3", "s4"], "etcd"))).toBe("");
  });

  it("refuses removing more etcd servers than keeps quorum", () => {
    const m = message(() => checkServerChange(["s1", "s2", "s3", "s4", "s5"], ["s1", "s2"], "etcd"));
    expect(m).toContain("removes 3 of 5 etcd servers (s3, s4, s5) in one run; the 2 left cannot hold quorum (3) while the others leave.");
    expect(m).toContain("Fix: remove 2 per pulumi up (5 → 3 → ...).");
    expect(message(() => checkServerChange(["s1", "s2", "s3", "s4", "s5", "s6", "s7"], ["s1", "s2", "s3"], "etcd"))).toContain("Fix: remove 2 per pulumi up (7 → 5 → ...).");
    expect(message(() => checkServerChange(["s1", "s2", "s3"], ["s1"], "etcd"))).toContain("the 1 left cannot hold quorum (2)");
    expect(message(() => checkServerChange(["s1", "s2", "s3"], ["s1"], "etcd"))).toContain(
      "Fix: keep 3 servers, or shrink to 1 with a cluster reset (scripts/etcd-restore.sh with only the servers you keep) and set k3s-stacks:upgrade.forceServerRemoval: true",
    );
  });

  it("names a live server to restore onto when more etcd servers are gone than quorum tolerates", () => {
    expect(message(() => checkServerChange(["s1", "s2", "s3"], ["s1"], "etcd", { gone: ["s2", "s3"] }))).toContain(
      "Fix: restore a snapshot onto the first server 's1' with the other live servers (scripts/etcd-restore.sh --first-server <its address>",
    );
    expect(message(() => checkServerChange(["s1", "s2", "s3"], ["s2"], "etcd", { gone: ["s1", "s3"], fixedRegistration: true }))).toContain(
      "Fix: restore a snapshot onto 's2', listed first now, with the other live servers",
    );
    // The first server dead and a new server listed first: the live one must move up.
    expect(message(() => checkServerChange(["s1", "s2", "s3"], ["s4", "s3"], "etcd", { gone: ["s1", "s2"], fixedRegistration: true }))).toContain(
      "Fix: restore a snapshot onto 's3' (list it as the first server entry after the gone one) with the other live servers",
    );
  });

  it("sends a restore to a rebuilt first server when no live server can take its place", () => {
    const replace = "Fix: follow 'Replace the first server' in docs/day-two.md";
    // Every server gone: there is no live server to name.
    const all = message(() => checkServerChange(["s1", "s2", "s3"], ["s4"], "etcd", { gone: ["s1", "s2", "s3"], fixedRegistration: true }));
    expect(all).toContain(replace);
    expect(all).not.toContain("undefined");
    // The first server dead without a fixed registration address: a handover is refused, so is a restore onto another server.
    const noAddress = message(() => checkServerChange(["s1", "s2", "s3"], ["s2"], "etcd", { gone: ["s1", "s3"] }));
    expect(noAddress).toContain(replace);
    expect(noAddress).not.toContain("restore a snapshot onto");
  });

  it("lets forceServerRemoval override the quorum rule (returned as a warning) but not the first-server rule", () => {
    expect(message(() => checkServerChange(["s1", "s2", "s3"], ["s1"], "etcd", { force: true }))).toBe("");
    expect(checkServerChange(["s1", "s2", "s3"], ["s1"], "etcd", { force: true })).toContain("Going ahead because k3s-stacks:upgrade.forceServerRemoval is true");
    expect(checkServerChange(["s1", "s2", "s3"], ["s1", "s2", "s3"], "etcd", { force: true })).toBeUndefined();
    // A run refused for another reason does not say it goes ahead.
    expect(message(() => checkServerChange(["s1", "s2", "s3"], ["s2", "s3"], "etcd", { force: true }))).toMatch(/removes 's1', the first \(bootstrap\) server/);
    const refused = message(() => checkServerChange(["s1", "s2", "s3"], ["s3"], "etcd", { force: true, gone: ["s1", "s2"] }));
    expect(refused).toContain("Replace the first server");
    expect(refused).not.toContain("Going ahead");
  });

  it("gives fixes that the checks accept when followed: an odd count, live servers only, no count that does not exist", () => {
    // A restore leaving an even count: the cluster layer refuses even etcd counts.
    expect(message(() => checkServerChange(["s1", "s2", "s3", "s4", "s5"], ["s1", "s2"], "etcd", { gone: ["s3", "s4", "s5"] }))).toContain(
      "List one more server in that change: etcd needs an odd number of servers (2 listed now).",
    );
    // A gone server cannot be kept: keeping the count means replacing it.
    expect(message(() => checkServerChange(["s1", "s2", "s3"], ["s1"], "etcd", { gone: ["s2"] }))).toContain("Fix: keep 3 servers (list a new one for each gone: s2), or shrink to 1");
    // Removing the only server is the first-server refusal alone, not a shrink to 0.
    const only = message(() => checkServerChange(["s1"], [], "etcd"));
    expect(only).toMatch(/removes 's1', the first \(bootstrap\) server/);
    expect(only).not.toMatch(/shrink to 0|keep 1 servers/);
  });

  it("refuses removing or demoting the first server, whatever the datastore", () => {
    expect(message(() => checkServerChange(["s1", "s2"], ["s2"], "postgres"))).toMatch(/removes 's1', the first \(bootstrap\) server.*Fix: keep it/);
    expect(message(() => checkServerChange(["s1", "s2", "s3"], ["s2", "s1", "s3"], "etcd"))).toMatch(/makes 's2' the first server instead of 's1'/);
  });

  it("does not limit removals of stateless servers on an external datastore", () => {
    expect(message(() => checkServerChange(["s1", "s2", "s3"], ["s1"], "postgres"))).toBe("");
  });
});

describe("one server fewer (the fix of an even etcd count)", () => {
  it("stays within what one run may remove from the last update's servers", () => {
    expect(oneFewerServerAllowed(undefined, ["s1", "s2"])).toBe(true);
    expect(oneFewerServerAllowed(["s1", "s2", "s3"], ["s1", "s2"])).toBe(false);
    expect(oneFewerServerAllowed(["s1", "s2", "s3", "s4", "s5"], ["s1", "s2", "s3", "s4"])).toBe(true);
    expect(oneFewerServerAllowed(["s1", "s2", "s3", "s4", "s5"], ["s1", "s2", "s3", "s6"])).toBe(true);
    expect(oneFewerServerAllowed(["s1", "s2", "s3", "s4", "s5", "s6", "s7"], ["s1", "s2", "s3", "s4"])).toBe(false);
    // A server new in this run can be left out instead.
    expect(oneFewerServerAllowed(["s1", "s2", "s3"], ["s1", "s2", "s3", "s4"])).toBe(true);
  });
});

describe("a lost first server", () => {
  const handover = { gone: ["s1"], fixedRegistration: true };

  it("hands its place to the next server with embedded etcd or postgres and a fixed registration address", () => {
    expect(message(() => checkServerChange(["s1", "s2", "s3"], ["s2", "s3", "s4"], "etcd", handover))).toBe("");
    expect(message(() => checkServerChange(["s1", "s2"], ["s2"], "postgres", handover))).toBe("");
  });

  it("is refused otherwise, each time with what to do", () => {
    expect(message(() => checkServerChange(["s1", "s2", "s3"], ["s2", "s3", "s4"], "etcd", { gone: ["s1"] }))).toMatch(/joins it by its own address.*Fix: follow 'Replace the first server'.*set k3s-stacks:cluster\.apiEndpoint or apiVip/);
    expect(message(() => checkServerChange(["s1", "s2"], ["s2"], "postgres", { gone: ["s1"] }))).toMatch(/every agent's config\.yaml joins it by its own address.*Fix: set k3s-stacks:cluster\.apiEndpoint .* or apiVip .* in this change: .*'s2' takes the first server's place/);
    expect(message(() => checkServerChange(["s1"], ["s2"], "sqlite", handover))).toMatch(/the server of a sqlite cluster, gone: the cluster's state was on it\. Fix: follow 'Replace the first server'/);
    expect(message(() => checkServerChange(["s1", "s2", "s3"], ["s4", "s2", "s3"], "etcd", handover))).toMatch(/lists 's4', a server new in this run, first.*Fix: list one of 's2', 's3' as the first server entry/);
    // Only live servers of the cluster are named to take its place; with none left, the first server is rebuilt.
    const deadSecond = message(() => checkServerChange(["s1", "s2", "s3"], ["s4", "s3"], "etcd", { ...handover, gone: ["s1", "s2"] }));
    expect(deadSecond).toContain("Fix: list 's3' as the first server entry");
    expect(deadSecond).toContain("restore a snapshot onto 's3'");
    for (const [datastore, next] of [["etcd", []], ["postgres", []], ["postgres", ["new1"]]] as const) {
      for (const fixedRegistration of [true, false]) {
        const m = message(() => checkServerChange(["s1", "s2"], [...next], datastore, { gone: ["s1", "s2"], fixedRegistration }));
        expect(m).toContain("no other server of the cluster is left to take its place. Fix: follow 'Replace the first server'");
        expect(m).not.toMatch(/undefined|list one of|takes the first server's place/);
      }
    }
    expect(message(() => checkServerChange(["s1", "s2", "s3"], ["new1", "s3"], "postgres", { gone: ["s1"] }))).toContain(
      "'s2' (list it as the first server entry after the gone one) takes the first server's place",
    );
    // A registration address new in this run restarts every node: fine for postgres (no quorum), not for etcd with a member down.
    expect(message(() => checkServerChange(["s1", "s2"], ["s2"], "postgres", { ...handover, registrationChanged: true }))).toBe("");
    // The fix keeps the address the last update had: a handover when it had one, a rebuild when not.
    const changed = { ...handover, registrationChanged: true };
    expect(message(() => checkServerChange(["s1", "s2", "s3"], ["s2", "s3", "s4"], "etcd", changed))).toMatch(
      /gone in the run that changes k3s-stacks:cluster\.apiEndpoint\/apiVip: .*Fix: keep apiEndpoint\/apiVip as the last update had it for this run: 's2' then takes the first server's place\./,
    );
    expect(message(() => checkServerChange(["s1", "s2", "s3"], ["s2", "s3", "s4"], "etcd", { ...changed, fixedRegistration: false, hadFixedRegistration: true }))).toMatch(/gone in the run that removes .*Fix: keep apiEndpoint\/apiVip as the last update had it/);
    expect(message(() => checkServerChange(["s1", "s2", "s3"], ["s2", "s3", "s4"], "etcd", { ...changed, hadFixedRegistration: false }))).toMatch(
      /gone in the run that sets .*Fix: leave apiEndpoint\/apiVip unset for this run and follow 'Replace the first server'/,
    );
    // Quorum lost as well: the restore goes onto the next server through the kept address, or the first server is rebuilt.
    expect(message(() => checkServerChange(["s1", "s2", "s3"], ["s2"], "etcd", { ...changed, gone: ["s1", "s3"] }))).toContain(
      "Fix: keep k3s-stacks:cluster.apiEndpoint/apiVip as the last update had it, restore a snapshot onto 's2', listed first now,",
    );
    expect(message(() => checkServerChange(["s1", "s2", "s3"], ["s2"], "etcd", { ...changed, gone: ["s1", "s3"], hadFixedRegistration: false }))).toContain("Fix: follow 'Replace the first server'");
    // Still within quorum: the gone first server counts as removed.
    expect(message(() => checkServerChange(["s1", "s2", "s3"], ["s2"], "etcd", { ...handover, gone: ["s1", "s3"] }))).toMatch(/2 of 3 etcd servers; the 1 left is below quorum/);
  });
});

describe("the server that started the cluster", () => {
  it("is the first server listed on a new stack (a gone one too), then what the last update recorded", () => {
    expect(clusterInitServer(undefined, ["s1", "s2"])).toBe("s1");
    expect(clusterInitServer({}, ["s1", "s2"])).toBe("s1");
    expect(clusterInitServer({ serverNames: ["s1", "s2"] }, ["s1", "s2"])).toBe("s1");
    expect(clusterInitServer({ serverNames: ["s2", "s3"], clusterInitServer: "s1" }, ["s1", "s2", "s3"])).toBe("s1");
  });

  it("is none once its entry is deleted, and stays none", () => {
    expect(clusterInitServer({ serverNames: ["s2", "s3"], clusterInitServer: "s1" }, ["s2", "s3"])).toBeNull();
    expect(clusterInitServer({ serverNames: ["s2", "s3"], clusterInitServer: "" }, ["s2", "s3"])).toBeNull();
  });
});

describe("a version move in the run that removes gone etcd servers", () => {
  const move = { from: "v1.35.2+k3s1", to: "v1.36.3+k3s1", ssh: true };

  it("is refused when the servers left cannot restart one at a time: the roll would stop at the first server", () => {
    const m = message(() => checkGoneDuringUpgrade(["s1", "s2", "s3"], ["s1"], move));
    expect(m).toContain("k3s-stacks:cluster.k3sVersion: moves k3s from v1.35.2+k3s1 to v1.36.3+k3s1 in the run that removes 's1', marked gone");
    expect(m).toContain("1 of 3 members healthy, below quorum (2)");
    expect(m).toContain("Fix: keep k3sVersion at v1.35.2+k3s1 for this run");
    // The first server's restart runs beside the removal: the gone members may still count.
    expect(message(() => checkGoneDuringUpgrade(["s1", "s2", "s3", "s4", "s5"], ["s4", "s5"], move))).toContain("2 of 5 members healthy");
  });

  it("is allowed when enough servers are left, with no version move, with the system-upgrade-controller, or when the gone ones already left", () => {
    expect(message(() => checkGoneDuringUpgrade(["s1", "s2", "s3", "s4", "s5"], ["s1"], move))).toBe("");
    expect(message(() => checkGoneDuringUpgrade(["s1", "s2", "s3"], ["s1"], { ...move, from: move.to }))).toBe("");
    expect(message(() => checkGoneDuringUpgrade(["s1", "s2", "s3"], ["s1"], { ...move, ssh: false }))).toBe("");
    expect(message(() => checkGoneDuringUpgrade(["s2", "s3", "s4"], ["s1"], move))).toBe("");
  });

  it("leaves more gone than quorum tolerates to the server-set check, whose fix is a restore", () => {
    expect(message(() => checkGoneDuringUpgrade(["s1", "s2", "s3"], ["s2", "s3"], move))).toBe("");
    expect(message(() => checkGoneDuringUpgrade(["s1", "s2", "s3"], ["s1", "s2", "s3"], move))).toBe("");
    // Forced past that refusal, the version move is still refused on its own.
    expect(message(() => checkGoneDuringUpgrade(["s1", "s2", "s3"], ["s2", "s3"], move, true))).toContain("Fix: keep k3sVersion at v1.35.2+k3s1 for this run");
  });
});
