// Growing a sqlite cluster to embedded etcd (one server, two new ones) under mocks with the last
// update's outputs: only the first server, the one with cluster-init, carries the migration guard in
// its restart step, and the new servers install only after that restart (k3s migrates state.db as it
// starts with cluster-init; components/day-two/sqlite-to-etcd.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("./support/recorder").recordingCommandModule());

import { MockState, installMocks } from "../support/mocks";
import { setStackConfig } from "../support/stack";
import { commandInputs, configYamlOf, drain, mockOutputs } from "./support/harness";
import { dependsOnNames, recorded } from "./support/recorder";

const VERSION = "v1.36.3+k3s1";
const host = (name: string, role: string, i: number) => ({ name, role, arch: "amd64", address: `192.168.1.${i}` });
let state: MockState;
const deps = new Map<string, string[]>();
function closure(name: string, seen = new Set<string>()): Set<string> {
  for (const d of deps.get(name) ?? []) {
    if (!seen.has(d)) {
      seen.add(d);
      closure(d, seen);
    }
  }
  return seen;
}

beforeAll(async () => {
  const previous = { k3sVersion: VERSION, serverNames: ["s1"], datastore: "sqlite", nodeIdentities: { s1: "server/amd64", a1: "agent/amd64" } };
  state = await installMocks({ outputs: (type, name) => (type === "pulumi:pulumi:StackReference" ? { outputs: previous } : mockOutputs(type, name)) });
  setStackConfig({
    "k3s-stacks:cluster": { k3sVersion: VERSION, datastore: "etcd" },
    "k3s-stacks:inventory": { user: "root", reachabilityTimeout: 0, hosts: [host("s1", "server", 11), host("s2", "server", 12), host("s3", "server", 13), host("a1", "agent", 21)] },
  });
  const { main } = await import("../../stacks/main");
  await main();
  await drain();
  for (const c of recorded) deps.set(c.name, dependsOnNames(c));
});

test("the first server gets cluster-init and the migration guard in its restart step; no other node does", () => {
  expect(configYamlOf(commandInputs(state, "k3s-s1-config").stdin)["cluster-init"]).toBe(true);
  expect(commandInputs(state, "k3s-s1-restart").stdin).toContain("convert_sqlite_to_etcd");
  for (const n of ["s2", "s3", "a1"]) expect(commandInputs(state, `k3s-${n}-restart`).stdin).not.toContain("sqlite_to_etcd");
});

test("the new servers install only after the first server's restart (the migration)", () => {
  for (const n of ["s2", "s3"]) expect(closure(`k3s-${n}-install`)).toContain("k3s-s1-restart");
});
