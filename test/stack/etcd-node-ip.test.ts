// An etcd server's node-ip is read back from the last update (etcdNodeIps output) and a move is refused
// before anything is registered (day-two/etcd-peers.ts); the output itself waits for every node's steps.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("./support/recorder").recordingCommandModule());

import * as pulumi from "@pulumi/pulumi";
import { valueOf } from "../support/mocks";
import { COMMAND_TYPES, SENTINEL, upAfter } from "./support/harness";

const VERSION = "v1.36.3+k3s1";
const hosts = (s2Ip: string) => [
  { name: "s1", role: "server", arch: "amd64", address: "192.168.5.10", internalAddress: "10.5.0.10" },
  { name: "s2", role: "server", arch: "amd64", address: "192.168.5.11", internalAddress: s2Ip },
  { name: "s3", role: "server", arch: "amd64", address: "192.168.5.12" },
];

const up = (previous: Record<string, unknown>, s2Ip: string) =>
  upAfter(previous, {
    "k3s-stacks:cluster": { k3sVersion: VERSION, datastore: "etcd" },
    "k3s-stacks:inventory": { hosts: hosts(s2Ip), reachabilityTimeout: 0 },
  }, { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey });

const PREVIOUS = { k3sVersion: VERSION, datastore: "etcd", serverNames: ["s1", "s2", "s3"], etcdNodeIps: { s1: "10.5.0.10", s2: "10.5.0.11" } };

test("moving etcd server s2 to another node-ip is refused before any command is registered", async () => {
  const r = await up(PREVIOUS, "10.5.0.111");
  expect(r.error).toMatch(/k3s-stacks:inventory\.hosts: moves etcd server 's2' from node-ip 10\.5\.0\.11 to 10\.5\.0\.111/);
  expect(r.state.resources.filter((x) => COMMAND_TYPES.includes(x.type))).toEqual([]);
});

test("the same node-ips pass, and the etcdNodeIps output (servers with internalAddress) waits for the nodes' steps", async () => {
  const r = await up(PREVIOUS, "10.5.0.11");
  expect(r.error).toBeUndefined();
  expect(await valueOf(r.outputs!.etcdNodeIps as pulumi.Output<Record<string, string>>)).toEqual({ s1: "10.5.0.10", s2: "10.5.0.11" });
  const deps = await (r.outputs!.etcdNodeIps as unknown as { allResources(): Promise<Set<pulumi.Resource>> }).allResources();
  const names = await Promise.all([...deps].map((d) => valueOf(d.urn).then((u) => u.split("::").pop())));
  expect(names).toContain("k3s-s3-member");
});

test("the refusal's way to move a server, followed: swap it with an agent, then swap back with the new address; each run is accepted", async () => {
  const ag = { name: "a1", role: "agent", arch: "amd64", address: "192.168.5.20" };
  const run = (previous: Record<string, unknown>, list: unknown[]) =>
    upAfter(previous, { "k3s-stacks:cluster": { k3sVersion: VERSION, datastore: "etcd" }, "k3s-stacks:inventory": { hosts: list, reachabilityTimeout: 0 } }, { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey });
  const identities = (roles: Record<string, string>) => Object.fromEntries(Object.entries(roles).map(([n, r]) => [n, `${r}/amd64`]));
  const [s1, s2, s3] = hosts("10.5.0.11");
  const refused = await run({ ...PREVIOUS, nodeIdentities: identities({ s1: "server", s2: "server", s3: "server", a1: "agent" }) }, [s1, { ...s2, internalAddress: "10.5.0.111" }, s3, ag]);
  expect(refused.error).toContain("in one pulumi up make it an agent and an agent a server (a swap keeps the count odd); in the next give it the new address and swap back");
  jest.resetModules();
  const swapped = await run({ ...PREVIOUS, nodeIdentities: identities({ s1: "server", s2: "server", s3: "server", a1: "agent" }) }, [s1, { ...s2, role: "agent" }, s3, { ...ag, role: "server" }]);
  expect(swapped.error).toBeUndefined();
  jest.resetModules();
  const back = await run(
    { k3sVersion: VERSION, datastore: "etcd", serverNames: ["s1", "s3", "a1"], etcdNodeIps: { s1: "10.5.0.10" }, nodeIdentities: identities({ s1: "server", s2: "agent", s3: "server", a1: "server" }) },
    [s1, { ...s2, internalAddress: "10.5.0.111" }, s3, ag],
  );
  expect(back.error).toBeUndefined();
});
