import * as pulumi from "@pulumi/pulumi";
import { SshConnection } from "../remote/types";
import { remoteScript } from "../remote/command";
import { renderRemovalScripts } from "../k3s/removal-scripts";
import { LEAVE_TIMEOUT_SECONDS } from "./replace-chain";
import { NodeAddress, removedNodes } from "../remote/removed";

/** A host the last successful `pulumi up` installed that is no longer in the inventory (neither live nor gone). */
export interface RemovedHost {
  name: string;
  /** Where SSH reaches it: the last update's `nodeAddresses` entry, with this run's credentials. */
  connection: SshConnection;
  /** Its install identity (`role/arch`, replace-chain.ts installIdentity) from the last `nodeIdentities` output. */
  identity: string;
  /**
   * An etcd server's removal first checks that the etcd servers staying keep quorum while it stops
   * as etcd itself reports its members' health (k3s/etcd-quorum.ts renderEtcdQuorumGuard); false with k3s-stacks:upgrade.forceServerRemoval.
   */
  checkQuorum: boolean;
}

/**
 * The hosts removedNodes (remote/removed.ts) finds, as this run removes them (day-two/removed-node.ts): with this
 * run's credentials (a secret key and its passphrase; the sudo password for a user that is not root) and the install
 * identity the last update recorded (`nodeIdentities`). A host without a recorded identity is left to
 * the engine's delete of its steps, as before the stack exported it.
 */
export function removedHosts(
  previous: { nodeAddresses?: Record<string, NodeAddress>; nodeIdentities?: Record<string, string> } | undefined,
  inventoryNames: string[],
  secrets: { privateKey?: pulumi.Input<string>; privateKeyPassword?: pulumi.Input<string>; sudoPassword?: pulumi.Input<string> },
  opts: { forceServerRemoval?: boolean } = {},
): RemovedHost[] {
  return removedNodes(previous?.nodeAddresses, inventoryNames).flatMap(({ name, connection: c }) => {
    const identity = previous?.nodeIdentities?.[name];
    if (identity === undefined) return [];
    const key = { privateKey: secrets.privateKey, ...(secrets.privateKeyPassword !== undefined ? { privateKeyPassword: secrets.privateKeyPassword } : {}) };
    const connection: SshConnection = {
      ...c,
      ...key,
      ...(c.bastion ? { bastion: { ...c.bastion, ...key } } : {}),
      ...(c.user !== "root" && secrets.sudoPassword !== undefined ? { sudoPassword: secrets.sudoPassword } : {}),
    };
    return [{ name, identity, connection, checkQuorum: !opts.forceServerRemoval }];
  });
}

/** Inputs of {@link RemovedK3sNode}. */
export interface RemovedK3sNodeArgs {
  host: RemovedHost;
  /** SSH connection of the first server, where the drain and the Node's deletion run. */
  controlConnection: SshConnection;
  /** Bound on the drain (`kubectl drain --timeout`). */
  drainTimeout: string;
  /** What the removal waits for: every live node's last step, as when the engine deleted the node after the program. */
  after: pulumi.Resource[];
  /** Every etcd server this run removes, when this host is one of them (its drain checks quorum first). */
  etcdLeaving?: string[];
}

/**
 * A host deleted from the inventory, removed by this run before the stack records its outputs.
 *
 * Left to the engine, the removal ran as the deletes of the node's steps, which the engine runs after the
 * program has registered the stack outputs: an uninstall that failed still recorded outputs without the
 * host, so the next run's checks (etcd quorum, addresses, identities) counted a cluster it was not. Here
 * the node's member, install and leave steps (same component type and name as its K3sNode, so the same
 * records) are registered again with the removal as their create/update and no delete: drain (first
 * server), uninstall (the host), delete the Node and with it its etcd member (first server), in that
 * order, after every live node's last step. The outputs wait for them (finalSteps), so a failure leaves
 * the last outputs and the host's records, and the next `pulumi up` retries. Its other steps are deleted
 * by the engine as before (config: undo host preparation on the host; rollout steps: nothing).
 * The records stay, without a delete, until the next `pulumi up` drops them without calling anything;
 * a host put back into the inventory meanwhile gets its install and membership run again (their inputs
 * differ), so its k3s is reinstalled when the removal took it and it is uncordoned once Ready.
 */
export class RemovedK3sNode extends pulumi.ComponentResource {
  /** Finishes when the Node (and its etcd member) is gone from the cluster. */
  public readonly removal: pulumi.Resource;

  constructor(name: string, args: RemovedK3sNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k3s:cluster:K3sNode", name, {}, opts);
    const { host } = args;
    const scripts = renderRemovalScripts({ node: host.name, drainTimeout: args.drainTimeout, timeoutSeconds: LEAVE_TIMEOUT_SECONDS, etcdLeaving: args.etcdLeaving });
    const phases: Array<"create" | "update"> = ["create", "update"];
    // Triggers keep the values the live node's steps had (k3s-node.ts), so the records are updated, not
    // replaced (a trigger's value decides; which step it was computed from does not).
    const drain = remoteScript(`${name}-member`, {
      connection: args.controlConnection,
      script: scripts.drain,
      values: [host.name],
      phases,
    }, { parent: this, dependsOn: args.after });
    const uninstall = remoteScript(`${name}-install`, {
      connection: host.connection,
      script: scripts.uninstall,
      values: [host.name],
      phases,
      showOutput: true,
      triggers: [host.identity.split("/")[0]],
    }, { parent: this, dependsOn: [drain] });
    this.removal = remoteScript(`${name}-leave`, {
      connection: args.controlConnection,
      script: scripts.leave,
      values: [host.name],
      phases,
      triggers: [host.identity],
    }, { parent: this, dependsOn: [uninstall] });
    pulumi.log.info(`${host.name} is no longer in the inventory: this run drains it, uninstalls k3s from it and deletes its Node, after every other node's steps.`, this);
    this.registerOutputs({});
  }
}
