/**
 * A managed API VIP (cluster.apiVip) with the real Pulumi engine against the k3s stand-ins: the VIP
 * is in every server's tls-san from the first start, kube-vip's manifests are in every server's
 * auto-deploy directory, the second and third servers and the agent join through the VIP, and the
 * kubeconfig output points at it. The stand-in k3s serves a cluster on every tls-san address it
 * starts with, which is what kube-vip does for real once a server holds the VIP (no kube-vip runs
 * here).
 * Then the first server is lost for good (its host killed: the stand-in's VIP moves to a running
 * server, as kube-vip's does): marked gone, with a new server in the same change, the next server takes
 * its place (day-two/servers.ts firstServerHandover). The run removes srv1 from srv2, srv4 joins
 * through the VIP, no k3s restarts anywhere, nothing dials srv1, and dropping its entry later calls
 * nothing.
 */
import { parse } from "yaml";
import { startLab, TestLab } from "../hosts";
import { AG3, InvHost, SERVERS, V1, clusterConfig, k3sLeftovers } from "./fixture";
import { E2eStack } from "./stack";
import { leakCheck } from "./leaks";
import { invocationsSince, kubectlOn, restarts } from "./log";
import { KUBE_VIP_DAEMONSET_FILE, KUBE_VIP_RBAC_FILE } from "../../../components/addons/kube-vip";

jest.setTimeout(900_000);

let lab: TestLab;
let e2e: E2eStack;
let vip: string;

beforeAll(async () => {
  lab = startLab([{ name: "srv1" }, { name: "srv2" }, { name: "srv3" }, { name: "ag3" }, { name: "srv4" }], { versions: [V1] });
  // A free host address on the servers' /24, as a user would pick one outside DHCP.
  vip = lab.host("srv1").address.replace(/\.\d+$/, ".250");
  e2e = await E2eStack.create(lab, "vip");
}, 3_600_000);

afterAll(() => {
  e2e?.cleanup();
  lab?.down();
});

const HOSTS = [...SERVERS, AG3];
const SRV4: InvHost = { name: "srv4", role: "server", arch: "amd64" };
const expectNoLeaks = leakCheck(() => lab, () => e2e);
const configureWith = (hosts: InvHost[]) => e2e.configure(hosts, V1, { cluster: { ...clusterConfig(lab, V1), apiVip: { address: vip } } });
const stateNames = (prefix: string): string[] =>
  (JSON.parse(e2e.exportedState()).deployment.resources as Array<{ urn: string }>).map((r) => r.urn.split("::").pop()!).filter((n) => n === prefix || n.startsWith(`${prefix}-`)).sort();

test("create: the VIP is in tls-san and the manifests directory on the servers, and joins and the kubeconfig use it", async () => {
  await e2e.configure(HOSTS, V1, { cluster: { ...clusterConfig(lab, V1), apiVip: { address: vip } } });
  const r = await e2e.up("create");
  expect(r.summary.result).toBe("succeeded");
  expect(lab.nodes("srv1").map((n) => n.name).sort()).toEqual(["ag3", "srv1", "srv2", "srv3"]);

  for (const h of ["srv1", "srv2", "srv3"]) {
    const config = parse(lab.readFile(h, "/etc/rancher/k3s/config.yaml") ?? "") as Record<string, unknown>;
    expect({ h, sans: config["tls-san"] }).toEqual({ h, sans: [vip] });
    const ds = lab.readFile(h, KUBE_VIP_DAEMONSET_FILE) ?? "";
    expect(ds).toContain("kind: DaemonSet");
    expect(ds).toContain(`value: ${vip}`);
    expect(lab.readFile(h, KUBE_VIP_RBAC_FILE)).toContain("kind: ClusterRoleBinding");
  }
  for (const h of ["srv2", "srv3", "ag3"]) {
    const config = parse(lab.readFile(h, "/etc/rancher/k3s/config.yaml") ?? "") as Record<string, unknown>;
    expect({ h, server: config.server }).toEqual({ h, server: `https://${vip}:6443` });
  }
  expect(lab.readFile("ag3", KUBE_VIP_DAEMONSET_FILE)).toBeUndefined();
  expect(r.outputs.apiEndpoint.value).toBe(vip);
  expect(r.outputs.kubeconfig.secret).toBe(true);
  const kc = parse(r.outputs.kubeconfig.value as string) as { clusters: Array<{ cluster: { server: string } }> };
  expect(kc.clusters[0].cluster.server).toBe(`https://${vip}:6443`);
});

