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

/**
 * Whether listing one server fewer than `nextServers` stays within what one run may remove
 * (maxServerRemoval of the last update's `previousServers`): always when a server new in this run
 * can be left out instead, or without a last update.
 */
export function oneFewerServerAllowed(previousServers: string[] | undefined, nextServers: string[]): boolean {
  if (!previousServers?.length || nextServers.some((s) => !previousServers.includes(s))) return true;
  const removed = previousServers.filter((s) => !nextServers.includes(s)).length;
  return removed + 1 <= maxServerRemoval(previousServers.length);
}

/**
 * The server that started the cluster, for K3sClusterArgs.clusterInitServer: the last update's
 * `clusterInitServer` output ("" for none); for a stack last updated before that output, its first
 * server then (it started the cluster: the first server could not change); for a new stack, or one
 * whose outputs are not read, the first server `listed` (live or gone, in the order listed). null when
 * that server is no longer listed.
 */
export function clusterInitServer(previous: { clusterInitServer?: string; serverNames?: string[] } | undefined, listed: string[]): string | null {
  const recorded = previous?.clusterInitServer ?? previous?.serverNames?.[0];
  const name = recorded === undefined ? listed[0] : recorded;
  return name !== undefined && listed.includes(name) ? name : null;
}

/** Options for checkServerChange. */
export interface ServerChangeOptions {
  /** k3s-stacks:upgrade.forceServerRemoval: turn the quorum refusal into a warning. */
  force?: boolean;
  /** Servers marked gone: already down, so they leave without a vote of their own. */
  gone?: string[];
  /**
   * Nodes join through a fixed registration address (`apiEndpoint` or `apiVip`), not through the first
   * server's own address: a lost first server can then hand its place to the next (firstServerHandover).
   */
  fixedRegistration?: boolean;
  /** This run sets, changes or removes that address: every node's `server:` changes, and each restarts. */
  registrationChanged?: boolean;
  /** The last update had such an address (a handover works once this run keeps it); defaults to fixedRegistration. */
  hadFixedRegistration?: boolean;
}


const REPLACE_FIRST_SERVER = "follow 'Replace the first server' in docs/day-two.md";
const LIST_FIRST = " (list it as the first server entry after the gone one)";

/**
 * The servers that can take the place of a gone first server, `successors` (servers before this run,
 * other than the first, not in `gone`), and the one that does: the server listed first now when it
 * is one of them, else the first of them; undefined when none is left.
 */
function firstServerSuccessor(previousServers: string[], nextServers: string[], gone: string[] = []): { successors: string[]; successor?: string } {
  const successors = previousServers.slice(1).filter((s) => !gone.includes(s));
  return { successors, successor: successors.includes(nextServers[0]) ? nextServers[0] : successors[0] };
}

/**
 * Why the first server of the last update cannot hand its place to `next` (the first server listed
 * now), or undefined when it can. It can when it is marked gone (its machine is lost for good), the
 * servers keep the cluster state without it (embedded etcd, or an external datastore), nodes join
 * through a fixed registration address, and `next` was a server before.
 *
 * Why these: the first server runs kubectl for the others and is where the kubeconfig is read; any
 * server of the cluster can do both. Once a server has etcd data on disk, k3s ignores `cluster-init`
 * and `server` on it (/work/shared/reference/k3s-reference.md, "Embedded etcd"), so the next server
 * keeps its config.yaml as it is and nothing restarts. New nodes must still reach a live server: with
 * the first server's own address as every node's `server:`, pointing them elsewhere would change
 * every node's config.yaml and restart each (an etcd server that restarts while a member is down can
 * take etcd below quorum; the restart step refuses it), so a handover needs an address that follows
 * the live servers (k3s docs "Cluster Load Balancer" / "fixed registration address"). A server that
 * is new in this run would run kubectl for a cluster it has not joined yet.
 */
