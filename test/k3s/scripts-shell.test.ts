// Rendered scripts run in a real bash against a scratch directory, with fake systemctl/k3s on PATH.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { HostPrep } from "../../components/k3s/host-prep";
import { renderConfigScript, renderInstallScript, renderMemberScript } from "../../components/k3s/scripts";
import { LOG_CALL, Sandbox, sandbox } from "./support/shell";
import { HOST_PATHS, debianHost, put } from "./support/host";

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
  // systemctl: logs the call; is-active succeeds only when $ACTIVE_FLAG exists; start creates it when
  // $START_MAKES_ACTIVE is set (a unit that starts fine).
  // No dphys-swapfile unit here (Raspberry Pi OS has one).
  sb.fake("systemctl", `if [ "$1" = list-unit-files ] || [ "$1" = is-enabled ]; then exit 1; fi\n${LOG_CALL}\nif [ "$1" = is-active ]; then [ -e "$ACTIVE_FLAG" ]; exit; fi\nif [ "$1" = start ] && [ -n "\${START_MAKES_ACTIVE:-}" ]; then touch "$ACTIVE_FLAG"; fi\nexit 0`);
  sb.fake("sleep", ":");
});
afterEach(() => sb.cleanup());

const mode = (file: string) => (fs.statSync(file).mode & 0o777).toString(8).padStart(4, "0");

/** Host paths the preparation reads or writes, moved into the sandbox so tests never touch the real host. */
const inSandbox = (script: string) => HOST_PATHS.reduce((s, p) => s.split(p).join(sb.dir + p), script);
/** A Debian cgroup v2 host with systemd and the memory controller, no swap, modules loadable. */
function healthyHost(): void {
  debianHost(sb);
  fs.mkdirSync(path.join(sb.dir, "sys/fs/cgroup"), { recursive: true });
  fs.writeFileSync(path.join(sb.dir, "sys/fs/cgroup/cgroup.controllers"), "cpuset cpu io memory pids\n");
  sb.fake("swapon", 'printf "%s" "${SWAPS:-}"');
  sb.fake("swapoff", LOG_CALL);
  sb.fake("modprobe", "exit 0");
  sb.fake("sysctl", "exit 0");
}
const HOST: HostPrep = { node: "n1", fixCgroups: false, allowReboot: false };

