import * as fs from "fs";
import * as path from "path";
import { ConcurrentUpdateError, LocalWorkspace, OpMap, Stack } from "@pulumi/pulumi/automation";
import { RunResult, SiteRunner } from "./types";

/** Environment the Pulumi CLI needs for the backend and secrets; passed to every site's workspace. */
export const PASSTHROUGH_ENV = ["PULUMI_BACKEND_URL", "PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE"];

const NO_CHANGE: ReadonlySet<string> = new Set(["same", "read", "refresh"]);

/** Resource operations in a change summary that alter something. */
export function countChanges(ops: OpMap | undefined): number {
  return Object.entries(ops ?? {}).reduce((n, [op, count]) => n + (NO_CHANGE.has(op) ? 0 : (count ?? 0)), 0);
}

/** `2 create, 1 update, 14 same`, changes first. */
export function describeChanges(ops: OpMap | undefined): string {
  const entries = Object.entries(ops ?? {}).filter(([, n]) => (n ?? 0) > 0);
  entries.sort(([a], [b]) => Number(NO_CHANGE.has(a)) - Number(NO_CHANGE.has(b)));
  return entries.map(([op, n]) => `${n} ${op}`).join(", ") || "no resources";
}

/** The most telling line of a failed CLI run: the first specific `error:` line, else the first line. */
export function errorSummary(e: unknown): string {
  if (e instanceof ConcurrentUpdateError) return "stack is locked by another update (pulumi cancel, or wait for it)";
  const text = e instanceof Error ? e.message : String(e);
  if (/ENOENT: pulumi\b/.test(text)) return "the pulumi CLI is not on PATH. Fix: install it (https://www.pulumi.com/docs/install/).";
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  const generic = /^error: (update|preview|refresh) failed$/;
  const specific = lines.find((l) => /^error:/i.test(l) && !generic.test(l)) ?? lines.find((l) => /^error:/i.test(l));
  return (specific ?? lines[0] ?? "unknown error").slice(0, 300);
}

export interface AutomationRunnerOptions {
  /** Repository root: the Pulumi project and its `Pulumi.<site>.yaml` files. */
  repoRoot: string;
  /** Policy pack directories (`--policy-pack`). */
  policyPacks?: string[];
  /** Policy-pack config file for a site (its environment), if any. */
  policyConfigFor?: (site: string) => string | undefined;
  /** Each site's CLI output goes to `<logDir>/<site>.log`. */
  logDir: string;
  /** Refresh before each operation. */
  refresh?: boolean;
  /** Environment for the CLI; defaults to the passthrough variables of this process. */
  envVars?: Record<string, string>;
}

/**
 * Runs sites through the Automation API: one LocalWorkspace per site over the local program in
 * the repo root, so each operation is its own CLI process addressed with `--stack`. Selecting
 * stacks writes the shared workspace file (pulumi/pulumi#8186), so selection is serialised.
 */
export class AutomationSiteRunner implements SiteRunner {
  private readonly stacks = new Map<string, Promise<Stack>>();
  private selecting: Promise<unknown> = Promise.resolve();
  private readonly envVars: Record<string, string>;

  constructor(private readonly opts: AutomationRunnerOptions) {
    this.envVars = opts.envVars ?? Object.fromEntries(PASSTHROUGH_ENV.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k] as string]));
    this.envVars.PULUMI_SKIP_UPDATE_CHECK = "true";
    fs.mkdirSync(opts.logDir, { recursive: true });
  }

  private stack(site: string): Promise<Stack> {
    let s = this.stacks.get(site);
    if (!s) {
      const next = this.selecting.then(() =>
        LocalWorkspace.createOrSelectStack({ stackName: site, workDir: this.opts.repoRoot }, { workDir: this.opts.repoRoot, envVars: this.envVars }),
      );
      this.selecting = next.catch(() => undefined);
      s = next;
      this.stacks.set(site, s);
    }
    return s;
  }

  private common(site: string, op: string, signal: AbortSignal) {
    const log = fs.createWriteStream(path.join(this.opts.logDir, `${site}.log`), { flags: "a" });
    log.write(`\n=== ${op} ${new Date().toISOString()}\n`);
    const config = this.opts.policyConfigFor?.(site);
    return {
      log,
      opts: {
        color: "never" as const,
        signal,
        refresh: this.opts.refresh,
        policyPacks: this.opts.policyPacks,
        policyPackConfigs: config && this.opts.policyPacks?.length ? this.opts.policyPacks.map(() => config) : undefined,
        onOutput: (out: string) => log.write(out),
        onError: (err: string) => log.write(err),
      },
    };
  }

  private async run<T>(site: string, op: string, signal: AbortSignal, work: (stack: Stack, opts: ReturnType<AutomationSiteRunner["common"]>["opts"]) => Promise<T>): Promise<T> {
    const { log, opts } = this.common(site, op, signal);
    try {
      return await work(await this.stack(site), opts);
    } catch (e) {
      log.write(`\n${e instanceof Error ? e.message : String(e)}\n`);
      throw new Error(errorSummary(e));
    } finally {
      log.end();
    }
  }

  preview(site: string, signal: AbortSignal): Promise<RunResult> {
    return this.run(site, "preview", signal, async (stack, opts) => {
      const r = await stack.preview(opts);
      return { summary: describeChanges(r.changeSummary), changes: countChanges(r.changeSummary) };
    });
  }

  up(site: string, signal: AbortSignal): Promise<RunResult> {
    return this.run(site, "up", signal, async (stack, opts) => {
      const r = await stack.up(opts);
      return { summary: describeChanges(r.summary.resourceChanges), changes: countChanges(r.summary.resourceChanges) };
    });
  }

  async isUpToDate(site: string, signal: AbortSignal): Promise<boolean> {
    return (await this.preview(site, signal)).changes === 0;
  }
}
