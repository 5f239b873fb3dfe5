import * as pulumi from "@pulumi/pulumi";
import { collectProblems } from "../rules/errors";
import { parseIp } from "../rules/address";
import { ClusterSettings, apiHost } from "../k3s/settings";
import { UpgradeConfig } from "./config";
import { checkVersionChange } from "./skew";
import { checkGoneDuringUpgrade, checkServerChange } from "./servers";
import { checkDatastoreChange, checkDatastoreMoveAlone, checkGoneIdentity, checkIdentityChange } from "./identity";
import { NodeAddress, parseNodeAddresses } from "../remote/removed";
import { PlannedAddress, checkAddressMoves } from "./addresses";
import { checkAddedDuringUpgrade } from "./added-nodes";
import { PlannedMachine, checkMachineChanges } from "./machines";
import { checkEtcdNodeIps } from "./etcd-peers";
import { clientCertificateExpiry } from "./certificates";
import { FIXED_SETTING_OUTPUTS, FixedSettings, checkFixedSettings, fixedSettings, parseFixedSettings } from "./fixed-settings";

/**
 * What the last successful `pulumi up` of this stack exported. The stack must export `k3sVersion`
 * (string) and `serverNames` (server node names, first server first) for the checks to see them.
 */
export interface PreviousState {
  k3sVersion?: string;
  serverNames?: string[];
  /** `datastore` output: sqlite, etcd or postgres. */
  datastore?: string;
  /** `nodeIdentities` output: node name → role/arch (k3s/replace-chain.ts). */
  nodeIdentities?: Record<string, string>;
  /** `storageClass` output: the default StorageClass the addons left (addons/cluster-addons.ts). */
  storageClass?: string;
  /** Per node, what its restart depended on (K3sCluster.restartKeys): nodes whose key changes restart. */
  restartKeys?: Record<string, string>;
  /** `nodeAddresses` output: where SSH reached each node (remote/removed.ts); probes removed hosts. */
  nodeAddresses?: Record<string, NodeAddress>;
  /** Settings k3s fixes at creation (`clusterCidr`, `serviceCidr`, ... outputs; fixed-settings.ts); each absent from older stacks. */
  fixed?: Partial<FixedSettings>;
  /** `fixedRegistrationAddress` output: the apiEndpoint or apiVip host every node joined through ("" none); absent from older stacks. */
  fixedRegistrationAddress?: string;
  /** `knownApiHosts` output: the hosts the last update left out of tls-san (knownApiHosts below); absent from older stacks. */
  knownApiHosts?: string[];
  /** `etcdNodeIps` output: etcd server → the node-ip it joined etcd with (etcd-peers.ts); absent from older stacks. */
  etcdNodeIps?: Record<string, string>;
  /** When the admin client certificate of the `kubeconfig` output expires (ISO time); the kubeconfig itself is not kept. */
  certificateExpiry?: string;
  /** `certificateRenewal` output: the last certificate renewal rolled (certificates.ts); absent until the first. */
  certificateRenewal?: string;
  /** `cloudMachines` output: cloud node → its VM's machine (nodes/cloud/machines.ts); absent from older and non-cloud stacks. */
  machines?: Record<string, string>;
  /** `clusterInitServer` output: the server that started the cluster, "" once it is no longer listed (servers.ts clusterInitServer); absent from older stacks. */
  clusterInitServer?: string;
}

/**
 * Hosts an existing cluster's serving certificate is known to name (K3sClusterArgs.knownApiHosts),
 * exported as the `knownApiHosts` output so that every later update decides the same (the servers'
 * tls-san, and so their configuration, must not change from one update to the next):
 * - the previous update's `knownApiHosts` output, when it has one;
 * - a stack last updated by a release before that output (which added no API host to tls-san): the
 *   first server's SSH address then, when it is an IP and that server was the first server then too,
 *   so every join and the add-ons reached the API through it. Adding it would restart every server;
 * - a new stack, or a DNS name (k3s names no DNS name it is not given: components/k3s/api-sans.ts): none.
 */
export function knownApiHosts(previous: PreviousState | undefined, firstServer: string | undefined): string[] {
  if (previous?.knownApiHosts) return previous.knownApiHosts;
  if (firstServer === undefined || previous?.serverNames?.[0] !== firstServer) return [];
  const host = previous.nodeAddresses?.[firstServer]?.host;
  return host !== undefined && parseIp(host) ? [host] : [];
}

