// Leave and gone-host removal scripts: shellcheck, and runs in bash against a fake `k3s kubectl`
// that keeps one Node (with an etcd member annotation) in a file, like the API would.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as removal from "../../components/k3s/removal-scripts";
import { CONFIG_FILE } from "../../components/k3s/node-config";
import { LOG_CALL, Sandbox, sandbox } from "./support/shell";

const NODE = "pi-2.home.arpa";
const RENDERS: Record<string, string> = {
  leave: removal.renderLeaveScript({ node: NODE, timeoutSeconds: 120 }),
  gone: removal.renderGoneScript({ node: NODE, drainTimeout: "60s", timeoutSeconds: 120 }),
  ...Object.fromEntries(Object.entries(removal.renderRemovalScripts({ node: NODE, drainTimeout: "90s", timeoutSeconds: 120 })).map(([k, v]) => [`removal ${k}`, v])),
  "removal drain of an etcd server": removal.renderRemovalScripts({ node: NODE, drainTimeout: "90s", timeoutSeconds: 120, etcdLeaving: [NODE, "pi-5"] }).drain,
};

test("every exported renderer has a case here", () => {
  expect(Object.keys(removal).filter((k) => k.startsWith("render")).sort()).toEqual(["renderGoneScript", "renderLeaveScript", "renderRemovalScripts"]);
});

