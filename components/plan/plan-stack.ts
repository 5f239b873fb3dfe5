import { ConfigError, PROJECT, collectProblems } from "../rules/errors";
import { ClusterSettings, parseClusterConfig } from "../k3s/settings";
import { clusterNodeProblems } from "../k3s/cluster-nodes";
import { endpointScheme, validateTopology } from "../k3s/topology";
import { datastoreEndpointProblem } from "../rules/datastore";
import { s3EndpointProblem } from "../rules/s3-endpoint";
import { configuredKubeconfigHost } from "../k3s/kubeconfig";
import type { ThisMachine } from "../nodes/local";
import { parseSnapshotConfig, parseUpgradeConfig } from "../day-two/config";
import { PreviousState, checkAgainstPrevious } from "../day-two/previous";
import { installIdentity } from "../day-two/replace-chain";
import { clusterInitServer, oneFewerServerAllowed } from "../day-two/servers";
import { cloudMachines } from "../nodes/cloud/machines";
import { etcdNodeIps } from "../day-two/etcd-peers";
import { rolloutSettings } from "../day-two/rollout";
import { REGISTRIES_KEY, REGISTRY_PASSWORDS_KEY, parseRegistriesConfig } from "../registries/config";
import { AIRGAP_KEY, AirgapConfig, parseAirgapConfig, unusedDownloadSettings } from "../airgap/config";
import { loadBundle } from "../airgap/bundle";
import { ADDONS_KEY, GRAFANA_PASSWORD_KEY, parseAddonsConfig } from "../addons/config";
import { chartKeysFor, effectiveChart, imageRef } from "../addons/charts";
import { checkAddons } from "../addons/validate";
import { longhornDrainProblems } from "../day-two/longhorn-drain";
import { apiVipOnCloud, checkApiVip } from "../addons/kube-vip";
import { CEPH_EXTERNAL_KEY, parseCephExternalSecrets } from "../addons/rook-external";
import { ConfigReader, StackConfig } from "./secrets";
import { mistypedNamespaceKeys, plainProviderCredentialKeys, unknownConfigKeys } from "./config-keys";
import { parseNodeSource, plannedNodes } from "./nodes";
import { sshKeyProblems } from "./ssh-key";
import { StackContributions, stackContributions } from "./layer-contributions";
import { checkContributions } from "../cluster/contributions";
import { mergedDisable, mergedNodeMask, nodeMaskArgs } from "../cluster/merged-config";
import type { SecretName, StackPlan } from "./types";

/** Each secret key with the example value its `pulumi config set --secret` fix shows. */
const SECRET_EXAMPLES: Record<SecretName, string> = {
  datastoreEndpoint: "postgres://user:password@host:5432/k3s",
  sshPrivateKey: "\"$(cat ~/.ssh/id_ed25519)\"",
  sshPrivateKeyPassword: "<passphrase>",
  sudoPassword: "<password>",
  etcdS3SecretKey: "<secret key>",
  etcdS3AccessKey: "<access key id>",
  [GRAFANA_PASSWORD_KEY]: "<password>",
};

/**
 * Whether the program must read the stack's previous outputs before planning:
 * `upgrade.checkPreviousOutputs` (default true; also true when the upgrade block is invalid, which
 * planStack then reports).
 */
export function wantsPreviousOutputs(config: StackConfig): boolean {
  try {
    return parseUpgradeConfig(new ConfigReader(config).object("upgrade")).checkPreviousOutputs;
  } catch (e) {
    if (e instanceof ConfigError) return true;
    throw e;
  }
}

/**
 * Plans a whole stack from its raw config and its previous outputs: parses every `k3s-stacks:*`
 * key, plans every node (cloud VMs by the names and order they will get), and runs every check of
 * every layer against the others: topology, secrets, add-on eligibility and replicas, kube-vip,
 * snapshots, rollout, registries, the airgap bundle (read from disk and checked) and the refusals
 * against the previous outputs. Creates nothing.
 * Throws one ConfigError listing every problem ("key: what is wrong. Fix: ..."), so a stack with bad
 * input fails before any resource is registered.
 * `previous`: the last successful update's outputs (day-two/previous.ts readPreviousState);
 * undefined skips those checks (a first run, or upgrade.checkPreviousOutputs: false).
 * `machine`: this machine's facts for a local stack (nodes/local.ts thisMachine by default).
 */
