/**
 * Runs the program's rendered scripts over real SSH exactly as its remote.Commands do (same fixed
 * command line, same stdin framing), without the Pulumi engine. It shakes out contract mismatches
 * between the scripts and the k3s stand-ins; the engine scenarios check ordering and state.
 */
import { parseClusterConfig, ClusterSettings } from "../../../components/k3s/settings";
import { inventoryNodes, parseInventoryConfig } from "../../../components/nodes/inventory";
import { NodeSpec } from "../../../components/nodes/types";
import { STDIN_MARK, privilegeOf, wrapperCommand } from "../../../components/remote/command";
import { packScript } from "../../../components/remote/packed-script";
import { CONFIG_FILE, ResolvedContributions, apiUrl, renderConfigYaml, renderNodeConfig } from "../../../components/k3s/node-config";
import { snapshotContribution } from "../../../components/day-two/snapshots";
import { parseSnapshotConfig, parseUpgradeConfig } from "../../../components/day-two";
import { rolloutSettings } from "../../../components/day-two/rollout";
import { InstallSpec, renderConfigScript, renderInstallScript, renderKubeconfigScript, renderMemberScript } from "../../../components/k3s/scripts";
import { renderCordonScript, renderRestartScript, renderUncordonScript } from "../../../components/day-two/rollout-scripts";
import { configHash } from "../../../components/day-two/restart-plan";
import { scriptFrame } from "../../../components/remote/shell";
import { renderLeaveScript } from "../../../components/k3s/removal-scripts";
import { LEAVE_TIMEOUT_SECONDS } from "../../../components/day-two/replace-chain";
import { ExecResult, TestLab } from "../hosts";
import { InvHost, clusterConfig, inventoryConfig, sudoPassword } from "./fixture";

type Phase = "create" | "update" | "delete";

/** One node as the program sees it (components/nodes/inventory). */
export type DirectNode = NodeSpec;

/** The program's scripts for one cluster, run by hand in the order the engine would run them. */
export class DirectCluster {
  settings: ClusterSettings;
  readonly nodes: DirectNode[];
  readonly token: string;
  private readonly contributions: ResolvedContributions;