describe("config script (renderConfigScript): managed files", () => {
  beforeEach(healthyHost);
  const cfg = () => path.join(sb.dir, "etc/rancher/k3s/config.yaml");
  const reg = () => path.join(sb.dir, "etc/rancher/k3s/registries.yaml");
  const REGISTRIES = "mirrors:\n  docker.io:\n    endpoint: [\"https://m.lan\"]\nK3S_STACKS_EOF\n$HOME `id` '\"";
  const render = (registries: string, regMode = "0644") =>
    inSandbox(renderConfigScript({ host: HOST, role: "server", files: [{ path: cfg(), content: "node-name: n1\n", mode: "0600" }, { path: reg(), content: registries, mode: regMode }] }));
  const run = (script: string, active: boolean, phase = "create") =>
    sb.run(["bash", "-s", "--", phase], { input: script, env: { ACTIVE_FLAG: active ? sb.log.replace("calls.log", "active") : "/nonexistent" } });
  const setActive = (on: boolean) => (on ? fs.writeFileSync(path.join(sb.dir, "active"), "") : fs.rmSync(path.join(sb.dir, "active"), { force: true }));

  const started = () => path.join(sb.dir, "var/lib/rancher/k3s-stacks/rollout/started-config");
  const sha = (text: string) => spawnSync("sha256sum", { input: text, encoding: "utf8" }).stdout.split(" ")[0];
  /** What config_hash prints for the two managed files with these contents (and no config.yaml.d drop-in). */
  const hashOf = (config: string, registries: string) =>
    sha(`${cfg()}\n${sha(config)}  -\n${reg()}\n${sha(registries)}  -\n${sb.dir}/etc/rancher/k3s/config.yaml.d/*.yaml\nabsent\n`);

  test("first run writes the files exactly, with their modes, does not start an inactive k3s, and records them as what k3s starts with", () => {
    setActive(false);
    const r = run(render(REGISTRIES), false);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(fs.readFileSync(cfg(), "utf8")).toBe("node-name: n1\n");
    expect(fs.readFileSync(reg(), "utf8")).toBe(`${REGISTRIES}\n`);
    expect(mode(cfg())).toBe("0600");
    expect(mode(reg())).toBe("0644");
    expect(sb.calls()).toEqual(["systemctl is-active --quiet k3s"]);
    expect(fs.readdirSync(path.dirname(cfg())).sort()).toEqual(["config.yaml", "registries.yaml"]);
    expect(fs.readFileSync(started(), "utf8")).toBe(`${hashOf("node-name: n1\n", `${REGISTRIES}\n`)}\n`);
  });

  test("an identical second run changes nothing and restarts nothing, even when k3s runs", () => {
    run(render(REGISTRIES), false);
    sb.calls();
    const before = fs.statSync(cfg());
    setActive(true);
    const r = run(render(REGISTRIES), true, "update");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^k3s-stacks: n1: debian 12 \(family debian\), [^\n]*\nk3s-stacks: n1 prepared\n$/);
    expect(sb.calls()).toEqual([]);
    const after = fs.statSync(cfg());
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  test("a changed file never restarts a running k3s: the restart is left to the rolling restart", () => {
    run(render(REGISTRIES), false);
    const recorded = fs.readFileSync(started(), "utf8");
    sb.calls();
    setActive(true);
    const r = run(render("mirrors: {}"), true, "update");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("k3s restarts when the rolling restart reaches it");
    expect(fs.readFileSync(reg(), "utf8")).toBe("mirrors: {}\n");
    expect(sb.calls()).toEqual(["systemctl is-active --quiet k3s"]);
    // Still the files k3s runs with: the restart step compares against it.
    expect(fs.readFileSync(started(), "utf8")).toBe(recorded);
  });

  test("a changed file while k3s is not running is recorded as what k3s will start with", () => {
    run(render(REGISTRIES), false);
    sb.calls();
    run(render("mirrors: {}"), false, "update");
    expect(sb.calls()).toEqual(["systemctl is-active --quiet k3s"]);
    expect(fs.readFileSync(started(), "utf8")).toBe(`${hashOf("node-name: n1\n", "mirrors: {}\n")}\n`);
  });

  test("a mode change alone is applied without a restart", () => {
    run(render(REGISTRIES), false);
    sb.calls();
    setActive(true);
    run(render(REGISTRIES, "0640"), true, "update");
    expect(mode(reg())).toBe("0640");
    expect(sb.calls()).toEqual([]);
  });

  test("an agent's running k3s-agent is not restarted either, and delete does nothing", () => {
    const agent = inSandbox(renderConfigScript({ host: HOST, role: "agent", files: [{ path: cfg(), content: "a: 1", mode: "0600" }] }));
    setActive(true);
    run(agent, true);
    expect(sb.calls()).toEqual(["systemctl is-active --quiet k3s-agent"]);
    fs.rmSync(cfg());
    expect(run(agent, true, "delete").status).toBe(0);
    expect(fs.existsSync(cfg())).toBe(false);
  });
});

describe("config script (renderConfigScript): host preparation", () => {
  const cmdline = () => path.join(sb.dir, "boot/firmware/cmdline.txt");
  const LINE = "console=serial0,115200 root=PARTUUID=abc-02 rootwait";
  const render = (host: Partial<HostPrep> = {}) => inSandbox(renderConfigScript({ host: { ...HOST, ...host }, role: "agent", files: [] }));
  const run = (script: string, env: Record<string, string> = {}) => sb.run(["bash", "-s", "--", "create"], { input: script, env: { ACTIVE_FLAG: "/nonexistent", ...env } });
  /** A Raspberry Pi booted without the memory controller (cgroup v2). */
  function piWithoutMemoryCgroup(): void {
    healthyHost();
    fs.writeFileSync(path.join(sb.dir, "sys/fs/cgroup/cgroup.controllers"), "cpuset cpu io pids\n");
    fs.mkdirSync(path.dirname(cmdline()), { recursive: true });
    fs.writeFileSync(cmdline(), `${LINE}\n`);
    // is-active (not logged) prints the state in $ACTIVE_FLAG's file, "inactive" without one.
    sb.fake("systemctl", `if [ "$1" = is-active ]; then s=$(cat "$ACTIVE_FLAG" 2>/dev/null || echo inactive); echo "$s"; [ "$s" = active ]; exit; fi\n${LOG_CALL}`);
  }

  test("a healthy host: modules and sysctls written once, swap left alone when there is none", () => {
    healthyHost();
    expect(run(render()).status).toBe(0);
    expect(fs.readFileSync(path.join(sb.dir, "etc/modules-load.d/k3s.conf"), "utf8")).toBe("br_netfilter\noverlay\nvxlan\n");
    expect(fs.readFileSync(path.join(sb.dir, "etc/sysctl.d/90-k3s.conf"), "utf8")).toContain("net.ipv4.ip_forward = 1");
    // Only the check whether k3s runs, to record the files it will start with.
    expect(sb.calls()).toEqual(["systemctl is-active --quiet k3s-agent"]);
  });

  test("swap is turned off and its fstab line commented out", () => {
    healthyHost();
    fs.writeFileSync(path.join(sb.dir, "etc/fstab"), "UUID=1 / ext4 defaults 0 1\n/swapfile none swap sw 0 0\n");
    expect(run(render(), { SWAPS: "/swapfile file 1G 0B -2" }).status).toBe(0);
    expect(sb.calls()).toEqual(["swapoff -a", "systemctl is-active --quiet k3s-agent"]);
    expect(fs.readFileSync(path.join(sb.dir, "etc/fstab"), "utf8")).toBe("UUID=1 / ext4 defaults 0 1\n# k3s-stacks: /swapfile none swap sw 0 0\n");
  });

  test("no memory cgroup and no opt-in: fails with the exact line to add, changes nothing, writes no config", () => {
    piWithoutMemoryCgroup();
    const r = run(render());
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`n1 has no memory cgroup. Fix: append ' cgroup_memory=1 cgroup_enable=memory' to the single line in ${cmdline()}`);
    expect(fs.readFileSync(cmdline(), "utf8")).toBe(`${LINE}\n`);
    expect(fs.existsSync(path.join(sb.dir, "etc/modules-load.d"))).toBe(false);
  });

  test("fixCgroups without allowReboot: fixes the command line (with a backup) and asks for a reboot, never reboots", () => {
    piWithoutMemoryCgroup();
    const r = run(render({ fixCgroups: true }));
    expect(r.status).toBe(1);
    expect(fs.readFileSync(cmdline(), "utf8")).toBe(`${LINE} cgroup_memory=1 cgroup_enable=memory\n`);
    expect(fs.readFileSync(`${cmdline()}.k3s-stacks.bak`, "utf8")).toBe(`${LINE}\n`);
    expect(r.stderr).toContain("n1 needs a reboot to enable the memory cgroup");
    expect(sb.calls()).toEqual([]);
    // A second run does not append the arguments twice.
    run(render({ fixCgroups: true }));
    expect(fs.readFileSync(cmdline(), "utf8")).toBe(`${LINE} cgroup_memory=1 cgroup_enable=memory\n`);
  });

  test("a kernel booted with the cgroup arguments that still has no memory cgroup: fails saying so and where to look, never reboots again", () => {
    piWithoutMemoryCgroup();
    fs.writeFileSync(cmdline(), `${LINE} cgroup_memory=1 cgroup_enable=memory\n`);
    put(sb, "proc/cmdline", `coherent_pool=1M cgroup_disable=memory ${LINE} cgroup_memory=1 cgroup_enable=memory\n`);
    const r = run(render({ fixCgroups: true, allowReboot: true }));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("n1 has no memory cgroup although its running kernel was booted with cgroup_enable=memory");
    expect(r.stderr).toContain(`This kernel ignores the argument, so a reboot would not help and none is done. Fix: look for a later cgroup_disable=memory in ${sb.dir}/proc/cmdline`);
    expect(r.stderr).toContain("CONFIG_MEMCG");
    spawnSync("sleep", ["2.5"]);
    expect(sb.calls()).toEqual([]);
    expect(fs.readFileSync(cmdline(), "utf8")).toBe(`${LINE} cgroup_memory=1 cgroup_enable=memory\n`);
    expect(fs.existsSync(path.join(sb.dir, "etc/modules-load.d"))).toBe(false);
  });

  test("fixCgroups with allowReboot reboots the node", () => {
    piWithoutMemoryCgroup();
    const r = run(render({ fixCgroups: true, allowReboot: true }));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("n1 reboots now");
    // The reboot is detached (so the SSH session returns first): wait for its whole log line (the
    // file exists before the fake has written to it), as long as a loaded machine needs.
    const logged = () => fs.existsSync(sb.log) && fs.readFileSync(sb.log, "utf8").endsWith("\n");
    for (const deadline = Date.now() + 30_000; !logged() && Date.now() < deadline; ) spawnSync("sleep", ["0.1"]);
    expect(sb.calls()).toEqual(["systemctl reboot"]);
  });

  test.each(["active", "activating"])("never reboots a node where k3s is %s: config steps run on every node at once", (state) => {
    piWithoutMemoryCgroup();
    const active = path.join(sb.dir, "k3s-state");
    fs.writeFileSync(active, `${state}\n`);
    const r = run(render({ fixCgroups: true, allowReboot: true }), { ACTIVE_FLAG: active });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("n1 needs a reboot to enable the memory cgroup; k3s runs on it, so it is not rebooted from here (host preparation runs on every node at once). Fix: drain and reboot n1, one node at a time");
    expect(r.stderr).not.toContain("reboots now");
    spawnSync("sleep", ["2.5"]);
    expect(sb.calls()).toEqual([]);
  });
});

