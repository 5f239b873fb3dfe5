import { z } from "zod";

/**
 * A Go duration as time.ParseDuration reads it (Go standard library, src/time/format.go): an optional
 * sign, then one or more decimal numbers each with a unit of ns, us (µs or μs), ms, s, m or h, such
 * as 90s, 1.5h or 1h30m; "0" alone is also one. k3s (its duration flags), kubectl (`drain --timeout`)
 * and the system-upgrade-controller parse durations this way. Prometheus' durations (10d, 1w) are
 * another grammar: addons/config.ts PROMETHEUS_DURATION.
 */
export const GO_DURATION = /^[-+]?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$/;

/** True when `value` is a Go duration (negative ones included, as Go accepts them). */
export function isGoDuration(value: string): boolean {
  return GO_DURATION.test(value);
}

const UNIT_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, "µs": 1e-6, "μs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** A Go duration in seconds (fractions kept); throws on a value {@link isGoDuration} refuses. */
export function goDurationSeconds(value: string): number {
  if (!isGoDuration(value)) throw new Error(`not a Go duration: ${value}`);
  const sign = value.startsWith("-") ? -1 : 1;
  let total = 0;
  for (const m of value.matchAll(/([0-9]*\.?[0-9]*)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(m[1]) * UNIT_SECONDS[m[2]];
  return sign * total;
}

/** Seconds, and minutes when whole: how a timeout written as a bare number is offered back. */
const asTimeout = (text: string) => `${text}s${Number.isInteger(Number(text) / 60) ? ` or ${Number(text) / 60}m` : ""}`;

/**
 * The problem of a number written without a unit (YAML `300` or `"300"`), or undefined when `value`
 * is not one: Go's and Prometheus' grammars both refuse a bare number other than 0, and which unit was
 * meant cannot be known, so the fix offers `suggest(number)` (by default seconds, and minutes when whole).
 */
export function unitFix(value: unknown, suggest: (text: string) => string = asTimeout): string | undefined {
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : "";
  if (!/^\d+(\.\d+)?$/.test(text) || Number(text) === 0) return undefined;
  return `is ${text} without a unit, and a duration needs one. Fix: add a unit, such as ${suggest(text)}`;
}

const GO_FIX = "write numbers with a unit of s, m or h, such as 90s, 5m or 1h30m";

/** What is wrong with `value` as a non-negative Go duration, as "what is wrong. Fix: ..."; undefined when it is one. */
export function goDurationProblem(value: unknown): string | undefined {
  if (typeof value === "string" && isGoDuration(value) && !value.startsWith("-")) return undefined;
  const bare = unitFix(value);
  if (bare) return bare;
  if (typeof value !== "string") return `must be a duration such as 90s or 5m, not ${Array.isArray(value) ? "a list" : typeof value}. Fix: ${GO_FIX}`;
  return `must be a duration in Go's syntax, and this is not a duration. Fix: ${GO_FIX}`;
}

/**
 * A timeout in Go's duration syntax: not negative; a bare number (YAML `300`) is told to add a unit
 * rather than to "write a string".
 */
export const goDurationSchema = z
  .string({ error: (iss) => (iss.code === "invalid_type" && iss.input !== undefined ? goDurationProblem(iss.input) : undefined) })
  .superRefine((value, ctx) => {
    const wrong = goDurationProblem(value);
    if (wrong) ctx.addIssue({ code: "custom", message: wrong, input: value });
  });