export function firstServerHandover(previousServers: string[], nextServers: string[], datastore: Datastore, opts: ServerChangeOptions): string | undefined {
  const [first] = previousServers;
  const next = nextServers[0];
  const { successors, successor } = firstServerSuccessor(previousServers, nextServers, opts.gone);
  if (!opts.gone?.includes(first)) {
    return `removes '${first}', the first (bootstrap) server; every other node joins through it and the rollout runs kubectl on it. ` +
      `Fix: keep it. If its machine is lost for good: with embedded etcd or postgres and a fixed registration address (k3s-stacks:cluster.apiEndpoint or apiVip), mark it gone: true and the next server listed takes its place; otherwise ${REPLACE_FIRST_SERVER}.`;
  }
  if (datastore === "sqlite") return `marks '${first}', the server of a sqlite cluster, gone: the cluster's state was on it. Fix: ${REPLACE_FIRST_SERVER}.`;
  if (successor === undefined) {
    return `marks '${first}', the first server, gone, and no other server of the cluster is left to take its place. Fix: ${REPLACE_FIRST_SERVER}.`;
  }
  const listFirst = successor === next ? "" : LIST_FIRST;
  if (!opts.fixedRegistration && datastore === "postgres") {
    return `marks '${first}', the first server, gone, but every agent's config.yaml joins it by its own address (server: https://<its address>:6443), so new agents could not join. ` +
      `Fix: set k3s-stacks:cluster.apiEndpoint (a load balancer or DNS name in front of the live servers) or apiVip (an address kube-vip moves to a live server) in this change: the agents then join through it (each restarts once, rolled) and '${successor}'${listFirst} takes the first server's place.`;
  }
  if (opts.registrationChanged && datastore === "etcd") {
    const had = opts.hadFixedRegistration ?? opts.fixedRegistration;
    return `marks '${first}', the first server, gone in the run that ${!had ? "sets" : opts.fixedRegistration ? "changes" : "removes"} k3s-stacks:cluster.apiEndpoint/apiVip: every node's config.yaml (server:) would change and each would restart while an etcd member is down. ` +
      (had
        ? `Fix: keep apiEndpoint/apiVip as the last update had it for this run: '${successor}'${listFirst} then takes the first server's place. Change it once all servers are healthy again.`
        : `Fix: leave apiEndpoint/apiVip unset for this run and ${REPLACE_FIRST_SERVER}; set it once all servers are healthy again, so that losing the first server later is a handover to the next.`);
  }
  if (!opts.fixedRegistration) {
    return `marks '${first}', the first server, gone, but every node's config.yaml joins it by its own address (server: https://<its address>:6443): new nodes could not join, and pointing the others elsewhere would restart every node while an etcd member is down. ` +
      `Fix: ${REPLACE_FIRST_SERVER}; once all servers are healthy again, set k3s-stacks:cluster.apiEndpoint or apiVip, so that losing the first server later is a handover to the next.`;
  }
  if (successor !== next) {
    return `marks '${first}', the first server, gone, and lists ${next === undefined ? "no other server" : `'${next}', a server new in this run,`} first: the server that takes its place must already be in the cluster. ` +
      `Fix: list ${successors.length === 1 ? `'${successor}'` : `one of ${successors.map((s) => `'${s}'`).join(", ")}`} as the first server entry (after the gone one), and add new servers after it.`;
  }
  return undefined;
}

/**
 * Refuses moving k3s to a new version over SSH in the run that removes etcd servers marked gone, when
 * the servers left cannot restart one at a time. Each server's restart step checks that the other
 * members keep quorum while it is down (k3s/etcd-quorum.ts etcdRestartGuardFunction); the first
 * server's restart runs beside the gone servers' removal, so a gone member may still count, and
 * servers added in this run join only after the roll. With 3 servers and 1 lost, restarting either
 * survivor leaves 1 healthy member of 3 (or of 2 once removed), below quorum (etcd FAQ, "failure
 * tolerance"): the roll would stop at the first server in this run and in every run after it, and
 * the new servers would never join. `previousServers`: the last update's servers; `gone`: names marked gone;
 * `force`: upgrade.forceServerRemoval, without which more gone than quorum tolerates is left to
 * checkServerChange's refusal (a restore comes first).
 */
export function checkGoneDuringUpgrade(previousServers: string[] | undefined, gone: string[], version: { from?: string; to: string; ssh: boolean }, force = false): void {
  if (!previousServers || !version.ssh || version.from === undefined || version.from === version.to) return;
  const leaving = previousServers.filter((s) => gone.includes(s));
  const members = previousServers.length;
  const left = members - leaving.length;
  if (leaving.length === 0 || left - 1 >= quorum(members) || (!force && leaving.length > maxServerRemoval(members))) return;
  const names = leaving.map((s) => `'${s}'`).join(", ");
  throw new ConfigError([
    `k3s-stacks:cluster.k3sVersion: moves k3s from ${version.from} to ${version.to} in the run that removes ${names}, marked gone: each of the ${left} etcd servers left restarts in turn, ` +
      `which would leave ${left - 1} of ${members} members healthy, below quorum (${quorum(members)}); the roll would stop at the first server, and servers added in this run join only after it. ` +
      `Fix: keep k3sVersion at ${version.from} for this run (pulumi up removes ${names} and joins the new servers), then set ${version.to} and run pulumi up again.`,
  ]);
}

/**
 * The fix for more etcd servers marked gone than quorum tolerates: a restore, which starts from a
 * live server. The first server is where it goes when alive; when it is dead, a live server can take
 * its place only through a handover (firstServerHandover: a fixed registration address), preferably
 * the one already listed next; otherwise, or with no server left, the first server is rebuilt.
 */
