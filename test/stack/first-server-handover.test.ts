// A lost first server of an embedded-etcd cluster with a fixed registration address hands its place to
// the next server listed (day-two/servers.ts firstServerHandover), run through stacks/main.ts under
// mocks: the steps that run kubectl move to the new first server, and no other step of a live node
// changes (no restart, no reinstall); the gone first server keeps records that never dial it.
import { unpackScript } from "../../components/remote/packed-script";
import { SENTINEL, UpResult, unwrap, upAfter } from "./support/harness";

jest.setTimeout(60_000);

const address = { s1: "192.168.1.11", s2: "192.168.1.12", s3: "192.168.1.13", s4: "192.168.1.14", a1: "192.168.1.21" } as const;
type Name = keyof typeof address;
const host = (name: Name, extra: Record<string, unknown> = {}) => ({ name, role: name.startsWith("s") ? "server" : "agent", arch: "amd64", address: address[name], ...extra });

const identities = { s1: "server/amd64", s2: "server/amd64", s3: "server/amd64", a1: "agent/amd64" };
const lastUpdate = { k3sVersion: "v1.36.3+k3s1", serverNames: ["s1", "s2", "s3"], datastore: "etcd", nodeIdentities: identities };

type Run = UpResult;

const up = (hosts: unknown[], previous: Record<string, unknown> | undefined, cluster: Record<string, unknown> = { apiEndpoint: "k3s.lan" }, more: Record<string, unknown> = {}): Promise<Run> =>
  upAfter(previous ?? {}, {
    "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1", datastore: "etcd", ...cluster },
    "k3s-stacks:inventory": { user: "root", hosts },
    ...more,
  }, { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey });

const inputs = (run: Run, name: string) => unwrap(run.state.byName(name).inputs) as { stdin?: string; connection?: { host: string }; create?: string; update?: string; delete?: string };
const script = (run: Run, name: string) => unpackScript(inputs(run, name).stdin ?? "");
const clusterInit = /^\s*cluster-init: true$/m;
const resolved = (v: unknown): Promise<unknown> => new Promise((r) => (v as { apply(f: (x: unknown) => unknown): unknown }).apply((x) => { r(x); return x; }));

describe("handing over a lost first server", () => {
  let before: Run;
  let after: Run;
  let said: string[];
  beforeAll(async () => {
    before = await up([host("s1"), host("s2"), host("s3"), host("a1")], lastUpdate);
    jest.resetModules();
    // The pulumi module main() will load after the reset: the messages are logged through it.
    const info = jest.spyOn((await import("@pulumi/pulumi")).log, "info");
    // With the restart keys the first update left, the preview says whether any k3s restarts.
    after = await up([host("s1", { gone: true }), host("s2"), host("s3"), host("s4"), host("a1")], { ...lastUpdate, restartKeys: await resolved(before.outputs.restartKeys) });
    said = info.mock.calls.map(([m]) => m);
    info.mockRestore();
  });

  it("says in the preview which server takes the first server's place, and that no config.yaml changes for it", () => {
    expect(said).toContainEqual(expect.stringContaining("s1 is marked gone: it is removed from the cluster through s2 (the first server), never dialled. " +
      "It started the cluster: s2, the first server listed now, takes its place (the kubectl steps, the kubeconfig read, removals); it stays recorded as the server that started the cluster (output clusterInitServer) and no node's config.yaml changes for the handover."));
    expect(said).toContainEqual(expect.stringContaining("no k3s restarts"));
  });

  it("runs with the next server as the first server", () => {
    expect(before.error).toBeUndefined();
    expect(after.error).toBeUndefined();
  });

  it("moves the steps that run kubectl, the kubeconfig read and the removal of the lost server to it", () => {
    for (const step of ["k3s-s3-member", "k3s-s3-leave", "k3s-s3-cordon", "k3s-a1-member", "k3s-a1-uncordon", "k3s-kubeconfig"]) {
      expect([step, inputs(before, step).connection?.host]).toEqual([step, address.s1]);
      expect([step, inputs(after, step).connection?.host]).toEqual([step, address.s2]);
    }
    expect(inputs(after, "k3s-s1-install").connection?.host).toBe(address.s2);
    expect(script(after, "k3s-s1-install")).toContain("kubectl");
  });

  it("changes nothing that runs on a live node: no restart, no reinstall", () => {
    for (const node of ["s2", "s3", "a1"]) {
      for (const step of ["config", "install", "restart"]) {
        const name = `k3s-${node}-${step}`;
        expect([name, inputs(after, name)]).toEqual([name, inputs(before, name)]);
      }
    }
  });

  it("keeps cluster-init where it was: the next server keeps joining through the registration address", () => {
    expect(script(before, "k3s-s1-config")).toMatch(clusterInit);
    const config = script(after, "k3s-s2-config");
    expect(config).toContain("server: https://k3s.lan:6443");
    expect(config).not.toMatch(clusterInit);
    expect(script(after, "k3s-s4-config")).toContain("server: https://k3s.lan:6443");
  });

  it("keeps the lost server's records without a command, so nothing dials it now or when its entry is deleted", () => {
    for (const step of ["config", "member"]) {
      const r = inputs(after, `k3s-s1-${step}`);
      expect([step, r.create, r.update, r.delete, r.stdin]).toEqual([step, undefined, undefined, undefined, undefined]);
    }
    // It started the cluster: it never had a leave step, so none is created for it.
    expect(after.state.resources.some((r) => r.name === "k3s-s1-leave")).toBe(false);
  });

  it("records which server started the cluster, and keeps it in later updates", async () => {
    expect(await resolved(after.outputs.clusterInitServer)).toBe("s1");
    jest.resetModules();
    const next = await up([host("s2"), host("s3"), host("s4"), host("a1")], { ...lastUpdate, serverNames: ["s2", "s3", "s4"], clusterInitServer: "s1", nodeIdentities: { ...identities, s4: "server/amd64" } });
    expect(next.error).toBeUndefined();
    expect(script(next, "k3s-s2-config")).not.toMatch(clusterInit);
    expect(await resolved(next.outputs.clusterInitServer)).toBe("");
  });
});

