/**
 * An agent that cannot reach its join URL (TCP 6443 on the first server dropped in the agent's own
 * network namespace, as a host firewall, a cloud security group or a router ACL would): with the
 * real Pulumi engine against the lab, its install step fails within the check's 30 s bound, before
 * install.sh ran, naming the node, the URL, the k3s port rule and a command to test it. Before this
 * check the up waited the membership's 600 s and said only that the node never registered (real k3s,
 * and the stand-in since it dials the URL on a first join, cannot fetch the CA certificates).
 * Once the port is open again the next up joins the agent.
 */
import { startLab, TestLab } from "../hosts";
import { InvHost, V1 } from "./fixture";
import { invocationsSince } from "./log";
import { E2eStack } from "./stack";

jest.setTimeout(900_000);

const HOSTS: InvHost[] = [{ name: "srv1", role: "server", arch: "amd64" }, { name: "ag1", role: "agent", arch: "amd64" }];

let lab: TestLab;
let e2e: E2eStack;
let rule: string;

beforeAll(async () => {
  lab = startLab(HOSTS.map((h) => ({ name: h.name })), { versions: [V1] });
  e2e = await E2eStack.create(lab, "joinreach");
  rule = `OUTPUT -p tcp -d ${lab.host("srv1").address} --dport 6443 -j DROP`;
}, 3_600_000);

afterAll(() => {
  e2e?.cleanup();
  lab?.down();
});

test("1. create with ag1's 6443 to srv1 dropped fails at ag1's install within two minutes, before install.sh, naming the node, the URL, the rule and a test", async () => {
  await e2e.configure(HOSTS, V1);
  lab.exec("ag1", `iptables -I ${rule}`);
  const before = lab.invocations().length;
  const started = Date.now();
  const error = await e2e.up("ag1 cannot reach 6443").then(() => "", (e: Error) => String(e.message ?? e));
  expect(Date.now() - started).toBeLessThan(120_000);
  const srv = lab.host("srv1").address;
  expect(error).toContain(`k3s-stacks: ag1 cannot reach its join URL https://${srv}:6443: no TCP connection to ${srv} port 6443 within 30s`);
  expect(error).toContain("Every node must reach TCP 6443 on the servers (k3s docs, Requirements, 'Inbound Rules for K3s Nodes')");
  expect(error).toContain(`test it on ag1 with: timeout 3 bash -c ': > /dev/tcp/${srv}/6443' && echo open`);
  const log = invocationsSince(lab, before);
  expect(log.filter((i) => i.host === "ag1" && (i.tool === "install.sh" || i.tool === "k3s"))).toEqual([]);
  expect(lab.nodes("srv1").map((n) => [n.name, n.ready])).toEqual([["srv1", true]]);
});

test("2. with the port open again, the next up installs and joins ag1", async () => {
  lab.exec("ag1", `iptables -D ${rule}`);
  const r = await e2e.up("ag1 reaches 6443");
  expect(r.summary.result).toBe("succeeded");
  expect(lab.nodes("srv1").map((n) => [n.name, n.ready]).sort()).toEqual([["ag1", true], ["srv1", true]]);
});
