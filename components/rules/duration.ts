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

/** A timeout in Go's duration syntax: not negative, with the message naming the rule and a fix. */
export const goDurationSchema = z.string().refine((v) => isGoDuration(v) && !v.startsWith("-"), {
  message: "must be a duration in Go's syntax, and this is not a duration. Fix: write numbers with a unit of s, m or h, such as 90s, 5m or 1h30m",
});
