// The refusal of an even etcd server count offers only counts the server-change check against the last
// update accepts (day-two/servers.ts maxServerRemoval), and names a server marked gone as the one to
// replace; following the fix gives a run the plan accepts.
import { SENTINEL, upAfter } from "./support/harness";

jest.setTimeout(60_000);

const address = { s1: "192.168.1.11", s2: "192.168.1.12", s3: "192.168.1.13", s4: "192.168.1.14", s5: "192.168.1.15", a1: "192.168.1.21" } as const;
type Name = keyof typeof address;
const host = (name: Name, extra: Record<string, unknown> = {}) => ({ name, role: name.startsWith("s") ? "server" : "agent", arch: "amd64", address: address[name], ...extra });
const identities = (names: Name[]) => Object.fromEntries(names.map((n) => [n, n.startsWith("s") ? "server/amd64" : "agent/amd64"]));
const after = (servers: Name[]) => ({ k3sVersion: "v1.36.3+k3s1", serverNames: servers, datastore: "etcd", nodeIdentities: identities([...servers, "a1"]), fixedRegistrationAddress: "" });

async function errorOf(servers: Name[], hosts: unknown[]): Promise<string | undefined> {
  const run = await upAfter(after(servers), {
    "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1", datastore: "etcd" },
    "k3s-stacks:inventory": { user: "root", hosts },
  }, { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey });
  return run.error;
}

describe("an even etcd server count after an update", () => {
  it("with a server marked gone: one new in its place, not one fewer (that would lose quorum)", async () => {
    const error = await errorOf(["s1", "s2", "s3"], [host("s1"), host("s2", { gone: true }), host("s3"), host("a1")]);
    expect(error).toContain(
      "k3s-stacks:cluster.datastore: etcd needs an odd number of servers to keep quorum, but 2 are listed (s1, s3; s2 is marked gone). " +
        "Fix: list 3 servers (one new in place of s2; 1 would remove more servers in one run than etcd quorum allows);",
    );
    expect(error).not.toContain("3 or 1");
    // Following it:
    expect(await errorOf(["s1", "s2", "s3"], [host("s1"), host("s2", { gone: true }), host("s3"), host("s4"), host("a1")])).toBeUndefined();
  });

  it("3 → 2 offers only 3: 3 → 1 removes two of three in one run", async () => {
    const error = await errorOf(["s1", "s2", "s3"], [host("s1"), host("s2"), host("a1")]);
    expect(error).toContain("Fix: list 3 servers (1 would remove more servers in one run than etcd quorum allows);");
  });

  it("5 → 4 offers 5 or 3, and 3 is accepted", async () => {
    const error = await errorOf(["s1", "s2", "s3", "s4", "s5"], [host("s1"), host("s2"), host("s3"), host("s4"), host("a1")]);
    expect(error).toContain("Fix: list 5 or 3 servers;");
    expect(await errorOf(["s1", "s2", "s3", "s4", "s5"], [host("s1"), host("s2"), host("s3"), host("a1")])).toBeUndefined();
  });

  it("a new stack keeps both counts", async () => {
    const run = await upAfter({}, {
      "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1", datastore: "etcd" },
      "k3s-stacks:inventory": { user: "root", hosts: [host("s1"), host("s2"), host("a1")] },
    }, { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey });
    expect(run.error).toContain("Fix: list 3 or 1 servers;");
  });
});
