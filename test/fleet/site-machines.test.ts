// Two fleet sites on one machine (tools/fleet/site-machines.ts): a copied site file keeps the other
// site's addresses, and each site's up would install its own k3s cluster over the other's.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { problemsOf } from "../support/config";
import { loadSites } from "../../tools/fleet/sites";
import { sharedMachineProblems } from "../../tools/fleet/site-machines";
import type { SiteDefinition } from "../../tools/fleet/types";

const fileOf = (site: string) => `stacks/sites/${site}.yaml`;
const site = (name: string, inventory: Record<string, unknown>): SiteDefinition => ({
  name,
  fleet: { ring: 0, canary: false, environment: "site", labels: {} },
  config: { "k3s-stacks:inventory": inventory },
});
const hosts = (prefix: string, ...hs: Array<Record<string, unknown>>) => ({ user: "k3s", hosts: hs.map((h, i) => ({ name: `${prefix}-${i}`, role: i === 0 ? "server" : "agent", arch: "arm64", ...h })) });

test("a site that lists another site's machine is refused, naming both hosts, both files and the fix", () => {
  const ber = site("ber-01", hosts("ber01", { address: "192.0.2.10" }, { address: "192.0.2.11" }));
  const muc = site("muc-02", hosts("muc02", { address: "192.0.2.20" }, { address: "192.0.2.11" }));
  expect(sharedMachineProblems([ber, muc], fileOf)).toEqual([
    expect.stringMatching(/^stacks\/sites\/muc-02\.yaml: k3s-stacks:inventory\.hosts\[1\]\.address: muc02-1 is reached at 192\.0\.2\.11:22, as host ber01-1 of site 'ber-01' \(stacks\/sites\/ber-01\.yaml\) is: .*install their own k3s cluster.*\. Fix: give 'muc-02' the addresses of its own machines/),
  ]);
});

test("the same address written otherwise (IPv6 spellings) and the inventory's default port count as the same machine", () => {
  const a = site("a", { ...hosts("a", { address: "2001:db8::10" }), port: 2222 });
  const b = site("b", hosts("b", { address: "2001:DB8:0::10", port: 2222 }));
  expect(sharedMachineProblems([a, b], fileOf)).toHaveLength(1);
});

test("one private range at every site, each LAN reached through its own bastion, another port, or a gone host: no problem", () => {
  const lan = (bastion: string) => hosts("x", { address: "192.168.1.10", bastion: { address: bastion } }, { address: "192.168.1.11", bastion: { address: bastion } });
  expect(sharedMachineProblems([site("ber-01", lan("203.0.113.1")), site("muc-01", lan("203.0.113.2"))], fileOf)).toEqual([]);
  expect(sharedMachineProblems([site("a", hosts("a", { address: "192.0.2.10" })), site("b", hosts("b", { address: "192.0.2.10", port: 2200 }))], fileOf)).toEqual([]);
  expect(sharedMachineProblems([site("a", hosts("a", { address: "192.0.2.9" }, { address: "192.0.2.10", gone: true })), site("b", hosts("b", { address: "192.0.2.10" }))], fileOf)).toEqual([]);
});

test("fleet sync refuses hosts in _defaults.yaml that every site inherits, and a copied site file", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-machines-"));
  fs.mkdirSync(path.join(root, "stacks/sites"), { recursive: true });
  const write = (name: string, text: string) => fs.writeFileSync(path.join(root, "stacks/sites", name), text);
  write("_defaults.yaml", "cluster: { k3sVersion: v1.36.3+k3s1 }\ninventory:\n  user: k3s\n  hosts: [{ name: edge-1, address: 192.0.2.10, role: server, arch: arm64 }]\n");
  write("ber-01.yaml", "fleet: { ring: 0 }\n");
  write("muc-01.yaml", "fleet: { ring: 1 }\n");
  expect(problemsOf(() => loadSites(root))).toEqual([expect.stringMatching(/^stacks\/sites\/muc-01\.yaml: k3s-stacks:inventory\.hosts\[0\]\.address: edge-1 is reached at 192\.0\.2\.10:22, as host edge-1 of site 'ber-01'/)]);
  fs.rmSync(root, { recursive: true, force: true });
});
