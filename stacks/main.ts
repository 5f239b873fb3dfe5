import * as pulumi from "@pulumi/pulumi";
import { ClusterSettings, parseClusterConfig } from "../components/k3s/settings";
import { ConfigError, PROJECT, collectProblems } from "../components/rules/errors";
import { isSecretKey, rawConfig, secretConfig } from "../components/plan/secrets";
import { endpointScheme, validateTopology } from "../components/k3s/topology";
import { K3sCluster } from "../components/cluster/k3s-cluster";
import { ConfigContribution, NodeFile } from "../components/k3s/types";
import { NodeSpec } from "../components/nodes/types";
import { goneInventoryNodes, inventoryNodes, liveHosts, parseInventoryConfig, readPrivateKey } from "../components/nodes/inventory";
import { ARCH_ALIASES } from "../components/nodes/inventory/schema";
import { checkReachable } from "../components/remote/reachability";
import { nodeAddresses, removedNodes } from "../components/remote/removed";
import { installIdentity } from "../components/day-two/replace-chain";
import { localNodes, parseLocalConfig } from "../components/nodes/local";
import type { CloudConfig } from "../components/nodes/cloud/config";
import { parseCloudConfig } from "../components/nodes/cloud/validate";
import { planNodes } from "../components/nodes/cloud/pools";
import { ADDONS_KEY, AddonsConfig, GRAFANA_PASSWORD_KEY, parseAddonsConfig } from "../components/addons/config";
import { chartKeysFor, effectiveChart, imageRef } from "../components/addons/charts";
import { addonK3sContribution } from "../components/addons/k3s-contribution";
import { checkAddons } from "../components/addons/validate";
import { apiVipOnCloud, checkApiVip, kubeVipFiles } from "../components/addons/kube-vip";
import type { ClusterAddons } from "../components/addons/cluster-addons";
import { parseSnapshotConfig, parseUpgradeConfig } from "../components/day-two/config";
import { PreviousState, checkAgainstPrevious, readPreviousState } from "../components/day-two/previous";
import { plannedRestarts } from "../components/day-two/restart-plan";
import { rolloutSettings } from "../components/day-two/rollout";
import { snapshotContribution } from "../components/day-two/snapshots";
import { dayTwoCommands } from "../components/day-two/commands";
import { AIRGAP_KEY, parseAirgapConfig } from "../components/airgap/config";
import { REGISTRIES_KEY, REGISTRY_PASSWORDS_KEY, parseRegistriesConfig } from "../components/registries/config";
import { LoadedBundle, loadBundle } from "../components/airgap/bundle";
import { bundleChartDir } from "../components/airgap/charts";
import { registriesPlan } from "../components/registries/registries";
import { airgapStager } from "../components/airgap/stager";
import { hasConfig, objectConfig } from "./read-config";
import { CEPH_EXTERNAL_KEY, CephExternalSecrets, parseCephExternalSecrets } from "../components/addons/rook-external";

// Modules for clouds and layers a stack does not use are imported where they are used, not here:
// each Pulumi provider SDK (@pulumi/kubernetes, @pulumi/aws, @pulumi/hcloud) costs every
// `pulumi preview` hundreds of milliseconds to load (test/stack/lazy-load.test.ts).

/**
 * The `plannedRestarts` output, also logged: which nodes this update restarts, in rollout order and
 * why, from the restart keys of the last successful update (so `pulumi preview` shows it). Only node
 * names and reasons, so it is plain even when the keys are secret. `version` is empty when versions
 * move in-cluster (system-upgrade-controller) rather than through the rollout.
 */
function restartPlanOutput(k3s: K3sCluster, previous: PreviousState | undefined, version: string, identities: Record<string, string>): pulumi.Output<string[]> {
  if (previous === undefined) return pulumi.output(["unknown: k3s-stacks:upgrade.checkPreviousOutputs is false"]);
  return pulumi.unsecret(k3s.restartKeys.apply((keys) => {
    if (previous.restartKeys === undefined) return [];
    const plan = plannedRestarts(
      k3s.rolloutOrder,
      { version: version ? previous.k3sVersion : undefined, keys: previous.restartKeys, identities: previous.nodeIdentities },
      { version, keys, identities },
    );
    if (plan.length > 0) pulumi.log.info(`rolling restart, one step after another: ${plan.join(" | ")}`);
    return plan;
  }));
}

