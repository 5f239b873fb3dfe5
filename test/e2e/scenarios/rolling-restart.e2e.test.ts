/**
 * Configuration changes on a running cluster with the real Pulumi engine: 3 embedded-etcd servers and
 * 2 agents on lab hosts with the k3s stand-ins. Checked from the stand-ins' recorded stop/ready
 * events and the hosts' files: a cluster-wide edit restarts servers strictly one after another
 * (never two down), then the agents; a one-node edit restarts only that node; a failed health gate
 * stops the roll naming the node and the next `up` resumes there. After each, the stored state and
 * every log are searched for secrets in clear.
 */
import { startLab, TestLab } from "../hosts";
import { InvHost, SERVERS, V1, clusterConfig, k3sLeftovers } from "./fixture";
import { leakCheck } from "./leaks";
import { Downtime, downtimes, invocationsSince, mostDownAtOnce, restarts } from "./log";
import { E2eStack } from "./stack";

jest.setTimeout(900_000);

const AGENTS: InvHost[] = [
  { name: "ag1", role: "agent", arch: "amd64", labels: { "homelab.example/board": "pi4" } },
  { name: "ag2", role: "agent", arch: "amd64" },
];
const SERVER_NAMES = SERVERS.map((s) => s.name);

let lab: TestLab;
let e2e: E2eStack;
let inventory: InvHost[] = [...SERVERS, ...AGENTS];
let cluster: Record<string, unknown>;

const expectNoLeaks = leakCheck(() => lab, () => e2e);

async function configure(): Promise<void> {
  await e2e.configure(inventory, V1, { cluster });
}

/** Hosts in the order their k3s went down, with each span. */
const order = (spans: Downtime[]) => spans.map((s) => s.host);

/** Each span starts only after the one before it ended (the previous node was back). */
function expectStrictlySequential(spans: Downtime[]): void {
  for (let k = 1; k < spans.length; k++) {
    expect({ node: spans[k].host, startsAfterPreviousBack: spans[k].from >= spans[k - 1].to }).toEqual({ node: spans[k].host, startsAfterPreviousBack: true });
  }
}

beforeAll(async () => {
  lab = startLab([...SERVER_NAMES, "ag1", "ag2"].map((name) => ({ name })), { versions: [V1] });
  e2e = await E2eStack.create(lab, "rolls");
  cluster = clusterConfig(lab, V1);
}, 3_600_000);

afterAll(() => {
  e2e?.cleanup();
  lab?.down();
});

test("1. create: 3 etcd servers and 2 agents, restarting nothing twice", async () => {
  await configure();
  const r = await e2e.up("create");
  expect(r.summary.result).toBe("succeeded");
  expect(lab.nodes("srv1").every((n) => n.ready)).toBe(true);
  // Rollout steps do nothing on create: each node started once, by its install.
  expect(downtimes(lab.invocations())).toEqual([]);
  expect(r.outputs.plannedRestarts.value).toEqual([]);
  await expectNoLeaks();
});

test("2. preview of a cluster-wide edit (tlsSans, agentConfig) shows which nodes restart, in order", async () => {
  cluster = { ...cluster, tlsSans: ["k3s.lab.example"], agentConfig: { "kubelet-arg": ["max-pods=120"] } };
  await configure();
  const before = lab.invocations().length;
  const out = await e2e.preview("preview cluster-wide");
  expect(invocationsSince(lab, before)).toEqual([]);
  expect(out).toContain(
    "rolling restart, one step after another: 1. srv1: configuration changed | 2. srv2: configuration changed | 3. srv3: configuration changed | 4. ag1: configuration changed | 5. ag2: configuration changed",
  );
  const names = e2e.steps.filter((s) => s.op === "update").map((s) => s.name).sort();
  // The first server restarts, so the kubeconfig output is read again after it (k3s rewrites it at each start).
  expect(names).toEqual([...inventory.flatMap((h) => [`k3s-${h.name}-config`, `k3s-${h.name}-restart`]), "k3s-kubeconfig"].sort());
  await expectNoLeaks();
});

