// The config step's warning when k3s would give pods 8.8.8.8 instead of the host's resolvers
// (k3s/host/resolv.ts), in a real bash with the resolv.conf files and config.yaml.d in a sandbox.
import * as fs from "fs";
import * as path from "path";
import { DROP_IN_DIR } from "../../components/k3s/host/dropins";
import { RESOLV_CONFS, renderResolvConfCheck, setsResolvConf } from "../../components/k3s/host/resolv";
import { renderConfigScript } from "../../components/k3s/scripts";
import { CONFIG_FILE } from "../../components/k3s/node-config";
import { Sandbox, sandbox } from "./support/shell";

let sb: Sandbox;
beforeEach(() => { sb = sandbox(); });
afterEach(() => sb.cleanup());

const put = (p: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(sb.dir, p)), { recursive: true });
  fs.writeFileSync(path.join(sb.dir, p), text);
};
const check = () => sb.run(["bash", "-s"], {
  input: `set -euo pipefail\n${[...RESOLV_CONFS, DROP_IN_DIR].reduce((s, p) => s.split(p).join(sb.dir + p), renderResolvConfCheck("n1", false))}\necho passed\n`,
});
const WARNING = /^k3s-stacks: n1: warning: neither .*\/etc\/resolv\.conf \(nameservers: ([^)]*)\) nor systemd-resolved's .*\/run\/systemd\/resolve\/resolv\.conf lists only nameservers pods can reach .*k3s then gives pods 8\.8\.8\.8 instead of this host's resolvers.*Fix: set resolv-conf in cluster\.agentConfig to a file present on every node that lists your upstream nameservers/;

test.each([
  ["a local dnsmasq", "nameserver 127.0.0.1\n", "127.0.0.1"],
  ["a loopback among real servers (k3s rejects the whole file)", "nameserver 192.168.1.1\nnameserver 127.0.0.1\n", "192.168.1.1 127.0.0.1"],
  ["IPv6 loopback", "nameserver ::1\n", "::1"],
  ["IPv6 link-local with a zone", "nameserver fe80::1%eth0\n", "fe80::1%eth0"],
  ["no nameserver at all", "search lan\n", "none"],
])("%s, without systemd-resolved: warns naming the servers and the resolv-conf fix", (_, conf, listed) => {
  put("etc/resolv.conf", conf);
  const r = check();
  expect(r.status).toBe(0);
  const [line, rest] = [r.stdout.split("\n")[0], r.stdout.split("\n").slice(1).join("\n")];
  expect(line).toMatch(WARNING);
  expect(WARNING.exec(line)?.[1]).toBe(listed);
  expect(rest).toBe("passed\n");
});

test.each([
  ["private and public IPv4 servers", "nameserver 192.168.1.1\nnameserver 1.1.1.1\n"],
  ["a global IPv6 server", "nameserver 2001:db8::53\n"],
  ["GCP's metadata server (k3s-io/k3s#12692)", "nameserver 169.254.169.254\n"],
])("%s in /etc/resolv.conf: k3s uses it, no warning", (_, conf) => {
  put("etc/resolv.conf", conf);
  expect(check().stdout).toBe("passed\n");
});

test("systemd-resolved's stub (127.0.0.53) with its upstream file: k3s takes that one, no warning", () => {
  put("etc/resolv.conf", "nameserver 127.0.0.53\noptions edns0 trust-ad\n");
  put("run/systemd/resolve/resolv.conf", "nameserver 10.0.0.1\n");
  expect(check().stdout).toBe("passed\n");
  put("run/systemd/resolve/resolv.conf", "nameserver 127.0.0.1\n");
  expect(check().stdout).toMatch(WARNING);
});

test("resolv-conf set in config.yaml (or as the kubelet's flag) renders nothing; in a drop-in of the user's it silences the warning", () => {
  expect(setsResolvConf({ "resolv-conf": "/etc/k3s-resolv.conf" })).toBe(true);
  expect(setsResolvConf({ "kubelet-arg": ["resolv-conf=/etc/k3s-resolv.conf"] })).toBe(true);
  expect(setsResolvConf({ "node-name": "n1", "kubelet-arg": "max-pods=200" })).toBe(false);
  // k3s appends kubelet-arg+ entries, and a leading -- is the same flag.
  expect(setsResolvConf({ "kubelet-arg+": ["--resolv-conf=/etc/k3s-resolv.conf"] })).toBe(true);
  expect(renderResolvConfCheck("n1", true)).toBe("");
  put("etc/resolv.conf", "nameserver 127.0.0.1\n");
  put("etc/rancher/k3s/config.yaml.d/90-dns.yaml", "resolv-conf: /etc/upstream-resolv.conf\n");
  expect(check().stdout).toBe("passed\n");
});

test("the config step checks it unless config.yaml sets resolv-conf", () => {
  const script = (content: string) => renderConfigScript({ host: { node: "n1", fixCgroups: false, allowReboot: false }, role: "agent", files: [{ path: CONFIG_FILE, content, mode: "0600" }] });
  expect(script("node-name: n1\n")).toContain("resolv_usable()");
  expect(script("node-name: n1\nresolv-conf: /etc/upstream-resolv.conf\n")).not.toContain("resolv_usable()");
});
