/**
 * Drives this repo's program with the real Pulumi CLI through the Automation API: a temp workDir
 * whose project files are symlinks to the repo (so no Pulumi.<stack>.yaml lands in the repo), a
 * file backend and PULUMI_HOME in temp dirs, secrets under a passphrase. Everything the engine
 * prints is kept, so tests can search it for secrets.
 */
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { randomBytes } from "crypto";
import { DestroyResult, EngineEvent, LocalWorkspace, OpType, PulumiCommand, Stack, UpResult } from "@pulumi/pulumi/automation";
import { pulumiEnv, toolchainBin } from "../toolchain";
import { TestLab } from "../hosts";
import { InvHost, clusterConfig, inventoryConfig, sudoPassword } from "./fixture";

const REPO = path.resolve(__dirname, "..", "..", "..");
/** What the program needs from the repo; everything else stays out of the workDir. */
const LINKED = ["Pulumi.yaml", "index.ts", "stacks", "components", "package.json", "tsconfig.json", "tsconfig.pulumi.json", "node_modules"];
/** Provider plugins the program uses on an inventory stack with ssh upgrades. */
const PLUGINS = ["pulumi-resource-command", "pulumi-resource-random"];

/** Fails early, with the fix, when the toolchain lacks what `pulumi up` of this program needs. */
export function checkToolchain(bin: string): void {
  const missing = ["pulumi", "pulumi-language-nodejs", ...PLUGINS].filter((p) => !fs.existsSync(path.join(bin, p)));
  if (missing.length) {
    throw new Error(`the e2e toolchain in ${bin} lacks ${missing.join(", ")}. Fix: put them on PATH or let test/e2e/toolchain/build.sh build them.`);
  }
}

export interface RunLog {
  label: string;
  text: string;
}

/** One resource step the engine took (from its events). */
export interface Step {
  op: OpType;
  urn: string;
  /** Last URN segment, e.g. k3s-ag1-config. */
  name: string;
  /** Top-level properties whose change makes this step (the engine's `diffs`; empty for creates and deletes). */
  diffs: string[];
  /** Property paths that changed, with the kind of change (the engine's `detailedDiff`), e.g. `create: update`. */
  detailed: string[];
}

export class E2eStack {
  /** Everything the engine printed and every event it sent, per operation. */
  readonly logs: RunLog[] = [];
  /** Debug-severity diagnostics per operation (`pulumi up --debug` output), apart from `logs`. */
  readonly debugLogs: RunLog[] = [];
  /** Steps of the last operation, "same" steps left out. */
  steps: Step[] = [];
  /** Wall-clock start and end (ms, as the events arrived) of each step of the last operation, by resource name. */
  stepTimes = new Map<string, { start: number; end?: number }>();

  private constructor(
    readonly stack: Stack,
    private readonly tmp: string,
    private readonly lab: TestLab,
    private readonly cli: { bin: string; env: Record<string, string>; workDir: string },
  ) {}

