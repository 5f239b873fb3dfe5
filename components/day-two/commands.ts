import * as pulumi from "@pulumi/pulumi";
import { NodeSpec, SshEndpoint } from "../nodes/types";
import { shq } from "../remote/shell";

/** Where a day-two script connects: plain values (no keys or passwords ever go into these commands). */
export interface SshTarget {
  host: string;
  user?: string;
  port?: number;
  /** Jump host as `[user@]host[:port]`. */
  bastion?: string;
}

/** Ready-to-paste commands for the stack outputs `snapshotCommand` and `restoreCommand`. */
export interface DayTwoCommands {
  snapshotCommand: string;
  /** A dry run; the user replaces SNAPSHOT and, after reading the plan, --dry-run with --yes. */
  restoreCommand: string;
}

/** `[user@]host[:port]` as the etcd scripts parse it; IPv6 addresses go in brackets when a port follows. */
export function targetSpec(t: SshTarget): string {
  const host = t.host.includes(":") && t.port !== undefined ? `[${t.host}]` : t.host;
  return `${t.user ?? "root"}@${host}${t.port !== undefined ? `:${t.port}` : ""}`;
}

/**
 * Commands that snapshot the cluster and restore it with scripts/etcd-snapshot.sh and
 * scripts/etcd-restore.sh, run from the repository root. The first server's bastion is used for all
 * hosts, since the scripts take one.
 */
export function renderDayTwoCommands(firstServer: SshTarget, servers: SshTarget[], agents: SshTarget[], snapshotDir?: string): DayTwoCommands {
  const bastion = firstServer.bastion !== undefined ? ` --bastion ${shq(firstServer.bastion)}` : "";
  const snapshot = [
    "scripts/etcd-snapshot.sh",
    `--host ${shq(firstServer.host)}`,
    `--user ${shq(firstServer.user ?? "root")}`,
    ...(firstServer.port !== undefined ? [`--port ${firstServer.port}`] : []),
  ].join(" ");
  const list = (ts: SshTarget[]) => shq(ts.map(targetSpec).join(","));
  const restore = [
    // A bare name is looked up in k3s's default snapshot directory: with snapshots.dir the snapshots are elsewhere.
    `scripts/etcd-restore.sh --snapshot ${snapshotDir === undefined ? "SNAPSHOT" : `${shq(`${snapshotDir.replace(/\/+$/, "")}/`)}SNAPSHOT`}`,
    `--first-server ${shq(targetSpec(firstServer))}`,
    ...(servers.length > 0 ? [`--servers ${list(servers)}`] : []),
    ...(agents.length > 0 ? [`--agents ${list(agents)}`] : []),
  ].join(" ");
  return { snapshotCommand: `${snapshot}${bastion}`, restoreCommand: `${restore}${bastion} --dry-run` };
}

function endpointSpec(e: SshEndpoint, host: string): string {
  return targetSpec({ host, user: e.user, port: e.port });
}

/**
 * renderDayTwoCommands over NodeSpecs, whose hosts may be Outputs (cloud VMs). Servers first, first
 * server first. `snapshotDir`: k3s-stacks:snapshots.dir, when the snapshots are not in k3s's default directory.
 */
export function dayTwoCommands(nodes: NodeSpec[], snapshotDir?: string): pulumi.Output<DayTwoCommands> {
  const toTarget = (n: NodeSpec): pulumi.Input<SshTarget> => {
    const c = n.connection;
    const target = (host: string, bastionHost: string | undefined): SshTarget => ({
      host,
      user: c.user,
      port: c.port,
      bastion: c.bastion && bastionHost !== undefined ? endpointSpec(c.bastion, bastionHost) : undefined,
    });
    // Inventory addresses are plain: no Output per node for them (only cloud VMs' are known later).
    if (typeof c.host === "string" && (c.bastion === undefined || typeof c.bastion.host === "string")) return target(c.host, c.bastion?.host as string | undefined);
    return pulumi.all([c.host, c.bastion?.host]).apply(([host, bastionHost]) => target(host, bastionHost));
  };
  const servers = nodes.filter((n) => n.role === "server");
  const agents = nodes.filter((n) => n.role === "agent");
  if (servers.length === 0) throw new Error("dayTwoCommands: no server among the nodes");
  return pulumi
    .all([pulumi.all(servers.map(toTarget)), pulumi.all(agents.map(toTarget))])
    .apply(([[first, ...rest], agentTargets]) => renderDayTwoCommands(first, rest, agentTargets, snapshotDir));
}