  constructor(private readonly lab: TestLab, hosts: InvHost[], version: string, token: string) {
    this.settings = parseClusterConfig(clusterConfig(lab, version));
    // The key is never used: run() dials with the lab's own SSH. PEM-shaped, as the inventory checks keys.
    this.nodes = inventoryNodes(parseInventoryConfig(inventoryConfig(lab, hosts)), { privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nunused\n-----END OPENSSH PRIVATE KEY-----\n" });
    this.token = token;
    // What stacks/main.ts contributes with default snapshot settings (no S3 credentials).
    const snap = snapshotContribution(parseSnapshotConfig(undefined), "etcd").server ?? {};
    this.contributions = { server: snap as ResolvedContributions["server"], all: {}, disable: [] };
  }

  get bootstrap(): DirectNode {
    return this.nodes.find((n) => n.role === "server")!;
  }

  node(name: string): DirectNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  /** Runs `script` with `phase` on `host` through the program's wrapper; throws with its output when it fails. */
  run(host: string, script: string, phase: Phase | "noop"): ExecResult {
    const user = this.lab.host(host).user;
    const conn = { host, user, sudoPassword: user === "root" ? undefined : sudoPassword(this.lab) };
    const privilege = privilegeOf(conn);
    // Packed as remoteScript packs it: the hosts decode it as they would under Pulumi.
    const packed = packScript(script);
    const stdin = privilege === "sudo-password" ? `${conn.sudoPassword}\n${STDIN_MARK}\n${packed}` : packed;
    const r = this.lab.ssh(host, wrapperCommand(privilege, phase), { stdin, timeoutMs: 300_000 });
    if (r.code !== 0) throw new Error(`${phase} on ${host} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  configYaml(n: DirectNode): string {
    const bootstrap = n === this.bootstrap;
    return renderConfigYaml(
      renderNodeConfig(this.settings, { name: n.name, role: n.role, bootstrap, labels: n.labels, taints: n.taints, internalAddress: undefined }, apiUrl(this.lab.host(this.bootstrap.name).address), this.contributions),
    );
  }

  installSpec(n: DirectNode, version = this.settings.k3sVersion): InstallSpec {
    return { node: n.name, role: n.role, version, installScriptUrl: this.settings.installScriptUrl, artifactUrl: this.settings.artifactUrl };
  }

  config(n: DirectNode): string {
    return renderConfigScript({
      host: { node: n.name, fixCgroups: n.fixCgroups, allowReboot: n.allowReboot },
      role: n.role,
      files: [{ path: CONFIG_FILE, content: this.configYaml(n), mode: "0600" }],
    });
  }

  member(n: DirectNode): string {
    return renderMemberScript({ node: n.name, bootstrap: n === this.bootstrap, labels: n.labels, taints: n.taints, drainTimeout: this.settings.drainTimeout, readyTimeoutSeconds: 600 });
  }

  /** Host preparation and config, then token and install on the node, then membership on the first server. */
  create(n: DirectNode): void {
    this.run(n.name, this.config(n), "create");
    this.run(n.name, renderInstallScript(this.installSpec(n), this.token), "create");
    this.run(this.bootstrap.name, this.member(n), "create");
  }

  kubeconfig(): string {
    return this.run(this.bootstrap.name, renderKubeconfigScript(), "create").stdout;
  }

  /** The node's restart step (restarts k3s when its managed files changed, then the health gate). */
  restart(n: DirectNode, version?: string): string {
    return renderRestartScript({
      node: n.name,
      role: n.role,
      install: version ? this.installSpec(n, version) : undefined,
      files: [CONFIG_FILE],
      configHash: configHash([{ path: CONFIG_FILE, content: this.configYaml(n) }]),
      etcd: n.role === "server" && this.settings.datastore === "etcd",
      timeoutSeconds: 600,
    });
  }

  /** A changed node setting: config update (writes files), restart step, then membership update. */
  updateNode(n: DirectNode): void {
    this.run(n.name, this.config(n), "update");
    this.run(n.name, renderInstallScript(this.installSpec(n), this.token), "update");
    this.run(n.name, this.restart(n), "update");
    this.run(this.bootstrap.name, this.member(n), "update");
  }

  /** The rollout chain for a new version: pre-upgrade snapshot, then cordon → upgrade → uncordon per node in order. */
  upgrade(version: string): void {
    this.settings = { ...this.settings, k3sVersion: version };
    const rollout = rolloutSettings(parseUpgradeConfig(undefined), this.settings);
    if (rollout.preUpgradeScript) this.run(this.bootstrap.name, scriptFrame(`before upgrading to ${version}`, { update: rollout.preUpgradeScript }), "update");
    const order = [...this.nodes.filter((n) => n.role === "server"), ...this.nodes.filter((n) => n.role === "agent")];
    for (const n of order) {
      this.run(this.bootstrap.name, renderCordonScript({ node: n.name, version, drain: rollout.drain, drainTimeout: rollout.drainTimeout }), "update");
      this.run(n.name, this.restart(n, version), "update");
      this.run(this.bootstrap.name, renderUncordonScript({ node: n.name, version, timeoutSeconds: 600 }), "update");
    }
  }

  /**
   * Removal in the engine's delete order (components/cluster/k3s-node.ts): membership delete on the first server
   * (drain), the install's delete on the node (uninstall), then, but for the first server, the leave
   * step's delete on the first server (delete the Node).
   */
  remove(n: DirectNode): void {
    this.run(this.bootstrap.name, this.member(n), "delete");
    this.run(n.name, renderInstallScript(this.installSpec(n), this.token), "delete");
    if (n !== this.bootstrap) this.run(this.bootstrap.name, renderLeaveScript({ node: n.name, timeoutSeconds: LEAVE_TIMEOUT_SECONDS }), "delete");
  }
}
