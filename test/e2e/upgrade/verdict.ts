/**
 * The upgrade check's verdicts from the stand-ins' invocation log: what touched k3s, which commands ran,
 * and whether a version bump kept the roll's rule.
 */
import { Invocation } from "../hosts";
import { Downtime, downtimes, installs, mostDownAtOnce, restarts } from "../scenarios/log";

/** What the release upgrade did to k3s on the hosts: every restart, stop and install.sh run. */
export function k3sTouched(log: Invocation[]): string[] {
  return [
    ...restarts(log).map((i) => `${i.host}: systemctl ${i.argv.slice(1).join(" ")}`),
    ...downtimes(log).map((d) => `${d.host}: k3s ${d.to === Number.POSITIVE_INFINITY ? "stopped, not back" : `down ${((d.to - d.from) / 1000).toFixed(1)} s`}`),
    ...installs(log).map((i) => `${i.host}: install.sh`),
  ];
}

/** `host: tool verb ×n` for each command in `log` (kubectl by its verb, k3s by its subcommand). */
export function commandCounts(log: Invocation[]): string[] {
  const counts = new Map<string, number>();
  for (const i of log.filter((x) => !x.event)) {
    // `k3s kubectl get …` is logged with argv k3s, kubectl, get, …: named by its verb, past --kubeconfig FILE.
    const kubectl = i.argv[1] === "kubectl";
    const args = kubectl ? i.argv.slice(2) : i.argv.slice(1);
    const verb = args.find((a, k) => !a.startsWith("-") && args[k - 1] !== "--kubeconfig") ?? args[0] ?? "";
    const key = `${i.host}: ${kubectl ? "kubectl" : i.tool} ${verb}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ×${n}`);
}

/** The roll's rule: servers one after another (each after the previous is back), then the agents, at most `batch` down at once. */
export function rollProblems(spans: Downtime[], servers: string[], agents: string[], batch: number): string[] {
  const problems: string[] = [];
  const hostsRolled = spans.map((s) => s.host);
  for (const h of [...servers, ...agents]) {
    const n = hostsRolled.filter((x) => x === h).length;
    if (n !== 1) problems.push(`version bump: ${h} went down ${n} times, not once`);
  }
  const s = spans.filter((x) => servers.includes(x.host));
  for (let k = 1; k < s.length; k++) if (s[k].from < s[k - 1].to) problems.push(`version bump: ${s[k].host} went down before ${s[k - 1].host} was back`);
  const serversBack = Math.max(...s.map((x) => x.to));
  for (const a of spans.filter((x) => agents.includes(x.host))) if (a.from < serversBack) problems.push(`version bump: agent ${a.host} went down before every server was back`);
  if (mostDownAtOnce(spans, servers) > 1) problems.push(`version bump: ${mostDownAtOnce(spans, servers)} servers down at once`);
  if (mostDownAtOnce(spans, agents) > batch) problems.push(`version bump: ${mostDownAtOnce(spans, agents)} agents down at once (batch ${batch})`);
  return problems;
}