export function planStack(config: StackConfig, previous: PreviousState | undefined, machine?: ThisMachine): StackPlan {
  const read = new ConfigReader(config);
  const plan: Partial<StackPlan> = {};
  const secrets = Object.fromEntries(Object.keys(SECRET_EXAMPLES).map((k) => [k, false])) as Record<SecretName, boolean>;
  let cluster: ClusterSettings | undefined;
  let source: StackPlan["source"] | undefined;
  let airgap: AirgapConfig | undefined;
  const warnings: string[] = [];

  // Each layer parses on its own; checks across layers run once the parts they need parsed. Both
  // rounds run before anything is thrown, so every problem is reported together.
  const problems = problemsOf([
    () => {
      const otherSecret = (key: string) => config.otherSecretKeys?.has(key) ?? true;
      const keyProblems = [
        ...unknownConfigKeys(new Set([...Object.keys(config.values), ...config.secretKeys])),
        ...mistypedNamespaceKeys(config.otherKeys ?? []),
        ...plainProviderCredentialKeys(config.otherKeys ?? [], otherSecret),
      ];
      if (keyProblems.length) throw new ConfigError(keyProblems);
    },
    () => { if (read.has(AIRGAP_KEY)) airgap = parseAirgapConfig(read.object(AIRGAP_KEY)); },
    () => {
      // Staging copies the bundle over SFTP; a local node has no SSH.
      if (read.has(AIRGAP_KEY) && read.has("local")) throw new ConfigError([`${PROJECT}:${AIRGAP_KEY}: is not supported with ${PROJECT}:local. Fix: remove it; a local stack downloads k3s from installScriptUrl/artifactUrl (point those at a mirror).`]);
    },
    () => {
      const unused = read.has(AIRGAP_KEY) && !read.has("local") ? unusedDownloadSettings(read.object("cluster")) : [];
      if (unused.length) throw new ConfigError(unused);
    },
    () => {
      if (read.has(REGISTRIES_KEY) || read.has(REGISTRY_PASSWORDS_KEY)) {
        const serverConfig = (read.object("cluster") as { serverConfig?: Record<string, unknown> } | undefined)?.serverConfig;
        plan.registries = parseRegistriesConfig(read.object(REGISTRIES_KEY), read.object(REGISTRY_PASSWORDS_KEY), read.isSecret(REGISTRY_PASSWORDS_KEY), config.baseDir, serverConfig?.["embedded-registry"] === true);
      }
    },
    () => {
      const raw = read.object("cluster");
      if (raw === undefined) throw new ConfigError([`${PROJECT}:cluster: is missing. Fix: add a k3s-stacks:cluster block with at least k3sVersion (see README).`]);
      cluster = parseClusterConfig(raw);
    },
    () => { plan.upgrade = parseUpgradeConfig(read.object("upgrade")); },
    () => { plan.snapshots = parseSnapshotConfig(read.object("snapshots")); },
    () => { if (read.has(ADDONS_KEY)) plan.addons = parseAddonsConfig(read.object(ADDONS_KEY)); },
    () => {
      if (plan.addons || !read.has(ADDONS_KEY)) {
        plan.cephExternal = parseCephExternalSecrets(read.object(CEPH_EXTERNAL_KEY), read.isSecret(CEPH_EXTERNAL_KEY), plan.addons?.storage ?? { type: "local-path" });
      }
    },
    // Inventory problems come with the others; cloud network checks need valid cluster CIDRs first.
    () => { source = parseNodeSource(read, cluster, machine, plan.upgrade?.checkPreviousOutputs ?? true, previous); },
    ...Object.entries(SECRET_EXAMPLES).map(([name, example]) => () => { secrets[name as SecretName] = read.secret(name as SecretName, example); }),
  ]);

  // Checks across layers: each runs when what it reads parsed, all reported together.
  const c = cluster;
  const planned = source ? plannedNodes(source) : undefined;
  const nodes = planned?.nodes ?? [];
  let layers: StackContributions | undefined;
  // For an even etcd count's fix: the counts the server-change check against the last update accepts.
  const serverCountChange = () => ({
    gone: (planned?.gone ?? []).filter((n) => n.role === "server").map((n) => n.name),
    oneFewerAllowed: oneFewerServerAllowed(plan.upgrade?.checkPreviousOutputs ? previous?.serverNames : undefined, serverNamesOf(nodes)),
  });
  const layerRoot = (i: number) => layers!.roots[i];
  problems.push(...problemsOf([
    () => {
      // What the layers add to config.yaml (throws the snapshots layer's problems). Only which
      // credentials are set matters here; the values are wired as secrets later.
      if (c && plan.snapshots) layers = stackContributions({ cluster: c, snapshots: plan.snapshots, addons: plan.addons, registries: plan.registries }, { secretKey: secrets.etcdS3SecretKey ? "set" : undefined, accessKey: secrets.etcdS3AccessKey ? "set" : undefined });
    },
    () => {
      const keyProblems = source ? sshKeyProblems(read, source) : [];
      if (keyProblems.length) throw new ConfigError(keyProblems);
    },
    () => {
      if (!c || !source) return;
      const raw = read.raw("datastoreEndpoint");
      // Checked on the plain value before it is wrapped as a secret; the message never holds it.
      const problem = raw === undefined ? undefined : datastoreEndpointProblem(raw, "set it again with 'pulumi config set --secret k3s-stacks:datastoreEndpoint'");
      validateTopology(c, nodes, { present: read.has("datastoreEndpoint"), scheme: endpointScheme(raw), unknown: raw === undefined, problem },
        source.kind === "inventory" ? "inventory.hosts" : source.kind === "local" ? "local" : "cloud.pools",
        layers && nodeMaskArgs(mergedNodeMask(layers.list, layerRoot, "cluster", c)), layers && mergedDisable(layers.list, c), serverCountChange());
    },
    () => { if (c?.apiVip && source?.kind === "cloud") throw new ConfigError([apiVipOnCloud()]); },
    () => {
      // Node IPs written in the inventory against the pod/service ranges and their families; cloud VMs get theirs at creation.
      if (!c || source?.kind !== "inventory") return;
      const hosts = source.inventory.hosts.map((h, i) => ({ ...h, key: `${PROJECT}:inventory.hosts[${i}]` })).filter((h) => !h.gone);
      const problems = clusterNodeProblems(c, hosts, "cluster");
      if (problems.length) throw new ConfigError(problems);
    },
    () => {
      const endpoint = plan.snapshots?.s3?.endpoint;
      const problem = endpoint === undefined ? undefined : s3EndpointProblem(endpoint);
      if (problem) throw new ConfigError([`${PROJECT}:snapshots.s3.endpoint: ${problem}`]);
    },
    () => { if (c && plan.upgrade) plan.rollout = rolloutSettings(plan.upgrade, c); },
    () => {
      if (!c || !planned || !plan.addons) return;
      const checked = checkAddons(plan.addons, { nodes, datastore: c.datastore, clusterCidr: c.clusterCidr, serviceCidr: c.serviceCidr, disable: c.disable, serverConfig: c.serverConfig, agentConfig: c.agentConfig, cloud: source?.kind === "cloud", apiVip: c.apiVip?.address,
        apiEndpoint: c.apiEndpoint === undefined ? undefined : { address: c.apiEndpoint, key: `${PROJECT}:cluster.apiEndpoint` } });
      const drains = checked.longhorn && plan.upgrade ? longhornDrainProblems(checked.longhorn, nodes, plan.upgrade) : [];
      if (drains.length) throw new ConfigError(drains);
    },
    () => {
      // Add-ons and system-upgrade-controller plans are applied from this machine through the kubeconfig.
      const throughApi = read.has(ADDONS_KEY) || (plan.upgrade !== undefined && plan.upgrade.mode !== "ssh");
      const problem = c && throughApi ? apiBehindBastionProblem(c, nodes) : undefined;
      if (problem) throw new ConfigError([problem]);
    },
    () => {
      if (!c?.apiVip || !planned || source?.kind === "cloud" || (read.has(ADDONS_KEY) && !plan.addons)) return;
      const lb = plan.addons?.loadBalancer;
      checkApiVip(c.apiVip, { nodes, clusterCidr: c.clusterCidr, serviceCidr: c.serviceCidr, metallb: lb?.type === "metallb" ? lb : undefined });
    },
    () => {
      if (!c || !planned || !airgap || (read.has(ADDONS_KEY) && !plan.addons)) return;
      const addons = plan.addons;
      const charts = addons ? chartKeysFor(addons).map((key) => ({ key, version: effectiveChart(key, addons.charts).version })) : [];
      // kube-vip's image goes to the servers with the bundle; nothing else can pull it there.
      const images = c.apiVip ? [{ key: "kubeVip", ref: imageRef("kubeVip"), roles: ["server" as const] }] : [];
      plan.bundle = loadBundle(airgap.bundleDir, c.k3sVersion, nodes, charts, images);
    },
    () => {
      if (!c || !planned || !plan.upgrade?.checkPreviousOutputs || previous === undefined) return;
      // A gone entry keeps the role/arch it was installed with (its record carries the removal).
      warnings.push(...checkAgainstPrevious(previous, { settings: c, serverNames: serverNamesOf(nodes), upgrade: plan.upgrade, nodeIdentities: identitiesOf(nodes), gone: planned.gone.map((n) => n.name), goneIdentities: identitiesOf(planned.gone), addresses: nodes, nodesKey: source?.kind === "cloud" ? "cloud.pools" : source?.kind === "local" ? "local" : "inventory.hosts", etcdNodeIps: etcdNodeIps(nodes, c.datastore), machines: source?.kind === "cloud" ? cloudMachines(source.cloud) : undefined }));
    },
  ]));
  // What the layers add to config.yaml, held to K3sCluster's rules together with the user's keys, here
  // because a cloud stack's VMs are registered before K3sCluster runs them. Last, once every setting
  // holds: a layer's own wrong value would otherwise be reported twice (by its key, then by the k3s key
  // it becomes), and what is left is how the layers and serverConfig/agentConfig fit together.
  if (problems.length === 0 && layers) problems.push(...problemsOf([() => checkContributions(layers!.list, layerRoot, "cluster", c!)]));
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    ...plan,
    cluster: c!,
    source: source!,
    nodes,
    gone: planned!.gone,
    serverNames: serverNamesOf(nodes),
    // Inventory order, gone hosts included: a first server marked gone started the cluster.
    clusterInitServer: clusterInitServer(plan.upgrade!.checkPreviousOutputs ? previous : undefined, source!.kind === "inventory" ? source!.inventory.hosts.filter((h) => h.role === "server").map((h) => h.name) : serverNamesOf(nodes)),
    nodeIdentities: identitiesOf(nodes),
    ...(source!.kind === "cloud" ? { machines: Object.fromEntries(cloudMachines(source!.cloud).map((m) => [m.name, m.machine])) } : {}),
    upgrade: plan.upgrade!,
    rollout: plan.rollout!,
    snapshots: plan.snapshots!,
    secrets,
    previous: plan.upgrade!.checkPreviousOutputs ? previous : undefined,
    warnings,
  };
}

