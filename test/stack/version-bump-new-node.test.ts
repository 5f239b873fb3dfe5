// An agent added in the same update as a k3s version bump (ssh upgrades): under mocks with the last
// update's outputs, the whole program's dependency graph must install it only after every server
// moved to the new version (Kubernetes version skew: a kubelet is never newer than the API servers;
// k3s upgrades servers first).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("./support/recorder").recordingCommandModule());

import { MockState, installMocks } from "../support/mocks";
import { setStackConfig } from "../support/stack";
import { commandInputs, drain, mockOutputs } from "./support/harness";
import { dependsOnNames, recorded } from "./support/recorder";

const OLD = "v1.35.9+k3s1";
const NEW = "v1.36.3+k3s1";
const host = (name: string, role: string, i: number) => ({ name, role, arch: "amd64", address: `192.168.1.${i}` });

const deps = new Map<string, string[]>();
let state: MockState;
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
  const previous = {
    k3sVersion: OLD, serverNames: ["s1", "s2", "s3"], datastore: "etcd",
    nodeIdentities: { s1: "server/amd64", s2: "server/amd64", s3: "server/amd64", a1: "agent/amd64" },
  };
  state = await installMocks({ outputs: (type, name) => (type === "pulumi:pulumi:StackReference" ? { outputs: previous } : mockOutputs(type, name)) });
  setStackConfig({
    "k3s-stacks:cluster": { k3sVersion: NEW, datastore: "etcd" },
    "k3s-stacks:inventory": { user: "root", reachabilityTimeout: 0, hosts: [host("s1", "server", 11), host("s2", "server", 12), host("s3", "server", 13), host("a1", "agent", 21), host("a2", "agent", 22)] },
  });
  const { main } = await import("../../stacks/main");
  await main();
  await drain();
  for (const c of recorded) deps.set(c.name, dependsOnNames(c));
});

test("the new agent installs only after every server's upgrade step and its uncordon", () => {
  const before = closure("k3s-a2-install");
  for (const s of ["s1", "s2", "s3"]) {
    expect(before).toContain(`k3s-${s}-restart`);
    expect(before).toContain(`k3s-${s}-uncordon`);
  }
});

test("it does not wait for the existing agents' roll (agents are independent)", () => {
  expect([...closure("k3s-a2-install")].filter((d) => d.startsWith("k3s-a1-"))).toEqual([]);
});

test("an agent's membership step also fails if it runs newer than a server (servers are not checked against themselves)", () => {
  for (const a of ["a1", "a2"]) expect(commandInputs(state, `k3s-${a}-member`).stdin).toContain("newer than server $server");
  for (const s of ["s1", "s2", "s3"]) expect(commandInputs(state, `k3s-${s}-member`).stdin).not.toContain("newer than server");
});
