import * as pulumi from "@pulumi/pulumi";
import { ClusterSettings } from "../k3s/settings";
import { NodeSpec, SshConnection } from "../nodes/types";
import { ScriptCommand, connectionArgs, remoteScript } from "../remote/command";
import { packScript } from "../remote/packed-script";
import { CONFIG_FILE, ResolvedContributions, renderConfigYaml, renderNodeConfig } from "../k3s/node-config";
import { InstallSpec, renderConfigScript, renderInstallScript, renderMemberScript } from "../k3s/scripts";
import { renderCordonScript, renderRestartScript, renderUncordonScript, shortHash } from "../day-two/rollout-scripts";
import { configHash } from "../day-two/restart-plan";
import { renderNotNewerThanServers } from "../day-two/node-scripts";
import { renderUniqueNodeIp } from "../k3s/unique-node-ip";
import { renderUniqueMachineId } from "../k3s/unique-machine-id";
import { renderClockSkewCheck } from "../k3s/clock-skew";
import { InstallStager, NodeFile, RolloutSettings } from "../k3s/types";
import { hostPrepFor } from "../k3s/host-prep";
import { primaryNodeIp, splitNodeIps } from "../rules/node-ips";
import { canonicalIp } from "../rules/address";
import { renderLeaveScript } from "../k3s/removal-scripts";
import { clearLeavingRecord, renderReplacementGuard } from "../k3s/etcd-quorum";
import { LEAVE_TIMEOUT_SECONDS, followTrigger, installIdentity, machineTrigger } from "../day-two/replace-chain";
import { joinWaitSeconds } from "../k3s/join-reach";
import { ACTIVE_WAIT_SECONDS } from "../k3s/unit-watch";
import { apiHost } from "../k3s/settings";

/** Inputs of one node's k3s lifecycle. */
export interface K3sNodeArgs {
  node: NodeSpec;
  settings: ClusterSettings;
  /** This node starts the cluster. */
  bootstrap: boolean;
  /** SSH connection of the bootstrap server, where kubectl runs for cordon, drain and labels. */
  controlConnection: SshConnection;
  joinUrl: pulumi.Input<string>;
  token: pulumi.Input<string>;
  contributions: pulumi.Input<ResolvedContributions>;
  datastoreEndpoint?: pulumi.Input<string>;
  files: NodeFile[];
  stager?: InstallStager;
  rollout: RolloutSettings;
  /** Installs that must finish before this node installs (join order). */
  installAfter: pulumi.Resource[];
  /** Steps that must finish before this node's host preparation and files (the first server's config step). */
  configAfter?: pulumi.Resource[];
  /** Rollout steps that must finish before this node's restart starts (the previous node or batch). */
  rolloutAfter: pulumi.Resource[];
  /**
   * An agent the last successful update did not install (K3sClusterArgs.knownNodes): its cordon runs
   * nothing when created, so it also waits for the install, and the installs, which do the work of a
   * bring-up, get the engine's `--parallel` slots first (bench/e2e-bringup.ts).
   */
  added?: boolean;
  /**
   * The node's install identity (role/arch) changed since the last update (K3sClusterArgs.knownIdentities):
   * its replacement chain waits for `rolloutAfter`, so it is out only in its turn of the roll.
   */
  replaced?: boolean;
  /** The rollout moves k3s versions over SSH (cordon, upgrade, uncordon); false: only restarts (system-upgrade-controller upgrades). */
  sshUpgrade: boolean;
  /** This node is a server of an embedded-etcd cluster. */
  etcd: boolean;
  /** The certificate renewal the roll runs (K3sClusterArgs.certificateRenewal), if any. */
  certificateRenewal?: string;
  /** Whether config.yaml carries a secret (datastore URL, S3 key): keep it secret then. */
  secretConfig: boolean;
}

/**
 * The node's internal and external addresses that are known while the program runs (an inventory's;
 * a cloud VM's come later, as Outputs): per-node values of its config script, so that nodes with
 * the same settings share one compressed body even when each names its own node-ip (packScript).
 */
function knownAddresses(node: NodeSpec): string[] {
  return [node.internalAddress, node.externalAddress].flatMap((a) => (typeof a === "string" ? splitNodeIps(a) : []));
}

/** How long a node may take to report Ready after install or upgrade. */
const READY_TIMEOUT_SECONDS = 600;

