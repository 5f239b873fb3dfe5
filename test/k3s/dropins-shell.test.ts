// config.yaml.d drop-ins k3s-stacks did not write may not set what config.yaml says (k3s/host/dropins.ts;
// a warning where k3s already runs),
// run in a real bash against a scratch directory standing in for /etc/rancher/k3s/config.yaml.d.
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { DROP_IN_DIR, protectedKeys, renderForeignDropInCheck } from "../../components/k3s/host/dropins";
import { configHashFunction } from "../../components/k3s/started-config";
import { renderConfigScript } from "../../components/k3s/scripts";
import { CONFIG_FILE } from "../../components/k3s/node-config";
import { Sandbox, sandbox } from "./support/shell";

let sb: Sandbox;
beforeEach(() => { sb = sandbox(); });
afterEach(() => sb.cleanup());

const CONFIG = { "node-name": "n1", "node-ip": ["10.0.0.5"], server: "https://10.0.0.1:6443", "kube-proxy-arg": ["proxy-mode=ipvs"] };
const dir = () => path.join(sb.dir, "config.yaml.d");
const dropIn = (name: string, content: string) => { fs.mkdirSync(dir(), { recursive: true }); fs.writeFileSync(path.join(dir(), name), content); };
const check = () => sb.run(["bash", "-s"], { input: `set -euo pipefail\n${renderForeignDropInCheck("n1", protectedKeys(CONFIG)).split(DROP_IN_DIR).join(dir())}\necho passed\n` });

test("protected keys: every key of this node's config.yaml and every key k3s-stacks manages", () => {
  const keys = protectedKeys(CONFIG);
  for (const k of ["node-name", "node-ip", "server", "kube-proxy-arg", "token", "cluster-init", "datastore-endpoint", "tls-san"]) expect(keys).toContain(k);
  expect(keys).not.toContain("kubelet-arg");
});

test("a leftover drop-in setting node-ip and server fails naming the file, the keys and the fix", () => {
  dropIn("10-installer.yaml", "node-ip: 10.0.2.15\n\"server\": https://old:6443\nnode-ip+: [10.0.2.16]\n");
  const r = check();
  expect(r.status).toBe(1);
  expect(r.stderr).toBe(`k3s-stacks: n1: ${dir()}/10-installer.yaml sets node-ip, server, which k3s-stacks writes in /etc/rancher/k3s/config.yaml; k3s reads config.yaml.d after config.yaml, so the drop-in's values would replace or add to them on the next start without showing in pulumi preview. Fix: delete ${dir()}/10-installer.yaml on n1 (put a setting you need into cluster.serverConfig or cluster.agentConfig instead), then run pulumi up again.\n`);
});

test("where k3s already runs (it started with the drop-in): the same finding as a warning, and the run goes on", () => {
  sb.fake("systemctl", '[ "$*" = "is-active --quiet k3s" ]');
  dropIn("10-installer.yaml", "node-ip: 10.0.2.15\n");
  const r = check();
  expect(r.status).toBe(0);
  expect(r.stdout).toBe(`k3s-stacks: n1: warning: ${dir()}/10-installer.yaml sets node-ip, which k3s-stacks writes in /etc/rancher/k3s/config.yaml; k3s reads config.yaml.d after config.yaml, so the drop-in's values would replace or add to them on the next start without showing in pulumi preview. k3s already runs with it, so this run goes on. Fix: delete ${dir()}/10-installer.yaml on n1 (put a setting you need into cluster.serverConfig or cluster.agentConfig instead).\npassed\n`);
});

test("a .yml drop-in counts as k3s reads it; each offending file is named", () => {
  dropIn("a.yml", "cluster-init: true\n");
  dropIn("b.yaml", "kube-proxy-arg+: [metrics-bind-address=0.0.0.0]\n");
  const r = check();
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(`${dir()}/a.yml sets cluster-init,`);
  expect(r.stderr).toContain(`${dir()}/b.yaml sets kube-proxy-arg,`);
});

test("k3s-stacks's own drop-ins, keys it does not write, nested keys and no directory pass", () => {
  expect(check().stdout).toBe("passed\n");
  dropIn("50-k3s-stacks-selinux.yaml", "selinux: true\n");
  dropIn("60-mine.yaml", "kubelet-arg:\n  - node-ip=ignored-nested\n# server: commented\n");
  expect(check().stdout).toBe("passed\n");
});

test("the config step checks the drop-ins before it prepares the host or writes config.yaml", () => {
  const script = renderConfigScript({ host: { node: "n1", fixCgroups: false, allowReboot: false }, role: "agent", files: [{ path: CONFIG_FILE, content: stringify(CONFIG), mode: "0600" }] });
  const at = script.indexOf("foreign_bad=0");
  expect(at).toBeGreaterThan(0);
  expect(at).toBeLessThan(script.indexOf("# Host facts: one read, before anything changes."));
  expect(at).toBeLessThan(script.indexOf(`tmp=$(mktemp '${CONFIG_FILE}.XXXXXX')`));
});

test("config_hash counts a .yml drop-in, and is unchanged while there is none", () => {
  const hash = () => sb.run(["bash", "-s"], { input: `${configHashFunction([]).split(DROP_IN_DIR).join(dir())}\nconfig_hash\n` }).stdout;
  fs.mkdirSync(dir());
  const none = hash();
  expect(none).toMatch(/^[0-9a-f]{64}\n$/);
  dropIn("x.yml", "a: 1\n");
  expect(hash()).not.toBe(none);
});