test("3. the cluster-wide edit restarts servers strictly one after another, never two down, then the agents", async () => {
  // A restart takes a while, so overlaps would show.
  lab.setControl("start-delay", "2");
  const before = lab.invocations().length;
  try {
    const r = await e2e.up("cluster-wide edit");
    expect(r.summary.result).toBe("succeeded");
    expect(r.outputs.plannedRestarts.value).toHaveLength(5);
  } finally {
    lab.clearControl("start-delay");
  }
  const log = invocationsSince(lab, before);
  const spans = downtimes(log);
  expect(order(spans)).toEqual(["srv1", "srv2", "srv3", "ag1", "ag2"]);
  expectStrictlySequential(spans);
  expect(mostDownAtOnce(spans, SERVER_NAMES)).toBe(1);
  // Only the restart steps restarted k3s: one restart per node, none from the config steps.
  expect(restarts(log).map((i) => i.host).sort()).toEqual(["ag1", "ag2", "srv1", "srv2", "srv3"]);
  for (const s of SERVER_NAMES) expect(lab.readFile(s, "/etc/rancher/k3s/config.yaml")).toContain("k3s.lab.example");
  for (const h of inventory) {
    expect(lab.readFile(h.name, "/etc/rancher/k3s/config.yaml")).toContain("max-pods=120");
    expect(lab.readFile(h.name, "/var/lib/rancher/k3s-stacks/rollout/started-config")).toMatch(/^[0-9a-f]{64}\n$/);
  }
  expect(lab.nodes("srv1").every((n) => n.ready)).toBe(true);
  // With nothing left to restart, the preview says so in as many words.
  expect(await e2e.preview("preview after the roll")).toContain("no k3s restarts: every node already runs this configuration and version");
  await expectNoLeaks();
});

test("4. a one-node edit (a label on ag1) restarts only ag1", async () => {
  inventory = inventory.map((h) => (h.name === "ag1" ? { ...h, labels: { "homelab.example/board": "pi5" } } : h));
  await configure();
  const out = await e2e.preview("preview one node");
  expect(out).toContain("rolling restart, one step after another: 1. ag1: configuration changed");
  const before = lab.invocations().length;
  const r = await e2e.up("one-node edit");
  expect(r.summary.result).toBe("succeeded");
  expect(e2e.steps.map((s) => `${s.op} ${s.name}`).sort()).toEqual(["update k3s-ag1-config", "update k3s-ag1-member", "update k3s-ag1-restart"]);
  const log = invocationsSince(lab, before);
  expect(order(downtimes(log))).toEqual(["ag1"]);
  expect(restarts(log).map((i) => i.host)).toEqual(["ag1"]);
  expect(lab.nodes("srv1").find((n) => n.name === "ag1")?.labels["homelab.example/board"]).toBe("pi5");
  await expectNoLeaks();
});

test("5. a node that does not come back stops the roll naming it; the next up resumes there", async () => {
  cluster = { ...cluster, tlsSans: ["k3s.lab.example", "api.lab.example"] };
  await configure();
  lab.setControl("fail-start", "stand-in refuses to start (test)", "srv2");
  let before = lab.invocations().length;
  let error = "";
  try {
    await e2e.up("gate fails at srv2").catch((e: Error) => (error = String(e.message ?? e)));
  } finally {
    lab.clearControl("fail-start", "srv2");
  }
  expect(error).toContain("the rolling restart stopped at srv2");
  let spans = downtimes(invocationsSince(lab, before));
  // srv1 restarted and came back; srv2 went down and stayed down; srv3 was never touched.
  expect(order(spans)).toEqual(["srv1", "srv2"]);
  expect(spans[1].to).toBe(Number.POSITIVE_INFINITY);

  before = lab.invocations().length;
  const r = await e2e.up("resume");
  expect(r.summary.result).toBe("succeeded");
  const log = invocationsSince(lab, before);
  // srv2 only needed starting; srv3 restarts after srv2 is back; srv1 is not restarted again.
  expect(restarts(log).map((i) => `${i.host} ${i.argv[1]}`)).toEqual(["srv2 start", "srv3 restart"]);
  spans = downtimes(log);
  expect(order(spans)).toEqual(["srv3"]);
  expect(at0(log, "srv2", "ready")).toBeLessThanOrEqual(spans[0].from);
  expect(lab.nodes("srv1").every((n) => n.ready)).toBe(true);
  const again = await e2e.up("no-change after resume", { expectNoChanges: true });
  expect(again.summary.result).toBe("succeeded");
  await expectNoLeaks();
});

test("6. destroy leaves every host clean", async () => {
  const r = await e2e.destroy("destroy");
  expect(r.summary.result).toBe("succeeded");
  for (const h of inventory) expect({ h: h.name, left: k3sLeftovers(lab, h.name) }).toEqual({ h: h.name, left: [] });
  await expectNoLeaks();
});

/** Time of the first stand-in `event` on `host` in `log`. */
function at0(log: ReturnType<typeof invocationsSince>, host: string, event: "stopped" | "ready"): number {
  const i = log.find((x) => x.host === host && x.event === event);
  if (!i) throw new Error(`no ${event} event on ${host}`);
  return Date.parse(i.ts);
}
