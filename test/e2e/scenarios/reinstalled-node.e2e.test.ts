/**
 * A machine reinstalled under the same name and address (new disk, OS reinstalled), end to end: 3
 * embedded-etcd servers and an agent on lab hosts with the k3s stand-ins. The cluster still holds the
 * old machine's Node, its node password (k3s refuses a new machine under that name: "Node password
 * rejected", k3s-io/k3s#6054, #802) and, for a server, its etcd member. `pulumi up` alone sees no change;
 * `pulumi up --replace <urn of the node's leave step>` (docs/day-two.md) runs the node's chain: drain,
 * uninstall (nothing left), delete the Node (k3s drops its password and etcd member with it), write the
 * files, install, wait Ready. Checked from the stand-ins' recorded events and the etcd member list; the
 * next `up` is a no-op; the leak search runs.
 */
import { startLab, TestLab } from "../hosts";
import { AG3, InvHost, SERVERS, V1, clusterConfig } from "./fixture";
import { leakCheck } from "./leaks";
import { at, invocationsSince, kubectlOn } from "./log";
import { E2eStack } from "./stack";

jest.setTimeout(900_000);

const SHARED = "/var/lib/k3s-standin/shared/cluster";
const inventory: InvHost[] = [...SERVERS, AG3];

let lab: TestLab;
let e2e: E2eStack;
const expectNoLeaks = leakCheck(() => lab, () => e2e);

const configure = () => e2e.configure(inventory, V1, { cluster: clusterConfig(lab, V1) });
const node = (name: string) => lab.nodes("srv1").find((n) => n.name === name);
const members = (): Record<string, string> => JSON.parse(lab.exec("srv1", `cat ${SHARED}/clusters/*/cluster.json`).stdout).members ?? {};
const urnOf = (name: string): string => {
  const resources = JSON.parse(e2e.exportedState()).deployment.resources as Array<{ urn: string }>;
  const found = resources.find((r) => r.urn.endsWith(`::${name}`));
  if (!found) throw new Error(`no resource ${name} in the state`);
  return found.urn;
};

/** What a reinstalled machine has of k3s: nothing. k3s stops, and its files and ours are gone. */
function reinstallMachine(host: string): void {
  const r = lab.exec(host, `for u in /usr/local/bin/k3s-uninstall.sh /usr/local/bin/k3s-agent-uninstall.sh; do if [ -x "$u" ]; then "$u"; fi; done
# /var/lib/rancher is the host's own mount in the lab (hosts.sh): emptied, as a fresh disk would be.
rm -rf /etc/rancher && find /var/lib/rancher -mindepth 1 -delete`);
  expect(r.code).toBe(0);
  expect(lab.readFile(host, "/etc/rancher/node/password")).toBeUndefined();
}

beforeAll(async () => {
  lab = startLab(inventory.map((h) => ({ name: h.name })), { versions: [V1] });
  e2e = await E2eStack.create(lab, "reinstall");
}, 3_600_000);

afterAll(() => {
  e2e?.cleanup();
  lab?.down();
});

test("1. create: 3 etcd servers and an agent", async () => {
  await configure();
  expect((await e2e.up("create")).summary.result).toBe("succeeded");
  expect(Object.keys(members()).sort()).toEqual(["srv1", "srv2", "srv3"]);
  expect(node("ag3")?.ready).toBe(true);
});

test("1b. --replace of a live agent's install step alone (the engine runs only its uninstall and install, no drain) is refused by that uninstall, naming the leave step's replace; ag3 keeps running and nothing changed", async () => {
  const before = lab.invocations().length;
  const failure = await e2e.up("replace ag3's install alone", { replace: [urnOf("k3s-ag3-install")] }).then(() => "", (e: Error) => String(e.message ?? e));
  expect(failure).toContain("k3s-stacks: ag3: refusing to uninstall k3s: its Node is Ready and not cordoned, so nothing drained it.");
  expect(failure).toContain("urn:pulumi:[^ ]*::k3s-ag3-leave");
  const log = invocationsSince(lab, before);
  expect(log.filter((i) => i.host === "ag3" && (i.tool === "install.sh" || i.event === "stopped"))).toEqual([]);
  expect(kubectlOn(log, "drain", "ag3")).toEqual([]);
  expect(lab.exec("ag3", "systemctl is-active k3s-agent").stdout.trim()).toBe("active");
  expect(node("ag3")?.ready).toBe(true);
  expect((await e2e.up("after the refusal", { expectNoChanges: true })).summary.result).toBe("succeeded");
});

test("2. the agent's machine is reinstalled: --replace of its leave step deletes the old Node, then installs and joins it again", async () => {
  reinstallMachine("ag3");
  const before = lab.invocations().length;
  const r = await e2e.up("ag3 reinstalled", { replace: [urnOf("k3s-ag3-leave")] });
  expect(r.summary.result).toBe("succeeded");
  const log = invocationsSince(lab, before);
  const del = kubectlOn(log, "delete", "ag3");
  const started = log.filter((i) => i.host === "ag3" && i.event === "ready");
  expect([del.length, started.length]).toEqual([1, 1]);
  // The old Node (and the node password k3s keeps for it) is gone before the new machine registers.
  expect(at(del[0])).toBeLessThan(at(started[0]));
  expect(node("ag3")?.ready).toBe(true);
  expect(lab.readFile("ag3", "/etc/rancher/node/password")).toBeDefined();
});

test("3. a server's machine is reinstalled: the old etcd member leaves with its Node before the new one joins", async () => {
  const oldMember = members().srv3;
  reinstallMachine("srv3");
  const r = await e2e.up("srv3 reinstalled", { replace: [urnOf("k3s-srv3-leave")] });
  expect(r.summary.result).toBe("succeeded");
  expect(Object.keys(members()).sort()).toEqual(["srv1", "srv2", "srv3"]);
  expect(members().srv3).not.toBe(oldMember);
  expect(lab.nodes("srv1").every((n) => n.ready)).toBe(true);
});

test("4. the next pulumi up changes nothing", async () => {
  const before = lab.invocations().length;
  expect((await e2e.up("no-op", { expectNoChanges: true })).summary.result).toBe("succeeded");
  expect(invocationsSince(lab, before)).toEqual([]);
  await expectNoLeaks();
});
