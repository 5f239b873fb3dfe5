// Evaluates stacks/main.ts under Pulumi mocks for 3, 30 and 300 nodes and prints wall time and peak
// memory per size. Each size runs in a fresh child process (the Pulumi runtime and mocks are global).
// Goal (issue 2): cost grows linearly with nodes, 300 nodes evaluate in under 5 s.
// Children run like the language host runs index.ts: with Pulumi.yaml's runtime.options.nodeargs and
// stack traces off (stacks/stack-traces.ts); each size is measured again
// with K3S_STACKS_STACK_TRACES=1 to show what the SDK's per-promise stack traces cost.
// Also prints the state those registrations make (bench/state-size.ts: inputs, the command provider's
// copy of them in its outputs, secrets as ciphertext), per node and per step, deterministic; the
// engine rewrites the whole state after every step of an `up`, so its size is what a bring-up waits on.
// Each size runs --rounds=N times (default 3), alternating with the floor; medians are printed, wall
// and CPU. K3S_STACKS_BENCH_PROFILE=<dir> writes a CPU profile of each evaluation span.
// Run: npx ts-node --transpile-only bench/cluster-eval.ts [sizes...] [--rounds=N]  (21: 1 server + 20 agents, as bench/e2e-bringup.ts)
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { STACK_TRACES_ENV, limitStackTraces } from "../stacks/stack-traces";
import { stateBytes } from "./state-size";
import { readGraph, recordGraph, replayGraph, writeGraph } from "./graph-floor";
import { cpuMs, profileSpan } from "./cpu-profile";
import { median } from "./stats";

interface Result {
  nodes: number;
  servers: number;
  resources: number;
  /** main() until every registration reached the mock monitor. */
  evalMs: number;
  /** CPU time (user + system, all threads: GC helpers too) over the same span: steadier than wall time on a shared machine. */
  evalCpuMs: number;
  /** Loading the program's modules (TypeScript transpile included), before main(). */
  loadMs: number;
  baseRssMb: number;
  peakRssMb: number;
  baseHeapMb: number;
  peakHeapMb: number;
  stateBytes: number;
  stateBySteps: Record<string, { count: number; bytes: number }>;
}

const MB = 1024 * 1024;

function stackConfig(nodes: number): { config: Record<string, unknown>; servers: number } {
  const servers = nodes >= 30 ? 3 : 1;
  const hosts = Array.from({ length: nodes }, (_, i) => ({
    name: i < servers ? `server-${i + 1}` : `agent-${i + 1 - servers}`,
    address: `10.${Math.floor(i / 250)}.${i % 250}.10`,
    role: i < servers ? "server" : "agent",
    arch: i % 2 ? "arm64" : "amd64",
    labels: { "example.com/rack": `r${i % 8}` },
  }));
  return {
    servers,
    config: {
      "k3s-stacks:cluster": {
        k3sVersion: "v1.36.3+k3s1",
        datastore: servers > 1 ? "etcd" : "sqlite",
        disable: ["traefik"],
        tlsSans: ["k3s.bench.lan"],
        // The default 10.42.0.0/16 holds 256 node ranges of /24; a /15 apart from the service range holds 512.
        ...(nodes > 256 ? { clusterCidr: "10.44.0.0/15" } : {}),
      },
      "k3s-stacks:inventory": { user: "root", hosts },
    },
  };
}

