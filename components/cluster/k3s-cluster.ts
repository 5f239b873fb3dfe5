import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { NodeSpec } from "../nodes/types";
import { apiHost } from "../k3s/settings";
import { K3sNode } from "./k3s-node";
import { GoneK3sNode } from "../day-two/gone";
import { RemovedK3sNode } from "../day-two/removed-node";
import { apiUrl, ResolvedContributions } from "../k3s/node-config";
import { mergeLayerKeys } from "../k3s/layer-keys";
import { configuredKubeconfigHost, rewriteKubeconfig } from "../k3s/kubeconfig";
import { missingApiSans } from "../k3s/api-sans";
import { remoteScript } from "../remote/command";
import { renderKubeconfigScript } from "../k3s/scripts";
import { renderTeardownScript } from "../k3s/etcd-quorum";
import { scriptFrame } from "../remote/shell";
import { ConfigContribution, ConfigValue } from "../k3s/types";
import { K3sClusterProgramArgs, resolveK3sClusterArgs } from "./args";
import { planRollout } from "../day-two/rollout-plan";
import { restartKey } from "../day-two/restart-plan";
import { installIdentity } from "../day-two/replace-chain";
import { primaryNodeIp } from "../rules/node-ips";

/** Bound on the forced drain of a gone host: its pods cannot terminate, so waiting longer gains nothing. */
const GONE_DRAIN_TIMEOUT = "60s";

function resolveContributions(list: ConfigContribution[]): pulumi.Output<ResolvedContributions> {
  const all = (pick: (c: ConfigContribution) => Record<string, pulumi.Input<ConfigValue>> | undefined) =>
    pulumi.all(list.map((c) => pulumi.all(pick(c) ?? {}))).apply((maps) => (maps as Array<Record<string, ConfigValue>>).reduce(mergeLayerKeys, {}));
  return pulumi.all([all((c) => c.server), all((c) => c.all)]).apply(([server, everyone]) => ({
    server,
    all: everyone,
    disable: [...new Set(list.flatMap((c) => c.disable ?? []))],
    ports: { server: [...new Set(list.flatMap((c) => c.ports?.server ?? []))], all: [...new Set(list.flatMap((c) => c.ports?.all ?? []))] },
  }));
}

/**
 * A k3s cluster on the given nodes: token, per-node lifecycle in join order, rollout chain, kubeconfig.
 * Arguments: {@link K3sClusterArgs} (checked before any resource is registered; a problem throws a
 * ConfigError naming the argument, e.g. `K3sCluster.args.nodes[2].name`). Token `k3s:cluster:K3sCluster`.
 */
export class K3sCluster extends pulumi.ComponentResource {
  /** Admin kubeconfig pointing at the API endpoint (secret). */
  public readonly kubeconfig: pulumi.Output<string>;
  /** Host the kubeconfig and joining nodes use. */
  public readonly apiEndpoint: pulumi.Output<string>;
  /** Internal addresses of the servers, in bootstrap order. */
  public readonly serverAddresses: pulumi.Output<string[]>;
  public readonly nodeNames: string[];
  public readonly version: string;
  /** Depend on these to run after every node is Ready. */
  public readonly ready: pulumi.Resource[];
  /** The steps after which the cluster is what this update asks for: every node's membership and last rollout step, every gone host's removal. */
  public readonly finalSteps: pulumi.Resource[];
  public readonly nodes: Record<string, K3sNode> = {};
  /** Hosts marked gone, removed from the cluster without SSH to them. */
  public readonly gone: Record<string, GoneK3sNode> = {};
  /** Hosts no longer listed, removed by this run (drain, uninstall, delete the Node). */
  public readonly removed: Record<string, RemovedK3sNode> = {};
  /** Rollout order: each server alone, then the agent batches (node names). */
  public readonly rolloutOrder: string[][];
  /** Per node, a digest of what its restart depends on (version with SSH upgrades, managed files); see restart-plan.ts. */
  public readonly restartKeys: pulumi.Output<Record<string, string>>;
  /** Per node, the hash of its managed files (K3sNode.configHash), that restartKeys are made from. */
  public readonly configHashes: pulumi.Output<Record<string, string>>;