describe("install script (renderInstallScript): join token", () => {
  test("writes a root-only token file and never prints the token", () => {
    const script = renderInstallScript({ node: "w-1", role: "agent", version: "v1.36.3+k3s1", installScriptUrl: "https://get.k3s.io", stagedScript: path.join(sb.dir, "install.sh") }, "SECRET-TOKEN-abc")
      .replace(/\/etc\/rancher\/k3s/g, sb.dir);
    sb.fake("k3s", 'echo "k3s version v1.36.3+k3s1 (abc)"');
    const r = sb.run(["bash", "-s", "--", "update"], { input: script });
    expect(r.status).toBe(0);
    expect(fs.readFileSync(path.join(sb.dir, "token"), "utf8")).toBe("SECRET-TOKEN-abc\n");
    expect(mode(path.join(sb.dir, "token"))).toBe("0600");
    expect(r.stdout + r.stderr).not.toContain("SECRET-TOKEN");
  });

  const withToken = (token: string) =>
    renderInstallScript({ node: "w-1", role: "agent", version: "v1.36.3+k3s1", installScriptUrl: "https://get.k3s.io", stagedScript: path.join(sb.dir, "install.sh") }, token)
      .replace(/\/etc\/rancher\/k3s/g, sb.dir);

  test("a different token on a node running k3s (the stack's token was replaced) fails before the file is overwritten, naming the k3s rule and the fix", () => {
    fs.writeFileSync(path.join(sb.dir, "token"), "OLD-TOKEN-1\n", { mode: 0o600 });
    sb.fake("k3s", 'echo "k3s version v1.36.3+k3s1 (abc)"');
    const r = sb.run(["bash", "-s", "--", "update"], { input: withToken("SECRET-TOKEN-new") });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/w-1 runs k3s with another join token .*encrypted with the token it was created with.*k3s-io\/k3s#3675.*Fix: bring back the stack state that holds the old token/);
    expect(fs.readFileSync(path.join(sb.dir, "token"), "utf8")).toBe("OLD-TOKEN-1\n");
    expect(r.stdout + r.stderr).not.toMatch(/OLD-TOKEN|SECRET-TOKEN/);
  });

  test("the same token passes; a node without k3s (reinstall) takes the stack's token", () => {
    fs.writeFileSync(path.join(sb.dir, "token"), "SECRET-TOKEN-abc\n", { mode: 0o600 });
    sb.fake("k3s", 'echo "k3s version v1.36.3+k3s1 (abc)"');
    expect(sb.run(["bash", "-s", "--", "update"], { input: withToken("SECRET-TOKEN-abc") }).status).toBe(0);
    fs.rmSync(path.join(sb.bin, "k3s"));
    fs.writeFileSync(path.join(sb.dir, "install.sh"), "true\n");
    fs.writeFileSync(path.join(sb.dir, "token"), "OLD-TOKEN-1\n", { mode: 0o600 });
    const r = sb.run(["bash", "-s", "--", "update"], { input: withToken("SECRET-TOKEN-new"), env: { ACTIVE_FLAG: path.join(sb.dir, "active"), START_MAKES_ACTIVE: "1" } });
    expect(r.stderr).not.toContain("another join token");
    expect(fs.readFileSync(path.join(sb.dir, "token"), "utf8")).toBe("SECRET-TOKEN-new\n");
  });
});

