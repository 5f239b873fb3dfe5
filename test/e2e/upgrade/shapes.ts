/**
 * The clusters the upgrade check brings up with an older release and then upgrades: each shape's
 * hosts, stack config, and the preview steps a release upgrade may show (anything else is a finding).
 */
import { TestLab } from "../hosts";
import { InvHost, clusterConfig } from "../scenarios/fixture";
import { Step } from "../scenarios/stack";

export interface Shape {
  /** Letter on the command line (--shape a,b,c). */
  key: string;
  title: string;
  hosts: InvHost[];
  /** Stack config besides the inventory: `cluster` and any layer keys (snapshots, registries). */
  config: (lab: TestLab, version: string) => Record<string, unknown>;
  /** Nodes whose merged config has protect-kernel-defaults. */
  kernelDefaults?: string[];
  /**
   * Only the release preview runs with this checkout: its `up` would set vm.* and kernel.* sysctls
   * (protect-kernel-defaults), which network namespaces do not isolate, on the machine running the lab.
   */
  previewOnly?: boolean;
}

const server = (name: string): InvHost => ({ name, role: "server", arch: "amd64" });
const agent = (name: string): InvHost => ({ name, role: "agent", arch: "amd64" });

/**
 * (c) uses every layer the lab can run: the addons layer (storage, load balancing, monitoring) is Helm
 * releases through the Kubernetes provider, which the lab's toolchain lacks (no API server either), so
 * it is out; snapshots (k3s keys), registries (registries.yaml and embedded-registry) and the API VIP
 * (kube-vip's manifests in the servers' auto-deploy directory) are files and config keys only.
 */
export const SHAPES: Shape[] = [
  {
    key: "a",
    title: "sqlite, 1 server + 2 agents",
    hosts: [server("srv1"), agent("ag1"), agent("ag2")],
    config: (lab, version) => ({ cluster: { ...clusterConfig(lab, version), datastore: "sqlite" } }),
  },
  {
    key: "b",
    title: "embedded etcd, 3 servers + 1 agent",
    hosts: [server("srv1"), server("srv2"), server("srv3"), agent("ag1")],
    config: (lab, version) => ({ cluster: clusterConfig(lab, version) }),
  },
  {
    key: "c",
    title: "embedded etcd, 1 server + 1 agent, with the snapshots, registries and API VIP layers",
    hosts: [server("srv1"), agent("ag1")],
    config: (lab, version) => ({
      // A free address on the servers' /24, as the api-vip scenario picks it.
      cluster: { ...clusterConfig(lab, version), apiVip: { address: lab.host("srv1").address.replace(/\.\d+$/, ".250") } },
      snapshots: { schedule: "0 */6 * * *", retention: 7 },
      registries: { mirrors: { "docker.io": { endpoint: ["https://registry.lab.example:5000"] } }, embeddedMirror: true },
    }),
  },
  {
    key: "d",
    title: "sqlite, 1 server with protect-kernel-defaults + 1 agent (preview only)",
    hosts: [server("srv1"), agent("ag1")],
    config: (lab, version) => ({ cluster: { ...clusterConfig(lab, version), datastore: "sqlite", serverConfig: { "protect-kernel-defaults": true } } }),
    kernelDefaults: ["srv1"],
    previewOnly: true,
  },
];

/** Why a preview step of a release upgrade is expected, or undefined when it is a finding. */
export type Expectation = (step: Step, shape: Shape, datastore: string) => string | undefined;

/**
 * What an upgrade from stop 25's release (29fd590) or later may change, each with the commit (or stop)
 * that changes it; a release that changes more says so in its changelog and here. Only a script (stdin)
 * may change.
 */
export const EXPECTED: Expectation = (step, shape, datastore) => {
  const etcd = datastore === "etcd";
  const servers = shape.hosts.filter((h) => h.role === "server").map((h) => h.name);
  if (etcd && step.op === "create" && step.name === "k3s-teardown") return "new teardown step of an etcd cluster; runs nothing on create (f97359d)";
  if (step.op !== "update" || step.diffs.join() !== "stdin") return undefined;
  // Update-only, on the first server: the update runs it, and it takes no snapshot where k3s already runs the version.
  if (etcd && step.name === "k3s-pre-upgrade") return "pre-upgrade etcd snapshot takes none where k3s already runs the target version (62f281e): the update checks the version and snapshots nothing";
  const node = /^k3s-(.+)-(member|leave|config|install|restart|uncordon)$/.exec(step.name);
  if (node?.[2] === "config") {
    const why = [
      ...(etcd && servers.includes(node[1]) ? ["host preparation makes sure an etcd server has curl for the quorum checks (f97359d)", "and warns when its data is on an SD card or eMMC (etcd-sd)"] : []),
      ...(shape.kernelDefaults?.includes(node[1]) ? ["host preparation sets the kernel settings protect-kernel-defaults requires (6f89371)"] : []),
      "the config step no longer restarts k3s when host preparation changes the SELinux drop-in; the node's restart step does (stop 27)",
      "host preparation's iptables check reads INPUT's policy DROP (input-policy)",
      "host preparation names the reboot when a kernel update replaced the running kernel's modules (host/modules.ts)",
    ];
    return why.length ? `${why.join("; ")}; config.yaml unchanged, so no restart` : undefined;
  }
  if (node?.[2] === "member") {
    const guard = etcd && servers.includes(node[1]) && servers[0] !== node[1] ? "; replacement quorum guard added (f97359d)" : "";
    return `membership script reads every Node once (e8eed97)${guard}, compares the Nodes' machine IDs (machine-id) and the node's clock with the first server's (clock-skew), and its wait for Ready says when no Node registered: its wait for Ready and checks re-run, nothing restarts`;
  }
  // Its update installs only where k3s is missing: on a running node it rewrites the same token and runs nothing else.
  if (node?.[2] === "install") return "install.sh's dnf/yum/zypper calls for k3s-selinux wait for another package manager's lock (host/install-lock.ts), its waits for k3s stop at once when systemd shows it failed or crash-looping or k3s keeps refusing its join (join-errors.ts), its delete refuses to uninstall a node nothing drained, a joining node checks that its join URL answers before install.sh (join-reach), and its starts of k3s, install.sh's included, are queued instead of waited for in systemctl (unit-queue.ts): k3s is installed, so the update installs nothing";
  // Both are update-only steps: the update runs them, on a node already on this version and configuration.
  if (node?.[2] === "restart") return "restart script says where the roll stopped when an upgrade's install fails, its upgrade's install.sh waits for package-manager locks (host/install-lock.ts), its health gate stops at once when systemd shows k3s failed or crash-looping or k3s keeps refusing its join (join-errors.ts), an etcd server's upgrade refuses etcd 3.5 older than v3.5.26 → 3.6 (5aff26b), and its starts and restarts of k3s are queued instead of waited for in systemctl (unit-queue.ts): k3s already runs this version and configuration, so only the health gate runs";
  if (node?.[2] === "uncordon") return "uncordon's wait for Ready says when no Node registered: the node already runs this version, so it only waits for Ready (it lifts only a cordon its cordon step set)";
  // Its only phase is delete: the update stores the script a later removal runs and runs nothing.
  if (node?.[2] === "leave") return "leave script also drops the node's etcd-leaving record (f97359d) and never deletes the Node of the server it runs on (node-guard.ts renderNotSelfGuard); the update runs nothing (delete-only step)";
  return undefined;
};

/** The datastore a shape's config asks for. */
export function datastoreOf(config: Record<string, unknown>): string {
  return String((config.cluster as Record<string, unknown>).datastore ?? "etcd");
}
