/**
 * The etcd quorum guard against a server whose k3s just stopped, end to end: 5 embedded-etcd servers
 * on lab hosts with the k3s stand-ins, whose etcd listeners (standins/k3s-etcd.py) serve the member
 * list and /health over mutual TLS on port 2379 for as long as each server's k3s runs, while a
 * stopped server's Node keeps reading Ready for node-monitor-grace-period, as kube-controller-manager
 * has it. srv3's k3s stops; its Node still reads Ready; removing srv4 and srv5 (5 → 3) must be
 * refused before anything changes, naming srv3 as etcd reports it. With srv3 back the same removal
 * goes through, the guard talking to the listeners with the certificates the stand-in wrote. Then the
 * same for a rolling restart of the 3 left: with srv3's k3s stopped, srv1's restart step refuses
 * before restarting anything; with srv3 back the roll restarts srv1 and srv2 once, one at a time.
 * Last the replacement path: `pulumi up --replace` of srv2's leave step (docs/day-two.md, a machine
 * reinstalled) with srv3's k3s stopped is refused by srv2's membership delete before the drain; with
 * srv3 back srv2 is replaced (drained, uninstalled, its Node and member deleted, installed again)
 * while srv1 and srv3 stay up.
 */
import { startLab, TestLab } from "../hosts";
import { InvHost, V1, clusterConfig } from "./fixture";
import { leakCheck } from "./leaks";
import { downtimes, invocationsSince, kubectlOn, mostDownAtOnce, restarts } from "./log";
import { E2eStack } from "./stack";

jest.setTimeout(900_000);

const SHARED = "/var/lib/k3s-standin/shared/cluster";
const FIVE: InvHost[] = ["srv1", "srv2", "srv3", "srv4", "srv5"].map((name) => ({ name, role: "server", arch: "amd64" }));

let lab: TestLab;
let e2e: E2eStack;
const expectNoLeaks = leakCheck(() => lab, () => e2e);
let inventory: InvHost[] = FIVE;

const configure = () => e2e.configure(inventory, V1, { cluster: clusterConfig(lab, V1) });
const members = (): string[] => Object.keys(JSON.parse(lab.exec("srv1", `cat ${SHARED}/clusters/*/cluster.json`).stdout).members ?? {}).sort();
const failureOf = async (p: Promise<unknown>): Promise<string> => p.then(() => "", (e: Error) => String(e.message ?? e));
const urnOf = (name: string): string => {
  const found = (JSON.parse(e2e.exportedState()).deployment.resources as Array<{ urn: string }>).find((r) => r.urn.endsWith(`::${name}`));
  if (!found) throw new Error(`no resource ${name} in the state`);
  return found.urn;
};
const nodeStatus = (name: string): string => lab.exec("srv1", `k3s kubectl get node ${name} --no-headers`).stdout.split(/\s+/)[1] ?? "";

beforeAll(async () => {
  lab = startLab(FIVE.map((h) => ({ name: h.name })), { versions: [V1] });
  e2e = await E2eStack.create(lab, "quorum");
}, 3_600_000);

afterAll(() => {
  e2e?.cleanup();
  lab?.down();
});

test("1. create: 5 etcd servers, each serving etcd's client port with k3s's certificates", async () => {
  await configure();
  const r = await e2e.up("create");
  expect(r.summary.result).toBe("succeeded");
  expect(members()).toEqual(["srv1", "srv2", "srv3", "srv4", "srv5"]);
  // What the guard relies on, from srv1 with curl: a client without the certificate is turned away.
  const tls = "/var/lib/rancher/k3s/server/tls/etcd";
  const noCert = lab.exec("srv1", `curl -sS --max-time 5 --cacert ${tls}/server-ca.crt https://${lab.host("srv3").address}:2379/health`);
  // (curl reports the refused handshake as "certificate required" or as the connection closing, by timing.)
  expect(noCert.code).not.toBe(0);
  expect(noCert.stdout).not.toContain("health");
});

test("2. srv3's k3s just stopped, its Node still Ready: removing srv4 and srv5 is refused before anything changes, naming srv3 as etcd reports it", async () => {
  // A pulumi up in the lab takes longer than the real 50 s to reach the drain; the control stretches
  // the window so the run meets srv3 the way a quick run meets a server that died seconds ago.
  lab.setControl("node-monitor-grace-period", "900");
  lab.exec("srv3", "systemctl stop k3s");
  expect(nodeStatus("srv3")).toBe("Ready");
  const before = lab.invocations().length;
  inventory = FIVE.filter((h) => !["srv4", "srv5"].includes(h.name));
  await configure();
  const failure = await failureOf(e2e.up("remove srv4 and srv5 while srv3 is down"));
  expect(failure).toMatch(
    /removing srv[45] would leave 2 of 5 etcd members healthy, below quorum \(3\); etcd reports down: srv3 \(https:\/\/[0-9.]+:2379\/health: curl: \(7\) Failed to connect to [0-9.]+ port 2379 .*\)\. .*Nothing was changed\. Fix: bring srv3 back first/,
  );
  // The Node still read Ready all along; nothing was drained, stopped or deleted.
  expect(nodeStatus("srv3")).toBe("Ready");
  const log = invocationsSince(lab, before);
  expect([...kubectlOn(log, "drain"), ...kubectlOn(log, "delete")]).toEqual([]);
  expect(log.filter((i) => i.event === "stopped")).toEqual([]);
  expect(members()).toEqual(["srv1", "srv2", "srv3", "srv4", "srv5"]);
});

