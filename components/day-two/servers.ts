import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../rules/errors";
import type { Datastore } from "../rules/datastore";

/** Votes an etcd cluster of `members` needs to make progress. */
export function quorum(members: number): number {
  return Math.floor(members / 2) + 1;
}

/**
 * Most etcd servers one run may remove from `members`.
 *
 * Pulumi deletes independent resources in parallel, so every removed server may leave at the same
 * moment while the membership still counts it. The survivors alone must therefore hold quorum of
 * the old membership: n - k >= floor(n/2) + 1. That is 1 of 3, 2 of 5, 3 of 7. (A flat "one per run"
 * rule would never allow any removal, since the cluster layer refuses even server counts: 3 → 2 is
 * refused there, 5 → 3 needs two at once.) Additions are not limited: k3s joins new servers as etcd
 * learners and promotes them once they have caught up, so a joiner that never starts does not count
 * toward quorum (k3s pkg/etcd; the reference sheet is silent on this).
 */
export function maxServerRemoval(members: number): number {
  return Math.max(0, members - quorum(members));
}

/** Options for checkServerChange. */
export interface ServerChangeOptions {
  /** k3s-stacks:upgrade.forceServerRemoval: turn the quorum refusal into a warning. */
  force?: boolean;
  /** Servers marked gone: already down, so they leave without a vote of their own. */
  gone?: string[];
}

/**
 * Refuses server-set changes that would break the cluster. `previousServers` and `nextServers` are
 * server node names in bootstrap order (the first starts the cluster and runs kubectl for the rest).
 */
export function checkServerChange(
  previousServers: string[] | undefined,
  nextServers: string[],
  datastore: Datastore,
  opts: ServerChangeOptions = {},
): void {
  if (!previousServers || previousServers.length === 0) return;
  const problems: string[] = [];
  const first = previousServers[0];
  const removed = previousServers.filter((s) => !nextServers.includes(s));

  if (!nextServers.includes(first)) {
    problems.push(
      `k3s-stacks:inventory: removes '${first}', the first (bootstrap) server; every other node joins through it and the rollout runs kubectl on it. ` +
        "Fix: keep it. To replace that machine, follow 'Replace the first server' in docs/day-two.md.",
    );
  } else if (nextServers[0] !== first) {
    problems.push(
      `k3s-stacks:inventory: makes '${nextServers[0]}' the first server instead of '${first}'. Fix: keep '${first}' as the first server entry.`,
    );
  }

  if (datastore === "etcd") {
    const n = previousServers.length;
    const limit = maxServerRemoval(n);
    const dead = removed.filter((s) => opts.gone?.includes(s));
    if (dead.length > limit) {
      // More members are down than etcd tolerates: the survivors have no quorum to remove anyone.
      const message =
        `k3s-stacks:inventory: ${dead.join(", ")} ${dead.length === 1 ? "is" : "are"} marked gone, ${dead.length} of ${n} etcd servers; ` +
        `the ${n - dead.length} left are below quorum (${quorum(n)}), so etcd cannot remove members or accept writes. ` +
        "Fix: restore the cluster from a snapshot on the first server (scripts/etcd-restore.sh with the live servers, docs/day-two.md), then mark them gone with k3s-stacks:upgrade.forceServerRemoval: true for that run.";
      if (opts.force) pulumi.log.warn(`${message} Going ahead because k3s-stacks:upgrade.forceServerRemoval is true.`);
      else problems.push(message);
    } else if (removed.length > limit) {
      // The cluster layer refuses even etcd server counts, so suggest a step that keeps the count odd.
      let step = limit;
      while (step > 0 && (n - step) % 2 === 0) step--;
      const message =
        `k3s-stacks:inventory: removes ${removed.length} of ${n} etcd servers (${removed.join(", ")}) in one run; ` +
        `the ${n - removed.length} left cannot hold quorum (${quorum(n)}) while the others leave. ` +
        (step > 0
          ? `Fix: remove ${step} per pulumi up (${n} → ${n - step} → ...).`
          : "Fix: keep them, or shrink with a cluster reset (scripts/etcd-restore.sh) and set k3s-stacks:upgrade.forceServerRemoval: true for that run (docs/day-two.md).");
      if (opts.force) pulumi.log.warn(`${message} Going ahead because k3s-stacks:upgrade.forceServerRemoval is true.`);
      else problems.push(message);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
