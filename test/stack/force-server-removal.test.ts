// k3s-stacks:upgrade.forceServerRemoval turns the quorum refusal of a server-set change into a warning
// (day-two/servers.ts checkServerChange). The warning says the run goes ahead, so it is logged only
// once the whole plan holds: a run that another check refuses must not also say it goes ahead.
import { SENTINEL, UpResult, upAfter } from "./support/harness";

jest.setTimeout(60_000);

const address = { s1: "192.168.1.11", s2: "192.168.1.12", s3: "192.168.1.13", s4: "192.168.1.14", s5: "192.168.1.15", a1: "192.168.1.21" } as const;
type Name = keyof typeof address;
const host = (name: Name, extra: Record<string, unknown> = {}) => ({ name, role: name.startsWith("s") ? "server" : "agent", arch: "amd64", address: address[name], ...extra });
const lastUpdate = {
  k3sVersion: "v1.36.3+k3s1",
  serverNames: ["s1", "s2", "s3"],
  datastore: "etcd",
  nodeIdentities: { s1: "server/amd64", s2: "server/amd64", s3: "server/amd64", a1: "agent/amd64" },
};

/** Runs the update after `lastUpdate` at `k3sVersion` with s2 and s3 lost (2 of 3: no quorum), forced, and returns what it logged as warnings. */
async function forcedRun(k3sVersion: string): Promise<{ run: UpResult; warned: string[] }> {
  jest.resetModules();
  // The pulumi module main() will load after the reset: the warning is logged through it.
  const warn = jest.spyOn((await import("@pulumi/pulumi")).log, "warn");
  const run = await upAfter(lastUpdate, {
    "k3s-stacks:cluster": { k3sVersion, datastore: "etcd" },
    "k3s-stacks:inventory": { user: "root", hosts: [host("s1"), host("s2", { gone: true }), host("s3", { gone: true }), host("s4"), host("s5"), host("a1")] },
    "k3s-stacks:upgrade": { forceServerRemoval: true },
  }, { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey });
  const warned = warn.mock.calls.map(([m]) => String(m));
  warn.mockRestore();
  return { run, warned };
}

describe("forceServerRemoval", () => {
  it("warns that the run goes ahead when nothing else refuses it", async () => {
    const { run, warned } = await forcedRun("v1.36.3+k3s1");
    expect(run.error).toBeUndefined();
    expect(warned).toEqual([expect.stringMatching(/s2, s3 are marked gone, 2 of 3 etcd servers.*Going ahead because k3s-stacks:upgrade\.forceServerRemoval is true\./)]);
  });

  it("does not say the run goes ahead when another check refuses it", async () => {
    // A move back to an older k3s is refused on its own.
    const { run, warned } = await forcedRun("v1.35.2+k3s1");
    expect(run.error).toContain("k3s-stacks:cluster.k3sVersion");
    expect(run.error).not.toContain("Going ahead");
    expect(warned.filter((m) => m.includes("Going ahead"))).toEqual([]);
  });
});
