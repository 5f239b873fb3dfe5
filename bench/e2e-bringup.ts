// Bring-up of one server and N agents (default 20) with the real Pulumi engine against the e2e lab,
// every stand-in k3s start taking a fixed time. Prints the total `pulumi up` wall time against the
// critical path (the same program bringing up one server and one agent: first server + one join),
// once with the CLI's default parallelism (4 x CPUs) and once with --parallel high enough for every
// agent at once, plus a second, no-change `pulumi up` of the 21 nodes against the no-change `up` of a
// trivial Pulumi TypeScript program (one RandomPassword, one remote.Command on a lab host), both with
// the CLI as a user types it, alternating, several runs each.
// Goals (issues 3, 16): bring-up within 1.3x the critical path at the CLI's default parallelism (a
// serial installer needs about N+1 starts); no-change up within 1.5x the trivial program's. Needs root
// and the e2e toolchain. Figures vary with the machine's load: the spread is printed.
// Much of what remains above the critical path is the engine writing the whole state after every
// step while that step holds its slot (printed: `pulumi stack export` after each bring-up; scripts
// travel compressed to keep it small, components/remote/packed-script.ts): run with Pulumi's
// PULUMI_SKIP_CHECKPOINTS=true to see what it costs (the header says so); users should not, since a
// crash would lose the record of what ran.
// With K3S_STACKS_BENCH_TIMELINE=1 it also prints each step's start and end in the default-parallel
// bring-up (seconds from the start of `up`, as the engine's events arrived): where the time goes.
// Run: npx ts-node --transpile-only bench/e2e-bringup.ts [agents=20] [startDelaySeconds=10] [noChangeRuns=5]
import * as os from "os";
import { startLab, TestLab } from "../test/e2e/hosts";
import { InvHost, V1 } from "../test/e2e/scenarios/fixture";
import { at, installs } from "../test/e2e/scenarios/log";
import { E2eStack } from "../test/e2e/scenarios/stack";
import { CliProject } from "../test/e2e/scenarios/cli-project";
import { spread } from "./stats";

const agents = Number(process.argv[2] ?? 20);
const delay = Number(process.argv[3] ?? 10);
const noChangeRuns = Number(process.argv[4] ?? 5);

const server: InvHost = { name: "srv1", role: "server", arch: "amd64" };
const agent = (name: string): InvHost => ({ name, role: "agent", arch: "amd64" });

/**
 * Runs `up` of a fresh stack on a fresh lab of just these hosts (every start taking `delay`), and
 * returns its wall time and a timeline line. The caller downs the lab (no destroy: a bench of
 * bring-up should not depend on teardown).
 */
async function bringUp(stacks: E2eStack[], name: string, hosts: InvHost[], parallel?: number): Promise<{ seconds: number; timeline: string; stateKb: number; stack: E2eStack; lab: TestLab }> {
  const lab = startLab(hosts.map((h) => ({ name: h.name })));
  lab.setControl("start-delay", String(delay));
  const stack = await E2eStack.create(lab, name);
  stacks.push(stack);
  await stack.configure(hosts, V1);
  const before = lab.invocations().length;
  const t0 = Date.now();
  await stack.up(name, { parallel });
  const seconds = (Date.now() - t0) / 1000;
  // Where the time went, from the stand-ins' own clocks.
  const log = lab.invocations().slice(before);
  const rel = (ms: number) => ((ms - t0) / 1000).toFixed(1);
  const agentInstalls = installs(log).filter((i) => i.host !== "srv1").map(at).sort((a, b) => a - b);
  const serverInstall = installs(log).find((i) => i.host === "srv1");
  const timeline = `first remote call ${rel(at(log[0]))} s, server install ${serverInstall ? rel(at(serverInstall)) : "-"} s, ` +
    `agent installs ${rel(agentInstalls[0])}..${rel(agentInstalls[agentInstalls.length - 1])} s, last remote call ${rel(at(log[log.length - 1]))} s`;
  const notReady = hosts.filter((h) => !lab.nodes("srv1").some((n) => n.name === h.name && n.ready));
  if (notReady.length) throw new Error(`${name}: not Ready after up: ${notReady.map((h) => h.name).join(", ")}`);
  const stateKb = Buffer.byteLength(stack.exportedState()) / 1024;
  if (process.env.K3S_STACKS_BENCH_TIMELINE && name === "default-parallel") {
    console.log(`step timeline of ${name} (start, end in s; resource):`);
    for (const [step, t] of [...stack.stepTimes].sort((a, b) => a[1].start - b[1].start)) {
      console.log(`  ${rel(t.start).padStart(6)} ${rel(t.end ?? t.start).padStart(6)}  ${step}`);
    }
  }
  return { seconds, timeline, stateKb, stack, lab };
}