test("a second up changes nothing", async () => {
  expect((await e2e.up("no-change", { expectNoChanges: true })).summary.result).toBe("succeeded");
});

test("the first server lost for good: marked gone, srv2 takes its place, srv4 joins through the VIP, nothing restarts", async () => {
  lab.stopHost("srv1");
  await configureWith([{ ...SERVERS[0], gone: true }, SERVERS[1], SERVERS[2], AG3, SRV4]);
  const before = lab.invocations().length;
  const r = await e2e.up("srv1 gone");
  expect(r.summary.result).toBe("succeeded");
  const log = invocationsSince(lab, before);
  expect(log.filter((i) => i.host === "srv1")).toEqual([]);
  // srv2 now runs kubectl: it removed srv1; nothing restarted on the live nodes (srv4's first start aside).
  expect(kubectlOn(log, "delete", "srv1").map((i) => i.host)).toEqual(["srv2"]);
  expect([...new Set(restarts(log).map((i) => i.host))]).toEqual(["srv4"]);
  // The pre-upgrade snapshot step updates for srv2's connection alone: srv2 already runs V1, so no snapshot.
  expect(e2e.steps.find((s) => s.name === "k3s-pre-upgrade")?.op).toBe("update");
  expect(log.filter((i) => i.tool === "k3s" && i.argv.includes("etcd-snapshot"))).toEqual([]);
  expect(lab.nodes("srv2").map((n) => n.name).sort()).toEqual(["ag3", "srv2", "srv3", "srv4"]);
  expect(parse(lab.readFile("srv4", "/etc/rancher/k3s/config.yaml") ?? "")).toMatchObject({ server: `https://${vip}:6443` });
  expect(parse(lab.readFile("srv2", "/etc/rancher/k3s/config.yaml") ?? "")).not.toHaveProperty("cluster-init");
  // No replace; srv1's rollout steps dropped (no delete command: nothing runs); no create but srv4's.
  const changed = e2e.steps.filter((s) => s.op !== "same" && s.op !== "read");
  expect(changed.filter((s) => s.op.includes("replace")).map((s) => s.name)).toEqual([]);
  expect(changed.filter((s) => s.op === "delete").map((s) => s.name).sort()).toEqual(["k3s-srv1-cordon", "k3s-srv1-restart", "k3s-srv1-uncordon"]);
  expect(changed.filter((s) => s.op === "create" && !s.name.startsWith("k3s-srv4"))).toEqual([]);
  expect(r.outputs.clusterInitServer.value).toBe("srv1");
  expect(r.outputs.serverNames.value).toEqual(["srv2", "srv3", "srv4"]);
  expect(stateNames("k3s-srv1")).toEqual(["k3s-srv1", "k3s-srv1-config", "k3s-srv1-install", "k3s-srv1-member"]);
  expect((await e2e.up("no-change after handover", { expectNoChanges: true })).summary.result).toBe("succeeded");
  await expectNoLeaks();
});

test("dropping the lost server's entry calls nothing; destroy leaves every live host clean", async () => {
  await configureWith([SERVERS[1], SERVERS[2], AG3, SRV4]);
  const before = lab.invocations().length;
  const r = await e2e.up("srv1 entry dropped");
  expect(r.summary.result).toBe("succeeded");
  expect(invocationsSince(lab, before)).toEqual([]);
  expect(stateNames("k3s-srv1")).toEqual([]);
  expect(r.outputs.clusterInitServer.value).toBe("");
  expect((await e2e.destroy("destroy")).summary.result).toBe("succeeded");
  for (const h of ["srv2", "srv3", "ag3", "srv4"]) expect({ h, left: k3sLeftovers(lab, h) }).toEqual({ h, left: [] });
  await expectNoLeaks();
});