test("3. with srv3 back, the same removal goes through: srv4 and srv5 leave etcd, srv1-srv3 never go down", async () => {
  lab.exec("srv3", "systemctl start k3s");
  lab.clearControl("node-monitor-grace-period");
  const before = lab.invocations().length;
  const r = await e2e.up("remove srv4 and srv5");
  expect(r.summary.result).toBe("succeeded");
  expect(members()).toEqual(["srv1", "srv2", "srv3"]);
  expect(downtimes(invocationsSince(lab, before)).filter((d) => ["srv1", "srv2", "srv3"].includes(d.host))).toEqual([]);
  expect(lab.exec("srv2", "k3s kubectl get --raw=/readyz").stdout.trim()).toBe("ok");
  expectNoLeaks();
});

test("4. a cluster-wide edit while srv3's k3s just stopped: srv1's restart step refuses before restarting anything, naming srv3", async () => {
  lab.setControl("node-monitor-grace-period", "900");
  lab.exec("srv3", "systemctl stop k3s");
  const before = lab.invocations().length;
  await e2e.configure(inventory, V1, { cluster: { ...clusterConfig(lab, V1), tlsSans: ["k3s.quorum.example"] } });
  const failure = await failureOf(e2e.up("cluster-wide edit while srv3 is down"));
  expect(failure).toMatch(
    /the rolling restart stopped at srv1: restarting k3s there would leave 1 of 3 etcd members healthy, below quorum \(2\); etcd reports down: srv3 \(https:\/\/[0-9.]+:2379\/health: curl: \(7\) [^)]*\)\. .*Nothing was restarted\. Fix: bring srv3 back first.*it resumes at srv1\./,
  );
  expect(restarts(invocationsSince(lab, before))).toEqual([]);
  expect(invocationsSince(lab, before).filter((i) => i.event === "stopped")).toEqual([]);
});

test("5. with srv3 back the roll resumes: srv1 and srv2 restarted once each, never two down (srv3 started with the new configuration already)", async () => {
  lab.exec("srv3", "systemctl start k3s");
  lab.clearControl("node-monitor-grace-period");
  const before = lab.invocations().length;
  const r = await e2e.up("cluster-wide edit");
  expect(r.summary.result).toBe("succeeded");
  const log = invocationsSince(lab, before);
  // srv3 was started after its config step wrote the edit, so its restart step finds it current.
  expect(restarts(log).map((i) => i.host).sort()).toEqual(["srv1", "srv2"]);
  expect(mostDownAtOnce(downtimes(log), ["srv1", "srv2", "srv3"])).toBe(1);
  expectNoLeaks();
});

test("6. pulumi up --replace of srv2's leave step while srv3's k3s just stopped: refused before the drain, naming srv3; srv2 stays a member", async () => {
  lab.setControl("node-monitor-grace-period", "900");
  lab.exec("srv3", "systemctl stop k3s");
  const before = lab.invocations().length;
  const failure = await failureOf(e2e.up("replace srv2 while srv3 is down", { replace: [urnOf("k3s-srv2-leave")] }));
  expect(failure).toMatch(
    /replacing srv2 \(a role or arch change, or pulumi up --replace\) would leave 1 of 3 etcd members healthy, below quorum \(2\); etcd reports down: srv3 \(https:\/\/[0-9.]+:2379\/health: curl: \(7\) [^)]*\)\. .*Nothing was changed\. Fix: bring srv3 back first/,
  );
  const log = invocationsSince(lab, before);
  expect([...kubectlOn(log, "drain"), ...kubectlOn(log, "delete")]).toEqual([]);
  expect(log.filter((i) => i.event === "stopped")).toEqual([]);
  expect(members()).toEqual(["srv1", "srv2", "srv3"]);
});

test("7. with srv3 back the same --replace goes through: srv2 leaves etcd and joins again, srv1 and srv3 never go down", async () => {
  lab.exec("srv3", "systemctl start k3s");
  lab.clearControl("node-monitor-grace-period");
  const before = lab.invocations().length;
  const r = await e2e.up("replace srv2", { replace: [urnOf("k3s-srv2-leave")] });
  expect(r.summary.result).toBe("succeeded");
  const log = invocationsSince(lab, before);
  expect(kubectlOn(log, "delete", "srv2")).toHaveLength(1);
  expect(members()).toEqual(["srv1", "srv2", "srv3"]);
  expect(downtimes(log).filter((d) => d.host !== "srv2")).toEqual([]);
  expect(lab.exec("srv1", "k3s kubectl get --raw=/readyz").stdout.trim()).toBe("ok");
  // The guard's record went with srv2's Node.
  expect(lab.exec("srv1", "ls -A /var/lib/rancher/k3s-stacks/etcd-leaving").stdout.trim()).toBe(".lock");
  expectNoLeaks();
});