describe("install script (renderInstallScript): a node that lost k3s", () => {
  const script = () =>
    renderInstallScript({ node: "w-1", role: "agent", version: "v1.36.3+k3s1", installScriptUrl: "https://get.k3s.io", stagedScript: path.join(sb.dir, "install.sh") }, "SECRET-TOKEN-abc")
      .replace(/\/etc\/rancher\/k3s/g, sb.dir)
      .replace(/\/etc\/rancher\/node/g, path.join(sb.dir, "node"));
  const update = () => {
    fs.writeFileSync(path.join(sb.dir, "install.sh"), "true\n");
    return sb.run(["bash", "-s", "--", "update"], { input: script(), env: { ACTIVE_FLAG: path.join(sb.dir, "active"), START_MAKES_ACTIVE: "1" } });
  };
  const NOTE = /k3s and its node password \(\/etc\/rancher\/node\/password\) are missing on w-1, which this stack installed\. If the machine was reinstalled, the cluster still holds the old machine's Node, its node password .*'Node password rejected', k3s-io\/k3s#6054\)\. Fix: pulumi up --replace with the URN of its leave step \(the one ending in -w-1-leave; see 'A machine reinstalled under the same name' in docs\/day-two\.md\)\./;

  // A reinstalled machine has neither; k3s would refuse it under the old Node's password.
  test("without its node password either, installs again and says why k3s may refuse it, naming the fix", () => {
    const r = update();
    expect(r.status).toBe(0);
    expect(r.stderr.replace(sb.dir + "/node", "/etc/rancher/node")).toMatch(NOTE);
    expect(sb.calls()).toContain("systemctl start --no-block k3s-agent");
  });

  test("with its node password kept (k3s uninstalled by hand), installs again without the note", () => {
    fs.mkdirSync(path.join(sb.dir, "node"));
    fs.writeFileSync(path.join(sb.dir, "node/password"), "old\n");
    const r = update();
    expect(r.status).toBe(0);
    expect(r.stderr).not.toContain("node password");
  });

  test("with k3s installed, says nothing and installs nothing", () => {
    sb.fake("k3s", 'echo "k3s version v1.36.3+k3s1 (abc)"');
    const r = sb.run(["bash", "-s", "--", "update"], { input: script() });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
  });
});