/**
 * The nodes the last successful update installed, for K3sClusterArgs.knownNodes: the names in its
 * `restartKeys` output, or none for a stack that never completed an update (it has no outputs). A
 * stack last updated by a release without that output, or whose outputs were not read
 * (`upgrade.checkPreviousOutputs` false), gives undefined: every node then counts as installed.
 *
 * A node that a failed update installed is not among them (a failed update leaves the outputs as they
 * were): if the next update changes its configuration, it restarts with the other new agents, in the
 * last batch.
 */
export function installedNodes(previous: PreviousState | undefined): string[] | undefined {
  if (previous === undefined) return undefined;
  if (previous.restartKeys) return Object.keys(previous.restartKeys);
  const fresh = previous.k3sVersion === undefined && previous.serverNames === undefined && previous.nodeIdentities === undefined;
  return fresh ? [] : undefined;
}

/**
 * The stack's own fully qualified name. DIY (file, S3) backends with project-scoped stacks (the
 * default since Pulumi 3.61) accept `organization/<project>/<stack>`, and the SDK reports
 * "organization" as their organization; Pulumi Cloud uses the real org. Mocks may have no org.
 */
export function ownStackName(): string {
  let org: string;
  try {
    org = pulumi.getOrganization() || "organization";
  } catch {
    org = "organization";
  }
  return `${org}/${pulumi.getProject()}/${pulumi.getStack()}`;
}

async function outputValue(ref: pulumi.StackReference, name: string): Promise<unknown> {
  const details = await ref.getOutputDetails(name);
  return details.value ?? details.secretValue;
}

/**
 * Reads this stack's previous outputs through a StackReference to itself. The engine answers a stack
 * that has never completed an update with no outputs, so a fresh stack reads as "no previous"; values
 * of the wrong shape also read as absent. A legacy (non-project-scoped) DIY backend cannot parse the
 * qualified name and fails the run: set k3s-stacks:upgrade.checkPreviousOutputs to false there (the
 * node-side guard, versionGuardFunction in the rolling restart, still refuses skips on the machines themselves).
 */
export async function readPreviousState(opts: { parent?: pulumi.Resource } = {}): Promise<PreviousState> {
  const ref = new pulumi.StackReference("k3s-stacks-previous-outputs", { name: ownStackName() }, { parent: opts.parent });
  const [version, servers, datastore, identities, keys, storageClass, addresses, apiHosts, peerIps, kubeconfig, renewal, machines, initServer, registration, ...fixedValues] = await Promise.all(
    ["k3sVersion", "serverNames", "datastore", "nodeIdentities", "restartKeys", "storageClass", "nodeAddresses", "knownApiHosts", "etcdNodeIps", "kubeconfig", "certificateRenewal", "cloudMachines", "clusterInitServer", "fixedRegistrationAddress", ...FIXED_SETTING_OUTPUTS].map((name) => outputValue(ref, name)),
  );
  const isKeys = (v: unknown): v is Record<string, string> =>
    typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");
  const state: PreviousState = {
    k3sVersion: typeof version === "string" ? version : undefined,
    serverNames: Array.isArray(servers) && servers.every((s) => typeof s === "string") ? (servers as string[]) : undefined,
    restartKeys: isKeys(keys) ? keys : undefined,
  };
  // Outputs added later: absent from stacks last updated before them.
  if (typeof datastore === "string") state.datastore = datastore;
  if (typeof storageClass === "string") state.storageClass = storageClass;
  if (Array.isArray(apiHosts) && apiHosts.every((h) => typeof h === "string")) state.knownApiHosts = apiHosts as string[];
  if (isKeys(peerIps)) state.etcdNodeIps = peerIps;
  if (isKeys(machines)) state.machines = machines;
  const expiry = typeof kubeconfig === "string" ? clientCertificateExpiry(kubeconfig) : undefined;
  if (expiry) state.certificateExpiry = expiry.toISOString();
  if (typeof renewal === "string") state.certificateRenewal = renewal;
  if (typeof initServer === "string") state.clusterInitServer = initServer;
  if (typeof registration === "string") state.fixedRegistrationAddress = registration;
  const nodeAddresses = parseNodeAddresses(addresses);
  if (nodeAddresses) state.nodeAddresses = nodeAddresses;
  const fixed = parseFixedSettings(Object.fromEntries(FIXED_SETTING_OUTPUTS.map((name, i) => [name, fixedValues[i]])));
  if (Object.keys(fixed).length) state.fixed = fixed;
  if (identities && typeof identities === "object" && Object.values(identities).every((v) => typeof v === "string")) {
    state.nodeIdentities = identities as Record<string, string>;
  }
  return state;
}

