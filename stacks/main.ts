import * as pulumi from "@pulumi/pulumi";
import { K3sCluster } from "../components/cluster/k3s-cluster";
import { apiHost, clusterArgs } from "../components/k3s/settings";
import { NodeFile } from "../components/k3s/types";
import { NodeSpec } from "../components/nodes/types";
import { STACK_INVENTORY_ROOTS, goneInventoryNodes, inventoryNodes, readPrivateKey } from "../components/nodes/inventory";
import { checkReachable } from "../components/remote/reachability";
import { nodeAddresses, removedNodes } from "../components/remote/removed";
import { RemovedHost, removedHosts } from "../components/day-two/removed-node";
import { localNodes } from "../components/nodes/local";
import { ADDONS_KEY, GRAFANA_PASSWORD_KEY } from "../components/addons/config";
import { addonK3sContribution } from "../components/addons/k3s-contribution";
import { kubeVipFiles } from "../components/addons/kube-vip";
import { kubeletRootDirs } from "../components/addons/kubelet-dir";
import type { ClusterAddons } from "../components/addons/cluster-addons";
import { PreviousState, installedNodes, knownApiHosts, readPreviousState } from "../components/day-two/previous";
import { certificateRenewal } from "../components/day-two/certificates";
import { controllerUpgrade, otherModeKeys, plannedRestarts } from "../components/day-two/restart-plan";
import { dayTwoCommands } from "../components/day-two/commands";
import { fixedSettings } from "../components/day-two/fixed-settings";
import { etcdNodeIps } from "../components/day-two/etcd-peers";
import { afterSteps } from "../components/day-two/settled";
import { bundleChartDir } from "../components/airgap/charts";
import { registriesPlan } from "../components/registries/registries";
import { airgapStager } from "../components/airgap/stager";
import { planStack, wantsPreviousOutputs } from "../components/plan/plan-stack";
import { ConfigError } from "../components/rules/errors";
import { cloudLoginProblem } from "../components/nodes/cloud/ssh-login";
import { stackContributions } from "../components/plan/layer-contributions";
import { readStackConfig, secretValue } from "./read-config";

// Modules for clouds and layers a stack does not use are imported where they are used, not here:
// each Pulumi provider SDK (@pulumi/kubernetes, @pulumi/aws, @pulumi/hcloud) costs every
// `pulumi preview` hundreds of milliseconds to load (test/stack/lazy-load.test.ts).

/**
 * The `plannedRestarts` output, also logged: which nodes this update restarts, in rollout order and
 * why, from the restart keys of the last successful update (so `pulumi preview` shows it). Only node
 * names and reasons, so it is plain even when the keys are secret. `cluster.ssh` false: versions move
 * in-cluster (system-upgrade-controller) rather than through the rollout, and the keys leave them out.
 */
function restartPlanOutput(k3s: K3sCluster, previous: PreviousState | undefined, cluster: { k3sVersion: string; ssh: boolean; agentBatchSize: number }, identities: Record<string, string>, renewal: string | undefined): pulumi.Output<string[]> {
  if (previous === undefined) return pulumi.output(["unknown: k3s-stacks:upgrade.checkPreviousOutputs is false"]);
  const version = cluster.ssh ? cluster.k3sVersion : "";
  return pulumi.unsecret(pulumi.all([k3s.restartKeys, k3s.configHashes]).apply(([keys, hashes]) => {
    if (previous.restartKeys === undefined) return [];
    // The last update may have used the other upgrade mode: the same configuration and version then restart nothing.
    const other = otherModeKeys(hashes, { ssh: cluster.ssh, version: cluster.k3sVersion, previousVersion: previous.k3sVersion, renewal });
    const plan = [
      ...plannedRestarts(
        k3s.rolloutOrder,
        { version: version ? previous.k3sVersion : undefined, keys: previous.restartKeys, identities: previous.nodeIdentities, renewal: previous.certificateRenewal },
        { version, keys, identities, renewal, otherModeKeys: other },
      ),
      ...(cluster.ssh ? [] : controllerUpgrade(previous.k3sVersion, cluster.k3sVersion, cluster.agentBatchSize)),
    ];
    // Said either way: a step whose script changed (e.g. after upgrading k3s-stacks) shows as an
    // update in the preview, and only this line tells the user whether k3s will restart anywhere.
    pulumi.log.info(plan.length > 0 ? `rolling restart, one step after another: ${plan.join(" | ")}` : "no k3s restarts: every node already runs this configuration and version");
    return plan;
  }));
}