/**
 * One node's k3s: host preparation and config, install (with the join token), rollout steps and
 * cluster membership. Few resources per node on purpose: each is an SSH session on the node and a
 * registration the Pulumi SDK pays for (bench/cluster-eval.ts).
 */
export class K3sNode extends pulumi.ComponentResource {
  /** Host preparation and managed files (config.yaml and the others). */
  public readonly config: ScriptCommand;
  /** Finishes when k3s is installed on the node. */
  public readonly install: ScriptCommand;
  /** Last rollout step of this node (uncordon, or restart without SSH upgrades); the next node's rollout waits on it. */
  public readonly rolloutDone: ScriptCommand;
  /** The node's restart step (restart or upgrade, then the health gate). */
  public readonly restart: ScriptCommand;
  /** Hash of the node's managed files as rendered: changes exactly when the node must restart for its configuration. */
  public readonly configHash: pulumi.Output<string>;
  private readonly joinStep: (after: pulumi.Resource[]) => ScriptCommand;

  constructor(name: string, args: K3sNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k3s:cluster:K3sNode", name, {}, opts);
    const { node, settings } = args;
    const conn = node.connection;
    const deps = (extra: pulumi.Resource[] = []): pulumi.Resource[] => [...(node.dependsOn ?? []), ...extra];
    const child = (extra: pulumi.Resource[] = []): pulumi.CustomResourceOptions => ({ parent: this, dependsOn: deps(extra) });

    const files = args.files.filter((f) => !f.roles || f.roles.includes(node.role));
    const secretFiles = args.secretConfig || files.some((f) => f.secret);
    const paths = [CONFIG_FILE, ...files.map((f) => f.path)];
    // One Output renders config.yaml, the managed files' hash and the packed config script; the steps map it.
    // Each Output is a chain of SDK promises per node (bench/cluster-eval.ts); each result is secret
    // or unknown exactly when one of the inputs is, as with one Output per value.
    const configValues = [node.name, ...knownAddresses(node)];
    const rendered = pulumi
      .all([args.contributions, args.joinUrl, args.datastoreEndpoint, node.internalAddress, node.externalAddress, ...files.map((f) => f.content)] as pulumi.Input<unknown>[])
      .apply((values) => {
        const [contrib, joinUrl, endpoint, internal, external, ...contents] = values as unknown as [pulumi.Unwrap<ResolvedContributions>, string, string?, string?, string?, ...string[]];
        const nodeConfig = renderNodeConfig(settings, {
          name: node.name,
          role: node.role,
          bootstrap: args.bootstrap,
          labels: node.labels,
          taints: node.taints,
          internalAddress: internal,
          externalAddress: external,
          flannelIface: node.flannelIface,
        }, joinUrl, contrib, endpoint);
        const yaml = renderConfigYaml(nodeConfig);
        const managed = [
          { path: CONFIG_FILE, content: yaml, mode: "0600" },
          ...files.map((f, i) => ({ path: f.path, content: contents[i], mode: f.mode ?? "0600" })),
        ];
        const script = renderConfigScript({ host: hostPrepFor(node, settings, contrib, nodeConfig), role: node.role, files: managed, config: nodeConfig });
        return { hash: configHash(managed), configStdin: packScript(script, configValues) };
      });
    this.configHash = rendered.apply((r) => r.hash);
    // A different install (role, arch) replaces the node's chain, each step deleted before it is created
    // again (replace-chain.ts): drain, uninstall, delete the Node, then write the files and install.
    // The leave step is its root: created first (it runs nothing on create) and, on removal, deleted
    // after the uninstall (Pulumi deletes dependents first), so the Node goes only once k3s is gone.
    // A cloud node's new VM replaces it too (machineTrigger), so the chain runs before the old VM goes.
    // It also waits for what the config waits for (the first server's config); the config follows it.
    // At the CLI's default parallelism the first server's install (the critical path) otherwise raced
    // the other nodes' config steps for the engine's slots and often came last (bench/e2e-bringup.ts
    // timeline); the leave steps run nothing on create, and by the time they are done it holds a slot.
    // A replacement also waits for its turn in the roll (K3sNodeArgs.replaced): started with the first
    // server's config, it drained and uninstalled this node while others restarted, and an etcd server
    // left while the other servers' restarts counted on it for quorum.
    const leave = args.bootstrap ? undefined : remoteScript(`${name}-leave`, {
      connection: args.controlConnection,
      script: renderLeaveScript({ node: node.name, timeoutSeconds: LEAVE_TIMEOUT_SECONDS }),
      values: [node.name],
      phases: ["delete"],
      triggers: [machineTrigger(node)],
    }, { parent: this, deleteBeforeReplace: true, dependsOn: [...(args.configAfter ?? []), ...(args.replaced ? args.rolloutAfter : [])] });
    const chained = leave ? { deleteBeforeReplace: true, replaceWith: [leave] } : {};
    // Its trigger follows the leave step, so the engine deletes it after the install (its delete undoes
    // host preparation, which must come after the uninstall) and writes it again before the install.
    const config = remoteScript(`${name}-config`, {
      connection: conn,
      script: rendered.apply((r) => r.configStdin),
      packed: true,
      phases: ["create", "update", "delete"],
      secret: secretFiles,
      triggers: [leave ? followTrigger(leave, installIdentity(node)) : installIdentity(node)],
    }, { ...child(args.configAfter), deleteBeforeReplace: true });
    this.config = config;

    const staged = args.stager?.stage(node, connectionArgs(conn), this);
    const spec = (version: string): InstallSpec => ({
      node: node.name,
      role: node.role,
      version,
      installScriptUrl: settings.installScriptUrl,
      artifactUrl: settings.artifactUrl,
      stagedScript: staged?.scriptPath,
      stagedEnv: staged?.env,
      preInstall: staged?.preInstall,
    });
    const withStagedTrigger = (script: pulumi.Input<string>): pulumi.Input<string> =>
      staged ? pulumi.interpolate`${script}# staged files: ${staged.trigger}\n` : script;

    const token = pulumi.Output.isInstance(args.token) ? args.token : pulumi.output(args.token);
    // Every node but the first server joins one: its install checks first that the join URL answers.
    const joinWait = args.bootstrap ? undefined : joinWaitSeconds(node.role, apiHost(settings) !== undefined, { activeSeconds: ACTIVE_WAIT_SECONDS, readySeconds: READY_TIMEOUT_SECONDS });
    const installScript = (t: string) => renderInstallScript(spec(settings.k3sVersion), t, leave && `${name}-leave`, joinWait);
    this.install = remoteScript(`${name}-install`, {
      connection: conn,
      // Packed in the Output that renders it, unless the staged files' trigger is still to be added.
      ...(staged
        ? { script: withStagedTrigger(token.apply(installScript)), values: [node.name] }
        : { script: token.apply((t) => packScript(installScript(t), [node.name])), packed: true }),
      phases: ["create", "update", "delete"],
      secret: true,
      showOutput: true,
      // The role, as before the leave step existed, so existing stacks keep their installs; following
      // the leave step makes it part of the chain.
      triggers: [leave ? followTrigger(leave, node.role) : node.role],
    }, { ...child([config, ...(leave ? [leave] : []), ...(staged?.ready ?? []), ...args.installAfter]), deleteBeforeReplace: true });

    // Rollout: cordon on the control server, restart (upgrade) and health gate on the node, uncordon.
    // Creates do nothing; a configuration change updates only the restart step, a version change all three.
    const rolled = this.rolloutSteps(name, args, { config, paths, secret: secretFiles }, args.sshUpgrade ? spec(settings.k3sVersion) : undefined, staged && withStagedTrigger);
    this.rolloutDone = rolled.done;
    this.restart = rolled.restart;

    // An etcd server's membership delete is stored while it is one and runs when it is replaced, whatever
    // it becomes: etcd must keep quorum while its member leaves (renderReplacementGuard). Back in the
    // cluster, a replacement the guard recorded is over, or was undone.
    const replaceable = args.etcd && !args.bootstrap;
    // After the node's restart: labels and taints are reconciled against the node as it now runs.
    // Created by join(), which the cluster calls once what it must also wait for exists.
    this.joinStep = (after) => remoteScript(`${name}-member`, {
      connection: args.controlConnection,
      script: renderMemberScript({
        node: node.name,
        bootstrap: args.bootstrap,
        labels: node.labels,
        taints: node.taints,
        drainTimeout: settings.drainTimeout,
        readyTimeoutSeconds: READY_TIMEOUT_SECONDS,
        // A Node whose InternalIP or machine ID another Node has, or whose clock is not this server's, fails its
        // membership (unique-node-ip.ts, unique-machine-id.ts, clock-skew.ts); an agent newer than the servers
        // too, instead of joining silently (version skew).
        whenReady: [renderUniqueNodeIp(node.name), renderUniqueMachineId(node.name), renderClockSkewCheck(node.name), ...(node.role === "agent" ? [renderNotNewerThanServers(node.name)] : []), ...(replaceable ? [clearLeavingRecord(node.name)] : [])].join("\n"),
        ...(replaceable ? { beforeDrain: renderReplacementGuard(node.name) } : {}),
      }),
      values: [node.name],
      phases: ["create", "update", "delete"],
    }, { parent: this, dependsOn: deps([this.install, rolled.restart, ...args.installAfter, ...after]), ...chained });
  }