/** Where this stack's nodes come from. */
type NodeSource =
  | { kind: "inventory"; inventory: ReturnType<typeof parseInventoryConfig> }
  | { kind: "cloud"; cloud: CloudConfig }
  | { kind: "local"; local: ReturnType<typeof parseLocalConfig> };

function parseNodeSource(cluster: ClusterSettings): NodeSource {
  const inventory = objectConfig("inventory");
  const cloud = objectConfig("cloud");
  const sources = [inventory !== undefined && "inventory", cloud !== undefined && "cloud", hasConfig("local") && "local"].filter((k): k is string => k !== false);
  if (sources.length > 1) {
    throw new ConfigError([`${sources.map((k) => `${PROJECT}:${k}`).join(" and ")}: are all set. Fix: keep one; a stack's nodes come from an SSH inventory, a cloud, or this machine (local).`]);
  }
  if (sources[0] === "local") return { kind: "local", local: parseLocalConfig(objectConfig("local")) };
  if (cloud !== undefined) {
    return { kind: "cloud", cloud: parseCloudConfig(cloud, { clusterCidr: cluster.clusterCidr, serviceCidr: cluster.serviceCidr, flannelBackend: cluster.flannelBackend }) };
  }
  if (inventory === undefined) {
    throw new ConfigError([`${PROJECT}:inventory: is missing. Fix: list your machines under k3s-stacks:inventory, or describe cloud nodes under k3s-stacks:cloud (see README).`]);
  }
  return { kind: "inventory", inventory: parseInventoryConfig(inventory) };
}

/**
 * The whole stack: reads and validates every config key before creating anything, then builds the
 * nodes, the cluster and its layers. Returns the stack outputs.
 */