async function child(nodes: number): Promise<void> {
  const t0 = performance.now();
  // Same mocks and config loader as the jest tests, in process.
  const { installMocks } = await import("../test/support/mocks");
  const { setStackConfig } = await import("../test/support/stack");
  const { mockOutputs, SENTINEL } = await import("../test/stack/support/harness");
  const { main } = await import("../stacks/main");
  const loadMs = performance.now() - t0;
  limitStackTraces(process.env);

  const gc = (global as { gc?: () => void }).gc;
  gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const timer = setInterval(sample, 5);

  const state = await installMocks({ outputs: (type, name) => mockOutputs(type, name) });
  const graph = recordGraph();
  const { config, servers } = stackConfig(nodes);
  setStackConfig(config, { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey });
  const start = performance.now();
  const stopProfile = profileSpan(`program-${nodes}${process.env[STACK_TRACES_ENV] ? "-traces" : ""}`);
  const cpu0 = process.cpuUsage();
  await main();
  const runtime = pulumi.runtime as unknown as { waitForRPCs(): Promise<void> };
  for (let i = 0; i < 3; i++) {
    await runtime.waitForRPCs();
    await new Promise((r) => setImmediate(r));
  }
  const evalMs = performance.now() - start;
  const evalCpuMs = cpuMs(cpu0);
  stopProfile();
  sample();
  clearInterval(timer);
  const size = stateBytes(state.resources);
  if (process.env.K3S_STACKS_BENCH_GRAPH) writeGraph(process.env.K3S_STACKS_BENCH_GRAPH, graph);

  const result: Result = {
    nodes,
    servers,
    resources: state.resources.length,
    evalMs,
    evalCpuMs,
    loadMs,
    baseRssMb: base.rss / MB,
    peakRssMb: peakRss / MB,
    baseHeapMb: base.heapUsed / MB,
    peakHeapMb: peakHeap / MB,
    stateBytes: size.total,
    stateBySteps: size.bySteps,
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

/**
 * The SDK's own floor: the same number of resources per node as the program registered (a component
 * and `perNode - 1` remote.Commands, chained within the node) with one-line inputs and nothing of
 * ours. Tells our cost from Pulumi's.
 */
async function baseline(nodes: number, perNode: number, graphFile?: string): Promise<void> {
  const command = await import("@pulumi/command");
  const { installMocks } = await import("../test/support/mocks");
  limitStackTraces(process.env);
  const graph = graphFile ? readGraph(graphFile) : undefined;
  const state = await installMocks();
  const start = performance.now();
  const stopProfile = profileSpan(`${graph ? "graph-floor" : "floor"}-${nodes}`);
  const cpu0 = process.cpuUsage();
  if (graph) await replayGraph(graph);
  else for (let i = 0; i < nodes; i++) {
    const parent = new pulumi.ComponentResource("bench:x:Node", `n${i}`, {});
    let prev: pulumi.Resource | undefined;
    for (let j = 0; j < perNode - 1; j++) {
      prev = new command.remote.Command(`n${i}-c${j}`, { connection: { host: "h", privateKey: pulumi.secret("k") }, create: "bash -s", stdin: "true" }, { parent, dependsOn: prev ? [prev] : [] });
    }
  }
  const runtime = pulumi.runtime as unknown as { waitForRPCs(): Promise<void> };
  for (let i = 0; i < 3; i++) {
    await runtime.waitForRPCs();
    await new Promise((r) => setImmediate(r));
  }
  const evalCpuMs = cpuMs(cpu0);
  stopProfile();
  process.stdout.write(`RESULT ${JSON.stringify({ resources: state.resources.length, evalMs: performance.now() - start, evalCpuMs })}\n`);
}

/** Pulumi.yaml's runtime.options.nodeargs, split as the language host splits them. */
function projectNodeArgs(): string[] {
  const project = parse(fs.readFileSync(path.join(__dirname, "..", "Pulumi.yaml"), "utf8")) as { runtime?: { options?: { nodeargs?: string } } };
  return (project.runtime?.options?.nodeargs ?? "").split(/\s+/).filter(Boolean);
}

/** One child: the program (--child; with `graph`, it writes its registrations there) or a floor (--baseline; with `graph`, that graph replayed). */
function spawnChild(mode: "--child" | "--baseline", n: number, opts: { stackTraces?: boolean; perNode?: number; graph?: string } = {}): Record<string, number> {
  const env = { ...process.env };
  if (opts.stackTraces) env[STACK_TRACES_ENV] = "1";
  else delete env[STACK_TRACES_ENV];
  if (mode === "--child" && opts.graph) env.K3S_STACKS_BENCH_GRAPH = opts.graph;
  const args = [__filename, mode, String(n), String(opts.perNode ?? 0), ...(mode === "--baseline" && opts.graph ? [opts.graph] : [])];
  const r = spawnSync(process.execPath, [...projectNodeArgs(), "--expose-gc", "-r", "ts-node/register/transpile-only", ...args], {
    encoding: "utf8",
    cwd: __dirname,
    env,
    maxBuffer: 64 * MB,
  });
  const line = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (r.status !== 0 || !line) {
    process.stderr.write(`${mode} ${n} failed (exit ${r.status}):\n${r.stderr}\n${r.stdout}`);
    process.exit(1);
  }
  return JSON.parse(line.slice("RESULT ".length)) as Record<string, number>;
}

/** One size measured `rounds` times, the program and both floors alternating so all see the same load. */
interface Measured {
  result: Result;
  evalMs: number[];
  evalCpuMs: number[];
  floorMs: number[];
  floorCpuMs: number[];
  graphMs: number[];
  graphCpuMs: number[];
}

function measure(n: number, rounds: number): Measured {
  const m: Measured = { result: undefined as unknown as Result, evalMs: [], evalCpuMs: [], floorMs: [], floorCpuMs: [], graphMs: [], graphCpuMs: [] };
  const graph = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "k3s-stacks-graph-")), "graph.json");
  for (let i = 0; i < rounds; i++) {
    const r = spawnChild("--child", n, { graph }) as unknown as Result;
    m.result ??= r;
    m.evalMs.push(r.evalMs);
    m.evalCpuMs.push(r.evalCpuMs);
    const floor = spawnChild("--baseline", n, { perNode: Math.round(r.resources / n) });
    m.floorMs.push(floor.evalMs);
    m.floorCpuMs.push(floor.evalCpuMs);
    const replayed = spawnChild("--baseline", n, { graph });
    m.graphMs.push(replayed.evalMs);
    m.graphCpuMs.push(replayed.evalCpuMs);
  }
  fs.rmSync(path.dirname(graph), { recursive: true, force: true });
  return m;
}