describe("refusing a handover the cluster cannot make", () => {
  afterEach(() => jest.resetModules());

  it("without a fixed registration address: every node joins the lost server by its own address", async () => {
    const r = await up([host("s1", { gone: true }), host("s2"), host("s3"), host("s4"), host("a1")], lastUpdate, {});
    expect(r.error).toContain("k3s-stacks:inventory.hosts[0].gone: marks 's1', the first server, gone, but every node's config.yaml joins it by its own address");
    expect(r.error).toContain("set k3s-stacks:cluster.apiEndpoint or apiVip");
    expect(r.state.resources.filter((x) => x.type.startsWith("command:"))).toEqual([]);
  });

  it("when a server new in this run is listed first", async () => {
    const r = await up([host("s1", { gone: true }), host("s4"), host("s2"), host("s3"), host("a1")], lastUpdate);
    expect(r.error).toContain("lists 's4', a server new in this run, first: the server that takes its place must already be in the cluster");
    expect(r.error).toContain("Fix: list one of 's2', 's3' as the first server entry");
  });

  it("in the run that moves k3s to a new version: the two servers left could not restart one at a time", async () => {
    const r = await up([host("s1", { gone: true }), host("s2"), host("s3"), host("s4"), host("a1")], { ...lastUpdate, k3sVersion: "v1.35.2+k3s1" });
    expect(r.error).toContain("k3s-stacks:cluster.k3sVersion: moves k3s from v1.35.2+k3s1 to v1.36.3+k3s1 in the run that removes 's1', marked gone");
    expect(r.error).toContain("Fix: keep k3sVersion at v1.35.2+k3s1 for this run");
    expect(r.state.resources.filter((x) => x.type.startsWith("command:"))).toEqual([]);
  });

  it("when the stack does not read its previous outputs: deleting the entry later would make the next server the cluster-init one and drop its leave step", async () => {
    const r = await up([host("s1", { gone: true }), host("s2"), host("s3"), host("s4"), host("a1")], undefined, { apiEndpoint: "k3s.lan" }, { "k3s-stacks:upgrade": { checkPreviousOutputs: false } });
    expect(r.error).toContain("k3s-stacks:inventory.hosts[0].gone: marks 's1', the first server, gone while k3s-stacks:upgrade.checkPreviousOutputs is false");
    expect(r.error).toContain("'s2' would be taken for it");
    expect(r.error).toContain("Fix: set checkPreviousOutputs to true");
    expect(r.state.resources.filter((x) => x.type.startsWith("command:"))).toEqual([]);
  });

  it("in the run that sets the fixed registration address: every node's server: would change, restarting each while an etcd member is down", async () => {
    const r = await up([host("s1", { gone: true }), host("s2"), host("s3"), host("s4"), host("a1")], { ...lastUpdate, fixedRegistrationAddress: "" });
    expect(r.error).toContain("k3s-stacks:inventory.hosts[0].gone: marks 's1', the first server, gone in the run that sets k3s-stacks:cluster.apiEndpoint/apiVip");
    // The last update had none: no handover is possible in this run.
    expect(r.error).toContain("Fix: leave apiEndpoint/apiVip unset for this run and follow 'Replace the first server'");
    expect(r.state.resources.filter((x) => x.type.startsWith("command:"))).toEqual([]);
  });

  it("in the run that changes the fixed registration address: the fix keeps the last update's, and the handover then goes ahead", async () => {
    const hosts = [host("s1", { gone: true }), host("s2"), host("s3"), host("s4"), host("a1")];
    const r = await up(hosts, { ...lastUpdate, fixedRegistrationAddress: "old.lan" });
    expect(r.error).toContain("marks 's1', the first server, gone in the run that changes k3s-stacks:cluster.apiEndpoint/apiVip");
    expect(r.error).toContain("Fix: keep apiEndpoint/apiVip as the last update had it for this run: 's2' then takes the first server's place.");
    // Following it:
    jest.resetModules();
    expect((await up(hosts, { ...lastUpdate, fixedRegistrationAddress: "old.lan" }, { apiEndpoint: "old.lan" })).error).toBeUndefined();
    jest.resetModules();
    expect((await up(hosts, { ...lastUpdate, fixedRegistrationAddress: "k3s.lan" })).error).toBeUndefined();
  });

  it("records the registration address the next update compares with", async () => {
    expect(await resolved((await up([host("s1"), host("s2"), host("s3"), host("a1")], lastUpdate)).outputs.fixedRegistrationAddress)).toBe("k3s.lan");
    jest.resetModules();
    expect(await resolved((await up([host("s1"), host("s2"), host("s3"), host("a1")], lastUpdate, {})).outputs.fixedRegistrationAddress)).toBe("");
  });

  it("knows the first server from the last update, not from where its gone entry is listed", async () => {
    // s2 lost and listed first, with no fixed registration address: s1 is still the first server, so this is no handover.
    const r = await up([host("s2", { gone: true }), host("s1"), host("s3"), host("s4"), host("a1")], lastUpdate, {});
    expect(r.error).toBeUndefined();
  });

  it("when the first server is deleted from the inventory instead of marked gone", async () => {
    const r = await up([host("s2"), host("s3"), host("s4"), host("a1")], lastUpdate);
    expect(r.error).toContain("removes 's1', the first (bootstrap) server");
    expect(r.error).toContain("mark it gone: true and the next server listed takes its place");
  });
});
