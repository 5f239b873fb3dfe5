// A cluster-wide configuration change (agentConfig + tlsSans: every node's config.yaml) on S servers
// (embedded etcd) and N agents with the real Pulumi engine against the e2e lab, every stand-in k3s
// start taking a fixed time. Prints the `pulumi up` wall time and the roll's own span against the
// bound S x one restart + ceil(N / batch) x one restart, where one restart is the restart step of a
// one-node edit; and the fewest servers up at any moment (from the stand-ins' stop/ready events).
// Goals (issue 12): within 1.2x of the bound; at least S - 1 servers up throughout.
// Needs root and the e2e toolchain.
// Run: npx ts-node --transpile-only bench/e2e-rolling-restart.ts [servers=1,3] [agents=20] [batch=5] [startDelaySeconds=10]
import * as os from "os";
import { startLab, TestLab } from "../test/e2e/hosts";
import { InvHost, V1, clusterConfig } from "../test/e2e/scenarios/fixture";
import { downtimes, mostDownAtOnce } from "../test/e2e/scenarios/log";
import { E2eStack } from "../test/e2e/scenarios/stack";

const serverCounts = (process.argv[2] ?? "1,3").split(",").map(Number);
const agents = Number(process.argv[3] ?? 20);
const batch = Number(process.argv[4] ?? 5);
const delay = Number(process.argv[5] ?? 10);

/** Seconds a step took, from the engine's events. */
function stepSeconds(stack: E2eStack, name: string): number {
  const t = stack.stepTimes.get(name);
  if (!t?.end) throw new Error(`no timing for ${name}`);
  return (t.end - t.start) / 1000;
}

async function roll(lab: TestLab, servers: number, agentNames: string[]): Promise<string> {
  const serverNames = Array.from({ length: servers }, (_, i) => `srv${i + 1}`);
  const hosts: InvHost[] = [
    ...serverNames.map((name): InvHost => ({ name, role: "server", arch: "amd64" })),
    ...agentNames.map((name): InvHost => ({ name, role: "agent", arch: "amd64" })),
  ];
  const stack = await E2eStack.create(lab, `roll-${servers}`);
  const parallel = 4 * hosts.length;
  try {
    let cluster: Record<string, unknown> = clusterConfig(lab, V1);
    const upgrade = { agentBatchSize: batch };
    await stack.configure(hosts, V1, { cluster, upgrade });
    await stack.up("bring-up", { parallel });

    // One restart: a label on one agent restarts only that agent.
    const one = hosts.map((h) => (h.name === agentNames[0] ? { ...h, labels: { bench: "one" } } : h));
    await stack.configure(one, V1, { cluster, upgrade });
    await stack.up("one restart", { parallel });
    const oneRestart = stepSeconds(stack, `k3s-${agentNames[0]}-restart`);

    cluster = { ...cluster, tlsSans: ["bench.lab.example"], agentConfig: { "kubelet-arg": ["max-pods=150"] } };
    await stack.configure(one, V1, { cluster, upgrade });
    const before = lab.invocations().length;
    const t0 = Date.now();
    const r = await stack.up("cluster-wide change", { parallel });
    const wall = (Date.now() - t0) / 1000;
    const spans = downtimes(lab.invocations().slice(before));
    const restartSteps = [...stack.stepTimes].filter(([n]) => n.endsWith("-restart")).map(([, t]) => t);
    const span = (Math.max(...restartSteps.map((t) => t.end ?? Infinity)) - Math.min(...restartSteps.map((t) => t.start))) / 1000;
    const bound = (servers + Math.ceil(agents / batch)) * oneRestart;
    const minUp = servers - mostDownAtOnce(spans, serverNames);
    const restarted = new Set(spans.map((s) => s.host)).size;
    await stack.destroy("destroy");
    return [
      `  ${servers} server(s) + ${agents} agents, batch ${batch}: ${r.summary.result}, ${restarted}/${hosts.length} nodes restarted`,
      `    one restart (restart step of a one-node edit):   ${oneRestart.toFixed(1)} s`,
      `    bound (${servers} + ceil(${agents}/${batch})) x one restart:     ${bound.toFixed(1)} s`,
      `    whole pulumi up:                                ${wall.toFixed(1)} s = ${(wall / bound).toFixed(2)}x bound (goal <= 1.2x)`,
      `    roll (first restart step start .. last end):    ${span.toFixed(1)} s = ${(span / bound).toFixed(2)}x bound`,
      `    fewest servers up at any moment:                ${minUp} of ${servers} (goal >= ${Math.max(0, servers - 1)})`,
    ].join("\n");
  } finally {
    stack.cleanup();
  }
}

async function main(): Promise<void> {
  const most = Math.max(...serverCounts);
  const agentNames = Array.from({ length: agents }, (_, i) => `ag${String(i + 1).padStart(2, "0")}`);
  const lab = startLab([...Array.from({ length: most }, (_, i) => ({ name: `srv${i + 1}` })), ...agentNames.map((name) => ({ name }))]);
  try {
    lab.setControl("start-delay", String(delay));
    const lines = [];
    for (const s of serverCounts) lines.push(await roll(lab, s, agentNames));
    console.log(`e2e rolling restart: stand-in k3s start ${delay} s, ${os.cpus().length} CPUs`);
    for (const l of lines) console.log(l);
  } finally {
    lab.down();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