export async function main(): Promise<Record<string, unknown>> {
  const rawCluster = objectConfig("cluster");

  // Every layer's config is parsed up front; all problems are reported together.
  let cluster!: ClusterSettings;
  let source!: NodeSource;
  let upgrade!: ReturnType<typeof parseUpgradeConfig>;
  let snapshots!: ReturnType<typeof parseSnapshotConfig>;
  let addons: AddonsConfig | undefined;
  let airgap: ReturnType<typeof parseAirgapConfig> | undefined;
  let registries: ReturnType<typeof parseRegistriesConfig> | undefined;
  let datastoreEndpoint: pulumi.Output<string> | undefined;
  let sshPrivateKey: pulumi.Output<string> | undefined;
  let sudoPassword: pulumi.Output<string> | undefined;
  let s3SecretKey: pulumi.Output<string> | undefined;
  let s3AccessKey: pulumi.Output<string> | undefined;
  let grafanaAdminPassword: pulumi.Output<string> | undefined;
  let cephExternal: CephExternalSecrets | undefined;
  let planned: Array<{ name: string; role: "server" | "agent"; arch?: string }> = [];
  collectProblems([
    () => { if (hasConfig(AIRGAP_KEY)) airgap = parseAirgapConfig(objectConfig(AIRGAP_KEY)); },
    () => {
      // Staging copies the bundle over SFTP; a local node has no SSH.
      if (hasConfig(AIRGAP_KEY) && hasConfig("local")) throw new ConfigError([`${PROJECT}:${AIRGAP_KEY}: is not supported with ${PROJECT}:local. Fix: remove it; a local stack downloads k3s from installScriptUrl/artifactUrl (point those at a mirror).`]);
    },
    () => {
      if (hasConfig(REGISTRIES_KEY) || hasConfig(REGISTRY_PASSWORDS_KEY)) {
        registries = parseRegistriesConfig(objectConfig(REGISTRIES_KEY), objectConfig(REGISTRY_PASSWORDS_KEY), isSecretKey(REGISTRY_PASSWORDS_KEY), process.cwd());
      }
    },
    () => {
      if (rawCluster === undefined) throw new ConfigError([`${PROJECT}:cluster: is missing. Fix: add a k3s-stacks:cluster block with at least k3sVersion (see README).`]);
      cluster = parseClusterConfig(rawCluster);
    },
    () => { upgrade = parseUpgradeConfig(objectConfig("upgrade")); },
    () => { snapshots = parseSnapshotConfig(objectConfig("snapshots")); },
    () => { if (hasConfig(ADDONS_KEY)) addons = parseAddonsConfig(objectConfig(ADDONS_KEY)); },
    () => {
      if (addons || !hasConfig(ADDONS_KEY)) {
        cephExternal = parseCephExternalSecrets(objectConfig(CEPH_EXTERNAL_KEY), isSecretKey(CEPH_EXTERNAL_KEY), addons?.storage ?? { type: "local-path" });
      }
    },
    // Inventory problems come with the others; cloud network checks need valid cluster CIDRs first.
    () => { if (cluster !== undefined || !hasConfig("cloud")) source = parseNodeSource(cluster); },
    () => { datastoreEndpoint = secretConfig("datastoreEndpoint", "postgres://user:password@host:5432/k3s"); },
    () => { sshPrivateKey = secretConfig("sshPrivateKey", "\"$(cat ~/.ssh/id_ed25519)\""); },
    () => { sudoPassword = secretConfig("sudoPassword", "<password>"); },
    () => { s3SecretKey = secretConfig("etcdS3SecretKey", "<secret key>"); },
    () => { s3AccessKey = secretConfig("etcdS3AccessKey", "<access key id>"); },
    () => { grafanaAdminPassword = secretConfig(GRAFANA_PASSWORD_KEY, "<password>"); },
    () => {
      if (cluster === undefined || source === undefined) return;
      planned = source.kind === "inventory" ? liveHosts(source.inventory).map((h) => ({ name: h.name, role: h.role, arch: ARCH_ALIASES[h.arch] }))
        : source.kind === "local" ? [{ name: source.local.name, role: "server" }]
        : planNodes(source.cloud).map((n) => ({ name: n.name, role: n.role, arch: n.arch }));
      validateTopology(cluster, planned, {
        present: rawConfig("datastoreEndpoint") !== undefined,
        scheme: endpointScheme(rawConfig("datastoreEndpoint")),
      }, source.kind === "inventory" ? "inventory.hosts" : source.kind === "local" ? "local" : "cloud.pools");
    },
    () => { if (cluster?.apiVip && source?.kind === "cloud") throw new ConfigError([apiVipOnCloud()]); },
  ]);

  const serverNames = planned.filter((n) => n.role === "server").map((n) => n.name);
  const nodeIdentities = Object.fromEntries(planned.filter((n) => n.arch).map((n) => [n.name, installIdentity({ role: n.role, arch: n.arch as NodeSpec["arch"] })]));
  const goneHosts = source.kind === "inventory" ? source.inventory.hosts.filter((h) => h.gone) : [];
  const goneIdentities = Object.fromEntries(goneHosts.map((h) => [h.name, installIdentity({ role: h.role, arch: ARCH_ALIASES[h.arch] })]));
  let previous: PreviousState | undefined;
  if (upgrade.checkPreviousOutputs) {
    previous = await readPreviousState();
    checkAgainstPrevious(previous, { settings: cluster, serverNames, upgrade, nodeIdentities, gone: goneHosts.map((h) => h.name), goneIdentities });
  }

  let nodes: NodeSpec[];
  let gone: NodeSpec[] = [];
  let kubeconfigHost: pulumi.Output<string> | undefined;
  const contributions: ConfigContribution[] = [];
  if (source.kind === "inventory") {
    nodes = inventoryNodes(source.inventory, { privateKey: sshPrivateKey, sudoPassword });
    gone = goneInventoryNodes(source.inventory, { privateKey: sshPrivateKey, sudoPassword });
    // Before anything is registered: an unreachable host fails the run now, by name, within a bound; so
    // does a host removed from the inventory since the last update, whose uninstall would dial it.
    const inv = source.inventory;
    if (!pulumi.runtime.isDryRun() && inv.reachabilityTimeout > 0) {
      const privateKey = rawConfig("sshPrivateKey") ?? (inv.privateKeyPath ? readPrivateKey(inv.privateKeyPath) : undefined);
      const removed = removedNodes(previous?.nodeAddresses, inv.hosts.map((h) => h.name), privateKey);
      await checkReachable(nodes, { timeoutSeconds: inv.reachabilityTimeout, privateKey }, removed);
    }
  } else if (source.kind === "local") {
    nodes = localNodes(source.local, { sudoPassword });
  } else {
    const { createCloudNodes } = await import("../components/nodes/cloud");
    const cloudNodes = await createCloudNodes("k3s", { config: source.cloud, cluster: { clusterCidr: cluster.clusterCidr, serviceCidr: cluster.serviceCidr, flannelBackend: cluster.flannelBackend }, sshPrivateKey });
    nodes = cloudNodes.nodes;
    if (cloudNodes.apiEndpoint) {
      kubeconfigHost = cloudNodes.apiEndpoint;
      contributions.push({ server: { "tls-san": cloudNodes.apiEndpoint.apply((h) => [h]) } });
    }
  }

  contributions.push({ ...snapshotContribution(snapshots, cluster.datastore, { secretKey: s3SecretKey, accessKey: s3AccessKey }), secret: s3SecretKey !== undefined || s3AccessKey !== undefined });
  collectProblems([
    () => { if (addons) checkAddons(addons, { nodes, datastore: cluster.datastore, clusterCidr: cluster.clusterCidr, serviceCidr: cluster.serviceCidr, disable: cluster.disable }); },
    () => { if (cluster.apiVip) checkApiVip(cluster.apiVip, { nodes, clusterCidr: cluster.clusterCidr, serviceCidr: cluster.serviceCidr, metallb: addons?.loadBalancer.type === "metallb" ? addons.loadBalancer : undefined }); },
  ]);
  if (addons) contributions.push(addonK3sContribution(addons, cluster.datastore));

  const files: NodeFile[] = [];
  // kube-vip's manifests go into the servers' auto-deploy directory before k3s first starts.
  if (cluster.apiVip) files.push(...kubeVipFiles(cluster.apiVip));
  if (registries) {
    const plan = registriesPlan(registries);
    files.push(...plan.files);
    contributions.push(...plan.contributions);
  }
  // Airgap: the bundle is checked (version, arches, checksums, charts) before anything is uploaded.
  let bundle: LoadedBundle | undefined;
  if (airgap) {
    const charts = addons ? chartKeysFor(addons).map((key) => ({ key, version: effectiveChart(key, addons!.charts).version })) : [];
    // kube-vip's image goes to the servers with the bundle; nothing else can pull it there.
    const images = cluster.apiVip ? [{ key: "kubeVip", ref: imageRef("kubeVip"), roles: ["server" as const] }] : [];
    bundle = loadBundle(airgap.bundleDir, cluster.k3sVersion, nodes, charts, images);
  }

  const ssh = upgrade.mode === "ssh";
  const k3s = new K3sCluster("k3s", {
    settings: cluster,
    nodes,
    gone,
    datastoreEndpoint,
    contributions,
    files,
    stager: bundle ? airgapStager(bundle) : undefined,
    kubeconfigHost,
    rollout: rolloutSettings(upgrade, cluster),
    sshRollout: ssh,
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
      cephExternal: cephExternal ? pulumi.secret(cephExternal) : undefined,
      previousStorageClass: previous?.storageClass,
      airgapChartDir: bundle ? bundleChartDir(bundle) : undefined,
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
      drain: upgrade.drain,
      drainTimeout: upgrade.drainTimeout ?? cluster.drainTimeout,
    }, { dependsOn: k3s.ready });
  }

  const commands = dayTwoCommands(nodes);
  const restarts = restartPlanOutput(k3s, previous, ssh ? cluster.k3sVersion : "", nodeIdentities);
  return {
    kubeconfig: k3s.kubeconfig,
    apiEndpoint: k3s.apiEndpoint,
    k3sVersion: cluster.k3sVersion,
    datastore: cluster.datastore,
    serverCount: serverNames.length,
    serverNames,
    nodeNames: k3s.nodeNames,
    nodeIdentities,
    nodeAddresses: nodeAddresses(nodes),
    restartKeys: k3s.restartKeys,
    plannedRestarts: restarts,
    secretsEncryption: cluster.secretsEncryption,
    snapshotsEnabled: cluster.datastore === "etcd" && snapshots.enabled !== false,
    snapshotCommand: commands.snapshotCommand,
    restoreCommand: commands.restoreCommand,
    ...(layers ? { storageClass: layers.storageClass, grafanaAdminPassword: layers.grafanaAdminPassword } : {}),
  };
}
