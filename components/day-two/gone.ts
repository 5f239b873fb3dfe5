import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { NodeSpec, SshConnection } from "../nodes/types";
import { ScriptCommand, connectionArgs, remoteScript } from "../remote/command";
import { renderGoneScript } from "../k3s/removal-scripts";
import { LEAVE_TIMEOUT_SECONDS, installIdentity } from "./replace-chain";
import { ConfigRoot, keyPath } from "../rules/key-path";

/** Inputs of a host marked `gone: true`. */
export interface GoneK3sNodeArgs {
  node: NodeSpec;
  /** SSH connection of the first server, where the removal runs. */
  controlConnection: SshConnection;
  /** That server's name, for the message the preview shows. */
  firstServer: string;
  /** Bound on the forced drain (`kubectl drain --timeout`). */
  drainTimeout: string;
  /** Resources the removal waits for (the first server's install). */
  after: pulumi.Resource[];
  /** Where the gone host is listed, for the message on dropping its records (`k3s-stacks:inventory` by default). */
  listedIn?: ConfigRoot;
  /** It started the cluster (K3sClusterArgs.clusterInitServer): it never had a leave step. */
  startedCluster?: boolean;
}

/** Names of the records a gone host keeps in the stack until its inventory entry is deleted (README). */
export function goneRecords(startedCluster: boolean): string[] {
  return startedCluster ? ["config", "install", "member"] : ["config", "install", "member", "leave"];
}

/**
 * A host that is gone for good: removed from the cluster from the first server, and never dialled.
 *
 * Same component type and name as its K3sNode, so its children keep their URNs. The engine deletes a
 * resource the program no longer registers with what its stored state holds (retainOnDelete,
 * deletedWith, and the provider's Delete with the stored outputs); pulumi-command's Delete runs the
 * stored `delete` over the stored connection, and returns without dialling only when there is none.
 * Of the node's steps, config (undo host preparation) and install (uninstall) store a delete that runs
 * on the host, so this run cannot drop them: they are registered again with no delete, and with
 * retainOnDelete, so that deleting the inventory entry later drops them without calling anything.
 * Their triggers keep their values (a changed trigger would replace them and run the stored delete
 * over SSH). The install record carries the removal itself, moved to the first server: the provider
 * runs an update with the new inputs (connection included), so the update drains and deletes the
 * Node there. The member (drain) and leave (delete the Node) steps store a delete over the connection
 * of the first server when they were registered; for a host that was the first server itself (lost,
 * its place handed to the next: day-two/servers.ts firstServerHandover) that is the dead host, so
 * they are kept as records too, and for every gone host alike: their deletes would only find the Node
 * gone. The rollout steps have no delete and are dropped.
 */
export class GoneK3sNode extends pulumi.ComponentResource {
  /** Finishes when the Node (and its etcd member) is gone from the cluster. */
  public readonly removal: ScriptCommand;

  constructor(name: string, args: GoneK3sNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k3s:cluster:K3sNode", name, {}, opts);
    const { node } = args;
    const kept = { parent: this, retainOnDelete: true, additionalSecretOutputs: ["stdout", "stderr"] };
    // Records without commands: an update runs nothing (pulumi-command runs `update`, else `create`).
    // Config and leave keep their trigger's value: a new one would replace them and run the stored delete.
    const records = goneRecords(args.startedCluster ?? false);
    for (const step of records.filter((r) => r !== "install")) {
      new command.remote.Command(`${name}-${step}`, {
        connection: connectionArgs(node.connection),
        ...(step === "member" ? {} : { triggers: [installIdentity(node)] }),
        addPreviousOutputInEnv: false,
        logging: command.types.enums.remote.Logging.None,
      }, kept);
    }
    this.removal = remoteScript(`${name}-install`, {
      connection: args.controlConnection,
      script: renderGoneScript({ node: node.name, drainTimeout: args.drainTimeout, timeoutSeconds: LEAVE_TIMEOUT_SECONDS }),
      values: [node.name],
      phases: ["create", "update"],
      triggers: [node.role],
    }, { ...kept, dependsOn: args.after });
    // Said in the preview: after a handover, which server took the first server's work is otherwise not shown anywhere.
    const handover = args.startedCluster
      ? `It started the cluster: ${args.firstServer}, the first server listed now, takes its place (the kubectl steps, the kubeconfig read, removals); ` +
        `it stays recorded as the server that started the cluster (output clusterInitServer) and no node's config.yaml changes for the handover. `
      : "";
    pulumi.log.info(
      `${node.name} is marked gone: it is removed from the cluster through ${args.firstServer} (the first server), never dialled. ${handover}` +
        `Its records ${records.map((r) => `${name}-${r}`).join(", ")} stay in the stack without a delete; ` +
        `delete ${node.name} from ${keyPath(args.listedIn ?? "inventory", [])} and run pulumi up to drop them (nothing is called).`,
      this,
    );
    this.registerOutputs({});
  }
}