  /**
   * `repo`: the checkout whose program runs (default this one); test/e2e/upgrade brings a stack up
   * with an older checkout's program, then points it at this one with {@link relink}.
   */
  static async create(lab: TestLab, stackName = "e2e", repo = REPO): Promise<E2eStack> {
    const bin = toolchainBin();
    checkToolchain(bin);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "k3s-stacks-e2e-stack-"));
    const workDir = path.join(tmp, "project");
    for (const d of ["backend", "home", "project"]) fs.mkdirSync(path.join(tmp, d));
    for (const f of LINKED) fs.symlinkSync(path.join(repo, f), path.join(workDir, f));
    // Runs transpile-only as every user's `pulumi up` does (Pulumi.yaml runtime.options.tsconfig).
    const env: Record<string, string> = pulumiEnv({ bin, backendDir: path.join(tmp, "backend"), homeDir: path.join(tmp, "home"), passphrase: randomBytes(16).toString("hex") });
    const pulumiCommand = await PulumiCommand.get({ root: path.dirname(bin), skipVersionCheck: true });
    const stack = await LocalWorkspace.createOrSelectStack(
      { stackName, workDir },
      { workDir, envVars: env, pulumiHome: env.PULUMI_HOME, pulumiCommand },
    );
    return new E2eStack(stack, tmp, lab, { bin, env, workDir });
  }

  /** Points the workDir's project files at another checkout's: the same stack, state and config then run that program. */
  relink(repo: string): void {
    for (const f of LINKED) {
      const link = path.join(this.cli.workDir, f);
      fs.unlinkSync(link);
      fs.symlinkSync(path.join(repo, f), link);
    }
  }

  /** Sets cluster, inventory and the secrets for the given hosts and version. */
  async configure(hosts: InvHost[], version: string, extra: Record<string, unknown> = {}): Promise<void> {
    const plain = (v: unknown) => ({ value: JSON.stringify(v) });
    const sampling = this.sampleProcesses("configure");
    try {
      await this.stack.setAllConfig(
        {
          "k3s-stacks:cluster": plain(clusterConfig(this.lab, version)),
          "k3s-stacks:inventory": plain(inventoryConfig(this.lab, hosts)),
          ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`k3s-stacks:${k}`, plain(v)])),
        },
        false,
      );
      await this.setSecret("k3s-stacks:sshPrivateKey", this.lab.privateKey);
      if (Object.values(this.lab.hosts).some((h) => h.sudoPassword)) await this.setSecret("k3s-stacks:sudoPassword", sudoPassword(this.lab));
    } finally {
      sampling.stop();
    }
  }

  /**
   * `pulumi config set --secret KEY` with the value on stdin, as a user should: the Automation API's
   * setConfig/setAllConfig put the value on the command line, where any process list shows it.
   */
  setSecret(key: string, value: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(path.join(this.cli.bin, "pulumi"), ["config", "set", "--secret", "--raw", "--stack", this.stack.name, key], {
        cwd: this.cli.workDir,
        env: { ...process.env, ...this.cli.env },
        stdio: ["pipe", "ignore", "pipe"],
      });
      let err = "";
      child.stderr.on("data", (d) => (err += d));
      child.on("error", reject);
      child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`pulumi config set --secret ${key} failed (${code}): ${err}`))));
      child.stdin.end(value);
    });
  }

  /**
   * Records every command line on this machine while an operation runs (every 50 ms) into `logs`,
   * so the leak search also covers what `ps` would have shown: secrets passed as arguments.
   */
  private sampleProcesses(label: string): { stop: () => void } {
    const seen = new Set<string>();
    const sample = () => {
      for (const pid of fs.readdirSync("/proc")) {
        if (!/^[0-9]+$/.test(pid)) continue;
        try {
          seen.add(fs.readFileSync(`/proc/${pid}/cmdline`, "latin1").replace(/\0/g, " "));
        } catch {
          // The process ended between the listing and the read.
        }
      }
    };
    sample();
    const timer = setInterval(sample, 50);
    return {
      stop: () => {
        clearInterval(timer);
        sample();
        this.logs.push({ label: `${label} (process list)`, text: [...seen].join("\n") });
      },
    };
  }

  private collector(label: string): { onOutput: (s: string) => void; onError: (s: string) => void; onEvent: (e: EngineEvent) => void; done: () => string } {
    const sampling = this.sampleProcesses(label);
    const parts: string[] = [];
    const events: string[] = [];
    const debug: string[] = [];
    this.steps = [];
    this.stepTimes = new Map();
    return {
      onOutput: (s) => parts.push(s),
      onError: (s) => parts.push(s),
      onEvent: (e) => {
        // Debug diagnostics are what `pulumi up --debug` adds. The Node SDK puts raw RPC responses
        // there, secrets in clear (upstream behaviour); they are kept apart so the leak search can
        // name them separately from what a user sees by default.
        if ((e.diagnosticEvent?.severity as string | undefined) === "debug") debug.push(JSON.stringify(e));
        else events.push(JSON.stringify(e));
        const m = e.resourcePreEvent?.metadata;
        if (m && m.op !== "same" && !m.type.startsWith("pulumi:")) {
          const name = m.urn.split("::").pop() ?? m.urn;
          const detailed = Object.entries(m.detailedDiff ?? {}).map(([k, d]) => `${k}: ${d.diffKind}`);
          this.steps.push({ op: m.op, urn: m.urn, name, diffs: m.diffs ?? [], detailed });
          this.stepTimes.set(name, { start: Date.now() });
        }
        const done = e.resOutputsEvent?.metadata ?? e.resOpFailedEvent?.metadata;
        const timed = done && this.stepTimes.get(done.urn.split("::").pop() ?? done.urn);
        if (timed) timed.end = Date.now();
      },
      done: () => {
        sampling.stop();
        const text = parts.join("");
        this.logs.push({ label, text }, { label: `${label} (events)`, text: events.join("\n") });
        this.debugLogs.push({ label: `${label} (debug diagnostics)`, text: debug.join("\n") });
        // For a look after a failure: K3S_STACKS_E2E_LOG_DIR keeps each operation's output and events.
        const dir = process.env.K3S_STACKS_E2E_LOG_DIR;
        if (dir) {
          fs.mkdirSync(dir, { recursive: true });
          const base = path.join(dir, `${this.stack.name}-${this.debugLogs.length}-${label.replace(/[^A-Za-z0-9]+/g, "_")}`);
          fs.writeFileSync(`${base}.log`, text);
          fs.writeFileSync(`${base}.events.jsonl`, events.join("\n"));
        }
        return text;
      },
    };
  }

  /** `pulumi up` (`replace`: URNs, as `--replace`); the result carries the output. Failures throw with the engine's output attached. */
  async up(label: string, opts: { expectNoChanges?: boolean; parallel?: number; replace?: string[] } = {}): Promise<UpResult> {
    const c = this.collector(label);
    try {
      return await this.stack.up({ onOutput: c.onOutput, onError: c.onError, onEvent: c.onEvent, color: "never", expectNoChanges: opts.expectNoChanges, parallel: opts.parallel, replace: opts.replace });
    } finally {
      c.done();
    }
  }

  /** `pulumi preview`; returns what it printed (diagnostics included) and its steps in `steps`. */
  async preview(label: string): Promise<string> {
    const c = this.collector(label);
    try {
      const r = await this.stack.preview({ onOutput: c.onOutput, onError: c.onError, onEvent: c.onEvent, color: "never" });
      return r.stdout;
    } finally {
      c.done();
    }
  }

  async destroy(label: string): Promise<DestroyResult> {
    const c = this.collector(label);
    try {
      return await this.stack.destroy({ onOutput: c.onOutput, onError: c.onError, onEvent: c.onEvent, color: "never" });
    } finally {
      c.done();
    }
  }

  /**
   * The stack's state as stored, from `pulumi stack export`. Not Stack.exportStack(): the Automation
   * API passes --show-secrets, which decrypts every secret on purpose.
   */
  exportedState(): string {
    return execFileSync(path.join(this.cli.bin, "pulumi"), ["stack", "export", "--stack", this.stack.name], {
      cwd: this.cli.workDir,
      env: { ...process.env, ...this.cli.env },
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    });
  }

  /** The stack's outputs as `pulumi stack output --json` shows them (secrets masked). */
  shownOutputs(): Record<string, unknown> {
    return JSON.parse(execFileSync(path.join(this.cli.bin, "pulumi"), ["stack", "output", "--json", "--stack", this.stack.name], {
      cwd: this.cli.workDir,
      env: { ...process.env, ...this.cli.env },
      encoding: "utf8",
    }));
  }

  /** Files the CLI wrote under PULUMI_HOME and the backend (logs, history, backups). */
  engineFiles(): RunLog[] {
    const out: RunLog[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.isFile() && fs.statSync(p).size < 50_000_000) out.push({ label: p, text: fs.readFileSync(p, "latin1") });
      }
    };
    for (const d of ["backend", "home"]) walk(path.join(this.tmp, d));
    return out;
  }

  /** Runs the CLI in this stack's workDir as a user types it (no Automation API); returns wall seconds. */
  cliTimed(args: string[]): number {
    const t0 = process.hrtime.bigint();
    execFileSync(path.join(this.cli.bin, "pulumi"), [...args, "--stack", this.stack.name], {
      cwd: this.cli.workDir,
      env: { ...process.env, ...this.cli.env },
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    });
    return Number(process.hrtime.bigint() - t0) / 1e9;
  }

  /** Removes the temp dirs (the stack's state with them). */
  cleanup(): void {
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}
