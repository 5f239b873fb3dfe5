import { shq } from "../remote/shell";

/** k3s's datastore directory under its default data dir: sqlite's state.db and embedded etcd's etcd/ live here. */
export const K3S_DB_DIR = "/var/lib/rancher/k3s/server/db";

/** How long the conversion's start of k3s may take, migration included, in seconds. */
export const CONVERT_START_SECONDS = 900;

/**
 * Bash functions for the first server's restart step when the cluster moves from sqlite to embedded
 * etcd (its config.yaml gains `cluster-init`). k3s copies the sqlite keys into etcd only while it
 * creates a new etcd cluster, that is when `db/etcd` does not exist yet, and renames state.db to
 * state.db.migrated as its last step (k3s pkg/etcd newCluster/migrateFromSQLite, k3s-io/k3s#3231).
 * Two ways that loses the cluster's data:
 * - a `db/etcd` left from an earlier attempt: k3s starts from it and never migrates, so the server
 *   comes up with old or empty data;
 * - a migration that fails (k3s-io/k3s#12478): k3s exits, systemd starts it again, and the second
 *   start finds the half-filled `db/etcd` and skips the migration. Kubelets then remove the pods the
 *   near-empty API no longer lists.
 * Hence: refuse a leftover `db/etcd` before anything changes; after the start, a state.db k3s did not
 * rename means the migration did not finish: stop k3s (its containers keep running) and move the
 * partial `db/etcd` aside, so the next start migrates from the untouched state.db again.
 *
 * Defines `sqlite_to_etcd_pending` (true while state.db is there: k3s has not migrated it),
 * `refuse_stale_etcd_dir`, `refuse_upgrade_while_converting <running version> <target version>` and
 * `convert_sqlite_to_etcd` (restarts or starts `k3s`, then checks the migration). Unlike other
 * starts (unit-queue.ts) this one waits in systemctl, so that a start that fails is seen before
 * systemd starts k3s again (RestartSec=5s) on the partial data; but at most CONVERT_START_SECONDS,
 * since k3s units set TimeoutStartSec=0 and a k3s that never gets ready would hold it for ever.
 */
export function sqliteToEtcdFunctions(node: string): string {
  const db = shq(K3S_DB_DIR);
  const stateDb = shq(`${K3S_DB_DIR}/state.db`);
  const etcdDir = shq(`${K3S_DB_DIR}/etcd`);
  return `sqlite_to_etcd_pending() { [ -f ${stateDb} ]; }
refuse_stale_etcd_dir() {
  if [ -d ${etcdDir} ]; then
    echo "k3s-stacks: ${node} is to move from sqlite to embedded etcd, but ${K3S_DB_DIR}/etcd already exists next to state.db (left from an earlier attempt, or a migration that did not finish). k3s migrates the sqlite data only when it creates that directory, so it would start from the old one and the cluster would come up without its data (k3s-io/k3s#3231); nothing was changed on ${node}. Fix: move it aside on ${node} ('mv ${K3S_DB_DIR}/etcd ${K3S_DB_DIR}/etcd.old'), then run pulumi up again." >&2
    exit 1
  fi
}
refuse_upgrade_while_converting() {
  echo "k3s-stacks: ${node} is to move from sqlite to embedded etcd and from k3s $1 to $2 in the same run; the move needs k3s to start once with cluster-init on the version that holds the data. Nothing was changed on ${node}. Fix: set k3s-stacks:cluster.k3sVersion back to $1 and run pulumi up to move to etcd, then set $2 and run pulumi up again." >&2
  exit 1
}
convert_sqlite_to_etcd() {
  local stamp
  echo "k3s-stacks: moving ${node} from sqlite to embedded etcd: k3s copies state.db into etcd as it starts with cluster-init"
  if systemctl is-active --quiet k3s; then timeout ${CONVERT_START_SECONDS} systemctl restart k3s || true; else timeout ${CONVERT_START_SECONDS} systemctl start k3s || true; fi
  if ! sqlite_to_etcd_pending; then
    systemctl is-active --quiet k3s && return 0
    echo "k3s-stacks: the rolling restart stopped at ${node}: k3s migrated state.db into etcd but did not start. Fix: check 'journalctl -u k3s' on ${node}, then run pulumi up again; it resumes at ${node}." >&2
    exit 1
  fi
  # Not migrated: keep k3s off the partial etcd data (systemd would start it again on it).
  systemctl stop k3s || true
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  if [ -d ${etcdDir} ]; then mv ${etcdDir} ${db}/etcd.failed-"$stamp"; fi
  echo "k3s-stacks: the rolling restart stopped at ${node}: k3s did not migrate state.db into embedded etcd (it still has state.db, which it renames only once every key is copied). k3s is stopped on ${node} so that it cannot run on the partial etcd data, which it would otherwise start from without migrating (k3s-io/k3s#3231); its containers keep running. state.db is untouched; the partial data is in ${K3S_DB_DIR}/etcd.failed-$stamp. Fix: find the cause in 'journalctl -u k3s' on ${node} (the lines after 'Migrating content from sqlite to etcd'), then run pulumi up again to retry; or set k3s-stacks:cluster.datastore back to sqlite and run pulumi up to start k3s on sqlite again." >&2
  exit 1
}`;
}