function quorumLossFix(previousServers: string[], nextServers: string[], dead: string[], opts: ServerChangeOptions): string {
  const [first] = previousServers;
  const { successor } = firstServerSuccessor(previousServers, nextServers, dead);
  const markGone = "mark the dead servers gone with k3s-stacks:upgrade.forceServerRemoval: true for that run.";
  // A handover keeps the address nodes joined through: the last update's, when this run changes it.
  const handover = opts.registrationChanged ? opts.hadFixedRegistration ?? opts.fixedRegistration : opts.fixedRegistration;
  if (dead.includes(first) && (successor === undefined || !handover)) {
    return `${REPLACE_FIRST_SERVER} (a snapshot from S3 or copied off a server, restored onto the rebuilt first server), then ${markGone}`;
  }
  const keep = dead.includes(first) && opts.registrationChanged ? "keep k3s-stacks:cluster.apiEndpoint/apiVip as the last update had it, " : "";
  const onto = !dead.includes(first) ? `the first server '${first}'` : successor === nextServers[0] ? `'${successor}', listed first now,` : `'${successor}'${LIST_FIRST}`;
  const odd = nextServers.length % 2 === 0 ? ` List one more server in that change: etcd needs an odd number of servers (${nextServers.length} listed now).` : "";
  return `${keep}restore a snapshot onto ${onto} with the other live servers (scripts/etcd-restore.sh --first-server <its address>, docs/day-two.md), then ${markGone}${odd}`;
}

/**
 * Refuses server-set changes that would break the cluster. `previousServers` and `nextServers` are
 * server node names in bootstrap order (the first starts the cluster and runs kubectl for the rest).
 * Returns the refusal `force` overrode, as a warning for the caller to log once nothing else refuses
 * the run, or undefined.
 */
export function checkServerChange(
  previousServers: string[] | undefined,
  nextServers: string[],
  datastore: Datastore,
  opts: ServerChangeOptions = {},
): string | undefined {
  if (!previousServers || previousServers.length === 0) return undefined;
  const problems: string[] = [];
  const first = previousServers[0];
  const removed = previousServers.filter((s) => !nextServers.includes(s));

  if (!nextServers.includes(first)) {
    const refused = firstServerHandover(previousServers, nextServers, datastore, opts);
    if (refused) problems.push(`k3s-stacks:inventory: ${refused}`);
  } else if (nextServers[0] !== first) {
    problems.push(
      `k3s-stacks:inventory: makes '${nextServers[0]}' the first server instead of '${first}'. Fix: keep '${first}' as the first server entry.`,
    );
  }

  let forced: string | undefined;
  if (datastore === "etcd") {
    const n = previousServers.length;
    const limit = maxServerRemoval(n);
    const dead = removed.filter((s) => opts.gone?.includes(s));
    let message: string | undefined;
    if (dead.length > limit) {
      // More members are down than etcd tolerates: the survivors have no quorum to remove anyone.
      message =
        `k3s-stacks:inventory: ${dead.join(", ")} ${dead.length === 1 ? "is" : "are"} marked gone, ${dead.length} of ${n} etcd servers; ` +
        `the ${n - dead.length} left ${n - dead.length === 1 ? "is" : "are"} below quorum (${quorum(n)}), so etcd cannot remove members or accept writes. ` +
        `Fix: ${quorumLossFix(previousServers, nextServers, dead, opts)}`;
    } else if (removed.length > limit && removed.length < n) {
      // The cluster layer refuses even etcd server counts, so suggest a step that keeps the count odd.
      let step = limit;
      while (step > 0 && (n - step) % 2 === 0) step--;
      const keep = dead.length > 0 ? `keep ${n} servers (list a new one for each gone: ${dead.join(", ")})` : `keep ${n} servers`;
      message =
        `k3s-stacks:inventory: removes ${removed.length} of ${n} etcd servers (${removed.join(", ")}) in one run; ` +
        `the ${n - removed.length} left cannot hold quorum (${quorum(n)}) while the others leave. ` +
        (step > 0
          ? `Fix: remove ${step} per pulumi up (${n} → ${n - step} → ...).`
          : `Fix: ${keep}, or shrink to ${n - removed.length} with a cluster reset (scripts/etcd-restore.sh with only the servers you keep) and set k3s-stacks:upgrade.forceServerRemoval: true for that run (docs/day-two.md).`);
    }
    if (message && opts.force) forced = `${message} Going ahead because k3s-stacks:upgrade.forceServerRemoval is true.`;
    else if (message) problems.push(message);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return forced;
}