describe("config script (renderConfigScript): a machine running k3s as another node", () => {
  beforeEach(healthyHost);
  const running = () => path.join(sb.dir, "etc/rancher/k3s/config.yaml");
  const render = (node: string) =>
    inSandbox(renderConfigScript({ host: { ...HOST, node }, role: "agent", files: [{ path: path.join(sb.dir, "managed.yaml"), content: `node-name: ${node}\n`, mode: "0600" }] }))
      .split("'/etc/rancher/k3s/config.yaml'").join(`'${running()}'`);
  const run = (node: string, active: boolean) => sb.run(["bash", "-s", "--", "update"], { input: render(node), env: { ACTIVE_FLAG: active ? path.join(sb.dir, "active") : "/nonexistent" } });
  const k3sRunsAs = (line: string) => {
    fs.mkdirSync(path.dirname(running()), { recursive: true });
    fs.writeFileSync(running(), `# Managed by k3s-stacks\nflannel-iface: eth0\n${line}\nnode-ip: 192.168.1.20\n`);
    fs.writeFileSync(path.join(sb.dir, "active"), "");
  };

  test("fails naming both nodes before anything changes", () => {
    k3sRunsAs("node-name: pi-zero");
    const r = run("pi-edge", true);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^k3s-stacks: this machine \(.*\) runs k3s as node 'pi-zero', not as 'pi-edge'\..*Fix: give 'pi-edge' the address of its own machine; to rename 'pi-zero', remove it in one pulumi up and add 'pi-edge' in the next\.\n$/);
    expect(fs.existsSync(path.join(sb.dir, "managed.yaml"))).toBe(false);
    expect(sb.calls().filter((c) => !c.startsWith("systemctl is-active"))).toEqual([]);
  });

  test("a quoted node-name is read as k3s reads it", () => {
    k3sRunsAs("node-name: '0042'");
    expect(run("pi-edge", true).stderr).toContain("runs k3s as node '0042'");
    expect(run("0042", true).status).toBe(0);
  });

  test("passes for the node's own machine, a machine without k3s running, and a config.yaml without node-name", () => {
    k3sRunsAs("node-name: pi-edge");
    expect(run("pi-edge", true).status).toBe(0);
    k3sRunsAs("node-name: pi-zero");
    expect(run("pi-edge", false).status).toBe(0);
    k3sRunsAs("token-file: /x");
    expect(run("pi-edge", true).status).toBe(0);
  });
});

