import * as pulumi from "@pulumi/pulumi";
import { collectProblems } from "../config/errors";
import { ClusterSettings } from "../config/cluster";
import { UpgradeConfig } from "./config";
import { checkVersionChange } from "./skew";
import { checkServerChange } from "./servers";

/**
 * What the last successful `pulumi up` of this stack exported. The stack must export `k3sVersion`
 * (string) and `serverNames` (server node names, first server first) for the checks to see them.
 */
export interface PreviousState {
  k3sVersion?: string;
  serverNames?: string[];
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
 * node-side guard from renderVersionGuardScript still refuses skips on the machines themselves).
 */
export async function readPreviousState(opts: { parent?: pulumi.Resource } = {}): Promise<PreviousState> {
  const ref = new pulumi.StackReference("k3s-stacks-previous-outputs", { name: ownStackName() }, { parent: opts.parent });
  const [version, servers] = await Promise.all([outputValue(ref, "k3sVersion"), outputValue(ref, "serverNames")]);
  return {
    k3sVersion: typeof version === "string" ? version : undefined,
    serverNames: Array.isArray(servers) && servers.every((s) => typeof s === "string") ? (servers as string[]) : undefined,
  };
}

/** Runs the version-skew and server-removal checks against the previous outputs, reporting every problem at once. */
export function checkAgainstPrevious(
  previous: PreviousState,
  next: { settings: ClusterSettings; serverNames: string[]; upgrade: UpgradeConfig },
): void {
  collectProblems([
    () => checkVersionChange(previous.k3sVersion, next.settings.k3sVersion),
    () => checkServerChange(previous.serverNames, next.serverNames, next.settings.datastore, { force: next.upgrade.forceServerRemoval }),
  ]);
}
