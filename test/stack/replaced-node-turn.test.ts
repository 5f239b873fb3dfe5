// A node whose role or arch changes is replaced (drain, uninstall, delete its Node, install again). In a
// run that also rolls other nodes, the replacement starts only at its turn in the roll: before, its chain
// started with the first server's config step, so an etcd server left while s1 and s2 restarted (the
// quorum guard then stopped the roll at the next server in this run and every later one), and two
// replaced agents were out at once whatever agentBatchSize said.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("./support/recorder").recordingCommandModule());

import { installMocks } from "../support/mocks";
import { setStackConfig } from "../support/stack";
import { drain, mockOutputs } from "./support/harness";

const VERSION = "v1.36.3+k3s1";
const host = (name: string, role: string, i: number, arch = "amd64") => ({ name, role, arch, address: `192.168.1.${i}` });
const identities = { s1: "server/amd64", s2: "server/amd64", s3: "server/amd64", a1: "agent/amd64", a2: "agent/amd64" };

async function run(previous: Record<string, unknown>, hosts: unknown[], cluster: Record<string, unknown> = {}): Promise<(name: string) => Set<string>> {
  jest.resetModules();
  // The module registry is new after the reset: the recorder the mocked @pulumi/command writes to too.
  const { dependsOnNames, recorded } = await import("./support/recorder");
  await installMocks({ outputs: (type, name) => (type === "pulumi:pulumi:StackReference" ? { outputs: previous } : mockOutputs(type, name)) });
  setStackConfig({
    "k3s-stacks:cluster": { k3sVersion: VERSION, datastore: "etcd", ...cluster },
    "k3s-stacks:inventory": { user: "root", reachabilityTimeout: 0, hosts },
    "k3s-stacks:upgrade": { agentBatchSize: 1 },
  });
  const { main } = await import("../../stacks/main");
  await main();
  await drain();
  const deps = new Map(recorded.map((c) => [c.name, dependsOnNames(c)]));
  const closure = (name: string, seen = new Set<string>()): Set<string> => {
    for (const d of deps.get(name) ?? []) if (!seen.has(d)) closure(d, seen.add(d));
    return seen;
  };
  return closure;
}

const lastUpdate = { k3sVersion: VERSION, serverNames: ["s1", "s2", "s3"], datastore: "etcd", nodeIdentities: identities };

test("a server whose arch changes leaves only after the servers before it restarted, in a run that restarts them", async () => {
  const before = await run(lastUpdate, [host("s1", "server", 11), host("s2", "server", 12), host("s3", "server", 13, "arm64"), host("a1", "agent", 21), host("a2", "agent", 22)], {
    serverConfig: { "kube-apiserver-arg": ["v=2"] },
  });
  for (const step of ["k3s-s1-restart", "k3s-s2-restart", "k3s-s2-uncordon"]) expect(before("k3s-s3-leave")).toContain(step);
  // The agents' roll follows the replaced server's.
  expect(before("k3s-a1-restart")).toContain("k3s-s3-install");
});

test("two agents whose arch changes are replaced one batch after the other", async () => {
  const before = await run(lastUpdate, [host("s1", "server", 11), host("s2", "server", 12), host("s3", "server", 13), host("a1", "agent", 21, "arm64"), host("a2", "agent", 22, "arm64")]);
  const first = before("k3s-a1-leave").has("k3s-a2-uncordon") ? "a2" : "a1";
  const second = first === "a1" ? "a2" : "a1";
  expect(before(`k3s-${second}-leave`)).toContain(`k3s-${first}-uncordon`);
  expect(before(`k3s-${second}-leave`)).toContain("k3s-s3-uncordon");
});

test("a node that keeps its role and arch, and every node of a new stack, prepares its host without waiting for the roll", async () => {
  const kept = await run(lastUpdate, [host("s1", "server", 11), host("s2", "server", 12), host("s3", "server", 13, "arm64"), host("a1", "agent", 21), host("a2", "agent", 22)]);
  expect([...kept("k3s-s2-leave")].filter((d) => /restart|uncordon/.test(d))).toEqual([]);
  const fresh = await run({}, [host("s1", "server", 11), host("s2", "server", 12), host("s3", "server", 13), host("a1", "agent", 21), host("a2", "agent", 22)]);
  for (const n of ["s2", "s3", "a1", "a2"]) expect([...fresh(`k3s-${n}-leave`)].filter((d) => /restart|uncordon/.test(d))).toEqual([]);
});