describe("membership script (renderMemberScript): label and taint reconciliation", () => {
  const STATE = "/var/lib/rancher/k3s-stacks";
  const render = (labels: Record<string, string>, taints: string[], bootstrap = false) =>
    renderMemberScript({ node: "w-1", bootstrap, labels, taints, drainTimeout: "90s", readyTimeoutSeconds: 10 }).split(STATE).join(path.join(sb.dir, "state"));
  const stateFile = () => path.join(sb.dir, "state/managed/w-1");
  const run = (script: string, phase: string) => sb.run(["bash", "-s", "--", phase], { input: script });

  beforeEach(() => {
    // k3s kubectl: `get node` reports Ready (or what $NODE_STATUS says); every other call is logged.
    sb.fake("k3s", `if [ "$1 $2 $3" = "kubectl get node" ]; then
  case "$*" in *--no-headers*) [ -z "$NODE_GONE" ] || exit 1; echo "$4 \${NODE_STATUS:-Ready} <none> 1d v1.36.3+k3s1"; exit 0 ;; esac
  [ -z "$NODE_GONE" ] || { echo "Error from server (NotFound): nodes \"$4\" not found" >&2; exit 1; }
  exit 0
fi
${LOG_CALL}`);
  });

  test("create applies labels and taints and records what it manages", () => {
    const r = run(render({ tier: "edge", "example.com/zone": "attic" }, ["dedicated=db:NoSchedule", "gpu:NoExecute"]), "create");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(sb.calls()).toEqual([
      "k3s kubectl label node w-1 tier=edge example.com/zone=attic --overwrite",
      "k3s kubectl taint node w-1 dedicated=db:NoSchedule --overwrite",
      "k3s kubectl taint node w-1 gpu:NoExecute --overwrite",
    ]);
    expect(fs.readFileSync(stateFile(), "utf8")).toBe("label tier\nlabel example.com/zone\ntaint dedicated:NoSchedule\ntaint gpu:NoExecute\n");
  });

  test("update removes only what we set before and no longer want", () => {
    run(render({ tier: "edge", "example.com/zone": "attic" }, ["dedicated=db:NoSchedule", "gpu:NoExecute"]), "create");
    sb.calls();
    const r = run(render({ tier: "core" }, ["gpu:NoExecute"]), "update");
    expect(r.status).toBe(0);
    expect(sb.calls()).toEqual([
      "k3s kubectl label node w-1 example.com/zone-",
      "k3s kubectl taint node w-1 dedicated:NoSchedule-",
      "k3s kubectl label node w-1 tier=core --overwrite",
      "k3s kubectl taint node w-1 gpu:NoExecute --overwrite",
    ]);
    expect(fs.readFileSync(stateFile(), "utf8")).toBe("label tier\ntaint gpu:NoExecute\n");
  });

  test("a node put back while an earlier up was removing it (its marker on the first server) is uncordoned once Ready, and the marker goes", () => {
    fs.mkdirSync(path.join(sb.dir, "state/removing"), { recursive: true });
    fs.writeFileSync(path.join(sb.dir, "state/removing/w-1"), "");
    const r = run(render({}, []), "update");
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("an earlier pulumi up began removing w-1");
    expect(sb.calls()).toEqual(["k3s kubectl uncordon w-1"]);
    expect(fs.existsSync(path.join(sb.dir, "state/removing/w-1"))).toBe(false);
    // Without the marker nothing is uncordoned (a cordon the user set stays).
    expect(run(render({}, []), "update").status).toBe(0);
    expect(sb.calls()).toEqual([]);
  });

  test("a node put back after its removal uninstalled k3s fails its membership (not Ready), naming the removal", () => {
    fs.mkdirSync(path.join(sb.dir, "state/removing"), { recursive: true });
    fs.writeFileSync(path.join(sb.dir, "state/removing/w-1"), "");
    const r = sb.run(["bash", "-s", "--", "update"], { input: render({}, []), env: { NODE_STATUS: "NotReady" } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/an earlier pulumi up began removing w-1.*delete its entry and run pulumi up to finish the removal, then add it back/);
    expect(r.stderr).toContain("node w-1 is not Ready");
    expect(sb.calls()).toEqual([]);
  });

  describe("against a kubectl that keeps taints as the API does (one per key and effect)", () => {
    const taints = () => path.join(sb.dir, "taints");
    beforeEach(() => {
      // \`taint node N k[=v]:E --overwrite\` sets the (k, E) taint; \`k:E-\` removes it, \`k-\` every effect of k;
      // removing a taint the node lacks fails with kubectl's "not found"; $TAINT_FAIL makes every removal fail so.
      sb.fake("k3s", `if [ "$1 $2 $3" = "kubectl get node" ]; then echo "$4 Ready <none> 1d v1.36.3+k3s1"; exit 0; fi
${LOG_CALL}
[ "$1 $2 $3" = "kubectl taint node" ] || exit 0
spec=$5 file=${taints()}
touch "$file"
case "$spec" in
  *-) if [ -n "\${TAINT_FAIL:-}" ]; then echo "$TAINT_FAIL" >&2; exit 1; fi
      k=\${spec%-}; match="^\${k%%:*}=[^:]*:\${k#*:}\$"; [ "\${k#*:}" = "$k" ] && match="^$k="
      grep -q "$match" "$file" || { echo "error: taint \"$k\" not found" >&2; exit 1; }
      grep -v "$match" "$file" > "$file.new"; mv "$file.new" "$file" ;;
  *) key=\${spec%%[=:]*} effect=\${spec##*:} value=""
     case "$spec" in *=*) value=\${spec#*=}; value=\${value%:*} ;; esac
     grep -v "^$key=[^:]*:$effect\$" "$file" > "$file.new"; mv "$file.new" "$file"
     echo "$key=$value:$effect" >> "$file" ;;
esac`);
    });
    const onNode = () => fs.readFileSync(taints(), "utf8").split("\n").filter(Boolean).sort();

    test("changing only a taint's effect leaves the new taint alone on the node", () => {
      expect(run(render({}, ["k=v:NoSchedule"]), "create").status).toBe(0);
      expect(onNode()).toEqual(["k=v:NoSchedule"]);
      const r = run(render({}, ["k=v:NoExecute"]), "update");
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(onNode()).toEqual(["k=v:NoExecute"]);
      expect(fs.readFileSync(stateFile(), "utf8")).toBe("taint k:NoExecute\n");
    });

    test("one key with two effects: dropping one keeps the other", () => {
      run(render({}, ["k=v:NoSchedule", "k=v:NoExecute"]), "create");
      expect(onNode()).toEqual(["k=v:NoExecute", "k=v:NoSchedule"]);
      expect(run(render({}, ["k=v:NoSchedule"]), "update").status).toBe(0);
      expect(onNode()).toEqual(["k=v:NoSchedule"]);
    });

    test("a taint removed by hand meanwhile is not an error", () => {
      run(render({}, ["k=v:NoSchedule"]), "create");
      fs.writeFileSync(taints(), "");
      expect(run(render({}, []), "update").status).toBe(0);
      expect(fs.readFileSync(stateFile(), "utf8")).toBe("");
    });

    test("a removal the API refuses fails the step and keeps the record, so the next run retries it", () => {
      run(render({}, ["k=v:NoSchedule"]), "create");
      const r = sb.run(["bash", "-s", "--", "update"], { input: render({}, ["k=v:NoExecute"]), env: { TAINT_FAIL: "error: the server is currently unable to handle the request" } });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/k3s-stacks: could not remove taint k:NoSchedule from w-1: error: the server is currently unable.*Fix: /);
      expect(fs.readFileSync(stateFile(), "utf8")).toBe("taint k:NoSchedule\n");
    });
  });

  test("with nothing wanted, everything managed is removed and the record emptied", () => {
    run(render({ tier: "edge" }, []), "create");
    sb.calls();
    run(render({}, []), "update");
    expect(sb.calls()).toEqual(["k3s kubectl label node w-1 tier-"]);
    expect(fs.readFileSync(stateFile(), "utf8")).toBe("");
  });

  test("a node that never gets Ready fails naming the node", () => {
    const r = sb.run(["bash", "-s", "--", "create"], { input: render({}, []), env: { NODE_STATUS: "NotReady" } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/node w-1 is not Ready after 10s \(status: NotReady.*Fix: check 'journalctl -u k3s'/);
    expect(sb.calls()).toEqual([]);
  });

  test("a node whose k3s never registered it fails saying so, not with blank status and version", () => {
    const r = sb.run(["bash", "-s", "--", "create"], { input: render({}, []), env: { NODE_GONE: "1" } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("node w-1 is not Ready after 10s (no Node named w-1 is registered: its k3s did not start or did not reach a server). Fix: check 'journalctl -u k3s'");
  });

  test("delete only drains a joined node (the uninstall, then the leave step, come after), and forgets its record", () => {
    run(render({ tier: "edge" }, []), "create");
    sb.calls();
    expect(run(render({ tier: "edge" }, []), "delete").status).toBe(0);
    expect(sb.calls()).toEqual([
      "k3s kubectl drain w-1 --ignore-daemonsets --delete-emptydir-data --force --timeout=90s",
    ]);
    expect(fs.existsSync(stateFile())).toBe(false);
  });

  test("delete of a node the cluster no longer knows does nothing", () => {
    expect(sb.run(["bash", "-s", "--", "delete"], { input: render({}, []), env: { NODE_GONE: "1" } }).status).toBe(0);
    expect(sb.calls()).toEqual([]);
  });

  test("the bootstrap server is not drained on delete: it leaves with the cluster", () => {
    const r = run(render({}, [], true), "delete");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("bootstrap server");
    expect(sb.calls()).toEqual([]);
  });
});

describe("install script (renderInstallScript), staged", () => {
  const render = (role: "server" | "agent" = "server") =>
    renderInstallScript({
      node: "w-1",
      role,
      version: "v1.36.3+k3s1",
      installScriptUrl: "https://get.k3s.io",
      stagedScript: path.join(sb.dir, "install.sh"),
      stagedEnv: { INSTALL_K3S_SKIP_DOWNLOAD: "true" },
      preInstall: `cat > "${sb.dir}/pre" <<'EOF'\n$literal\nEOF\necho pre >> "$CALLS"`,
    }, "K10token").replace(/\/etc\/rancher\/k3s/g, sb.dir);

  beforeEach(() => {
    fs.writeFileSync(path.join(sb.dir, "install.sh"), `echo "install.sh $INSTALL_K3S_VERSION $INSTALL_K3S_EXEC $INSTALL_K3S_SKIP_DOWNLOAD\${INSTALL_K3S_SKIP_START:+ skip-start}" >> "$CALLS"; touch "${sb.dir}/active"\n`);
  });

  test("create runs preInstall, then install.sh with version and role, then waits for the service", () => {
    const r = sb.run(["bash", "-s", "--", "create"], { input: render(), env: { ACTIVE_FLAG: path.join(sb.dir, "active") } });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(fs.readFileSync(path.join(sb.dir, "pre"), "utf8")).toBe("$literal\n");
    expect(fs.readFileSync(path.join(sb.dir, "token"), "utf8")).toBe("K10token\n");
    // Its log is streamed (remote.ts showOutput), so the token must never be in it.
    expect(r.stdout + r.stderr).not.toContain("K10token");
    expect(sb.calls()).toEqual(["pre", "install.sh v1.36.3+k3s1 server true", "systemctl is-active --quiet k3s", "systemctl show -p MainPID k3s", "systemctl show -p NRestarts,ActiveState,SubState k3s", "systemctl is-active --quiet k3s", "systemctl is-active --quiet k3s"]);
  });

  test("an agent's create in a bring-up queues the start and leaves the wait for Ready to its member step", () => {
    const r = sb.run(["bash", "-s", "--", "create"], { input: render("agent"), env: { ACTIVE_FLAG: "/nonexistent" } });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("k3s-agent starting on w-1; its membership step waits until the node is Ready");
    expect(r.stdout + r.stderr).not.toContain("K10token");
    expect(sb.calls()).toEqual(["pre", "install.sh v1.36.3+k3s1 agent true skip-start", "systemctl start --no-block k3s-agent"]);
  });

  test("an agent's update, k3s missing, waits until the service is active (no member step follows it)", () => {
    const r = sb.run(["bash", "-s", "--", "update"], { input: render("agent"), env: { ACTIVE_FLAG: "/nonexistent" } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("k3s-agent did not become active on w-1");
  });

  test("a service left stopped by an earlier failed start is started (install.sh sees no change and skips it)", () => {
    fs.writeFileSync(path.join(sb.dir, "install.sh"), `echo "install.sh no change" >> "$CALLS"\n`);
    const r = sb.run(["bash", "-s", "--", "create"], { input: render(), env: { ACTIVE_FLAG: path.join(sb.dir, "active"), START_MAKES_ACTIVE: "1" } });
    expect(r.status).toBe(0);
    expect(sb.calls()).toEqual(["pre", "install.sh no change", "systemctl is-active --quiet k3s", "systemctl start --no-block k3s", "systemctl show -p MainPID k3s", "systemctl show -p NRestarts,ActiveState,SubState k3s", "systemctl is-active --quiet k3s", "systemctl is-active --quiet k3s"]);
  });

  test("update installs only when k3s is missing", () => {
    sb.fake("k3s", 'echo "k3s version v1.35.0+k3s1 (abc)"');
    const r = sb.run(["bash", "-s", "--", "update"], { input: render(), env: { ACTIVE_FLAG: path.join(sb.dir, "active") } });
    expect(r.status).toBe(0);
    expect(sb.calls()).toEqual([]);
  });

  test("a missing staged script fails naming it and the node", () => {
    fs.rmSync(path.join(sb.dir, "install.sh"));
    const r = sb.run(["bash", "-s", "--", "create"], { input: render(), env: { ACTIVE_FLAG: "/nonexistent" } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`staged install script ${path.join(sb.dir, "install.sh")} is missing on w-1`);
  });

  test("a service that never becomes active fails with the journalctl hint", () => {
    fs.writeFileSync(path.join(sb.dir, "install.sh"), "true\n");
    const r = sb.run(["bash", "-s", "--", "create"], { input: render(), env: { ACTIVE_FLAG: "/nonexistent" } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("k3s did not become active on w-1");
    expect(r.stderr).toContain("journalctl -u k3s");
  });
});