  /**
   * Creates the node's membership step (wait until Ready, labels, taints; on delete, drain), after its
   * install and restart and after `after`, and completes the component. Call once.
   */
  join(after: pulumi.Resource[]): ScriptCommand {
    const member = this.joinStep(after);
    this.registerOutputs({});
    return member;
  }

  private rolloutSteps(
    name: string,
    args: K3sNodeArgs,
    files: { config: ScriptCommand; paths: string[]; secret: boolean },
    target: InstallSpec | undefined,
    withStagedTrigger: ((script: pulumi.Input<string>) => pulumi.Input<string>) | undefined,
  ): { restart: ScriptCommand; done: ScriptCommand } {
    const { node, rollout } = args;
    const child = (after: pulumi.Resource[], alias?: string): pulumi.CustomResourceOptions => ({
      parent: this,
      dependsOn: [...(node.dependsOn ?? []), ...after],
      ...(alias ? { aliases: [{ name: alias }] } : {}),
    });
    // The cordon waits only for the previous node's roll: it acts on the control server, and on a first
    // install runs nothing. Not waiting for this node's install too lets it pass while the install and
    // config steps are checked, so the first node's restart follows its config one engine step sooner
    // (bench/e2e-rolling-restart.ts). The restart still waits for all three. An added agent's cordon
    // also waits for its install (K3sNodeArgs.added), so a bring-up's installs get the slots first.
    const cordon = target && remoteScript(`${name}-cordon`, {
      connection: args.controlConnection,
      script: renderCordonScript({ node: node.name, version: target.version, drain: rollout.drain, drainTimeout: rollout.drainTimeout }),
      values: [node.name],
      phases: ["update"],
    }, child(args.added ? [this.install, ...args.rolloutAfter] : args.rolloutAfter));
    const render = (hash: string) => renderRestartScript({
      node: node.name,
      role: node.role,
      install: target,
      files: files.paths,
      configHash: hash,
      etcd: args.etcd,
      // Only the first server carries cluster-init; a cluster moving from sqlite moves through it.
      sqliteToEtcd: args.etcd && args.bootstrap,
      certificateRenewal: args.certificateRenewal,
      timeoutSeconds: READY_TIMEOUT_SECONDS,
      nodeIp: args.etcd && typeof node.internalAddress === "string" ? canonicalIp(primaryNodeIp(node.internalAddress)) : undefined,
    });
    // Named "restart" since it restarts for configuration too; the alias keeps stacks made when it was "upgrade".
    const restart = remoteScript(`${name}-restart`, {
      connection: node.connection,
      // Packed in the Output that renders it, unless the staged files' trigger is still to be added.
      ...(target && withStagedTrigger
        ? { script: withStagedTrigger(this.configHash.apply(render)), values: [node.name, this.configHash.apply(shortHash)] }
        : { script: this.configHash.apply((hash) => packScript(render(hash), [node.name, shortHash(hash)])), packed: true }),
      phases: ["update"],
      // Its header carries the configuration hash, which is a secret's digest when config.yaml holds one.
      secret: files.secret,
      showOutput: true,
    }, child([files.config, this.install, ...(cordon ? [cordon] : args.rolloutAfter)], `${name}-upgrade`));
    if (!target) return { restart, done: restart };
    const uncordon = remoteScript(`${name}-uncordon`, {
      connection: args.controlConnection,
      script: renderUncordonScript({ node: node.name, version: target.version, timeoutSeconds: READY_TIMEOUT_SECONDS }),
      values: [node.name],
      phases: ["update"],
    }, child([restart]));
    return { restart, done: uncordon };
  }
}