/**
 * checkServerChange's view of the fixed registration address (apiEndpoint or apiVip): whether this run
 * has one, whether it differs from the last update's `fixedRegistrationAddress` (set, changed or
 * removed in this run: every node's `server:` changes), and whether the last update had one. Older
 * stacks, without the output, count as unchanged (the restart step's quorum guard still stops a roll
 * that would break etcd).
 */
export function registration(previous: Pick<PreviousState, "fixedRegistrationAddress">, settings: ClusterSettings): { fixedRegistration: boolean; registrationChanged: boolean; hadFixedRegistration: boolean } {
  const host = apiHost(settings);
  const recorded = previous.fixedRegistrationAddress;
  return {
    fixedRegistration: host !== undefined,
    registrationChanged: recorded !== undefined && recorded !== (host ?? ""),
    hadFixedRegistration: recorded === undefined ? host !== undefined : recorded !== "",
  };
}

/**
 * Runs every check against the previous outputs (version skew, servers, datastore, identities, fixed
 * settings), reporting every problem at once. Returns the refusals forceServerRemoval overrode, as warnings.
 */
export function checkAgainstPrevious(
  previous: PreviousState,
  next: {
    settings: ClusterSettings;
    serverNames: string[];
    upgrade: UpgradeConfig;
    nodeIdentities?: Record<string, string>;
    gone?: string[];
    /** Install identities (role/arch) of the hosts marked gone. */
    goneIdentities?: Record<string, string>;
    /** Where SSH reaches each live node (checked against the previous `nodeAddresses`). */
    addresses?: PlannedAddress[];
    /** Where the stack lists its nodes, for messages about added ones (default inventory.hosts). */
    nodesKey?: string;
    /** The etcd servers' node-ips as this run configures them (etcd-peers.ts etcdNodeIps). */
    etcdNodeIps?: Record<string, string>;
    /** The cloud nodes' VMs as this run creates them (nodes/cloud/machines.ts). */
    machines?: PlannedMachine[];
  },
): string[] {
  let forced: string | undefined;
  collectProblems([
    () => checkVersionChange(previous.k3sVersion, next.settings.k3sVersion, next.settings.datastore === "etcd"),
    () => { forced = checkServerChange(previous.serverNames, next.serverNames, next.settings.datastore, { force: next.upgrade.forceServerRemoval, gone: next.gone, ...registration(previous, next.settings) }); },
    () => { if (next.settings.datastore === "etcd") checkGoneDuringUpgrade(previous.serverNames, next.gone ?? [], { from: previous.k3sVersion, to: next.settings.k3sVersion, ssh: next.upgrade.mode === "ssh" }, next.upgrade.forceServerRemoval); },
    () => checkDatastoreChange(previous.datastore, next.settings.datastore),
    () => checkDatastoreMoveAlone(previous, next.settings),
    () => {
      // The first server then and now (another after a handover): each runs kubectl for the rest.
      const firsts = new Set([previous.serverNames?.[0], next.serverNames[0]].filter((s): s is string => s !== undefined));
      if (next.nodeIdentities) collectProblems([...firsts].map((first) => () => checkIdentityChange(previous.nodeIdentities, first, next.nodeIdentities!)));
    },
    () => checkGoneIdentity(previous.nodeIdentities, next.goneIdentities ?? {}),
    () => checkFixedSettings(previous.fixed ?? {}, fixedSettings(next.settings)),
    () => checkAddressMoves(previous.nodeAddresses, next.addresses ?? [], next.gone ?? []),
    () => checkMachineChanges(previous.machines, next.machines ?? [], { firstServer: previous.serverNames?.[0], etcd: next.settings.datastore === "etcd", agentBatchSize: next.upgrade.agentBatchSize }),
    () => checkEtcdNodeIps(previous.etcdNodeIps, next.etcdNodeIps ?? {}, next.nodesKey ?? "inventory.hosts"),
    () => checkAddedDuringUpgrade(previous, { k3sVersion: next.settings.k3sVersion, mode: next.upgrade.mode, nodes: Object.keys(next.nodeIdentities ?? {}), nodesKey: next.nodesKey ?? "inventory.hosts" }),
  ]);
  return forced === undefined ? [] : [forced];
}
