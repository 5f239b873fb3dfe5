/** Reading the stand-ins' invocation log: which host did what, and when. */
import { Invocation, TestLab } from "../hosts";

/** Invocations recorded after `since` entries (take `lab.invocations().length` before an action). */
export function invocationsSince(lab: TestLab, since: number): Invocation[] {
  return lab.invocations().slice(since);
}

/** Millisecond time of an invocation. */
export function at(i: Invocation): number {
  return Date.parse(i.ts);
}

/** `systemctl restart|start` calls of a k3s unit, per host: a node (re)started. */
export function restarts(log: Invocation[]): Invocation[] {
  // Options may stand before the unit: an agent's first start is queued (`start --no-block k3s-agent`).
  return log.filter((i) => i.tool === "systemctl" && ["restart", "start"].includes(i.argv[1]) &&
    i.argv.slice(2).some((a) => /^k3s(-agent)?(\.service)?$/.test(a)));
}

/** `k3s kubectl <verb> ...` calls naming `node`. */
export function kubectlOn(log: Invocation[], verb: string, node?: string): Invocation[] {
  return log.filter((i) => i.tool === "kubectl" || (i.tool === "k3s" && i.argv[1] === "kubectl")).filter((i) => {
    const args = i.argv[1] === "kubectl" ? i.argv.slice(2) : i.argv.slice(1);
    return args[0] === verb && (node === undefined || args.includes(node));
  });
}

/** install.sh runs per host. */
export function installs(log: Invocation[]): Invocation[] {
  return log.filter((i) => i.tool === "install.sh");
}

export function hostsOf(log: Invocation[]): string[] {
  return [...new Set(log.map((i) => i.host))].sort();
}

/** A time k3s was down on a host: from the stand-in's "stopped" event to its next "ready" (open: still down). */
export interface Downtime {
  host: string;
  from: number;
  to: number;
}

/** Every stop → ready span in the log, per host, in order of stopping. */
export function downtimes(log: Invocation[]): Downtime[] {
  const open = new Map<string, number>();
  const spans: Downtime[] = [];
  for (const i of log) {
    if (i.event === "stopped") open.set(i.host, at(i));
    else if (i.event === "ready" && open.has(i.host)) {
      spans.push({ host: i.host, from: open.get(i.host)!, to: at(i) });
      open.delete(i.host);
    }
  }
  for (const [host, from] of open) spans.push({ host, from, to: Number.POSITIVE_INFINITY });
  return spans.sort((a, b) => a.from - b.from);
}

/** The most of `hosts` down at one moment, from their downtimes. */
export function mostDownAtOnce(spans: Downtime[], hosts: string[]): number {
  const mine = spans.filter((s) => hosts.includes(s.host));
  let most = 0;
  for (const s of mine) most = Math.max(most, mine.filter((o) => o.from <= s.from && s.from < o.to).length);
  return most;
}
