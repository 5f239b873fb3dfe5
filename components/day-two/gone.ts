import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { NodeSpec, SshConnection } from "../nodes/types";
import { ScriptCommand, connectionArgs, remoteScript } from "../remote/command";
import { renderGoneScript } from "../k3s/removal-scripts";
import { LEAVE_TIMEOUT_SECONDS, installIdentity } from "./replace-chain";

/** Inputs of a host marked `gone: true`. */
export interface GoneK3sNodeArgs {
  node: NodeSpec;
  /** SSH connection of the first server, where the removal runs. */
  controlConnection: SshConnection;
  /** Bound on the forced drain (`kubectl drain --timeout`). */
  drainTimeout: string;
  /** Resources the removal waits for (the first server's install). */
  after: pulumi.Resource[];
}

/**
 * A host that is gone for good: removed from the cluster from the first server, and never dialled.
 *
 * Same component type and name as its K3sNode, so its children keep their URNs. Of the node's steps,
 * the config (undo host preparation) and install (uninstall) have deletes that run on the host: they
 * are registered again with no commands at all, so the engine updates them in place without running
 * anything (pulumi-command runs `update`, else `create`, and neither exists), and with retainOnDelete
 * so that dropping the host from the inventory later removes them from the stack without calling the
 * provider. Their triggers keep their values: a changed trigger would replace them and run the stored
 * delete over SSH. Every other step of the host is deleted by the engine in this run: the rollout steps
 * have no delete, and the member (drain) and leave (delete Node) steps run on the first server after
 * this removal has already deleted the Node, so they find nothing to do.
 */
export class GoneK3sNode extends pulumi.ComponentResource {
  /** Finishes when the Node (and its etcd member) is gone from the cluster. */
  public readonly removal: ScriptCommand;

  constructor(name: string, args: GoneK3sNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k3s:cluster:K3sNode", name, {}, opts);
    const { node } = args;
    // The node's own steps with a delete (config: undo host preparation; install: uninstall), kept with
    // their trigger values and no commands.
    for (const [step, trigger] of [["config", installIdentity(node)], ["install", node.role]]) {
      new command.remote.Command(`${name}-${step}`, {
        connection: connectionArgs(node.connection),
        triggers: [trigger],
        addPreviousOutputInEnv: false,
        logging: command.types.enums.remote.Logging.None,
      }, { parent: this, retainOnDelete: true, additionalSecretOutputs: ["stdout", "stderr"] });
    }
    this.removal = remoteScript(`${name}-gone`, {
      connection: args.controlConnection,
      script: renderGoneScript({ node: node.name, drainTimeout: args.drainTimeout, timeoutSeconds: LEAVE_TIMEOUT_SECONDS }),
      phases: ["create", "update"],
    }, { parent: this, dependsOn: args.after });
    this.registerOutputs({});
  }
}
