import { createHash } from "crypto";
import { identityName } from "../nodes/types";

/**
 * Hash of a node's managed files (paths and contents, not modes: a mode change needs no restart).
 * Its change is what updates the node's restart step.
 */
export function configHash(files: Array<{ path: string; content: string }>): string {
  const h = createHash("sha256");
  for (const f of files) h.update(`${f.path}\0${f.content}\0`);
  return h.digest("hex");
}

/**
 * What a node's restart depends on: its version, configuration and the certificate renewal the roll
 * runs (day-two/certificates.ts; none leaves the key as it was before renewals existed). A change means a restart.
 */
export function restartKey(version: string, hash: string, renewal?: string): string {
  return createHash("sha256").update(renewal === undefined ? `${version}\0${hash}` : `${version}\0${hash}\0${renewal}`).digest("hex").slice(0, 16);
}

/**
 * The restarts a `pulumi up` will run, in order: one entry per rollout step (one server, or one batch
 * of agents), each naming its nodes and why. Only nodes that existed before (in `previous`) restart;
 * new nodes install, removed ones leave. A node whose install identity (role/arch) changed is replaced
 * instead (config → leave → install → member), named as such, whether or not its restart key changed:
 * an arch change (another machine under the same name) leaves config.yaml, and so the key, as it was.
 * `order` is the rollout order (servers one by one, then agent batches); `keys` map node names to
 * restartKey values, `identities` to installIdentity values. `next.otherModeKeys`: each node's key as
 * the other upgrade mode makes it (the version left out, or put in): a previous key equal to it is the
 * same configuration made under that mode, which restarts nothing (restart steps compare config.yaml).
 */
export function plannedRestarts(
  order: string[][],
  previous: { version?: string; keys: Record<string, string>; identities?: Record<string, string>; renewal?: string },
  next: { version: string; keys: Record<string, string>; identities?: Record<string, string>; renewal?: string; otherModeKeys?: Record<string, string> },
): string[] {
  const steps: string[] = [];
  const replaced = (n: string) => previous.identities?.[n] !== undefined && next.identities?.[n] !== undefined && previous.identities[n] !== next.identities[n];
  const changed = (n: string) => previous.keys[n] !== next.keys[n] && previous.keys[n] !== next.otherModeKeys?.[n];
  const why = previous.version !== undefined && previous.version !== next.version
    ? `k3s ${previous.version} → ${next.version}`
    : next.renewal !== undefined && next.renewal !== previous.renewal ? `certificates renewed (they expire ${next.renewal})` : "configuration changed";
  for (const group of order) {
    const nodes = group.filter((n) => previous.keys[n] !== undefined && (changed(n) || replaced(n)));
    const restarted = nodes.filter((n) => !replaced(n));
    const parts = [
      ...(restarted.length ? [`${restarted.join(", ")}: ${why}`] : []),
      ...nodes.filter(replaced).map((n) => `${n}: replaced (${identityName(previous.identities![n])} → ${identityName(next.identities![n])})`),
    ];
    if (parts.length) steps.push(`${steps.length + 1}. ${parts.join("; ")}`);
  }
  return steps;
}

/**
 * Each node's restart key as the other upgrade mode makes it, for plannedRestarts' `otherModeKeys`:
 * with SSH upgrades the keys hold the version, with the system-upgrade-controller they leave it out
 * (K3sCluster.restartKeys). Now `ssh`: the key without the version, but only while the version stays
 * (a move is a restart); now the controller: the key with the last update's version. `hashes`: each
 * node's configuration hash (K3sCluster.configHashes). Undefined when no such key can match.
 */
export function otherModeKeys(hashes: Record<string, string>, mode: { ssh: boolean; version: string; previousVersion?: string; renewal?: string }): Record<string, string> | undefined {
  const other = mode.ssh ? (mode.previousVersion === mode.version ? "" : undefined) : mode.previousVersion;
  return other === undefined ? undefined : Object.fromEntries(Object.entries(hashes).map(([n, h]) => [n, restartKey(other, h, mode.renewal)]));
}

/** The restart the system-upgrade-controller's Plans make after this run when the version moves, as a plannedRestarts line; none otherwise. */
export function controllerUpgrade(previousVersion: string | undefined, version: string, agentBatchSize: number): string[] {
  if (previousVersion === undefined || previousVersion === version) return [];
  return [`system-upgrade-controller, after this run: k3s ${previousVersion} → ${version} on every node (each restarts), servers one at a time, then agents ${agentBatchSize} at a time`];
}
