import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../rules/errors";
import type { NodeRole } from "../nodes/types";
import { quorum } from "./servers";

/** A node whose VM a program creates: its machine (`field=value` pairs, nodes/cloud/machines.ts) and the key that sets it. */
export interface PlannedMachine {
  name: string;
  role: NodeRole;
  machine: string;
  key: string;
}

/** The `field=value` pairs that differ, as `field a → b`. */
function difference(before: string, after: string): string {
  const pairs = (s: string) => new Map(s.split(" ").map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]));
  const [b, a] = [pairs(before), pairs(after)];
  return [...new Set([...b.keys(), ...a.keys()])].filter((f) => b.get(f) !== a.get(f)).map((f) => `${f} ${b.get(f)} → ${a.get(f)}`).join(", ");
}

/**
 * Checks the nodes that get a new VM under their name in this run against the last successful update's
 * `cloudMachines` output (node name → machine), before anything is registered.
 *
 * Each such node's k3s chain runs before its old VM goes (replace-chain.ts machineTrigger): drain, the
 * etcd quorum guard, uninstall, delete the Node, then install on the new VM. Pulumi runs the chains of
 * different nodes at the same time, so this run replaces at most what the cluster can lose at once:
 * - never the first server: the cluster starts there and every node joins through it, so a new machine
 *   there would start a new, empty cluster;
 * - one other server: its etcd member leaves before the new one joins, and while one is out a cluster of
 *   N members needs floor(N/2)+1 up (etcd runtime reconfiguration; k3s-io/k3s#3513 removes servers one at
 *   a time). One per update also keeps servers behind the health gate: the next update starts only after
 *   the new one's membership step saw it Ready;
 * - at most `agentBatchSize` agents, as many as the rollout drains at once.
 * The run-time guard (etcd-quorum.ts renderReplacementGuard) still refuses a server whose replacement
 * would lose quorum with another member already down.
 */
export function checkMachineChanges(previous: Record<string, string> | undefined, next: PlannedMachine[], opts: { firstServer?: string; etcd: boolean; agentBatchSize: number }): void {
  if (!previous) return;
  const changed = next.filter((m) => previous[m.name] !== undefined && previous[m.name] !== m.machine);
  if (changed.length === 0) return;
  const what = (m: PlannedMachine) => `${m.name} (${difference(previous[m.name], m.machine)})`;
  const problems: string[] = [];
  const servers = next.filter((m) => m.role === "server");
  const first = changed.find((m) => m.name === opts.firstServer);
  if (first) {
    problems.push(
      `${first.key}: gives ${what(first)} a new VM, and ${first.name} is the first server: the cluster starts there and every node joins through it, so a new machine there would start a new, empty cluster. ` +
        `Fix: put the old value back. For other server hardware, add a server pool with the new value (keep the number of servers odd), run pulumi up, then lower the old pool's count so that only ${first.name} stays; a different machine for the first server is a restore ('Replace the first server' in docs/day-two.md).`,
    );
  }
  const otherServers = changed.filter((m) => m.role === "server" && m !== first);
  if (otherServers.length > 1 || (first && otherServers.length > 0)) {
    const out = otherServers.length + (first ? 1 : 0);
    const rule = opts.etcd ? ` Their old etcd members leave before the new ones join, so ${servers.length - out} of ${servers.length} would be up, and a cluster of N members needs floor(N/2)+1 (${quorum(servers.length)}) up.` : "";
    problems.push(
      `${otherServers[0].key}: gives ${otherServers.length} servers new VMs in one run (${otherServers.map(what).join("; ")}); servers are replaced one per pulumi up, each drained, its member removed and the new VM Ready before the next.${rule} ` +
        "Fix: add a server pool with the new value, run pulumi up, then lower the old pool's count (servers stay an odd number); or change one server's pool at a time.",
    );
  }
  const agents = changed.filter((m) => m.role === "agent");
  if (agents.length > opts.agentBatchSize) {
    problems.push(
      `${agents[0].key}: gives ${agents.length} agents new VMs in one run (${agents.map(what).join("; ")}), more than k3s-stacks:upgrade.agentBatchSize (${opts.agentBatchSize}) drained at once; all of them would be drained together and their pods would have nowhere to go. ` +
        `Fix: add a pool with the new value, run pulumi up, then lower the old pool's count to 0; or raise k3s-stacks:upgrade.agentBatchSize to ${agents.length} if the other nodes can take their pods.`,
    );
  }
  if (problems.length) throw new ConfigError(problems);
  for (const m of changed) {
    pulumi.log.info(`${what(m)} gets a new VM: this run drains it${m.role === "server" && opts.etcd ? ", checks that etcd keeps quorum" : ""}, uninstalls k3s, deletes its Node (and its ${m.role === "server" && opts.etcd ? "etcd member and " : ""}node password), then deletes the old VM, creates the new one and installs k3s there under the same name.`);
  }
}