/**
 * When the first server is reached through a bastion and nothing names another API address
 * (apiEndpoint, apiVip, a tlsSans host), the kubeconfig names that server's own address, which only
 * the bastion's network reaches, so anything applied from this machine through the API would hang
 * until it times out. Undefined when the kubeconfig's host is set or no bastion is in the way.
 */
function apiBehindBastionProblem(c: ClusterSettings, nodes: StackPlan["nodes"]): string | undefined {
  const first = nodes.find((n) => n.role === "server");
  const bastion = first?.connection.bastion;
  if (!first || !bastion || configuredKubeconfigHost(c)) return undefined;
  const host = first.connection.host ?? first.name;
  return `${PROJECT}:cluster.apiEndpoint: is not set, and the first server ${first.name} is reached through the bastion ${bastion.host}, so the kubeconfig would name https://${host.includes(":") ? `[${host}]` : host}:6443, which this machine cannot reach; the add-ons and upgrade plans are applied from here through it. Fix: set apiEndpoint (an address this machine and the nodes reach, e.g. a load balancer or DNS name), or put first in tlsSans an address this machine reaches port 6443 on, e.g. 127.0.0.1 with a tunnel 'ssh -L 6443:${host}:6443${bastion.port && bastion.port !== 22 ? ` -p ${bastion.port}` : ""} ${bastion.user ? `${bastion.user}@` : ""}${bastion.host}' open during pulumi up (tlsSans changes only the kubeconfig; joins keep using the servers' addresses).`;
}

/** The problems of every check, without stopping at the first. */
function problemsOf(checks: Array<() => void>): string[] {
  try {
    collectProblems(checks);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

function serverNamesOf(nodes: StackPlan["nodes"]): string[] {
  return nodes.filter((n) => n.role === "server").map((n) => n.name);
}

function identitiesOf(nodes: StackPlan["nodes"]): Record<string, string> {
  return Object.fromEntries(nodes.map((n) => [n.name, installIdentity({ role: n.role, arch: n.arch })]));
}
