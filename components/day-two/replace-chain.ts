import * as pulumi from "@pulumi/pulumi";
import { NodeSpec } from "../nodes/types";
import { ScriptCommand } from "../remote/command";

/**
 * How long the leave step and a gone host's removal wait for the Node to disappear (k3s removes a
 * server's etcd member before the Node's finalizer lets it go).
 */
export const LEAVE_TIMEOUT_SECONDS = 120;

/**
 * What makes a node's k3s a different install: its role (another service, data and config keys) and
 * its CPU architecture (another binary; in practice another machine under the same name). A change
 * replaces the node's chain instead of updating it in place. Not in it: the datastore (sqlite → etcd
 * converts in place, other moves are refused) and being the first server (refused; see
 * components/day-two/identity.ts).
 */
export function installIdentity(node: Pick<NodeSpec, "role" | "arch">): string {
  return `${node.role}/${node.arch}`;
}

/**
 * A trigger whose value is `value` but which is computed from `previous` (the leave step): a property
 * dependency, unlike dependsOn. When the leave step is replaced with deleteBeforeReplace (its trigger,
 * the install identity, changed), the engine treats this trigger as unknown, sees that it forces a
 * replacement and deletes the install first (dependents before dependencies). The config and member
 * steps join through the resource option `replaceWith: [leave]`; the engine deletes those before the
 * property dependents. So a role change runs: drain (member delete; the config delete runs nothing),
 * uninstall (install delete), delete the Node (leave delete), then write config.yaml and the other files
 * (config create), install with the token (install create), wait Ready and labels (member create).
 * Plain dependsOn would postpone each replacement until after the new config was written, and the
 * uninstall would then wipe it. The value stays the role, and config and member get no new inputs, so
 * adding the chain to an existing stack replaces nothing.
 */
export function followTrigger(previous: ScriptCommand, value: string): pulumi.Output<string> {
  return previous.triggers.apply(() => value);
}

/**
 * The leave step's trigger: the install identity, computed from the node's machine when a program
 * creates it (NodeSpec.machine, a cloud VM's ID), so that the trigger is a property dependency on the VM.
 * Its value stays the identity, so adding the dependency to an existing stack replaces nothing.
 *
 * A VM the provider must replace (Hetzner location, AWS subnet; the server and instance type too, which
 * hetzner-nodes.ts and aws-nodes.ts make replacements) is replaced delete-before-replace. Pulumi then
 * first deletes every dependent that the replacement would replace, judged by the provider's diff with
 * the inputs that depend on the VM unknown ("deleteBeforeReplace ... can cascade to dependent resources",
 * pulumi.com/docs/iac/concepts/options/deletebeforereplace; engine step_generator
 * calculateDependentReplacements). The unknown trigger replaces the leave step, and with it the node's
 * chain (followTrigger): drain and the etcd quorum guard (member delete), uninstall on the old VM,
 * delete the Node and with it its etcd member and node password, and only then the old VM is deleted,
 * the new one created and k3s installed there under the same name. Without the dependency the old VM
 * went first, without a drain, its etcd member left behind, and the k3s steps were updated in place on
 * the new VM, where k3s refuses to join under a name the cluster still holds (an etcd member of that
 * name: "duplicate node name found"; a Node password secret that does not match: k3s docs "Node
 * passwords"). The engine reads the dependency from the stored state, so it takes effect from the
 * second `pulumi up` with this release (the first records it).
 */
export function machineTrigger(node: Pick<NodeSpec, "role" | "arch" | "machine">): pulumi.Input<string> {
  const identity = installIdentity(node);
  return node.machine === undefined ? identity : pulumi.output(node.machine).apply(() => identity);
}
