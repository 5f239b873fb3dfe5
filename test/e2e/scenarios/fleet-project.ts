/**
 * A throwaway fleet project for the fleet scenario: a temp dir holding the program, its own
 * `stacks/sites/`, the fleet scripts, and the CLI environment (file backend, passphrase, offline).
 *
 * The program and fleet scripts are copied, not linked: the rollout hashes the program's source
 * into each site's desired state and resolves the repo root from its own file, so a snapshot keeps
 * the hash stable while others edit the shared tree and keeps every Pulumi.<site>.yaml out of it.
 */
import { spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pulumiEnv, toolchainBin } from "../toolchain";
import { checkToolchain } from "./stack";

const REPO = path.resolve(__dirname, "..", "..", "..");
/** Program source and what the fleet scripts import; copied so the hashes cannot move mid-test. */
const COPIED = ["Pulumi.yaml", "index.ts", "package-lock.json", "components", "policy", "tools"];
/** Dependencies and compiler settings, shared with the repo. */
const LINKED = ["package.json", "tsconfig.json", "tsconfig.pulumi.json", "node_modules"];

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class FleetProject {
  readonly env: Record<string, string>;

  private constructor(
    readonly root: string,
    private readonly tmp: string,
    readonly bin: string,
  ) {
    // Transpile-only, as Pulumi.yaml's runtime.options.tsconfig makes every `pulumi up`.
    this.env = pulumiEnv({ bin, backendDir: path.join(tmp, "backend"), homeDir: path.join(tmp, "home"), passphrase: randomBytes(16).toString("hex") });
  }

  static create(): FleetProject {
    const bin = toolchainBin();
    checkToolchain(bin);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "k3s-stacks-e2e-fleet-"));
    const root = path.join(tmp, "project");
    for (const d of ["backend", "home", "project/stacks/sites"]) fs.mkdirSync(path.join(tmp, d), { recursive: true });
    for (const f of COPIED) fs.cpSync(path.join(REPO, f), path.join(root, f), { recursive: true });
    for (const f of LINKED) fs.symlinkSync(path.join(REPO, f), path.join(root, f));
    // The program's stacks/ minus the repo's example sites: this project has its own.
    for (const e of fs.readdirSync(path.join(REPO, "stacks"))) {
      if (e !== "sites") fs.cpSync(path.join(REPO, "stacks", e), path.join(root, "stacks", e), { recursive: true });
    }
    return new FleetProject(root, tmp, bin);
  }

  writeSite(name: string, text: string): void {
    fs.writeFileSync(path.join(this.root, "stacks", "sites", `${name}.yaml`), text);
  }

  readFile(rel: string): string {
    return fs.readFileSync(path.join(this.root, rel), "utf8");
  }

  /** Runs a program in the project dir with the CLI environment; output is captured, never thrown. */
  run(cmd: string, args: string[], opts: { stdin?: string; timeoutMs?: number } = {}): CliResult {
    const r = spawnSync(cmd, args, {
      cwd: this.root,
      env: { ...process.env, ...this.env },
      input: opts.stdin ?? "",
      encoding: "utf8",
      timeout: opts.timeoutMs ?? 600_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: `${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
  }

  /** `pulumi <args>` from the e2e toolchain. */
  pulumi(args: string[], stdin?: string): CliResult {
    return this.run(path.join(this.bin, "pulumi"), args, { stdin });
  }

  /** One of the fleet scripts through ts-node, as `npm run fleet` / `fleet:sync` runs it. */
  script(file: "fleet-rollout.ts" | "fleet-sync.ts", args: string[] = []): CliResult {
    return this.run(path.join(this.root, "node_modules", ".bin", "ts-node"), ["--transpile-only", path.join("tools", file), ...args]);
  }

  cleanup(): void {
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}

/** One row of the rollout's summary table. */
export interface SummaryRow {
  site: string;
  wave: string;
  status: string;
  detail: string;
}

/** The rows of the summary table the rollout prints (columns are separated by two or more spaces). */
export function summaryRows(stdout: string): SummaryRow[] {
  const lines = stdout.split("\n");
  const head = lines.findIndex((l) => /^SITE\s+WAVE\s+STATUS\s+TIME\s+DETAIL/.test(l));
  if (head < 0) return [];
  const rows: SummaryRow[] = [];
  for (const line of lines.slice(head + 1)) {
    if (line.trim() === "") break;
    const [site, wave, status, , ...detail] = line.split(/\s{2,}/);
    rows.push({ site, wave, status, detail: detail.join("  ") });
  }
  return rows;
}
