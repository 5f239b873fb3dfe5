// The host's iptables 1.8.0-1.8.3 in nf_tables mode is refused on a new node unless k3s runs its own, warned about where
// k3s runs and for 1.8.4 (k3s/host/iptables.ts),
// in a real bash with a fake `iptables` and a scratch directory for config.yaml.d.
import * as fs from "fs";
import * as path from "path";
import { DROP_IN_DIR } from "../../components/k3s/host/dropins";
import { renderIptablesCheck } from "../../components/k3s/host/iptables";
import { renderConfigScript } from "../../components/k3s/scripts";
import { CONFIG_FILE } from "../../components/k3s/node-config";
import { Sandbox, sandbox } from "./support/shell";

let sb: Sandbox;
beforeEach(() => { sb = sandbox(); });
afterEach(() => sb.cleanup());

const dir = () => path.join(sb.dir, "config.yaml.d");
function check(version: string | undefined, preferBundled = false) {
  if (version !== undefined) sb.fake("iptables", `echo ${JSON.stringify(version)}`);
  else sb.fake("iptables", "exit 127");
  return sb.run(["bash", "-s"], { input: `set -euo pipefail\n${renderIptablesCheck("n1", preferBundled).split(DROP_IN_DIR).join(dir())}\necho passed\n` });
}

const WHY = "iptables 1.8.0 to 1.8.4 in nf_tables mode has bugs that make the rules k3s keeps ensuring pile up as duplicates until the node slows down (k3s known issues, k3s-io/k3s#3117), and k3s runs the host's iptables unless prefer-bundled-bin is set";
const FIX = "set prefer-bundled-bin: true in cluster.agentConfig (servers read it too; nodes restart once, rolled), or upgrade iptables to 1.8.5 or newer (Debian 10: buster-backports)";

test.each(["iptables v1.8.2 (nf_tables)", "iptables v1.8.3 (nf_tables)", "iptables v1.8.0 (nf_tables)"])("%s on a node without k3s fails naming the version and the prefer-bundled-bin fix", (version) => {
  sb.fake("systemctl", "exit 3");
  const r = check(version);
  expect(r.status).toBe(1);
  expect(r.stderr).toBe(`k3s-stacks: n1: the host's iptables is ${version.replace("iptables ", "")}; ${WHY}. Fix: ${FIX}, then run pulumi up again.\n`);
});

test("the same where k3s already runs: a warning, and the day-two run goes on", () => {
  sb.fake("systemctl", '[ "$*" = "is-active --quiet k3s-agent" ]');
  const r = check("iptables v1.8.2 (nf_tables)");
  expect(r.status).toBe(0);
  expect(r.stdout).toBe(`k3s-stacks: n1: warning: the host's iptables is v1.8.2 (nf_tables); ${WHY}. k3s already runs here, so this run goes on. Fix: ${FIX}.\npassed\n`);
});

test("1.8.4 (RHEL 8 and its rebuilds, fixes backported; k3s check-config accepts it) is a warning, not a failure", () => {
  sb.fake("systemctl", "exit 3");
  const r = check("iptables v1.8.4 (nf_tables)");
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^k3s-stacks: n1: warning: the host's iptables is v1\.8\.4 \(nf_tables\); .*RHEL 8 .*Fix, if rules pile up .*prefer-bundled-bin: true.*\npassed\n$/);
});

test.each(["iptables v1.8.2 (legacy)", "iptables v1.8.5 (nf_tables)", "iptables v1.8.10 (nf_tables)", "iptables v1.6.1", undefined])("%s passes", (version) => {
  expect(check(version).stdout).toBe("passed\n");
});

test("prefer-bundled-bin in config.yaml (nothing rendered) or in a drop-in of the user's passes", () => {
  expect(renderIptablesCheck("n1", true)).toBe("");
  fs.mkdirSync(dir());
  fs.writeFileSync(path.join(dir(), "90-mine.yml"), "prefer-bundled-bin: true\n");
  expect(check("iptables v1.8.2 (nf_tables)").stdout).toBe("passed\n");
});

test("the config step checks it before changing the host, unless config.yaml sets prefer-bundled-bin", () => {
  const script = (content: string) => renderConfigScript({ host: { node: "n1", fixCgroups: false, allowReboot: false }, role: "agent", files: [{ path: CONFIG_FILE, content, mode: "0600" }] });
  const plain = script("node-name: n1\n");
  expect(plain.indexOf("ipt_version=")).toBeGreaterThan(0);
  expect(plain.indexOf("ipt_version=")).toBeLessThan(plain.indexOf("# Host facts: one read, before anything changes."));
  expect(script("node-name: n1\nprefer-bundled-bin: true\n")).not.toContain("ipt_version=");
});
