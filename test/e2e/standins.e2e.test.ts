/**
 * Self-test of the e2e lab: the hosts behave like separate SSH machines, and the k3s stand-ins keep
 * the contracts of the real install script and k3s that the Pulumi program relies on.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import { READ_NODE_TABLE } from "../../components/k3s/node-table";
import { replacedBinaryFunction } from "../../components/k3s/replaced-binary";
import { startLab, TestLab } from "./hosts";

const VERSION = "v1.36.3+k3s1";
/** A second release, to swap the binary under a running k3s. */
const NEXT = "v1.36.4+k3s1";
/** The lab's shared dir (stand-in controls, logs) as every host sees it. */
const SHARED_IN_HOST = "/var/lib/k3s-standin/shared";
let lab: TestLab;

/** Polls `done` every 250 ms until it holds or `timeoutMs` passed (a bound for a loaded machine, not a speed target). */
function waitFor(done: () => boolean, timeoutMs = 60_000): boolean {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250)) {
    if (done()) return true;
  }
  return done();
}

function install(host: string, env: Record<string, string>, args = "", sudo = ""): ReturnType<TestLab["ssh"]> {
  const vars = Object.entries({ INSTALL_K3S_VERSION: VERSION, INSTALL_K3S_ARTIFACT_URL: lab.artifactBaseUrl, ...env })
    .map(([k, v]) => `${k}='${v}'`)
    .join(" ");
  return lab.ssh(host, `curl -sfL ${lab.installScriptUrl} | ${sudo} env ${vars} sh -s - ${args}`);
}

function writeConfig(host: string, yamlText: string): void {
  const r = lab.exec(host, `mkdir -p /etc/rancher/k3s && cat > /etc/rancher/k3s/config.yaml <<'EOF'\n${yamlText}\nEOF`);
  expect(r.code).toBe(0);
}

beforeAll(() => {
  lab = startLab([
    { name: "srv1" },
    { name: "ag1", user: "nopasswd" },
    { name: "bastion" },
    { name: "hidden", user: "password", via: "bastion" },
    { name: "pi", memoryCgroup: false },
    { name: "v1host", cgroupV1: true },
  ], { versions: [VERSION, NEXT] });
});

afterAll(() => lab?.down());

describe("hosts", () => {
  test("each host is its own machine with its own files", () => {
    expect(lab.ssh("srv1", "hostname").stdout.trim()).toBe("srv1");
    lab.exec("srv1", "mkdir -p /etc/rancher/k3s && echo mine > /etc/rancher/k3s/marker");
    expect(lab.readFile("srv1", "/etc/rancher/k3s/marker")).toBe("mine\n");
    expect(lab.readFile("ag1", "/etc/rancher/k3s/marker")).toBeUndefined();
    lab.exec("srv1", "rm -rf /etc/rancher/k3s");
  });

  test("the hidden host is reachable only through its bastion", () => {
    const hidden = lab.host("hidden");
    const r = lab.ssh("hidden", "hostname");
    expect(r.stdout.trim()).toBe("hidden");
    // From the root namespace there is no route to the hidden address.
    const probe = spawnSync("bash", ["-c", `exec 3<>/dev/tcp/${hidden.address}/22`], { timeout: 5000 });
    expect(probe.status).not.toBe(0);
  });

  test("sudo needs the password on the password host, and not on the nopasswd host", () => {
    expect(lab.ssh("ag1", "sudo -n id -u").stdout.trim()).toBe("0");
    expect(lab.ssh("hidden", "sudo -n id -u").code).not.toBe(0);
    const pw = lab.host("hidden").sudoPassword ?? "";
    expect(lab.ssh("hidden", "sudo -S -p '' id -u", { stdin: pw + "\n" }).stdout.trim()).toBe("0");
  });

  test("a host can go away and come back", () => {
    lab.stopHost("ag1");
    expect(lab.ssh("ag1", "true", { timeoutMs: 15000 }).code).not.toBe(0);
    lab.startHost("ag1");
    expect(lab.ssh("ag1", "true").code).toBe(0);
  });
});

