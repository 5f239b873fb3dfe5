import { ProgressEvent, RolloutResult } from "./rollout";
import { SiteOutcome, SiteStatus } from "./types";

/** Running totals behind the live view. */
export interface ProgressCounts {
  total: number;
  done: number;
  running: number;
  failed: number;
  skipped: number;
  wave: number;
  waves: number;
}

export function newCounts(): ProgressCounts {
  return { total: 0, done: 0, running: 0, failed: 0, skipped: 0, wave: 0, waves: 0 };
}

/** Folds one event into the counts (pure). */
export function applyEvent(c: ProgressCounts, e: ProgressEvent): ProgressCounts {
  switch (e.type) {
    case "plan": {
      const planned = e.waves.reduce((n, w) => n + w.sites.length, 0);
      return { ...c, total: planned + e.skipped.length + e.verifying, skipped: e.skipped.length, done: e.skipped.length, waves: e.waves.length };
    }
    case "wave-start":
      return { ...c, wave: e.wave.index + 1 };
    case "site-start":
      return { ...c, running: c.running + 1 };
    case "site-end": {
      const failed = e.outcome.status === "failed" || e.outcome.status === "timed-out";
      return { ...c, running: c.running - 1, done: c.done + 1, failed: c.failed + (failed ? 1 : 0) };
    }
    case "halt":
      return c;
  }
}

/** `1h02m03s`, `4m05s`, `12s`. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (h > 0) return `${h}h${pad(m)}m${pad(sec)}s`;
  if (m > 0) return `${m}m${pad(sec)}s`;
  return `${sec}s`;
}

/** The single live line shown on a terminal. */
export function renderStatusLine(c: ProgressCounts, elapsedMs: number): string {
  return `wave ${c.wave}/${c.waves} | done ${c.done}/${c.total} | running ${c.running} | failed ${c.failed} | skipped ${c.skipped} | ${formatDuration(elapsedMs)}`;
}

/** One plain log line per event, for CI logs and pipes. */
export function renderEventLine(e: ProgressEvent): string | undefined {
  switch (e.type) {
    case "plan":
      if (e.verifying > 0) return `verifying ${e.verifying} recorded site(s) with a preview`;
      return `plan: ${e.waves.length} wave(s) [${e.waves.map((w) => w.sites.length).join(", ")}], ${e.skipped.length} site(s) already at desired state`;
    case "wave-start":
      return `wave ${e.wave.index + 1}${e.wave.canary ? " (canary)" : ""}: ${e.wave.sites.join(", ")}`;
    case "site-start":
      return `  start  ${e.site}`;
    case "site-end":
      return `  ${e.outcome.status.padEnd(9)} ${e.outcome.site} (${formatDuration(e.outcome.durationMs)}) ${e.outcome.detail}`;
    case "halt":
      return `HALT: ${e.reason}`;
  }
}

const ORDER: SiteStatus[] = ["failed", "timed-out", "succeeded", "previewed", "skipped", "not-attempted"];

/** The table printed at the end: one row per site, then totals by status. */
export function renderSummary(result: Pick<RolloutResult, "outcomes" | "halted" | "haltReason" | "elapsedMs">): string {
  const rows: string[][] = [["SITE", "WAVE", "STATUS", "TIME", "DETAIL"]];
  for (const o of result.outcomes) {
    rows.push([o.site, o.wave < 0 ? "-" : String(o.wave + 1), o.status, o.durationMs ? formatDuration(o.durationMs) : "-", truncate(o.detail, 80)]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ").trimEnd());
  const totals = ORDER.map((s) => [s, count(result.outcomes, s)] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  lines.push("", `${totals.join(", ") || "no sites"} in ${formatDuration(result.elapsedMs)}`);
  if (result.halted) lines.push(`halted: ${result.haltReason}`);
  return lines.join("\n");
}

function count(outcomes: SiteOutcome[], status: SiteStatus): number {
  return outcomes.filter((o) => o.status === status).length;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Exit code of a rollout: 1 when any site failed or the rollout halted. */
export function exitCode(result: Pick<RolloutResult, "outcomes" | "halted">): number {
  return result.halted || result.outcomes.some((o) => o.status === "failed" || o.status === "timed-out") ? 1 : 0;
}

/** Something that receives text: a terminal or a log. */
export interface Sink {
  isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * Live progress: a single rewritten line on a TTY (refreshed every second and on each event),
 * one line per event otherwise. Call `stop()` before printing the summary.
 */
export function createReporter(out: Sink, now: () => number = Date.now): { onEvent: (e: ProgressEvent) => void; stop: () => void } {
  const start = now();
  let counts = newCounts();
  if (!out.isTTY) {
    return {
      onEvent: (e) => {
        const line = renderEventLine(e);
        if (line) out.write(line + "\n");
      },
      stop: () => undefined,
    };
  }
  const draw = () => out.write(`\r\x1b[2K${renderStatusLine(counts, now() - start)}`);
  const ticker = setInterval(draw, 1000);
  ticker.unref();
  return {
    onEvent: (e) => {
      counts = applyEvent(counts, e);
      // Failures and halts stay visible above the live line.
      if ((e.type === "site-end" && (e.outcome.status === "failed" || e.outcome.status === "timed-out")) || e.type === "halt") {
        out.write(`\r\x1b[2K${renderEventLine(e)}\n`);
      }
      draw();
    },
    stop: () => {
      clearInterval(ticker);
      draw();
      out.write("\n");
    },
  };
}