/**
 * The whole stack: reads the config, plans it (every check of every layer, before anything is
 * created), then wires the nodes, the cluster and its layers from the plan. Returns the stack outputs.
 */
export async function main(): Promise<Record<string, unknown>> {
  const config = readStackConfig();
  // Reading the previous outputs registers only a read of this stack (a StackReference).
  const previousRead = wantsPreviousOutputs(config) ? await readPreviousState() : undefined;
  const plan = planStack(config, previousRead);
  for (const warning of plan.warnings) pulumi.log.warn(warning);
  const { cluster, source, upgrade, snapshots, addons, registries, bundle, previous, serverNames, nodeIdentities } = plan;
  const datastoreEndpoint = secretValue(config, plan, "datastoreEndpoint");
  const sshPrivateKey = secretValue(config, plan, "sshPrivateKey");
  const sshPrivateKeyPassword = secretValue(config, plan, "sshPrivateKeyPassword");
  const sudoPassword = secretValue(config, plan, "sudoPassword");
  const s3SecretKey = secretValue(config, plan, "etcdS3SecretKey");
  const s3AccessKey = secretValue(config, plan, "etcdS3AccessKey");
  const grafanaAdminPassword = secretValue(config, plan, GRAFANA_PASSWORD_KEY);

  let nodes: NodeSpec[];
  let gone: NodeSpec[] = [];
  let removed: RemovedHost[] = [];
  let kubeconfigHost: pulumi.Output<string> | undefined;
  // The plan checked these with K3sCluster's rules (planStack, the same stackContributions), before any node is registered.
  const contributions = stackContributions(plan, { secretKey: s3SecretKey, accessKey: s3AccessKey }).list;
  const files: NodeFile[] = [];
  // kube-vip's manifests go into the servers' auto-deploy directory before k3s first starts.
  if (cluster.apiVip) files.push(...kubeVipFiles(cluster.apiVip));
  if (registries) files.push(...registriesPlan(registries).files);
  if (source.kind === "inventory") {
    const inv = source.inventory;
    // The key file is read once, here, and checked against the passphrase: the nodes take it as a
    // secret, the reachability probe as text.
    const password = config.values.sshPrivateKeyPassword as string | undefined;
    const keyFile = sshPrivateKey === undefined && inv.privateKeyPath ? readPrivateKey(inv.privateKeyPath, STACK_INVENTORY_ROOTS, { set: password !== undefined, value: password }) : undefined;
    const secrets = { privateKey: sshPrivateKey ?? (keyFile === undefined ? undefined : pulumi.secret(keyFile)), privateKeyPassword: sshPrivateKeyPassword, sudoPassword };
    nodes = inventoryNodes(inv, secrets);
    gone = goneInventoryNodes(inv, secrets);
    removed = removedHosts(previous, inv.hosts.map((h) => h.name), secrets, { forceServerRemoval: upgrade.forceServerRemoval });
    // Before anything is registered: an unreachable host fails the run now, by name, within a bound; so
    // does a host removed from the inventory since the last update, whose uninstall would dial it.
    // A runtime step of `up`, not a check of the config: it dials the machines.
    if (!pulumi.runtime.isDryRun() && inv.reachabilityTimeout > 0) {
      const privateKey = (config.values.sshPrivateKey as string | undefined) ?? keyFile;
      const removed = removedNodes(previous?.nodeAddresses, inv.hosts.map((h) => h.name), privateKey, password);
      await checkReachable(nodes, { timeoutSeconds: inv.reachabilityTimeout, privateKey, privateKeyPassword: password }, removed);
    }
  } else if (source.kind === "local") {
    nodes = localNodes(source.local, { sudoPassword });
  } else {
    // A runtime step of `up`, like the inventory's reachability probe: previews log in nowhere.
    const login = pulumi.runtime.isDryRun() ? undefined : cloudLoginProblem({ sshPublicKey: source.cloud.sshPublicKey, hasPrivateKey: sshPrivateKey !== undefined, agentSocket: process.env.SSH_AUTH_SOCK });
    if (login) throw new ConfigError([login]);
    if (source.cloud.aws?.vpcId) {
      // Describing the VPC and its subnets reads the account (invokes, in previews too) and registers nothing.
      const { readExistingVpcProblems } = await import("../components/nodes/aws/existing-vpc");
      const vpcProblems = await readExistingVpcProblems(source.cloud);
      if (vpcProblems.length) throw new ConfigError(vpcProblems);
    }
    if (source.cloud.provider === "aws") {
      // Which zones offer each pool's type: read from the account (invokes, in previews too), nothing registered.
      const { readTypeOfferingProblems } = await import("../components/nodes/aws/type-offerings");
      const typeProblems = await readTypeOfferingProblems(source.cloud);
      if (typeProblems.length) throw new ConfigError(typeProblems);
    }
    const { createCloudNodes } = await import("../components/nodes/cloud");
    // The embedded registry needs 5001 and 6443 open between all nodes in the cloud firewall too. k3s
    // reads embedded-registry from config.yaml whoever wrote it: the registries layer or serverConfig
    // (as host preparation does, components/k3s/host-prep.ts hostPrepFor).
    const embeddedRegistry = registries?.config.embeddedMirror === true || cluster.serverConfig["embedded-registry"] === true;
    const cloudCluster = {
      clusterCidr: cluster.clusterCidr, serviceCidr: cluster.serviceCidr, flannelBackend: cluster.flannelBackend, embeddedRegistry, datastore: cluster.datastore,
      // The layers' node-to-node ports, which host preparation opens in the hosts' own firewalls too.
      layerPorts: addons ? addonK3sContribution(addons, cluster.datastore).ports : undefined,
    };
    const cloudNodes = await createCloudNodes("k3s", { config: source.cloud, cluster: cloudCluster, sshPrivateKey, sshPrivateKeyPassword });
    nodes = cloudNodes.nodes;
    // K3sCluster puts the kubeconfig's host in the servers' tls-san (components/k3s/api-sans.ts).
    if (cloudNodes.apiEndpoint) kubeconfigHost = cloudNodes.apiEndpoint;
  }

  const ssh = upgrade.mode === "ssh";
  const apiHostsKnown = knownApiHosts(previous, serverNames[0]);
  // Certificates near their expiry are renewed by the roll (day-two/certificates.ts); planned from the last update's kubeconfig.
  const renewal = previous ? certificateRenewal(previous, new Date()) : undefined;
  if (renewal !== undefined && renewal !== previous?.certificateRenewal) {
    pulumi.log.info(`k3s certificates expire ${renewal}: this update renews them on every node, one restart after another (k3s certificate rotate)`);
  }
  const k3s = new K3sCluster("k3s", {
    ...clusterArgs(cluster),
    nodes,
    gone,
    goneRoot: "inventory",
    removed,
    datastoreEndpoint,
    contributions,
    files,
    stager: bundle ? airgapStager(bundle) : undefined,
    kubeconfigHost,
    // An existing cluster's first-server IP stays out of tls-san: adding it would restart every server.
    knownApiHosts: apiHostsKnown,
    rollout: plan.rollout,
    sshRollout: ssh,
    certificateRenewal: renewal,
    // New agents roll as one last batch: their rollout steps have nothing to do yet.
    knownNodes: installedNodes(previous),
    // A node whose role or arch changed is replaced in its turn of the roll.
    knownIdentities: previous?.nodeIdentities,
    clusterInitServer: plan.clusterInitServer,
  });

  let layers: ClusterAddons | undefined;
  if (addons) {
    const { ClusterAddons } = await import("../components/addons/cluster-addons");
    layers = new ClusterAddons("addons", {
      kubeconfig: k3s.kubeconfig,
      nodes,
      serverAddresses: k3s.serverAddresses,
      datastore: cluster.datastore,
      clusterCidr: cluster.clusterCidr,
      serviceCidr: cluster.serviceCidr,
      clusterDisable: cluster.disable,
      config: addons,
      grafanaAdminPassword,
      cephExternal: plan.cephExternal ? pulumi.secret(plan.cephExternal) : undefined,
      previousStorageClass: previous?.storageClass,
      airgapChartDir: bundle ? bundleChartDir(bundle) : undefined,
      configRoot: ADDONS_KEY,
      // Servers and agents share it (the plan refused otherwise).
      kubeletRootDir: kubeletRootDirs(cluster.serverConfig, cluster.agentConfig).server?.dir,
    }, { dependsOn: k3s.ready });
  }
  if (!ssh) {
    const k8s = await import("@pulumi/kubernetes");
    const { SystemUpgradePlans } = await import("../components/day-two/suc");
    const provider = layers?.provider ?? new k8s.Provider("k3s", { kubeconfig: k3s.kubeconfig }, { dependsOn: k3s.ready });
    new SystemUpgradePlans("upgrade", {
      provider,
      version: cluster.k3sVersion,
      agentConcurrency: upgrade.agentBatchSize,
      servers: serverNames.length,
      etcd: cluster.datastore === "etcd",
      drain: upgrade.drain,
      drainTimeout: upgrade.drainTimeout ?? cluster.drainTimeout,
      // The pre-upgrade etcd snapshot the ssh rollout takes (upgrade.preUpgradeSnapshot, default with etcd).
      preUpgrade: plan.rollout.preUpgradeScript ? { node: nodes.find((n) => n.role === "server")!, script: plan.rollout.preUpgradeScript, dependsOn: k3s.ready } : undefined,
    }, { dependsOn: k3s.ready });
  }

  const commands = dayTwoCommands(nodes, snapshots.dir);
  const restarts = restartPlanOutput(k3s, previous, { k3sVersion: cluster.k3sVersion, ssh, agentBatchSize: upgrade.agentBatchSize }, nodeIdentities, renewal);
  // The node state the next update's checks read back (previous.ts) resolves only after every node's last
  // step: a failed update then leaves the previous values, not the state it meant to reach.
  const reached = afterSteps(k3s.finalSteps, {
    k3sVersion: cluster.k3sVersion,
    datastore: cluster.datastore,
    serverCount: serverNames.length,
    serverNames,
    nodeNames: k3s.nodeNames,
    nodeIdentities,
    nodeAddresses: nodeAddresses(nodes),
    restartKeys: k3s.restartKeys,
    knownApiHosts: apiHostsKnown,
    // Which server keeps cluster-init, read back so that a handover does not move it (day-two/servers.ts).
    clusterInitServer: plan.clusterInitServer ?? "",
    // The address every node joins through, so that the next update sees it set or changed (day-two/servers.ts).
    fixedRegistrationAddress: apiHost(cluster) ?? "",
    etcdNodeIps: etcdNodeIps(plan.nodes, cluster.datastore),
    // The VMs the next update compares with, to see which nodes it gives a new VM (day-two/machines.ts).
    ...(plan.machines ? { cloudMachines: plan.machines } : {}),
    ...(renewal !== undefined ? { certificateRenewal: renewal } : {}),
    // Refused changing by the next update (day-two/fixed-settings.ts); includes secretsEncryption.
    ...fixedSettings(cluster),
  });
  return {
    kubeconfig: k3s.kubeconfig,
    apiEndpoint: k3s.apiEndpoint,
    ...reached,
    plannedRestarts: restarts,
    snapshotsEnabled: cluster.datastore === "etcd" && snapshots.enabled !== false,
    // The etcd scripts run `k3s etcd-snapshot`, which a sqlite or postgres server refuses (no etcd).
    ...(cluster.datastore === "etcd" ? { snapshotCommand: commands.snapshotCommand, restoreCommand: commands.restoreCommand } : {}),
    ...(layers ? { storageClass: layers.storageClass, grafanaAdminPassword: layers.grafanaAdminPassword } : {}),
  };
}