const haveShellcheck = spawnSync("shellcheck", ["--version"], { encoding: "utf8" }).status === 0;
describe.each(Object.entries(RENDERS))("%s script", (_, script) => {
  (haveShellcheck ? test : test.skip)("passes shellcheck", () => {
    const r = spawnSync("shellcheck", ["-s", "bash", "-f", "gcc", "-"], { input: script, encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
  sb.fake("sleep", ":");
  // $NODE_FILE exists while the Node does; `delete` removes it unless $STUCK (a finalizer that never ends).
  sb.fake("k3s", `${LOG_CALL}
node_file=\${NODE_FILE:?}
case "$2 $3" in
  "get node")
    [ -e "$node_file" ] || { echo "Error from server (NotFound): nodes \\"$4\\" not found" >&2; exit 1; }
    case "$*" in *jsonpath*) printf '%s' "$(cat "$node_file")" ;; esac ;;
  "drain "*) [ -z "\${DRAIN_FAILS:-}" ] || exit 1 ;;
  "delete node") [ -n "\${STUCK:-}" ] || rm -f "$node_file" ;;
esac`);
});
afterEach(() => sb.cleanup());

const nodeFile = () => path.join(sb.dir, "node");
const run = (script: string, phase: string, env: Record<string, string> = {}) =>
  sb.run(["bash", "-s", "--", phase], { input: script, env: { NODE_FILE: nodeFile(), ...env } });
const mutating = (calls: string[]) => calls.filter((c) => !c.startsWith("k3s kubectl get "));

describe("leave (delete phase, after the uninstall)", () => {
  test("deletes the Node without --force, waits until it is gone and names the etcd member it took along", () => {
    fs.writeFileSync(nodeFile(), "pi-2.home.arpa-3f9a1c2b");
    const r = run(RENDERS.leave, "delete");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(mutating(sb.calls())).toEqual([`k3s kubectl delete node ${NODE} --ignore-not-found --wait=true --timeout=120s`]);
    expect(r.stdout).toContain(`etcd member pi-2.home.arpa-3f9a1c2b of ${NODE} removed with its Node`);
    expect(fs.existsSync(nodeFile())).toBe(false);
  });

  test("an agent (no member annotation) is deleted without a member line", () => {
    fs.writeFileSync(nodeFile(), "");
    const r = run(RENDERS.leave, "delete");
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain("etcd member");
    expect(r.stdout).toContain(`Node ${NODE} deleted`);
  });

  test("a Node already gone is fine (re-run, or removed by hand)", () => {
    const r = run(RENDERS.leave, "delete");
    expect(r.status).toBe(0);
    expect(mutating(sb.calls())).toEqual([]);
  });

  test("a Node whose finalizer never finishes fails naming the node and what to check", () => {
    fs.writeFileSync(nodeFile(), "m1");
    const r = run(RENDERS.leave, "delete", { STUCK: "1" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`the Node ${NODE.replace(/\./g, "\\.")} still exists 120s after it was deleted .*etcd member.*Fix:`));
  });

  test("create and update do nothing", () => {
    fs.writeFileSync(nodeFile(), "");
    expect(run(RENDERS.leave, "create").status).toBe(0);
    expect(run(RENDERS.leave, "update").status).toBe(0);
    expect(sb.calls()).toEqual([]);
  });
});

describe("the first server never deletes its own Node (renderNotSelfGuard)", () => {
  // The script with config.yaml read from the sandbox; systemctl says whether k3s runs.
  const onServer = (name: string, active: boolean) => {
    fs.writeFileSync(path.join(sb.dir, "config.yaml"), `token-file: /x\nnode-name: ${name}\n`);
    sb.fake("systemctl", `${LOG_CALL}\n[ "$1" = is-active ] && exit ${active ? 0 : 3}\nexit 0`);
    return RENDERS.leave.split(CONFIG_FILE).join(path.join(sb.dir, "config.yaml"));
  };

  test("refuses while k3s runs here as that node, naming why and the fix; nothing is deleted", () => {
    fs.writeFileSync(nodeFile(), "m1");
    const r = run(onServer(NODE, true), "delete");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`refusing to delete the Node ${NODE} from ${NODE} itself`);
    expect(r.stderr).toContain("Fix: set k3s-stacks:upgrade.checkPreviousOutputs: true and run pulumi up again; nothing was deleted.");
    expect(mutating(sb.calls().filter((c) => c.startsWith("k3s ")))).toEqual([]);
    expect(fs.existsSync(nodeFile())).toBe(true);
  });

  test("deletes as before on another server, or once k3s is stopped here (pulumi destroy uninstalls first)", () => {
    for (const [name, active] of [["pi-1", true], [NODE, false]] as const) {
      fs.writeFileSync(nodeFile(), "");
      const r = run(onServer(name, active), "delete");
      expect({ name, active, status: r.status }).toEqual({ name, active, status: 0 });
      expect(fs.existsSync(nodeFile())).toBe(false);
    }
  });
});

describe("gone host (create phase, on the first server, no SSH to the host)", () => {
  test("force-drains with a bound, then deletes the Node", () => {
    fs.writeFileSync(nodeFile(), "m1");
    const r = run(RENDERS.gone, "create");
    expect(r.status).toBe(0);
    expect(mutating(sb.calls())).toEqual([
      `k3s kubectl drain ${NODE} --ignore-daemonsets --delete-emptydir-data --force --disable-eviction --grace-period=1 --timeout=60s`,
      `k3s kubectl delete node ${NODE} --ignore-not-found --wait=true --timeout=120s`,
    ]);
  });

  test("a drain that times out (pods on a dead kubelet) still deletes the Node", () => {
    fs.writeFileSync(nodeFile(), "");
    const r = run(RENDERS.gone, "create", { DRAIN_FAILS: "1" });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("did not terminate within 60s");
    expect(fs.existsSync(nodeFile())).toBe(false);
  });

  test("re-running after the Node is gone is a no-op", () => {
    expect(run(RENDERS.gone, "update").status).toBe(0);
    expect(mutating(sb.calls())).toEqual([]);
  });
});

describe("an API that does not answer is never taken for a Node that is gone", () => {
  test("leave fails after a bounded wait instead of reporting the Node deleted", () => {
    fs.writeFileSync(nodeFile(), "");
    sb.fake("k3s", `${LOG_CALL}\necho "The connection to the server 127.0.0.1:6443 was refused" >&2; exit 1`);
    const r = run(RENDERS.leave, "delete");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the Kubernetes API did not answer about node pi-2\.home\.arpa for 60s: The connection to the server 127\.0\.0\.1:6443 was refused\. Fix:/);
    expect(r.stdout).not.toContain("deleted");
  });
});

test("a first server without k3s (destroy uninstalled it) has no cluster left: leave finishes without waiting", () => {
  const r = sb.run(["bash", "-s", "--", "delete"], { input: RENDERS.leave, env: { NODE_FILE: nodeFile(), PATH: `${sb.bin}-none:/usr/bin:/bin` } });
  expect(r.status).toBe(0);
  expect(r.stdout).toContain(`Node ${NODE} deleted`);
});

test("the first server's uninstall stops the API between the look-up and the delete (destroy): leave finishes once k3s is gone", () => {
  fs.writeFileSync(nodeFile(), "");
  // The delete is refused and takes k3s away with it, as the first server's parallel uninstall does.
  sb.fake("k3s", `${LOG_CALL}
case "$2 $3" in
  "get node") exit 0 ;;
  "delete node") rm -f "$0"; echo "The connection to the server 127.0.0.1:6443 was refused" >&2; exit 1 ;;
esac`);
  const r = run(RENDERS.leave, "delete");
  expect(r.status).toBe(0);
  expect(r.stderr).toContain("deleting the Node pi-2.home.arpa did not finish; checking whether it is gone");
  expect(r.stdout).toContain("Node pi-2.home.arpa deleted");
});

describe("removal of a host deleted from the inventory (renderRemovalScripts, run on create or update)", () => {
  const STATE = "/var/lib/rancher/k3s-stacks";
  const local = (script: string) => script.split(STATE).join(path.join(sb.dir, "state"));
  const marker = () => path.join(sb.dir, "state/removing", NODE);
  const scripts = () => removal.renderRemovalScripts({ node: NODE, drainTimeout: "90s", timeoutSeconds: 120 });

  test("drain marks the removal on the first server, then drains; the Node's deletion clears the mark and the managed-labels record", () => {
    fs.writeFileSync(nodeFile(), "");
    const drained = run(local(scripts().drain), "update");
    expect(drained.status).toBe(0);
    expect(mutating(sb.calls())).toEqual([`k3s kubectl drain ${NODE} --ignore-daemonsets --delete-emptydir-data --force --timeout=90s`]);
    expect(fs.existsSync(marker())).toBe(true);
    fs.mkdirSync(path.join(sb.dir, "state/managed"), { recursive: true });
    fs.writeFileSync(path.join(sb.dir, "state/managed", NODE), "label tier\n");
    const left = run(local(scripts().leave), "create");
    expect(left.status).toBe(0);
    expect(mutating(sb.calls())).toEqual([`k3s kubectl delete node ${NODE} --ignore-not-found --wait=true --timeout=120s`]);
    expect(fs.existsSync(marker())).toBe(false);
    expect(fs.existsSync(path.join(sb.dir, "state/managed", NODE))).toBe(false);
  });

  test("every step is a no-op on a re-run once the Node is gone", () => {
    expect(run(local(scripts().drain), "update").status).toBe(0);
    expect(run(local(scripts().leave), "update").status).toBe(0);
    expect(mutating(sb.calls())).toEqual([]);
  });

  test("the uninstall fails the step when the host's uninstall script fails, and runs nothing on a host without k3s", () => {
    const uninstall = scripts().uninstall.split("/usr/local/bin/").join(`${sb.bin}/`).split("/etc/rancher").join(path.join(sb.dir, "etc/rancher")).split("/var/lib/rancher").join(path.join(sb.dir, "var/lib/rancher"));
    expect(run(uninstall, "update").status).toBe(0);
    sb.fake("k3s-agent-uninstall.sh", `${LOG_CALL}\necho "rm: cannot remove '/var/lib/rancher/k3s': Device or resource busy" >&2\nexit 1`);
    const r = run(uninstall, "update");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Device or resource busy");
    expect(r.stdout).not.toContain("k3s removed from");
  });
});
