// Every rendered shell script passes shellcheck and `bash -n`.
import { spawnSync } from "child_process";
import * as scripts from "../../components/k3s/scripts";
import * as rolloutScripts from "../../components/day-two/rollout-scripts";
import { scriptFrame } from "../../components/remote/shell";
import { Privilege, wrapperCommand } from "../../components/remote/command";
import { renderPreInstall } from "../../components/airgap/scripts";
import { packScript } from "../../components/remote/packed-script";
import { renderNotNewerThanServers } from "../../components/day-two/node-scripts";
import { renderUniqueNodeIp } from "../../components/k3s/unique-node-ip";

/** Valid but unusual names and values: dots, slashes, underscores, a label key with a DNS prefix. */
const NODE = "pi-1.home.arpa";
const LABELS = { "node.example.com/role": "edge_v1.2-x", tier: "a", empty: "" };
const TOKEN = "K10abc::server:0123456789abcdef";
const HASH = "0f".repeat(32);
const TAINTS = ["node.example.com/dedicated=db_1:NoExecute", "gpu:NoSchedule"];
const ONLINE: scripts.InstallSpec = { node: NODE, role: "agent", version: "v1.36.3+k3s1", installScriptUrl: "https://get.k3s.io/?channel=x&y='z'", artifactUrl: "https://mirror.lan/k3s" };
const STAGED: scripts.InstallSpec = {
  ...ONLINE,
  role: "server",
  stagedScript: "/var/lib/rancher/k3s-stacks/airgap/v1.36.3+k3s1/install.sh",
  stagedEnv: { INSTALL_K3S_SKIP_DOWNLOAD: "true", INSTALL_K3S_BIN_DIR: "/opt/bin" },
  preInstall: `${renderPreInstall({ dir: "/var/lib/rancher/k3s-stacks/airgap/v1.36.3+k3s1", k3sSha256: "a".repeat(64) })}
cat > /etc/k3s-stacks-note <<'NOTE'
  staged by "k3s-stacks" $(not expanded)
NOTE`,
};

