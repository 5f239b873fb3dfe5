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
