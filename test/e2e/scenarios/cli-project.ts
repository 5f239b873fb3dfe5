/**
 * Pulumi projects driven by the real CLI from the e2e toolchain (test/e2e/toolchain) as a user types
 * it, no Automation API, each in a temp dir with its own file backend and PULUMI_HOME, no network:
 * this repo's program (project files linked from the repo), the repo's project settings around
 * another index.ts, and a trivial TypeScript program as `pulumi new typescript` would write it
 * (one RandomPassword and one remote.Command), the yardstick of bench/.
 */
import { spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pulumiEnv, toolchainBin } from "../toolchain";

const REPO = path.resolve(__dirname, "..", "..", "..");
/** What `pulumi up` of this repo's program reads from the checkout. */
const PROGRAM_FILES = ["Pulumi.yaml", "index.ts", "stacks", "components", "package.json", "tsconfig.json", "tsconfig.pulumi.json", "node_modules"];

/** Target of the trivial program's remote.Command (@pulumi/command ConnectionArgs fields). */
export interface TrivialHost {
  host: string;
  user?: string;
}

export class CliProject {
  private constructor(
    readonly dir: string,
    readonly env: Record<string, string>,
    private readonly tmp: string,
  ) {}

  private static async make(name: string, fill: (dir: string) => void): Promise<CliProject> {
    const bin = toolchainBin();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `k3s-stacks-bench-${name}-`));
    for (const d of ["backend", "home", "project"]) fs.mkdirSync(path.join(tmp, d));
    const dir = path.join(tmp, "project");
    fill(dir);
    const env = pulumiEnv({ bin, backendDir: path.join(tmp, "backend"), homeDir: path.join(tmp, "home"), passphrase: randomBytes(16).toString("hex") });
    return new CliProject(dir, env, tmp);
  }

  /** This repo's program, as a user's checkout holds it. */
  static repo(): Promise<CliProject> {
    return CliProject.make("repo", (dir) => {
      for (const f of PROGRAM_FILES) fs.symlinkSync(path.join(REPO, f), path.join(dir, f));
    });
  }

  /** The repo's Pulumi.yaml, package.json and compiler settings around another program (index.ts). */
  static withProgram(indexTs: string): Promise<CliProject> {
    return CliProject.make("program", (dir) => {
      for (const f of PROGRAM_FILES.filter((f) => !["index.ts", "stacks", "components"].includes(f))) fs.symlinkSync(path.join(REPO, f), path.join(dir, f));
      fs.writeFileSync(path.join(dir, "index.ts"), indexTs);
    });
  }

  /** A program with the project settings of Pulumi's typescript template (a type check on every run). */
  static template(indexTs: string): Promise<CliProject> {
    return CliProject.make("template", (dir) => {
      fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
      fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: trivial\nruntime:\n  name: nodejs\n  options:\n    packagemanager: npm\nmain: index.ts\n");
      fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "trivial", main: "index.ts", devDependencies: { typescript: "*" } }, null, 2));
      fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({
        compilerOptions: { strict: true, outDir: "bin", target: "es2020", module: "commonjs", moduleResolution: "node", sourceMap: true, experimentalDecorators: true, pretty: true, noFallthroughCasesInSwitch: true, noImplicitReturns: true, forceConsistentCasingInFileNames: true },
        files: ["index.ts"],
      }, null, 2));
      fs.writeFileSync(path.join(dir, "index.ts"), indexTs);
    });
  }

  /** The yardstick: one RandomPassword and one remote.Command that runs `true` on `target` (key: config `trivial:privateKey`). */
  static trivial(target: TrivialHost): Promise<CliProject> {
    return CliProject.template([
      'import * as pulumi from "@pulumi/pulumi";',
      'import * as command from "@pulumi/command";',
      'import * as random from "@pulumi/random";',
      "",
      'const password = new random.RandomPassword("password", { length: 16 });',
      `const connection = ${JSON.stringify({ host: target.host, user: target.user ?? "root" })};`,
      'const privateKey = new pulumi.Config().getSecret("privateKey");',
      'new command.remote.Command("hello", { connection: { ...connection, privateKey }, create: "true" });',
      "export const length = password.result.apply((r) => r.length);",
      "",
    ].join("\n"));
  }

  /** Runs the CLI here; returns its exit code, output and wall time in seconds. */
  run(args: string[], extraEnv: Record<string, string> = {}): { status: number | null; seconds: number; output: string } {
    const t0 = process.hrtime.bigint();
    const r = spawnSync("pulumi", args, { cwd: this.dir, env: { ...process.env, ...this.env, ...extraEnv }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    return { status: r.status, seconds: Number(process.hrtime.bigint() - t0) / 1e9, output: `${r.stdout}${r.stderr}` };
  }

  /** Runs the CLI here; throws with its output when it fails. */
  pulumi(args: string[], extraEnv: Record<string, string> = {}): { seconds: number; output: string } {
    const r = this.run(args, extraEnv);
    if (r.status !== 0) throw new Error(`pulumi ${args.join(" ")} in ${this.dir} failed (${r.status}):\n${r.output}`);
    return r;
  }

  /**
   * `pulumi up --yes` with `extra`, for a program whose steps append `create <name>` / `delete <name>`
   * to the file `log`: the lines this run appended, in the order the engine ran them.
   */
  upLogged(log: string, extra: string[] = []): string[] {
    fs.rmSync(log, { force: true });
    this.pulumi(["up", "--yes", "--non-interactive", "--skip-preview", ...extra]);
    return fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n").filter(Boolean) : [];
  }

  /** Creates and selects a stack whose stack file starts as `stackFile` (YAML); secrets set with --secret. */
  initStack(stack: string, stackFile = "config: {}\n", secrets: Record<string, string> = {}): void {
    fs.writeFileSync(path.join(this.dir, `Pulumi.${stack}.yaml`), stackFile);
    this.pulumi(["stack", "init", stack, "--non-interactive"]);
    for (const [k, v] of Object.entries(secrets)) this.pulumi(["config", "set", "--secret", k, "--", v]);
  }

  cleanup(): void {
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}