/** Representative renders of every script renderer in components/k3s/scripts.ts and rollout-scripts.ts. */
const RENDERS: Record<string, Array<[string, string]>> = {
  renderConfigScript: [
    ["server config with extra files, may fix cgroups and reboot", scripts.renderConfigScript({ host: { node: NODE, fixCgroups: true, allowReboot: true, arch: "arm64", installPackages: true, firewall: "keep", etcdServer: true, network: { role: "server", etcd: true, backend: "wireguard-native", clusterCidrs: ["10.42.0.0/16"], serviceCidrs: ["10.43.0.0/16"], embeddedRegistry: true } }, role: "server", files: [
      { path: "/etc/rancher/k3s/config.yaml", content: "node-name: pi-1\nnode-label:\n  - tier=edge\n", mode: "0600" },
      { path: "/etc/rancher/k3s/registries.yaml", content: "mirrors:\n  docker.io:\n    endpoint: [\"https://m.lan\"]\nK3S_STACKS_EOF\n$HOME `x`", mode: "0644" },
    ] })],
    ["agent config, check only", scripts.renderConfigScript({ host: { node: NODE, fixCgroups: false, allowReboot: false, arch: "arm", firewall: "open", interfaces: { nodeIps: ["192.168.56.11", "fd00:56::11"], flannelIface: "eth1" }, vpn: { file: "/etc/rancher/k3s/vpn auth" }, kernelDefaults: true, network: { role: "agent", etcd: false, backend: "vxlan", clusterCidrs: ["10.42.0.0/16"], serviceCidrs: ["10.43.0.0/16"], embeddedRegistry: false } }, role: "agent", files: [{ path: "/etc/rancher/k3s/config.yaml", content: "server: https://10.0.0.1:6443", mode: "0600" }] })],
  ],
  renderInstallScript: [
    ["online install", scripts.renderInstallScript(ONLINE, TOKEN)],
    ["staged install with preInstall", scripts.renderInstallScript(STAGED, TOKEN)],
    ["joining agent install, checking its join URL", scripts.renderInstallScript(ONLINE, TOKEN, undefined, 600)],
    ["install with a leave step, whose delete refuses an undrained node", scripts.renderInstallScript(ONLINE, TOKEN, "k3s-ag1-leave", 30)],
  ],
  renderRestartScript: [
    ["agent restart for configuration only", rolloutScripts.renderRestartScript({ node: NODE, role: "agent", files: ["/etc/rancher/k3s/config.yaml", "/etc/rancher/k3s/registries.yaml"], configHash: HASH, etcd: false, timeoutSeconds: 600 })],
    ["etcd server upgrade and restart", rolloutScripts.renderRestartScript({ node: NODE, role: "server", install: { ...ONLINE, role: "server" }, files: ["/etc/rancher/k3s/config.yaml"], configHash: HASH, etcd: true, timeoutSeconds: 600 })],
    ["etcd server restart with its node-ip held against its member's peer address", rolloutScripts.renderRestartScript({ node: NODE, role: "server", files: ["/etc/rancher/k3s/config.yaml"], configHash: HASH, etcd: true, timeoutSeconds: 600, nodeIp: "fd00::11" })],
    ["first etcd server, moving from sqlite (restart and upgrade)", rolloutScripts.renderRestartScript({ node: NODE, role: "server", install: { ...ONLINE, role: "server" }, files: ["/etc/rancher/k3s/config.yaml"], configHash: HASH, etcd: true, sqliteToEtcd: true, timeoutSeconds: 600 })],
    ["first etcd server, moving from sqlite (restart only)", rolloutScripts.renderRestartScript({ node: NODE, role: "server", files: ["/etc/rancher/k3s/config.yaml"], configHash: HASH, etcd: true, sqliteToEtcd: true, timeoutSeconds: 600 })],
    ["first etcd server renewing certificates while moving from sqlite", rolloutScripts.renderRestartScript({ node: NODE, role: "server", install: { ...ONLINE, role: "server" }, files: ["/etc/rancher/k3s/config.yaml"], configHash: HASH, etcd: true, sqliteToEtcd: true, certificateRenewal: "2027-05-20", timeoutSeconds: 600 })],
    ["agent renewing certificates", rolloutScripts.renderRestartScript({ node: NODE, role: "agent", files: ["/etc/rancher/k3s/config.yaml"], configHash: HASH, etcd: false, certificateRenewal: "2027-05-20", timeoutSeconds: 600 })],
    ["staged upgrade with preInstall", rolloutScripts.renderRestartScript({ node: NODE, role: "server", install: STAGED, files: ["/etc/rancher/k3s/config.yaml"], configHash: HASH, etcd: false, timeoutSeconds: 60 })],
  ],
  renderCordonScript: [
    ["cordon and drain", rolloutScripts.renderCordonScript({ node: NODE, version: "v1.36.3+k3s1", drain: true, drainTimeout: "5m" })],
    ["cordon only", rolloutScripts.renderCordonScript({ node: NODE, version: "v1.36.3+k3s1", drain: false, drainTimeout: "5m" })],
  ],
  renderUncordonScript: [["uncordon", rolloutScripts.renderUncordonScript({ node: NODE, version: "v1.36.3+k3s1", timeoutSeconds: 600 })]],
  renderMemberScript: [
    ["member with labels and taints", scripts.renderMemberScript({ node: NODE, bootstrap: false, labels: LABELS, taints: TAINTS, drainTimeout: "90s", readyTimeoutSeconds: 600 })],
    ["agent member with the node-ip and servers' version checks", scripts.renderMemberScript({ node: NODE, bootstrap: false, labels: {}, taints: [], drainTimeout: "90s", readyTimeoutSeconds: 600, whenReady: `${renderUniqueNodeIp(NODE)}\n${renderNotNewerThanServers(NODE)}` })],
    ["bootstrap member, nothing managed", scripts.renderMemberScript({ node: NODE, bootstrap: true, labels: {}, taints: [], drainTimeout: "5m", readyTimeoutSeconds: 600 })],
  ],
  renderKubeconfigScript: [["kubeconfig", scripts.renderKubeconfigScript()], ["kubeconfig after a restart", scripts.renderKubeconfigScript("0123456789abcdef")]],
};

const ALL: Array<[string, string]> = [
  ...Object.values(RENDERS).flat(),
  ["pre-upgrade frame (cluster.ts)", scriptFrame("before upgrading to v1.36.3+k3s1", { update: "k3s etcd-snapshot save --name pre-upgrade" })],
  // What a host receives on stdin: the decoding prologue in front of the compressed script.
  ...RENDERS.renderConfigScript.map(([name, script]): [string, string] => [`${name}, packed`, packScript(script)]),
  ...(["root", "sudo", "sudo-password"] as Privilege[]).map((p): [string, string] => [`wrapper command (${p})`, `${wrapperCommand(p, "create")}\n`]),
];

const shellcheck = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });
const haveShellcheck = shellcheck.status === 0;

test("every exported renderer of scripts.ts has a case here", () => {
  const renderers = [...Object.keys(scripts), ...Object.keys(rolloutScripts)].filter((k) => k.startsWith("render")).sort();
  expect(Object.keys(RENDERS).sort()).toEqual(renderers);
});

if (!haveShellcheck && process.env.CI) {
  test("shellcheck is installed (CI)", () => {
    throw new Error("shellcheck is missing: apt-get install -y shellcheck");
  });
}

describe.each(ALL)("%s", (_, script) => {
  (haveShellcheck ? test : test.skip)("passes shellcheck", () => {
    const r = spawnSync("shellcheck", ["-s", "bash", "-f", "gcc", "-"], { input: script, encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  test("parses with bash -n", () => {
    const r = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});

test("a staged preInstall heredoc keeps its terminator at the start of the line", () => {
  const install = scripts.renderInstallScript(STAGED, TOKEN);
  expect(install).toContain("\nNOTE\n");
  expect(install).toContain("\n  staged by \"k3s-stacks\" $(not expanded)\nNOTE\n");
});
