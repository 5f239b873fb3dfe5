/**
 * The program's rendered scripts, run over real SSH through the same wrapper command lines its
 * remote.Commands use, against the k3s stand-ins (no Pulumi engine): create a 3-server etcd cluster
 * with two agents, change a label, upgrade, remove an agent and tear down. Catches contract
 * mismatches between our scripts and k3s/kubectl/install.sh as the stand-ins model them.
 */
import { randomBytes } from "crypto";
import { startLab, TestLab } from "../hosts";
import { DirectCluster } from "./direct";
import { AG1, AG2, LAB_HOSTS, SERVERS, V1, V2, k3sLeftovers } from "./fixture";
import { at, invocationsSince, kubectlOn, restarts } from "./log";

let lab: TestLab;
let cluster: DirectCluster;
const TOKEN = randomBytes(24).toString("hex");

beforeAll(() => {
  lab = startLab(LAB_HOSTS.filter((h) => h.name !== "ag3"), { versions: [V1, V2] });
  cluster = new DirectCluster(lab, [...SERVERS, AG1, AG2], V1, TOKEN);
});
afterAll(() => lab?.down());

test("create: three etcd servers join one by one, then the armhf agent and the agent behind the bastion", () => {
  for (const n of cluster.nodes) cluster.create(n);
  const nodes = lab.nodes("srv1");
  expect(nodes.map((n) => n.name).sort()).toEqual(["ag1", "ag2", "srv1", "srv2", "srv3"]);
  expect(nodes.every((n) => n.ready && n.version === V1)).toBe(true);
  const byName = Object.fromEntries(nodes.map((n) => [n.name, n]));
  expect(byName.ag1.labels["kubernetes.io/arch"]).toBe("arm");
  expect(byName.ag1.labels["homelab.example/board"]).toBe("pi3");
  expect(byName.srv2.labels["node-role.kubernetes.io/etcd"]).toBe("true");
  // The join token sits in a root-only file; config.yaml names the file, not the value.
  expect(lab.readFile("ag2", "/etc/rancher/k3s/token")).toBe(`${TOKEN}\n`);
  expect(lab.exec("ag2", "stat -c %a /etc/rancher/k3s/token /etc/rancher/k3s/config.yaml").stdout.split("\n").slice(0, 2)).toEqual(["600", "600"]);
  expect(lab.readFile("ag2", "/etc/rancher/k3s/config.yaml")).toContain("token-file: /etc/rancher/k3s/token");
  expect(lab.readFile("ag2", "/etc/rancher/k3s/config.yaml")).not.toContain(TOKEN);
  const taints = JSON.parse(lab.exec("srv1", "k3s kubectl get node ag2 -o json").stdout).spec.taints;
  expect(taints).toEqual([{ key: "edge", value: "true", effect: "NoSchedule" }]);
  expect(cluster.kubeconfig()).toMatch(/client-key-data: \S+/);
});

test("the sudo password never reaches argv or the invocation log", () => {
  const pw = lab.host("ag2").sudoPassword!;
  expect(JSON.stringify(lab.invocations())).not.toContain(pw);
  expect(JSON.stringify(lab.invocations())).not.toContain(TOKEN);
});

test("a second identical create/update pass changes nothing and restarts nothing", () => {
  const before = lab.invocations().length;
  for (const n of cluster.nodes) cluster.updateNode(n);
  const log = invocationsSince(lab, before);
  expect(restarts(log)).toEqual([]);
  expect(log.filter((i) => i.tool === "install.sh")).toEqual([]);
});

test("a label change restarts only that node and the label is applied (old one removed)", () => {
  const ag1 = cluster.node("ag1");
  ag1.labels = { "homelab.example/board": "pi4" };
  const before = lab.invocations().length;
  for (const n of cluster.nodes) cluster.updateNode(n);
  const log = invocationsSince(lab, before);
  expect(restarts(log).map((i) => i.host)).toEqual(["ag1"]);
  expect(lab.nodes("srv1").find((n) => n.name === "ag1")?.labels["homelab.example/board"]).toBe("pi4");
  ag1.labels = { "homelab.example/zone": "attic" };
  cluster.updateNode(ag1);
  const labels = lab.nodes("srv1").find((n) => n.name === "ag1")!.labels;
  expect(labels["homelab.example/zone"]).toBe("attic");
  expect(labels["homelab.example/board"]).toBeUndefined();
});

test("upgrade: servers one at a time, then agents, each after the previous node's uncordon", () => {
  const before = lab.invocations().length;
  cluster.upgrade(V2);
  const log = invocationsSince(lab, before);
  expect(lab.nodes("srv1").every((n) => n.version === V2 && n.ready)).toBe(true);
  expect(JSON.parse(lab.exec("srv1", "k3s kubectl get nodes -o json").stdout).items.every((n: { spec: { unschedulable: boolean } }) => !n.spec.unschedulable)).toBe(true);
  const order = ["srv1", "srv2", "srv3", "ag1", "ag2"];
  const installsByHost = order.map((h) => log.find((i) => i.tool === "install.sh" && i.host === h));
  expect(installsByHost.every((i) => i !== undefined)).toBe(true);
  for (let k = 1; k < order.length; k++) {
    const prevUncordon = kubectlOn(log, "uncordon", order[k - 1]);
    expect(prevUncordon).toHaveLength(1);
    expect(at(installsByHost[k]!)).toBeGreaterThanOrEqual(at(prevUncordon[0]));
  }
  expect(kubectlOn(log, "drain").map((i) => i.argv.slice(-4))).toHaveLength(5);
  expect(log.some((i) => i.tool === "k3s" && i.argv[1] === "etcd-snapshot" && i.host === "srv1")).toBe(true);
});

test("a re-run of the upgrade finds every node done and installs nothing", () => {
  const before = lab.invocations().length;
  cluster.upgrade(V2);
  const log = invocationsSince(lab, before);
  expect(log.filter((i) => i.tool === "install.sh")).toEqual([]);
  expect(kubectlOn(log, "cordon")).toEqual([]);
});

test("removing an agent drains it, uninstalls k3s, deletes its Node and leaves its host clean", () => {
  const before = lab.invocations().length;
  cluster.remove(cluster.node("ag2"));
  const log = invocationsSince(lab, before);
  expect(kubectlOn(log, "drain", "ag2")).toHaveLength(1);
  expect(kubectlOn(log, "delete", "ag2")).toHaveLength(1);
  expect(lab.nodes("srv1").map((n) => n.name)).not.toContain("ag2");
  expect(k3sLeftovers(lab, "ag2")).toEqual([]);
});

test("tearing down leaves every host clean", () => {
  for (const n of [...cluster.nodes].reverse().filter((x) => x.name !== "ag2")) cluster.remove(n);
  for (const h of ["srv1", "srv2", "srv3", "ag1", "ag2"]) expect({ h, left: k3sLeftovers(lab, h) }).toEqual({ h, left: [] });
});
