// Host preparation's sysctl file (k3s/host/sysctls.ts): the k3s settings, and the inotify limits
// raised to their floors but never lowered, in a real bash with a fake `sysctl` whose running values
// come from the environment; then the undo puts the inotify limits back.
import * as fs from "fs";
import * as path from "path";
import { INOTIFY_FLOORS, SYSCTL_FILE, renderSysctls } from "../../components/k3s/host/sysctls";
import { renderPrepRecord, renderPrepUndo } from "../../components/k3s/host/undo";
import { LOG_CALL, Sandbox, sandbox } from "./support/shell";

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
  // sysctl -n KEY prints the running value ($INSTANCES, $WATCHES); anything else is logged.
  sb.fake("sysctl", `if [ "$1" = -n ]; then case "$2" in
  fs.inotify.max_user_instances) echo "\${INSTANCES:-128}" ;;
  fs.inotify.max_user_watches) echo "\${WATCHES:-8192}" ;;
  *) echo 0 ;;
esac; else ${LOG_CALL}; fi`);
  sb.fake("modprobe", "true");
});
afterEach(() => sb.cleanup());

const inSandbox = (s: string) => s.split("/etc/").join(`${sb.dir}/etc/`).split("/var/lib/k3s-stacks").join(`${sb.dir}/var/lib/k3s-stacks`);
const run = (body: string, env: Record<string, string> = {}) =>
  sb.run(["bash", "-c", `set -euo pipefail\nchanged=0\n${inSandbox(body)}\necho "changed=$changed"`], { env });
const written = () => fs.readFileSync(path.join(sb.dir, SYSCTL_FILE), "utf8");
const K3S_LINES = "net.ipv4.ip_forward = 1\nnet.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\n";

test("the kernel defaults (128 inotify instances per user) are raised to the floors, and the files applied", () => {
  const r = run(renderSysctls());
  expect(r.stderr).toBe("");
  expect(r.stdout).toBe("changed=1\n");
  expect(written()).toBe(`${K3S_LINES}fs.inotify.max_user_instances = 8192\nfs.inotify.max_user_watches = 524288\n`);
  expect(sb.calls()).toEqual(["sysctl --system"]);
});

test("a host that already allows more keeps its values: never lowered", () => {
  const r = run(renderSysctls(), { INSTANCES: "65536", WATCHES: "1048576" });
  expect(r.status).toBe(0);
  expect(written()).toBe(`${K3S_LINES}fs.inotify.max_user_instances = 65536\nfs.inotify.max_user_watches = 1048576\n`);
});

test("a second run on the prepared host changes nothing: the running values are the ones written", () => {
  expect(run(renderSysctls()).status).toBe(0);
  sb.calls();
  const env = { INSTANCES: String(INOTIFY_FLOORS["fs.inotify.max_user_instances"]), WATCHES: String(INOTIFY_FLOORS["fs.inotify.max_user_watches"]) };
  const r = run(renderSysctls(), env);
  expect(r.stdout).toBe("changed=0\n");
  expect(sb.calls()).toEqual([]);
});

test("an unreadable value (no sysctl key in a container) counts as 0, so the floor is written", () => {
  const r = run(renderSysctls(), { INSTANCES: "", WATCHES: "n/a" });
  expect(r.status).toBe(0);
  expect(written()).toContain("fs.inotify.max_user_instances = 8192\nfs.inotify.max_user_watches = 524288\n");
});

test("the record before preparation keeps the inotify limits, and the undo puts them back", () => {
  expect(run(renderPrepRecord()).status).toBe(0);
  expect(run(renderSysctls()).status).toBe(0);
  sb.calls();
  const r = run(renderPrepUndo("n1"));
  expect(r.stderr).toBe("");
  expect(fs.existsSync(path.join(sb.dir, SYSCTL_FILE))).toBe(false);
  const calls = sb.calls();
  expect(calls).toContain("sysctl -qw fs.inotify.max_user_instances=128");
  expect(calls).toContain("sysctl -qw fs.inotify.max_user_watches=8192");
});
