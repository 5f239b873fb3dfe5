import { ConfigError } from "../rules/errors";
import { identityName } from "../nodes/types";
import type { Datastore } from "../rules/datastore";

/**
 * Refuses datastore moves k3s cannot make on a running cluster; `previous` is the datastore of the last
 * successful `pulumi up`. The one supported move is sqlite → etcd: restarting the single server with
 * `cluster-init` makes k3s copy the keys into etcd and rename state.db to state.db.migrated
 * (shared/reference/k3s-reference.md §3 "SQLite to etcd conversion", supported since v1.22.2); the
 * other servers then join. k3s has no path back from etcd, nor into or out of an external database
 * (the reference lists none; every other move would start an empty cluster on the existing servers).
 */
export function checkDatastoreChange(previous: string | undefined, next: Datastore): void {
  if (previous === undefined || previous === next) return;
  if (previous === "sqlite" && next === "etcd") return;
  const why = previous === "etcd"
    ? "k3s cannot move an embedded etcd cluster to another datastore; once a server has etcd data it ignores cluster-init, server and datastore-endpoint (k3s reference §3)"
    : previous === "postgres"
      ? "k3s keeps its state in that database and has no migration out of it"
      : `k3s converts sqlite only to embedded etcd (restart with cluster-init); it has no migration from sqlite to ${next}`;
  throw new ConfigError([
    `k3s-stacks:cluster.datastore: changes from ${previous} to ${next} on a running cluster: ${why}. ` +
      `Fix: put back datastore: ${previous}. To move anyway, build a new cluster (a new stack) with datastore: ${next} and move the workloads${previous === "etcd" ? "; an etcd snapshot restores only into etcd" : ""}.`,
  ]);
}

/**
 * Refuses the sqlite → etcd move in the same update as a k3s version change. The first server's
 * restart migrates the data as k3s starts with cluster-init (sqlite-to-etcd.ts guards it); an upgrade
 * in the same run would do that start inside install.sh, on a binary the data has never run on, and
 * the pre-upgrade etcd snapshot would find no etcd yet. One move per update keeps each step checkable.
 */
export function checkDatastoreMoveAlone(previous: { datastore?: string; k3sVersion?: string }, next: { datastore: Datastore; k3sVersion: string }): void {
  if (previous.datastore !== "sqlite" || next.datastore !== "etcd") return;
  if (previous.k3sVersion === undefined || previous.k3sVersion === next.k3sVersion) return;
  throw new ConfigError([
    `k3s-stacks:cluster.k3sVersion: changes from ${previous.k3sVersion} to ${next.k3sVersion} in the same update that moves the datastore from sqlite to etcd; k3s migrates the sqlite data when the first server starts with cluster-init, which the upgrade would do inside install.sh on the new release. ` +
      `Fix: keep k3sVersion: ${previous.k3sVersion} and run pulumi up to move to etcd, then set ${next.k3sVersion} and run pulumi up again.`,
  ]);
}

/**
 * Refuses a change of the first server's install identity (role/arch, see k3s/replace-chain.ts):
 * replacing it would uninstall the server every node joins through and start a new, empty cluster.
 * Other nodes are replaced safely (drain, uninstall, delete the Node, write files, install).
 * `previous` maps node names to the identities of the last successful `pulumi up`.
 */
export function checkIdentityChange(previous: Record<string, string> | undefined, firstServer: string, next: Record<string, string>): void {
  const before = previous?.[firstServer];
  const after = next[firstServer];
  if (before === undefined || after === undefined || before === after) return;
  throw new ConfigError([
    `k3s-stacks:inventory: changes the first server '${firstServer}' from ${before} to ${after} (role/arch). That would reinstall the server every other node joins through and start an empty cluster. ` +
      "Fix: put the old value back. A different machine for the first server is a restore: follow 'Replace the first server' in docs/day-two.md.",
  ]);
}

/**
 * Refuses a host newly marked gone whose role or arch differs from what the last successful `pulumi up`
 * installed: its config step's trigger is that identity (day-two/replace-chain.ts), so a different one would
 * replace the step, and the engine would run its stored delete (undo host preparation) over SSH on the
 * dead host. Hosts already removed as gone are no longer in `previous` and are not checked.
 */
export function checkGoneIdentity(previous: Record<string, string> | undefined, gone: Record<string, string>): void {
  const problems = Object.entries(gone)
    .filter(([name, identity]) => previous?.[name] !== undefined && previous[name] !== identity)
    .map(([name, identity]) =>
      `k3s-stacks:inventory: '${name}' is marked gone with role/arch ${identityName(identity)}, but it was installed as ${identityName(previous![name])}. ` +
        "A different value would run its stored uninstall over SSH on the dead host. " +
        `Fix: keep role and arch as they were (${identityName(previous![name])}) on the gone entry.`);
  if (problems.length) throw new ConfigError(problems);
}
