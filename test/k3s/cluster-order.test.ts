// Join order, agent independence and the rollout chain of K3sCluster, read from every remote.Command's dependsOn.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("../stack/support/recorder").recordingCommandModule());

import { installMocks } from "../support/mocks";
import { drain, mockOutputs } from "../stack/support/harness";
import { RecordedCommand, dependsOnNames, recorded } from "../stack/support/recorder";
import { K3sCluster } from "../../components/cluster/k3s-cluster";
import { NodeSpec } from "../../components/nodes/types";

const SERVERS = ["s1", "s2", "s3"];
const AGENTS = ["a1", "a2", "a3", "a4", "a5"];
const BATCH = 2;

function node(name: string, role: "server" | "agent", i: number): NodeSpec {
  return { name, role, arch: "amd64", connection: { host: `10.9.0.${i + 1}`, user: "root" }, labels: {}, taints: [], allowReboot: false, fixCgroups: false };
}

const deps = new Map<string, string[]>();
const of = (name: string): string[] => {
  const d = deps.get(name);
  if (!d) throw new Error(`no command ${name}`);
  return d;
};
const res = (n: string, step: string) => `k3s-${n}-${step}`;

/** Every command `name` waits for, directly or through others. */
function closure(name: string, seen = new Set<string>()): Set<string> {
  for (const d of of(name)) {
    if (!seen.has(d)) {
      seen.add(d);
      closure(d, seen);
    }
  }
  return seen;
}

beforeAll(async () => {
  await installMocks({ outputs: (type, name) => mockOutputs(type, name) });
  const nodes = [...SERVERS.map((n, i) => node(n, "server", i)), ...AGENTS.map((n, i) => node(n, "agent", 10 + i))];
  new K3sCluster("k3s", {
    version: "v1.36.3+k3s1",
    datastore: "etcd",
    nodes,
    rollout: { agentBatchSize: BATCH, drain: true, drainTimeout: "5m", preUpgradeScript: "k3s etcd-snapshot save" },
  });
  await drain();
  recorded.forEach((c: RecordedCommand) => deps.set(c.name, dependsOnNames(c)));
});

test("every node gets the full set of steps", () => {
  for (const n of [...SERVERS, ...AGENTS]) {
    for (const step of ["config", "install", "cordon", "restart", "uncordon", "member"]) expect(deps.has(res(n, step))).toBe(true);
  }
});

test("the first server installs first; each later server installs after the one before it", () => {
  expect(of(res("s1", "install")).filter((d) => d.endsWith("-install"))).toEqual([]);
  expect(of(res("s2", "install"))).toContain(res("s1", "install"));
  expect(of(res("s3", "install"))).toContain(res("s2", "install"));
  // and after its restart step: a first server restarting with cluster-init (sqlite → etcd) runs etcd before anyone joins
  expect(of(res("s2", "install"))).toContain(res("s1", "restart"));
  expect(of(res("s3", "install"))).toContain(res("s2", "restart"));
  expect(closure(res("s3", "install"))).toContain(res("s1", "install"));
});

test("a node installs only after its host is prepared and its config written; the first server prepares first, then all others at once", () => {
  for (const n of [...SERVERS, ...AGENTS]) expect(of(res(n, "install"))).toContain(res(n, "config"));
  expect(of(res("s1", "config"))).toEqual([]);
  for (const n of [...SERVERS, ...AGENTS].filter((x) => x !== "s1")) expect(of(res(n, "config"))).toEqual([res("s1", "config")]);
});

test("the others' leave steps (nothing on create) also wait for the first server's config, so its install is registered before their configs", () => {
  for (const n of [...SERVERS, ...AGENTS].filter((x) => x !== "s1")) {
    expect(of(res(n, "leave"))).toEqual([res("s1", "config")]);
    // (the config follows its leave step through its trigger: test/k3s/replace-chain.test.ts)
  }
});

test("every agent installs after all servers and independently of every other agent", () => {
  for (const a of AGENTS) {
    const direct = of(res(a, "install"));
    expect(direct).toEqual(expect.arrayContaining(SERVERS.map((s) => res(s, "install"))));
    // and after every server's roll: an agent added during a version bump installs the new k3s only once
    // every server runs it (a kubelet newer than the API server breaks the version skew policy)
    expect(direct).toContain(res("s3", "uncordon"));
    for (const s of SERVERS) for (const step of ["cordon", "restart", "uncordon"]) expect(closure(res(a, "install")).has(res(s, step))).toBe(true);
    const all = closure(res(a, "install"));
    for (const other of AGENTS.filter((o) => o !== a)) {
      expect([...all].filter((d) => d.startsWith(`k3s-${other}-`))).toEqual([]);
    }
    // membership (wait Ready, labels) follows the agent's own restart step, which on a first install does nothing
    expect(of(res(a, "member"))).toEqual(expect.arrayContaining([res(a, "install"), res(a, "restart")]));
  }
});

test("agents' memberships wait for the last batch's roll, so their waits for Ready never hold up the roll; servers' follow their own", () => {
  for (const a of AGENTS) {
    expect(of(res(a, "member"))).toContain(res(AGENTS[AGENTS.length - 1], "uncordon"));
    // no rollout step waits for a membership: the roll's order and gates are the restart steps'
    for (const n of [...SERVERS, ...AGENTS]) for (const step of ["cordon", "restart", "uncordon"]) expect(closure(res(n, step)).has(res(a, "member"))).toBe(false);
  }
  for (const s of SERVERS) expect([...closure(res(s, "member"))].filter((d) => AGENTS.some((a) => d.startsWith(`k3s-${a}-`)))).toEqual([]);
});

test("each node's rollout is cordon → restart → uncordon; the restart also after its install and its config are written", () => {
  for (const n of [...SERVERS, ...AGENTS]) {
    expect(of(res(n, "cordon"))).not.toContain(res(n, "install"));
    expect(of(res(n, "restart")).sort()).toEqual([res(n, "config"), res(n, "cordon"), res(n, "install")].sort());
    expect(of(res(n, "uncordon"))).toEqual([res(n, "restart")]);
  }
});

test("servers roll one at a time, after the pre-upgrade script", () => {
  const rolloutDeps = (n: string) => of(res(n, "cordon"));
  expect(rolloutDeps("s1")).toEqual(["k3s-pre-upgrade"]);
  expect(rolloutDeps("s2")).toEqual([res("s1", "uncordon")]);
  expect(rolloutDeps("s3")).toEqual([res("s2", "uncordon")]);
});

test(`agents roll in batches of ${BATCH} after the last server`, () => {
  const batches = [AGENTS.slice(0, 2), AGENTS.slice(2, 4), AGENTS.slice(4)];
  let before = [res("s3", "uncordon")];
  for (const batch of batches) {
    for (const a of batch) {
      expect(of(res(a, "cordon")).sort()).toEqual([...before].sort());
    }
    before = batch.map((a) => res(a, "uncordon"));
  }
});

test("membership waits for the node's install; the kubeconfig is read after the first server installs and after its roll (k3s rewrites k3s.yaml at each start)", () => {
  for (const n of [...SERVERS, ...AGENTS]) expect(of(res(n, "member"))).toContain(res(n, "install"));
  expect(of("k3s-kubeconfig")).toEqual([res("s1", "install"), res("s1", "uncordon")]);
});