async function main(): Promise<void> {
  const names = Array.from({ length: agents }, (_, i) => `ag${String(i + 1).padStart(2, "0")}`);
  const all = [server, ...names.map(agent)];
  const stacks: E2eStack[] = [];
  const labs: TestLab[] = [];
  const trivials: CliProject[] = [];
  const run = async (name: string, hosts: InvHost[], parallel?: number) => {
    const r = await bringUp(stacks, name, hosts, parallel);
    labs.push(r.lab);
    return r;
  };
  try {
    const critical = await run("critical-path", [server, agent(names[0])]);
    critical.lab.down();
    const byDefault = await run("default-parallel", all);
    byDefault.lab.down();
    const wide = await run("wide-parallel", all, 4 * (agents + 1));
    const lab = wide.lab;

    // No-change up: ours (21 nodes) against the trivial program, alternating; the first up of each
    // is excluded (the trivial program's creates its two resources).
    const trivial = await CliProject.trivial({ host: lab.connection("srv1").host });
    trivials.push(trivial);
    trivial.initStack("dev", "config: {}\n", { "trivial:privateKey": lab.privateKey });
    trivial.pulumi(["up", "--yes", "--skip-preview", "--non-interactive"]);
    const noChange = { ours: [] as number[], trivial: [] as number[], ratios: [] as number[] };
    const callsBefore = lab.invocations().length;
    for (let i = 0; i < noChangeRuns; i++) {
      const ours = wide.stack.cliTimed(["up", "--yes", "--skip-preview", "--non-interactive", "--expect-no-changes"]);
      const t = trivial.pulumi(["up", "--yes", "--skip-preview", "--non-interactive", "--expect-no-changes"]).seconds;
      noChange.ours.push(ours);
      noChange.trivial.push(t);
      noChange.ratios.push(ours / t);
    }
    const remoteCalls = lab.invocations().length - callsBefore;

    const ratio = (s: number) => `${(s / critical.seconds).toFixed(2)}x critical path`;
    const ours = spread(noChange.ours);
    const triv = spread(noChange.trivial);
    console.log(`e2e bring-up: 1 server + ${agents} agents, stand-in k3s start ${delay} s, ${os.cpus().length} CPUs, every node Ready after each up, load average ${os.loadavg()[0].toFixed(1)} at the end${process.env.PULUMI_SKIP_CHECKPOINTS ? `, PULUMI_SKIP_CHECKPOINTS=${process.env.PULUMI_SKIP_CHECKPOINTS}` : ""}`);
    console.log(`  critical path (1 server + 1 agent):        ${critical.seconds.toFixed(1)} s  (${critical.timeline})`);
    console.log(`  total up, default --parallel (4 x CPUs):   ${byDefault.seconds.toFixed(1)} s = ${ratio(byDefault.seconds)} (goal <= 1.3x)  (${byDefault.timeline})`);
    console.log(`  total up, --parallel ${4 * (agents + 1)}:${" ".repeat(Math.max(1, 21 - String(4 * (agents + 1)).length))}${wide.seconds.toFixed(1)} s = ${ratio(wide.seconds)}  (${wide.timeline})`);
    console.log(`  state after bring-up (pulumi stack export): ${critical.stateKb.toFixed(0)} KB for 2 nodes, ${byDefault.stateKb.toFixed(0)} KB for ${agents + 1} nodes (${(byDefault.stateKb / (agents + 1)).toFixed(1)} KB/node)`);
    console.log(`  no-change up, ${agents + 1} nodes:      ${ours.text}; k3s stand-in calls during them: ${remoteCalls}`);
    console.log(`  no-change up, trivial program: ${triv.text}`);
    console.log(`  ratio: ${(ours.median / triv.median).toFixed(2)}x of medians; per pair ${spread(noChange.ratios).text.replace(/ s/g, "")} (goal <= 1.5x)`);
  } finally {
    for (const s of stacks) s.cleanup();
    for (const t of trivials) t.cleanup();
    for (const l of labs) l.down();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