function parent(sizes: number[], rounds: number): void {
  const measured = sizes.map((n) => measure(n, rounds));
  const results = measured.map((m) => ({ ...m.result, evalMs: median(m.evalMs), evalCpuMs: median(m.evalCpuMs) }));
  const floors = measured.map((m) => median(m.floorMs));
  const floorCpus = measured.map((m) => median(m.floorCpuMs));
  const graphCpus = measured.map((m) => median(m.graphCpuMs));
  const withTraces = sizes.map((n) => spawnChild("--child", n, { stackTraces: true }).evalMs);

  const f = (x: number, d = 1) => x.toFixed(d);
  const rows = [
    ["nodes", "servers", "resources", "eval s", "ms/node", "SDK floor s", "eval CPU s", "floor CPU s", "graph CPU s", "traces on s", "load s", "peak RSS MB", "RSS +MB", "KB/node (RSS)", "peak heap +MB", "state MB", "state KB/node"],
    ...results.map((r, i) => [
      String(r.nodes),
      String(r.servers),
      String(r.resources),
      f(r.evalMs / 1000, 2),
      f(r.evalMs / r.nodes, 2),
      f(floors[i] / 1000, 2),
      f(r.evalCpuMs / 1000, 2),
      f(floorCpus[i] / 1000, 2),
      f(graphCpus[i] / 1000, 2),
      f(withTraces[i] / 1000, 2),
      f(r.loadMs / 1000, 2),
      f(r.peakRssMb),
      f(r.peakRssMb - r.baseRssMb),
      f(((r.peakRssMb - r.baseRssMb) * 1024) / r.nodes, 0),
      f(r.peakHeapMb - r.baseHeapMb),
      f(r.stateBytes / MB, 2),
      f(r.stateBytes / 1024 / r.nodes, 1),
    ]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  console.log(`k3s-stacks: stacks/main.ts under Pulumi mocks (SSH inventory, every node's commands), one fresh process per run, node ${projectNodeArgs().join(" ")}`);
  console.log(`times: medians of ${rounds} runs per size, program and SDK floor alternating; CPU = user + system of the evaluating process (GC threads included), steadier than wall time on a shared machine; load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  for (const row of rows) console.log(row.map((cell, c) => cell.padStart(widths[c])).join("  "));

  const largest = results[results.length - 1];
  if (results.length > 1) {
    const first = results[0];
    console.log(
      `growth ${first.nodes} → ${largest.nodes} nodes: eval time ×${f(largest.evalMs / first.evalMs)}, resources ×${f(largest.resources / first.resources)} (linear would be ×${f(largest.nodes / first.nodes)})`,
    );
  }
  const smallest = results[0];
  const steps = Object.entries(smallest.stateBySteps).sort((a, b) => b[1].bytes - a[1].bytes);
  console.log(`state per step at ${smallest.nodes} nodes (count x KB each): ${steps.map(([k, v]) => `${k} ${v.count}x${f(v.bytes / v.count / 1024)}`).join(", ")}`);
  console.log("state: inputs + the command provider's outputs (inputs again, empty stdout/stderr), secrets as ciphertext, compact JSON, no engine metadata (bench/state-size.ts).");
  console.log("SDK floor: as many components and remote.Commands per node as the program registers, with trivial inputs and no code of ours (see baseline()).");
  console.log("graph floor: the program's own registrations (types, names, parents, dependencies) replayed with the SDK floor's inputs (bench/graph-floor.ts): what the SDK spends on this graph.");
  const last = results.length - 1;
  const perRound = measured[last].evalMs.map((e, i) => (e / measured[last].floorMs[i]).toFixed(2)).join(" ");
  console.log(
    `eval / SDK floor at ${results[last].nodes} nodes: ${(results[last].evalMs / floors[last]).toFixed(2)}x wall (medians; per round ${perRound}), ` +
      `${(results[last].evalCpuMs / floorCpus[last]).toFixed(2)}x CPU (goal <= 1.2x, issue 16)`,
  );
  console.log(
    `graph floor / SDK floor: ${(graphCpus[last] / floorCpus[last]).toFixed(2)}x CPU (the graph's own cost); eval / graph floor: ${(results[last].evalCpuMs / graphCpus[last]).toFixed(2)}x CPU (our code's cost)`,
  );
  console.log(`traces on: the program again with ${STACK_TRACES_ENV}=1 (what the Pulumi SDK's per-promise stack traces cost).`);
  console.log(`goal: 300 nodes under 5 s — ${largest.nodes >= 300 ? (largest.evalMs < 5000 ? "met" : "NOT met") : "not measured"} (${f(largest.evalMs / 1000, 2)} s for ${largest.nodes})`);
}

const at = process.argv.indexOf("--child");
const base = process.argv.indexOf("--baseline");
if (at >= 0 || base >= 0) {
  (at >= 0 ? child(Number(process.argv[at + 1])) : baseline(Number(process.argv[base + 1]), Number(process.argv[base + 2]), process.argv[base + 3])).catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  const rounds = Number(process.argv.find((a) => a.startsWith("--rounds="))?.slice("--rounds=".length) ?? 3);
  const sizes = process.argv.slice(2).filter((a) => !a.startsWith("--")).map(Number).filter((n) => n > 0);
  parent(sizes.length ? sizes : [3, 30, 300], rounds);
}
