// Host preparation is undone on removal: the record taken before the first preparation, then the
// undo after k3s is uninstalled, in a real bash against fake tools with host paths in a scratch dir.
import * as fs from "fs";
import * as path from "path";
import { renderPrepRecord, renderPrepUndo } from "../../components/k3s/host/undo";
import { PREP_RECORD_DIR } from "../../components/k3s/host/host-state";
import { firewallRules } from "../../components/k3s/host/network";
import { LOG_CALL, Sandbox, sandbox } from "./support/shell";

let sb: Sandbox;
const PATHS = ["/etc/", "/var/lib/k3s-stacks", "/proc/modules"];
const inSandbox = (script: string) => PATHS.reduce((s, p) => s.split(p).join(sb.dir + p), script);
const file = (p: string) => path.join(sb.dir, p);
const put = (p: string, text: string) => {
  fs.mkdirSync(path.dirname(file(p)), { recursive: true });
  fs.writeFileSync(file(p), text);
};
const run = (body: string) => sb.run(["bash", "-c", `set -euo pipefail\n${inSandbox(body)}`]);
const RULES = firewallRules({ role: "server", etcd: false, backend: "vxlan", clusterCidrs: ["10.42.0.0/16"], serviceCidrs: ["10.43.0.0/16"], embeddedRegistry: false });
const FSTAB = "UUID=1 / ext4 defaults 0 1\n/swapfile none swap sw 0 0\n";

beforeEach(() => {
  sb = sandbox();
  put("etc/fstab", FSTAB);
  put("proc/modules", "overlay 151552 0 - Live 0x0\n");
  put("sysctl.state", "net.ipv4.ip_forward=0\n");
  put("firewalld.ports", "10250/tcp\n");
  // sysctl: -n KEY reads the state file; -qw KEY=V logs the write.
  sb.fake("sysctl", `if [ "$1" = -n ]; then sed -n "s/^$2=//p" "${file("sysctl.state")}" | grep . ; else ${LOG_CALL}; fi`);
  sb.fake("swapon", `if [ "$1" = -a ]; then ${LOG_CALL}; else echo /swapfile; fi`);
  sb.fake("systemctl", `${LOG_CALL}\nif [ "$1" = is-enabled ]; then [ "$3" = dphys-swapfile.service ] && [ ! -e "${file("dphys.disabled")}" ]; fi`);
  sb.fake("modprobe", LOG_CALL);
  sb.fake("firewall-cmd", `case "$*" in
  --state) echo running ;;
  "--permanent --list-ports") tr '\\n' ' ' < "${file("firewalld.ports")}" ;;
  "--permanent --zone=trusted --list-sources") echo ;;
  *) ${LOG_CALL} ;;
esac`);
});
afterEach(() => sb.cleanup());

/** What host preparation changes, done by hand. */
function prepare(): void {
  put("etc/fstab", FSTAB.replace("/swapfile", "# k3s-stacks: /swapfile"));
  put("etc/modules-load.d/k3s.conf", "br_netfilter\noverlay\nvxlan\n");
  put("etc/sysctl.d/90-k3s.conf", "net.ipv4.ip_forward = 1\n");
  put("sysctl.state", "net.ipv4.ip_forward=1\n");
  put("dphys.disabled", "");
  put("firewalld.ports", "10250/tcp\n6443/tcp\n8472/udp\n");
}

test("record, prepare, undo: files, sysctl, swap, unit, modules and only the firewall rules that were not there", () => {
  const rec = run(renderPrepRecord());
  expect(rec.stderr).toBe("");
  expect(rec.status).toBe(0);
  expect(fs.existsSync(file(`${PREP_RECORD_DIR.slice(1)}/complete`))).toBe(true);
  prepare();
  sb.calls();
  const r = run(renderPrepUndo("n1", RULES));
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.stdout).toBe("k3s-stacks: n1: host preparation undone\n");
  expect(fs.readFileSync(file("etc/fstab"), "utf8")).toBe(FSTAB);
  expect(fs.existsSync(file("etc/modules-load.d/k3s.conf"))).toBe(false);
  expect(fs.existsSync(file("etc/sysctl.d/90-k3s.conf"))).toBe(false);
  expect(fs.existsSync(file("var/lib/k3s-stacks"))).toBe(false);
  const calls = sb.calls();
  expect(calls).toContain("sysctl -qw net.ipv4.ip_forward=0");
  expect(calls).toContain("swapon -a");
  expect(calls).toContain("systemctl enable --now dphys-swapfile.service");
  // overlay was loaded before: only the others are unloaded.
  expect(calls.filter((c) => c.startsWith("modprobe"))).toEqual(["modprobe -r br_netfilter", "modprobe -r vxlan", "modprobe -r wireguard"]);
  // 10250/tcp was open before; 6443/tcp and 8472/udp are k3s's; a rule that is not k3s's would never be touched.
  expect(calls.filter((c) => c.startsWith("firewall-cmd"))).toEqual([
    "firewall-cmd --permanent --remove-port=6443/tcp",
    "firewall-cmd --permanent --remove-port=8472/udp",
    "firewall-cmd --permanent --zone=trusted --remove-source=10.42.0.0/16",
    "firewall-cmd --permanent --zone=trusted --remove-source=10.43.0.0/16",
    "firewall-cmd --reload",
  ]);
});

test("the record is taken once: a later preparation does not overwrite the state from before the first", () => {
  expect(run(renderPrepRecord()).status).toBe(0);
  prepare();
  expect(run(renderPrepRecord()).status).toBe(0);
  expect(run(renderPrepUndo("n1", RULES)).status).toBe(0);
  expect(fs.readFileSync(file("etc/fstab"), "utf8")).toBe(FSTAB);
});

test("without a record (a node prepared by an older release) the undo changes nothing and says so", () => {
  prepare();
  sb.calls();
  const r = run(renderPrepUndo("n1", RULES));
  expect(r.status).toBe(0);
  expect(r.stdout).toContain("no record of the host before preparation; its preparation stays");
  expect(fs.existsSync(file("etc/modules-load.d/k3s.conf"))).toBe(true);
  expect(sb.calls()).toEqual([]);
});

test("fapolicyd: the k3s rules file written by preparation is removed and fapolicyd's rules reloaded", () => {
  sb.fake("systemctl", `${LOG_CALL}\nif [ "$1" = is-enabled ]; then exit 1; fi`);
  sb.fake("fagenrules", LOG_CALL);
  expect(run(renderPrepRecord()).status).toBe(0);
  put("etc/fapolicyd/rules.d/80-k3s.rules", "allow perm=any all : dir=/var/lib/rancher/\n");
  sb.calls();
  expect(run(renderPrepUndo("n1", RULES)).status).toBe(0);
  expect(fs.existsSync(file("etc/fapolicyd/rules.d/80-k3s.rules"))).toBe(false);
  const calls = sb.calls();
  expect(calls).toContain("fagenrules --load");
  expect(calls).toContain("systemctl restart fapolicyd");
});
