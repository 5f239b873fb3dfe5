import tz from "./tz-names.json";
/**
 * k3s schedules etcd snapshots with robfig/cron v3's standard parser (`cron.New()` in k3s
 * pkg/etcd/etcd.go) and drops the error of `AddJob`: a schedule that parser refuses leaves k3s running
 * with no scheduled snapshots and nothing in the log. So the schedule is checked here by the same rules
 * (robfig/cron v3 parser.go): an optional `CRON_TZ=<zone> ` or `TZ=<zone> ` prefix; then a descriptor
 * (`@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`, `@every <Go
 * duration>`) or exactly five fields (minute, hour, day of month, month, day of week). A field is a
 * comma list of `*` or `?`, a number or name, or `a-b`, each optionally `/step`; `n/step` means from n
 * to the field's maximum. Day of week is 0-6 (7 is refused), names are English three-letter ones.
 */
import { GO_DURATION } from "./duration";

interface Field {
  name: string;
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

const FIELDS: Field[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: Object.fromEntries(MONTHS.map((m, i) => [m, i + 1])) },
  { name: "day of week", min: 0, max: 6, names: Object.fromEntries(DAYS.map((d, i) => [d, i])) },
];

const DESCRIPTORS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];

/** A number or name of `field`, or why not. */
function value(text: string, field: Field): number | string {
  const named = field.names?.[text.toLowerCase()];
  if (named !== undefined) return named;
  if (!/^[0-9]+$/.test(text)) {
    const names = field.names ? ` or a name (${Object.keys(field.names).join(", ")})` : "";
    return `'${text}' is not a number${names}`;
  }
  return Number(text);
}

/** Why one comma-separated part of a field is refused, or undefined. */
function partProblem(part: string, field: Field): string | undefined {
  const slashes = part.split("/");
  if (slashes.length > 2) return `'${part}' has more than one '/'`;
  const bounds = slashes[0].split("-");
  let start: number;
  let end: number;
  if (bounds[0] === "*" || bounds[0] === "?") {
    // robfig/cron ignores anything after '-' here.
    [start, end] = [field.min, field.max];
  } else {
    if (bounds.length > 2) return `'${part}' has more than one '-'`;
    const a = value(bounds[0], field);
    if (typeof a === "string") return a;
    const b = bounds.length === 2 ? value(bounds[1], field) : a;
    if (typeof b === "string") return b;
    [start, end] = [a, b];
  }
  if (slashes.length === 2) {
    if (!/^[0-9]+$/.test(slashes[1])) return `the step '${slashes[1]}' is not a number`;
    if (Number(slashes[1]) === 0) return "a step of 0 never matches";
    // robfig/cron reads "n/step" as "n-max/step".
    if (bounds.length === 1 && bounds[0] !== "*" && bounds[0] !== "?") end = field.max;
  }
  if (start < field.min) return `${start} is below ${field.min}`;
  const above = (n: number) => `${n} is above ${field.max}${field.name === "day of week" && n === 7 ? " (Sunday is 0 or SUN)" : ""}`;
  if (start > field.max) return above(start);
  if (end > field.max) return above(end);
  if (start > end) return `the range ${part} runs backwards`;
  return undefined;
}

const ZONES = new Set(tz.names);

/** The zone ICU knows `zone` as (case-blind, aliases resolved); undefined when it knows none. */
function icuZone(zone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat("en", { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/**
 * Why Go's time.LoadLocation (robfig/cron's CRON_TZ/TZ) would not load `zone`, with the name it
 * would load; undefined when it loads. It opens the zone database's file of exactly that name (so
 * case counts, and ICU's own aliases such as PST are no files), and takes "UTC" and "Local" itself.
 * A name newer than our copy of the database (tz-names.json) is taken when ICU knows it spelt so.
 */
function zoneProblem(zone: string): { what: string; instead?: string } | undefined {
  // time.LoadLocation("") is UTC.
  if (zone === "" || zone === "UTC" || zone === "Local" || ZONES.has(zone) || icuZone(zone) === zone) return undefined;
  const spelt = tz.names.find((n) => n.toLowerCase() === zone.toLowerCase()) ?? (zone.toLowerCase() === "utc" ? "UTC" : undefined);
  const icu = icuZone(zone);
  return {
    what: `names the time zone '${zone}', which is not in the time zone database${spelt ? " (names are case-sensitive)" : ""} (such as Europe/Berlin or UTC)`,
    instead: spelt ?? (icu !== undefined && ZONES.has(icu) ? icu : undefined),
  };
}

/** The time zone to write instead of the one `spec` names (its CRON_TZ/TZ prefix), when cronProblem refuses that one and one fits. */
export function cronZoneFix(spec: string): string | undefined {
  const zone = /^(?:CRON_TZ|TZ)=(\S+)/.exec(spec);
  const instead = zone ? zoneProblem(zone[1])?.instead : undefined;
  return instead && zone ? `write ${spec.slice(0, zone[0].length - zone[1].length)}${instead}${spec.slice(zone[0].length)}` : undefined;
}

/**
 * What robfig/cron v3's standard parser would refuse in `spec`, as "what is wrong" (no key, no fix);
 * undefined when it parses.
 */
export function cronProblem(spec: string): string | undefined {
  if (spec.length === 0) return "is empty";
  let rest = spec;
  const zone = /^(?:CRON_TZ|TZ)=(\S*)(?:\s|$)/.exec(rest);
  if (zone) {
    const wrong = zoneProblem(zone[1]);
    if (wrong) return wrong.what;
    rest = rest.slice(zone[0].length).trim();
  }
  if (rest.startsWith("@")) {
    if (DESCRIPTORS.includes(rest)) return undefined;
    if (rest.startsWith("@every ")) {
      const d = rest.slice("@every ".length);
      return GO_DURATION.test(d) && !d.startsWith("-") ? undefined : `has '@every ${d}', which needs a duration in Go's syntax, such as 6h or 90m`;
    }
    return `uses '${rest}', which is not a descriptor (${DESCRIPTORS.join(", ")}, @every <duration>)`;
  }
  const fields = rest.split(/\s+/).filter((f) => f !== "");
  if (fields.length !== 5) return `has ${fields.length} field${fields.length === 1 ? "" : "s"}, and k3s takes exactly 5 (minute hour day-of-month month day-of-week; no seconds)`;
  for (const [i, text] of fields.entries()) {
    for (const part of text.split(",")) {
      const wrong = partProblem(part, FIELDS[i]);
      if (wrong) return `has '${text}' as field ${i + 1} (${FIELDS[i].name}, ${FIELDS[i].min}-${FIELDS[i].max}), where ${wrong}`;
    }
  }
  return undefined;
}