  constructor(name: string, userArgs: K3sClusterProgramArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before super(): a bad argument registers nothing, not even this component.
    const args = resolveK3sClusterArgs(userArgs);
    super("k3s:cluster:K3sCluster", name, {}, opts);
    const { settings, rollout } = args;
    const plan = planRollout(args.nodes, rollout.agentBatchSize, args.knownNodes && new Set(args.knownNodes));
    // Runs kubectl for the others and is where the kubeconfig is read: the first server listed (not always the one that started the cluster).
    const firstServer = plan.servers[0];
    // A node's primary node-ip (the first of a dual-stack pair), else its SSH address: what joins and serverAddresses use.
    const address = (n: NodeSpec) => pulumi.output(n.internalAddress ?? n.connection.host).apply(primaryNodeIp);

    const token = new random.RandomPassword(`${name}-token`, { length: 48, special: false }, { parent: this });
    const fixedHost = apiHost(settings);
    const joinHost = fixedHost ? pulumi.output(fixedHost) : address(firstServer);
    const joinUrl = joinHost.apply(apiUrl);
    const contributions = args.contributions;
    // Hosts the joins and the kubeconfig name that the serving certificate would not (api-sans.ts).
    const apiSans = pulumi
      .all([firstServer.connection.host, firstServer.internalAddress, firstServer.externalAddress, args.kubeconfigHost])
      .apply(([host, internalAddress, externalAddress, kubeconfigHost]) =>
        missingApiSans(settings, { name: firstServer.name, host, internalAddress, externalAddress }, kubeconfigHost, args.knownApiHosts));
    const resolved = pulumi.all([resolveContributions(contributions), apiSans]).apply(([r, sans]) =>
      sans.length ? { ...r, server: mergeLayerKeys(r.server, { "tls-san": sans }) } : r);
    const secretConfig = args.datastoreEndpoint !== undefined || contributions.some((c) => c.secret);

    const sshRollout = args.sshRollout;
    let rolloutAfter: pulumi.Resource[] = [];
    if (sshRollout && rollout.preUpgradeScript) {
      rolloutAfter = [remoteScript(`${name}-pre-upgrade`, {
        connection: firstServer.connection,
        script: scriptFrame(`before upgrading to ${settings.k3sVersion}`, { update: rollout.preUpgradeScript }),
        phases: ["update"],
      }, { parent: this, dependsOn: firstServer.dependsOn })];
    }

    const serverInstalls: pulumi.Resource[] = [];
    // Every other node prepares its host after the first server did: the first server's steps are the
    // critical path of a bring-up (everyone joins it) and of a roll (it restarts first), and on a
    // machine with few cores the others' host preparation would otherwise slow it down. They still
    // finish long before they may join or restart (bench/e2e-rolling-restart.ts, bench/e2e-bringup.ts).
    let configAfter: pulumi.Resource[] = [];
    const addNode = (node: NodeSpec, installAfter: pulumi.Resource[], after: pulumi.Resource[], added = false) => {
      const k3sNode = new K3sNode(`${name}-${node.name}`, {
        node,
        settings,
        // The server that started the cluster: after a handover the first server is another (args.ts clusterInitServer).
        bootstrap: node.name === args.clusterInit,
        controlConnection: firstServer.connection,
        joinUrl,
        token: token.result,
        contributions: resolved,
        datastoreEndpoint: args.datastoreEndpoint,
        files: args.files,
        stager: args.stager,
        rollout,
        installAfter,
        configAfter,
        rolloutAfter: after,
        added,
        replaced: args.knownIdentities?.[node.name] !== undefined && args.knownIdentities[node.name] !== installIdentity(node),
        sshUpgrade: sshRollout,
        etcd: node.role === "server" && settings.datastore === "etcd",
        certificateRenewal: args.certificateRenewal,
        secretConfig,
      }, { parent: this });
      this.nodes[node.name] = k3sNode;
      return k3sNode;
    };

    // Servers join one at a time (etcd adds one member per step); each restarts only after the previous is back.
    // Hosts marked gone leave first, from the first server, so that a replacement joins a cluster without them.
    // A server also joins only after the previous server's restart step: when that server's config
    // changed to cluster-init (sqlite → etcd), it must run etcd before anyone joins it.
    const removals: pulumi.Resource[] = [];
    let previousRestart: pulumi.Resource[] = [];
    const serverMembers: pulumi.Resource[] = [];
    for (const server of plan.servers) {
      const k3sNode = addNode(server, server === firstServer ? [] : [...serverInstalls.slice(-1), ...previousRestart, ...removals], rolloutAfter);
      previousRestart = [k3sNode.restart];
      if (server === firstServer) {
        configAfter = [k3sNode.config];
        for (const gone of args.gone) {
          this.gone[gone.name] = new GoneK3sNode(`${name}-${gone.name}`, {
            node: gone,
            controlConnection: firstServer.connection,
            firstServer: firstServer.name,
            drainTimeout: GONE_DRAIN_TIMEOUT,
            after: [k3sNode.install],
            listedIn: args.goneRoot,
            startedCluster: gone.name === args.clusterInit,
          }, { parent: this });
          removals.push(this.gone[gone.name].removal);
        }
      }
      serverMembers.push(k3sNode.join([]));
      serverInstalls.push(k3sNode.install);
      rolloutAfter = [k3sNode.rolloutDone];
    }
    // Agents install in parallel once every server is up and has finished its roll; they restart batch by
    // batch. An agent added while the version moves thereby installs the new k3s only after every server
    // runs it: a kubelet must not be newer than the API servers (Kubernetes version skew policy; k3s
    // upgrades servers first). The servers' rollout steps run nothing on a first bring-up.
    // An agent's membership step (wait for Ready, labels, taints) waits for the last batch's roll, not
    // just its own: waiting for Ready holds one of the engine's `--parallel` slots (default 4 x CPUs),
    // and with the agents' memberships holding them all, the roll's quick steps (nothing to do on a
    // first install) queued behind them batch after batch (bench/e2e-bringup.ts). No gate moves: in a
    // roll each batch's restart step still waits for its nodes to be Ready before the next batch starts.
    const serversRolled = rolloutAfter;
    for (const batch of plan.agentBatches) {
      rolloutAfter = batch.map((agent) => addNode(agent, [...serverInstalls, ...serversRolled, ...removals], rolloutAfter).rolloutDone);
    }
    // Added agents' rollout steps run nothing when created: they follow the batches all at once. Their
    // memberships wait for the batches only, as the others': not for each other's roll, which would
    // give every membership a dependency on every added agent (300 nodes: 90,000 in the state). Their
    // installs were all queued before any membership, so the waits for Ready do not hold them up.
    for (const agent of plan.addedAgents) addNode(agent, [...serverInstalls, ...serversRolled, ...removals], rolloutAfter, true);
    const agents = [...plan.agentBatches.flat(), ...plan.addedAgents];
    const members = [...serverMembers, ...agents.map((agent) => this.nodes[agent.name].join(rolloutAfter))];
    const batches = plan.addedAgents.length ? [...plan.agentBatches, plan.addedAgents] : plan.agentBatches;
    this.rolloutOrder = [...plan.servers.map((s) => [s.name]), ...batches.map((b) => b.map((a) => a.name))];
    const names = Object.keys(this.nodes);
    // One Output over every node's hash, not one per node (bench/cluster-eval.ts counts them).
    const hashes = pulumi.all(names.map((n) => this.nodes[n].configHash)).apply((h) => Object.fromEntries(names.map((n, i) => [n, h[i]])) as Record<string, string>);
    const restartKeys = hashes.apply((h) => Object.fromEntries(names.map((n) => [n, restartKey(sshRollout ? settings.k3sVersion : "", h[n], args.certificateRenewal)])) as Record<string, string>);
    // A digest of config.yaml is kept secret when config.yaml holds a secret.
    const secretDigests = secretConfig || args.files.some((f) => f.secret);
    this.restartKeys = secretDigests ? pulumi.secret(restartKeys) : restartKeys;
    this.configHashes = secretDigests ? pulumi.secret(hashes) : hashes;

    // Read again after each restart of the first server: k3s writes k3s.yaml at every start, with the
    // client certificate it renews there once fewer than 90 days are left of its year (docs.k3s.io
    // "Certificate Management"). A copy read once expires a year after install, and with it every
    // layer's access (k3s-io/k3s discussion #10024; cnrancher/autok3s#676). The key carries the restart
    // key in its header, so the step updates exactly when the first server restarts, and runs after it.
    const firstNode = this.nodes[firstServer.name];
    const read = remoteScript(`${name}-kubeconfig`, {
      connection: firstServer.connection,
      script: restartKeys.apply((keys) => renderKubeconfigScript(keys[firstServer.name])),
      phases: ["create", "update"],
      secret: true,
    }, { parent: this, dependsOn: [firstNode.install, firstNode.rolloutDone] });
    const configuredHost = configuredKubeconfigHost(settings);
    const kubeconfigHost = args.kubeconfigHost !== undefined
      ? pulumi.output(args.kubeconfigHost)
      : pulumi.output(configuredHost ?? firstServer.connection.host);
    this.kubeconfig = pulumi.secret(
      pulumi.all([read.stdout, kubeconfigHost]).apply(([raw, host]) => rewriteKubeconfig(raw, host, `k3s-${pulumi.getStack()}`)),
    );
    this.apiEndpoint = joinHost;
    this.serverAddresses = pulumi.all(plan.servers.map(address));
    this.nodeNames = args.nodes.map((n) => n.name);
    this.version = settings.k3sVersion;
    this.ready = members;
    const settled = [...members, ...Object.values(this.nodes).map((n) => n.rolloutDone), ...Object.values(this.gone).map((g) => g.removal)];
    // Hosts no longer listed leave after every other node's steps, as when the engine deleted them after
    // the program, but before the outputs resolve: a failed removal fails the run and keeps the last outputs.
    // etcd servers that leave may stop at once: each one's quorum check counts all of them as leaving.
    const etcdLeaving = settings.datastore === "etcd" ? args.removed.filter((h) => h.identity.startsWith("server/")).map((h) => h.name) : [];
    for (const host of args.removed) {
      this.removed[host.name] = new RemovedK3sNode(`${name}-${host.name}`, {
        host,
        controlConnection: firstServer.connection,
        drainTimeout: settings.drainTimeout,
        after: settled,
        etcdLeaving: host.checkQuorum && etcdLeaving.includes(host.name) ? etcdLeaving : undefined,
      }, { parent: this });
    }
    this.finalSteps = [...settled, ...Object.values(this.removed).map((r) => r.removal)];
    // An etcd server's replacement checks quorum first (etcd-quorum.ts renderReplacementGuard); on
    // pulumi destroy this step goes before every membership step and tells that check to let them go.
    // Registered for any etcd cluster: dropped in an update, its delete would switch the check off.
    if (settings.datastore === "etcd") {
      remoteScript(`${name}-teardown`, {
        connection: firstServer.connection,
        script: renderTeardownScript(),
        phases: ["create", "delete"],
      }, { parent: this, dependsOn: members });
    }

    this.registerOutputs({ kubeconfig: this.kubeconfig, apiEndpoint: this.apiEndpoint, serverAddresses: this.serverAddresses });
  }
}
