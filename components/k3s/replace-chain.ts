import * as pulumi from "@pulumi/pulumi";
import { NodeSpec } from "../nodes/types";
import { ScriptCommand } from "./remote";

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
 * components/upgrade/identity.ts).
 */
export function installIdentity(node: Pick<NodeSpec, "role" | "arch">): string {
  return `${node.role}/${node.arch}`;
}

/**
 * A trigger that follows the trigger of `previous` in the node's chain (config → leave → install →
 * member). It is a property dependency, unlike dependsOn: when `previous` is replaced with
 * deleteBeforeReplace, the engine sees this trigger as changing and deletes this resource first
 * (dependents before dependencies), then creates both again in dependency order. So a role change
 * runs: drain (member delete), uninstall (install delete), delete the Node (leave delete), write
 * config.yaml and the other files (config create), install with the token (install create), wait Ready
 * and labels (member create). Plain dependsOn would leave the dependent's replacement to later, after
 * the new config was written and then wiped by the uninstall.
 */
export function replacedWith(previous: ScriptCommand): pulumi.Output<string> {
  return previous.triggers.apply((t) => String((t ?? [])[0] ?? ""));
}