describe("k3s stand-ins", () => {
  test("a server installs, writes token and kubeconfig, and reports itself", () => {
    writeConfig("srv1", "cluster-init: true\ntoken: e2e-token\nwrite-kubeconfig-mode: \"0600\"");
    const r = install("srv1", {}, "server");
    expect(r.stdout).toContain("STAND-IN");
    expect(r.code).toBe(0);
    expect(lab.readFile("srv1", "/etc/rancher/k3s/k3s.yaml")).toContain("server: https://127.0.0.1:6443");
    expect(lab.readFile("srv1", "/var/lib/rancher/k3s/server/node-token")).toMatch(/^K10[0-9a-f]{64}::server:e2e-token\n$/);
    expect(lab.exec("srv1", "stat -c %a /etc/systemd/system/k3s.service.env").stdout.trim()).toBe("600");
    expect(lab.nodes("srv1").map((n) => n.name)).toEqual(["srv1"]);
  });

  test("an agent config with a server-only key is rejected", () => {
    writeConfig("ag1", `server: https://${lab.host("srv1").address}:6443\ntoken: e2e-token\ncluster-init: true`);
    const r = install("ag1", { INSTALL_K3S_EXEC: "agent" }, "", "sudo");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("flag provided but not defined: -cluster-init");
    expect(lab.nodes("srv1").map((n) => n.name)).not.toContain("ag1");
  });

  test("a valid agent joins and kubectl on the server sees it", () => {
    writeConfig("ag1", `server: https://${lab.host("srv1").address}:6443\ntoken: e2e-token\nnode-label:\n  - tier=edge`);
    const r = lab.ssh("ag1", "sudo systemctl restart k3s-agent");
    expect(r.code).toBe(0);
    const ag1 = lab.nodes("srv1").find((n) => n.name === "ag1");
    expect(ag1).toMatchObject({ ready: true, version: VERSION });
    expect(ag1?.labels["tier"]).toBe("edge");
    // The one read a membership's checks use (k3s/node-table.ts), as the stand-in answers it.
    const table = lab.ssh("srv1", "sudo bash -s", { stdin: `${READ_NODE_TABLE}\nprintf '%s' "$nodes"\n` });
    const machineId = (host: string) => lab.exec(host, "cat /etc/machine-id").stdout.trim();
    expect(machineId("ag1")).toMatch(/^[0-9a-f]{32}$/);
    expect(machineId("ag1")).not.toBe(machineId("srv1"));
    expect(table.stdout.split("\n").sort()).toEqual([
      `ag1 v=${VERSION} cp= m=${machineId("ag1")} ${lab.host("ag1").address}`,
      `srv1 v=${VERSION} cp=true m=${machineId("srv1")} ${lab.host("srv1").address}`,
    ]);
  });

  test("a wrong token is refused", () => {
    lab.exec("hidden", `mkdir -p /etc/rancher/k3s && printf 'server: https://${lab.host("srv1").address}:6443\\ntoken: nope\\n' > /etc/rancher/k3s/config.yaml`);
    const pw = lab.host("hidden").sudoPassword ?? "";
    const r = lab.ssh(
      "hidden",
      `sudo -S -p '' env INSTALL_K3S_VERSION=${VERSION} INSTALL_K3S_ARTIFACT_URL=${lab.artifactBaseUrl} INSTALL_K3S_EXEC=agent sh -c 'curl -sfL ${lab.installScriptUrl} | sh -'`,
      { stdin: pw + "\n" },
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("401 Unauthorized");
  });

  test("a server stand-in listens on 6443 while it runs and says it is no API; an agent's first join through a dropped 6443 logs k3s's CA fetch failure and retries until it answers", () => {
    const srv = lab.host("srv1").address;
    expect(lab.exec("ag1", `timeout 3 bash -c 'cat < /dev/tcp/${srv}/6443'`).stdout).toContain("k3s server stand-in on port 6443: this is not a Kubernetes API");
    const rule = `OUTPUT -p tcp -d ${srv} --dport 6443 -j DROP`;
    lab.exec("hidden", `iptables -I ${rule}`);
    try {
      lab.exec("hidden", `printf 'server: https://${srv}:6443\\ntoken: e2e-token\\n' > /etc/rancher/k3s/config.yaml`);
      // The port opens again while the agent retries (a dial with DROP takes 3 s, then 2 s between tries).
      lab.exec("hidden", `setsid bash -c 'sleep 6; iptables -D ${rule}' </dev/null >/dev/null 2>&1 &`);
      // Installed by the test above (its join refused): config.yaml alone is no change to install.sh.
      const r = lab.ssh("hidden", "sudo -S -p '' systemctl restart k3s-agent", { stdin: (lab.host("hidden").sudoPassword ?? "") + "\n" });
      expect(r.stderr).toMatch(/level=error msg=.*Failed to validate connection to cluster at https:\/\/[0-9.]+:6443: failed to get CA certs: Get "https:\/\/[0-9.]+:6443\/cacerts": dial tcp [0-9.]+:6443: i\/o timeout/);
      expect(r.stderr).toContain(`dial tcp ${srv}:6443: i/o timeout`);
      expect(r.code).toBe(0);
      expect(lab.nodes("srv1").map((n) => n.name)).toContain("hidden");
    } finally {
      lab.exec("hidden", `iptables -D ${rule} 2>/dev/null; true`);
    }
  });

  test("re-running the install with no change does not restart; config.yaml alone is not a change", () => {
    const starts = () => lab.invocations().filter((i) => i.tool === "k3s" && i.role === "server" && i.host === "srv1" && i.action === "start").length;
    const before = starts();
    expect(install("srv1", {}, "server").stdout).toContain("No change detected");
    writeConfig("srv1", "cluster-init: true\ntoken: e2e-token\nnode-label: [changed=yes]");
    expect(install("srv1", {}, "server").stdout).toContain("No change detected");
    expect(starts()).toBe(before);
    expect(install("srv1", { INSTALL_K3S_FORCE_RESTART: "true" }, "server").code).toBe(0);
    expect(starts()).toBe(before + 1);
  });

  test("a binary that does not match sha256sum-<arch>.txt is refused", () => {
    const file = `${lab.stateDir}/www/${VERSION}/k3s-arm64`;
    fs.appendFileSync(file, "\n# tampered\n");
    const r = install("srv1", { ARCH: "aarch64" }, "server");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("Download sha256 does not match");
  });

  test("value types are checked: a non-boolean for a bool flag fails the server", () => {
    writeConfig("srv1", "cluster-init: maybe\ntoken: e2e-token");
    const r = lab.ssh("srv1", "systemctl restart k3s");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('invalid boolean value "maybe"');
    writeConfig("srv1", "cluster-init: true\ntoken: e2e-token");
    expect(lab.ssh("srv1", "systemctl restart k3s").code).toBe(0);
  });

  test("node-ip is held to k3s's and the kubelet's rules: a single IP or a dual-stack pair, cluster-cidr's families, the advertise address in the first service family", () => {
    const dual = "cluster-cidr: [10.42.0.0/16,fd00:42::/56]\nservice-cidr: [10.43.0.0/16,fd00:43::/112]";
    const refused: Array<[string, string]> = [
      ["node-ip: [10.0.0.1, 10.0.0.2]", 'bad --node-ip "10.0.0.1,10.0.0.2"; must contain either a single IP or a dual-stack pair of IPs'],
      [`${dual}\nnode-ip: [10.0.0.1]`, "and node-ip: [10.0.0.1], must share the same IP version (IPv4, IPv6 or dual-stack)"],
      [`${dual}\nnode-ip: ["fd00:1::1", 10.0.0.1]`, 'service IP family "10.43.0.0/16" must match public address family "fd00:1::1"'],
    ];
    for (const [extra, message] of refused) {
      writeConfig("srv1", `cluster-init: true\ntoken: e2e-token\n${extra}`);
      const r = lab.ssh("srv1", "systemctl restart k3s");
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(message);
    }
    writeConfig("srv1", `cluster-init: true\ntoken: e2e-token\n${dual}\nnode-ip: [${lab.host("srv1").address}, "fd00:1::1"]`);
    expect(lab.ssh("srv1", "systemctl restart k3s").code).toBe(0);
    writeConfig("srv1", "cluster-init: true\ntoken: e2e-token");
    expect(lab.ssh("srv1", "systemctl restart k3s").code).toBe(0);
  });

  test("systemctl show -p MainPID names the unit's running main process (a named placeholder, aged by ps); 0 when the unit is not running", () => {
    const show = (args: string) => lab.exec("srv1", `systemctl show ${args}`);
    const mainPid = () => Number(show("--value -p MainPID k3s").stdout.trim());
    const ps = (pid: number) => lab.exec("srv1", `ps -o stat=,args= -p ${pid}`).stdout.trim();
    expect(lab.ssh("srv1", "systemctl restart k3s").code).toBe(0);
    const first = mainPid();
    expect(first).toBeGreaterThan(1);
    expect(show("-p MainPID k3s").stdout).toBe(`MainPID=${first}\n`);
    expect(show("--property=MainPID,ActiveState k3s.service").stdout).toBe(`MainPID=${first}\nActiveState=active\n`);
    expect(ps(first)).toMatch(/^S\S*\s+\[systemctl STAND-IN\] main process of k3s\.service infinity$/);
    expect(lab.exec("srv1", `ps -o etimes= -p ${first}`).stdout.trim()).toMatch(/^\d+$/);
    // A restart is a new main process; the old one is gone (or a zombie until it is reaped).
    expect(lab.ssh("srv1", "systemctl restart k3s").code).toBe(0);
    const second = mainPid();
    expect(second).toBeGreaterThan(1);
    expect(second).not.toBe(first);
    expect(ps(first)).not.toContain("STAND-IN");
    expect(lab.ssh("srv1", "systemctl stop k3s").code).toBe(0);
    expect(show("-p MainPID -p ActiveState k3s").stdout).toBe("MainPID=0\nActiveState=inactive\n");
    expect(ps(second)).not.toContain("STAND-IN");
    expect(show("-p MainPID,LoadState no-such-unit").stdout).toBe("MainPID=0\nLoadState=not-found\n");
    // What the install and restart steps read to stop waiting for a unit that crash-loops or failed (unit-watch.ts).
    expect(show("-p NRestarts,ActiveState,SubState k3s").stdout).toBe("NRestarts=0\nActiveState=inactive\nSubState=dead\n");
    const unknown = show("-p ExecMainStartTimestamp k3s");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("show does not model ExecMainStartTimestamp");
    // Not the command alone: bash would exec it, and its caller would be bash's own caller.
    expect(lab.exec("srv1", "systemctl start k3s; true").code).toBe(0);
    // Every call is logged with the command line of its caller.
    const last = lab.invocations().filter((i) => i.tool === "systemctl" && i.host === "srv1").pop();
    expect(last?.argv.slice(1)).toEqual(["start", "k3s"]);
    expect(last?.parent?.join(" ")).toContain("systemctl start k3s");
    expect(mainPid()).toBeGreaterThan(1);
  });

  test("the cluster reports the version k3s started with, not the binary on disk; k3s_binary_replaced sees a binary swapped under a running k3s", () => {
    const replaced = () => lab.exec("srv1", `${replacedBinaryFunction("k3s")}\nif k3s_binary_replaced; then echo replaced; else echo current; fi`).stdout.trim();
    const version = () => lab.nodes("srv1").find((n) => n.name === "srv1")?.version;
    expect(version()).toBe(VERSION);
    expect(replaced()).toBe("current");
    // The check compares whole seconds of two clocks (ps's elapsed time, date and the file's mtime), so a
    // binary swapped within about two seconds of the start can be missed; upgrades swap it much later.
    expect(waitFor(() => Number(lab.exec("srv1", "ps -o etimes= -p \"$(systemctl show --value -p MainPID k3s)\"").stdout) >= 3)).toBe(true);
    const swap = lab.exec("srv1", `curl -sf ${lab.artifactBaseUrl}/${NEXT}/k3s -o /usr/local/bin/k3s.new && chmod 0755 /usr/local/bin/k3s.new && mv -f /usr/local/bin/k3s.new /usr/local/bin/k3s`);
    expect(swap.code).toBe(0);
    expect(lab.exec("srv1", "k3s --version").stdout).toContain(`k3s version ${NEXT}`);
    expect(version()).toBe(VERSION);
    expect(replaced()).toBe("replaced");
    expect(lab.ssh("srv1", "systemctl restart k3s").code).toBe(0);
    expect(version()).toBe(NEXT);
    expect(replaced()).toBe("current");
  });

  test("systemctl --no-block queues one job per unit; the unit is active once k3s is up, failed when it fails", () => {
    const state = () => lab.exec("srv1", "systemctl is-active k3s").stdout.trim();
    const starts = () => lab.invocations().filter((i) => i.tool === "k3s" && i.role === "server" && i.host === "srv1" && i.action === "start").length;
    const mainStart = () => lab.exec("srv1", "systemctl show -p ExecMainStartTimestampMonotonic --value k3s").stdout.trim();
    const before = { starts: starts(), mainStart: mainStart() };
    // Held until cleared (the stand-in ends a start-delay when its control goes): no race between
    // the SSH round trip and a delay of a few seconds on a loaded machine.
    lab.setControl("start-delay", "600", "srv1");
    try {
      const r = lab.ssh("srv1", "systemctl restart --no-block k3s");
      expect(r.code).toBe(0);
      // It returned while the start is held: --no-block did not wait for it. The queued restart
      // stops k3s and starts a new main process, as systemd's restart job does.
      expect(waitFor(() => state() === "activating")).toBe(true);
      expect(mainStart()).not.toBe(before.mainStart);
      // A start queued meanwhile merges with the restart job: k3s is started once, not twice.
      expect(lab.ssh("srv1", "systemctl start --no-block k3s && systemctl restart --no-block k3s").code).toBe(0);
      // A blocking start joins the queued job, as systemd's does: it returns only once the held
      // start, released from the host meanwhile, is done.
      const release = `rm -f ${SHARED_IN_HOST}/control/srv1.start-delay`;
      expect(lab.ssh("srv1", `(sleep 2; ${release}) >/dev/null 2>&1 </dev/null & systemctl start k3s`).code).toBe(0);
      expect(state()).toBe("active");
      expect(starts()).toBe(before.starts + 1);
    } finally {
      lab.clearControl("start-delay", "srv1");
    }
    lab.setControl("fail-start", "disk full", "srv1");
    expect(lab.ssh("srv1", "systemctl restart --no-block k3s").code).toBe(0);
    expect(waitFor(() => state() === "failed")).toBe(true);
    lab.clearControl("fail-start", "srv1");
    expect(lab.ssh("srv1", "systemctl restart k3s").code).toBe(0);
  });

  test("injected start failure and the no-service-manager case", () => {
    lab.setControl("fail-start", "disk full", "srv1");
    expect(lab.ssh("srv1", "systemctl restart k3s").code).not.toBe(0);
    expect(lab.exec("srv1", "systemctl show -p ActiveState,SubState k3s").stdout).toBe("ActiveState=failed\nSubState=failed\n");
    lab.clearControl("fail-start", "srv1");
    expect(lab.ssh("srv1", "systemctl restart k3s").code).toBe(0);
    lab.exec("bastion", "rm -rf /run/systemd/system");
    const r = install("bastion", {}, "server");
    expect(r.stderr).toContain("Can not find systemd or openrc");
  });

  test("without the memory cgroup k3s fails until cmdline.txt is fixed and the host reboots", () => {
    writeConfig("pi", "token: e2e-token");
    const r = install("pi", {}, "server");
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain("cgroup_memory=1 cgroup_enable=memory");
    expect(r.stderr).toContain("failed to find memory cgroup");
    lab.exec("pi", "sed -i 's/$/ cgroup_memory=1 cgroup_enable=memory/' /boot/firmware/cmdline.txt");
    expect(lab.ssh("pi", "reboot").code).toBe(0);
    // The reboot stand-in returns at once and restarts the enabled units in the background.
    expect(waitFor(() => lab.exec("pi", "systemctl is-active k3s").stdout.trim() === "active")).toBe(true);
  });

  test("on a cgroup v1 host the kubelet of 1.35+ refuses to start, as the real one does, until fail-cgroupv1=false", () => {
    expect(lab.exec("srv1", "stat -fc %T /sys/fs/cgroup").stdout.trim()).toBe("cgroup2fs");
    expect(lab.exec("v1host", "stat -fc %T /sys/fs/cgroup").stdout.trim()).not.toBe("cgroup2fs");
    writeConfig("v1host", "token: e2e-token");
    const r = install("v1host", {}, "server");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("kubelet is configured to not run on a host using cgroup v1");
    // The kubelet's flags override its config drop-ins: fail-cgroupv1=true wins over a drop-in's false.
    const dropIn = "/var/lib/rancher/k3s/agent/etc/kubelet.conf.d/50-cgroup.conf";
    lab.exec("v1host", `mkdir -p ${dropIn.replace(/\/[^/]*$/, "")} && printf 'failCgroupV1: false\\n' > ${dropIn}`);
    writeConfig("v1host", "token: e2e-token\nkubelet-arg:\n  - fail-cgroupv1=true");
    expect(lab.exec("v1host", "k3s server 2>&1").stdout).toContain("kubelet is configured to not run on a host using cgroup v1");
    lab.exec("v1host", `rm ${dropIn}`);
    writeConfig("v1host", "token: e2e-token\nkubelet-arg:\n  - fail-cgroupv1=false");
    // install.sh sees no change (config.yaml alone is none) and skips the start: started by hand.
    expect(install("v1host", {}, "server").code).toBe(0);
    expect(lab.exec("v1host", "systemctl restart k3s").code).toBe(0);
    expect(waitFor(() => lab.exec("v1host", "systemctl is-active k3s").stdout.trim() === "active")).toBe(true);
  });

  test("cluster reset without a snapshot exits with k3s's message; a second one is refused until k3s starts normally", () => {
    expect(lab.exec("srv1", "systemctl stop k3s").code).toBe(0);
    const id = JSON.parse(lab.readFile("srv1", "/var/lib/rancher/k3s/server/standin-cluster.json") ?? "{}").cluster;
    const cluster = () => JSON.parse(lab.readFile("srv1", `/var/lib/k3s-standin/shared/cluster/clusters/${id}/cluster.json`) ?? "{}");
    const before = cluster();
    const first = lab.exec("srv1", "k3s server --cluster-reset 2>&1");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("Managed etcd cluster membership has been reset, restart without --cluster-reset flag now");
    expect(Object.keys(cluster().members)).toEqual(["srv1"]);
    expect(cluster().etcdClusterId).not.toBe(before.etcdClusterId);
    const again = lab.exec("srv1", "k3s server --cluster-reset 2>&1");
    expect(again.code).toBe(1);
    expect(again.stdout).toContain("cluster-reset was successfully performed, please remove the cluster-reset flag and start k3s normally");
    expect(lab.exec("srv1", "systemctl start k3s").code).toBe(0);
    expect(lab.exec("srv1", "test -e /var/lib/rancher/k3s/server/db/reset-flag || echo gone").stdout.trim()).toBe("gone");
    expect(lab.exec("srv1", "k3s kubectl get --raw=/readyz").stdout.trim()).toBe("ok");
  });

  test("uninstall leaves the host clean", () => {
    const r = lab.ssh("ag1", "sudo /usr/local/bin/k3s-agent-uninstall.sh");
    expect(r.code).toBe(0);
    const left = lab.exec("ag1", "ls -d /etc/rancher/k3s /var/lib/rancher/k3s /var/lib/kubelet /run/k3s /usr/local/bin/k3s* /etc/systemd/system/k3s* 2>/dev/null; true");
    expect(left.stdout.trim()).toBe("");
    // Its Node reads Ready until node-monitor-grace-period has passed, as kube-controller-manager has it.
    expect(lab.nodes("srv1").find((n) => n.name === "ag1")?.ready).toBe(true);
    lab.setControl("node-monitor-grace-period", "0");
    try {
      expect(lab.nodes("srv1").find((n) => n.name === "ag1")?.ready).toBe(false);
    } finally {
      lab.clearControl("node-monitor-grace-period");
    }
    expect(lab.ssh("srv1", "/usr/local/bin/k3s-uninstall.sh").code).toBe(0);
    expect(lab.exec("srv1", "ls -d /etc/rancher/k3s /var/lib/rancher/k3s /usr/local/bin/k3s* /etc/systemd/system/k3s* 2>/dev/null; true").stdout.trim()).toBe("");
  });

  test("every call is logged with host, role and a millisecond timestamp, and no token value", () => {
    const calls = lab.invocations();
    expect(calls.length).toBeGreaterThan(10);
    expect(calls.every((c) => /\.\d{3}Z$/.test(c.ts))).toBe(true);
    expect(calls.some((c) => c.tool === "systemctl" && c.host === "ag1")).toBe(true);
    expect(JSON.stringify(calls)).not.toContain("e2e-token");
  });

  test("a timestamp reads the clock once: a call on a second boundary is not stamped a second early", () => {
    // Each read of the clock (time.time, or time.gmtime without an argument) moves it on: 08:00:29.9995,
    // then 08:00:30.0005, as when a second turns between two reads. Read apart, the seconds and the
    // milliseconds made 08:00:29.000, a second early; scenarios/log.ts orders and times restarts by these stamps.
    const probe = [
      "import runpy, time",
      "real = time.gmtime",
      "ticks = iter([1796025629.9995, 1796025630.0005])",
      "time.time = lambda: next(ticks)",
      "time.gmtime = lambda s=None: real(next(ticks) if s is None else s)",
      `print(runpy.run_path(${JSON.stringify(`${__dirname}/standins/k3s.py`)}, run_name="probe")["now_ms"]())`,
    ].join("\n");
    const r = spawnSync("python3", ["-c", probe], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("2026-11-30T08:00:29.999Z");
  });

  test("the lab's teardown ends every unit's placeholder main process", () => {
    const pids = ["srv1", "ag1", "hidden", "pi"].flatMap((h) =>
      lab.exec(h, "cat /run/k3s-standin/units/*.main-pid 2>/dev/null; true").stdout.split("\n").filter(Boolean).map(Number));
    expect(pids.length).toBeGreaterThan(0);
    const running = () => pids.filter((pid) => {
      const r = spawnSync("ps", ["-o", "stat=,args=", "-p", String(pid)], { encoding: "utf8" });
      return /^[^Z]\S*\s+\[systemctl STAND-IN\]/.test(r.stdout.trim());
    });
    expect(running()).toEqual(pids);
    lab.down();
    expect(running()).toEqual([]);
  });
});
