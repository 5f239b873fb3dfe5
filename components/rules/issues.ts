import { inspect } from "util";
import { stringify } from "yaml";
import { z } from "zod";
import { ConfigRoot, keyPath } from "./key-path";
import { editDistance, nearest } from "./nearest";
import { aliasOf } from "./key-aliases";
import { urlProblem } from "./address";
import { required } from "./required";
import { wrongKindFix } from "./wrong-kind";

/**
 * zod's issues in the words of the YAML a user wrote: "key: what is wrong. Fix: ...". A schema's own
 * message wins (and should carry its own "Fix:"); zod's default wording ("Too small", "Invalid
 * option", "expected record") never reaches the user.
 */

/** Marks a message zod would have worded itself; what follows the mark is extra data for `describeIssue`. */
const DEFAULT = "\u0000";

/** A value as a stack file would hold it, on one line (YAML flow style). */
const yamlValue = (v: unknown): string => stringify(v, { collectionStyle: "flow" }).trim();
/** A code value as a program writes it: a string alone, a list or mapping as a JavaScript literal. */
const codeValue = (v: unknown): string => (typeof v === "string" ? v : inspect(v, { breakLength: Infinity, depth: null }));

/**
 * zod error map for `safeParse(value, { error })`: called only when the schema has no message of its
 * own. Marks the issue as ours to word; for an unknown key it passes on the keys the mapping knows.
 */
export function defaultMessage(iss: { code?: string; inst?: unknown; input?: unknown }): string {
  // A missing key: its schema's description and examples (`.meta()`, see `required`) word the fix.
  // A custom schema (a component argument that takes an Output, rules/inputs.ts) reports it as "custom".
  if ((iss.code === "invalid_type" || iss.code === "custom") && iss.input === undefined) {
    const meta = z.globalRegistry.get(iss.inst as z.core.$ZodType);
    return DEFAULT + JSON.stringify({ description: meta?.description, examples: meta?.examples });
  }
  // A value of the wrong kind: the value to write instead, in a stack file's terms and in a program's (rules/wrong-kind.ts).
  if (iss.code === "invalid_type") {
    const expected = (iss as { expected?: string }).expected ?? "";
    return DEFAULT + JSON.stringify({ yaml: wrongKindFix(expected, iss.input, iss.inst, yamlValue), code: wrongKindFix(expected, iss.input, iss.inst, codeValue) });
  }
  if (iss.code === "unrecognized_keys") {
    // An object knows its keys by its shape; a record with enumerated keys (z.partialRecord) by its key type.
    type Def = { shape?: Record<string, unknown>; keyType?: { _zod?: { def?: { entries?: Record<string, string> } } } };
    const def = (iss.inst as { _zod?: { def?: Def } } | undefined)?._zod?.def;
    const known = def?.shape ? Object.keys(def.shape) : Object.values(def?.keyType?._zod?.def?.entries ?? {});
    return DEFAULT + JSON.stringify(known);
  }
  return DEFAULT;
}

/** How YAML users call zod's types. */
const KINDS: Record<string, string> = {
  array: "a list",
  object: "a mapping",
  record: "a mapping",
  map: "a mapping",
  string: "a string",
  number: "a number",
  int: "a whole number",
  bigint: "a whole number",
  boolean: "true or false",
};

const kindOf = (v: unknown): string => (Array.isArray(v) ? "a list" : v === null ? "empty (null)" : KINDS[typeof v] ?? typeof v);
const show = (v: unknown): string => (typeof v === "string" ? `'${v}'` : JSON.stringify(v));
const oneOf = (values: readonly unknown[]): string => values.map((v) => JSON.stringify(v)).join(", ");

/** The fix when a schema's own message has none and the code gives nothing better (the words unit tests refuse). */
export const GENERIC_FIXES = ["Fix: correct this value", "Fix: give a value"];

function sized(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === "too_small";
  const bound = Number(small ? issue.minimum : issue.maximum);
  const strict = issue.inclusive === false;
  const input = issue.input;
  const limit = (unit: string) => (strict ? `${small ? "more" : "fewer"} than ${bound} ${unit}` : `${small ? "at least" : "at most"} ${bound} ${unit}`);
  switch (issue.origin) {
    case "string": {
      const n = typeof input === "string" ? input.length : undefined;
      if (small && n === 0) return "is empty. Fix: give a value";
      return `is ${n ?? "too"} characters long, ${small ? "shorter" : "longer"} than allowed. Fix: use ${limit("characters")}`;
    }
    case "array":
    case "set": {
      const n = Array.isArray(input) ? input.length : undefined;
      if (small && n === 0) return `is an empty list. Fix: list ${limit("entries").replace(" 1 entries", " one entry")}`;
      return `lists ${n ?? "too many"} entries. Fix: list ${limit("entries")}`;
    }
    default: {
      const value = input === undefined ? "out of range" : show(input);
      if (strict) return `is ${value}; it must be ${small ? "more" : "less"} than ${bound}. Fix: use a number ${small ? "above" : "below"} ${bound}`;
      return `is ${value}, ${small ? "below the minimum" : "above the maximum"} ${bound}. Fix: use ${bound} or ${small ? "more" : "less"}`;
    }
  }
}

/** A missing key's fix from its schema's description and examples (`required`); `want` when it has none. */
function missing(message: string, arg: boolean, want: string): string {
  const meta = JSON.parse(message.slice(DEFAULT.length) || "{}") as { description?: string; examples?: unknown[] };
  const such = meta.examples?.length ? `, such as ${meta.examples.map(arg ? codeValue : yamlValue).join(" or ")}` : "";
  // A library argument is passed ("pass the k3s release tag"), a stack key set ("set it to ...").
  return arg ? `is required. Fix: pass ${meta.description ?? want}${such}` : `is required. Fix: set it to ${meta.description ?? want}${such}`;
}

function invalidType(issue: z.core.$ZodIssueInvalidType, arg: boolean): string {
  const want = KINDS[issue.expected] ?? issue.expected;
  if (issue.input === undefined) return missing(issue.message, arg, want);
  if (issue.expected === "int" && typeof issue.input === "number") return `is ${issue.input}, not a whole number. Fix: use a whole number such as ${Math.round(issue.input)}`;
  const fix = (JSON.parse(issue.message.slice(DEFAULT.length) || "{}") as { yaml?: string; code?: string })[arg ? "code" : "yaml"];
  return `must be ${want}, not ${kindOf(issue.input)}. Fix: ${fix ?? `write it as ${want}`}`;
}

function union(key: ConfigRoot, issue: z.core.$ZodIssueInvalidUnion): string[] {
  const where = keyPath(key, issue.path);
  if (issue.discriminator !== undefined && "options" in issue && issue.options) {
    const allowed = oneOf(issue.options);
    const value = (issue.input as Record<string, unknown> | undefined)?.[issue.discriminator];
    if (value === undefined) return [`${where}: is required. Fix: set ${issue.discriminator} to one of ${allowed}`];
    const values = issue.options.filter((o): o is string => typeof o === "string");
    const guess = typeof value === "string" ? nearest(value, values) : undefined;
    return [`${where}: ${show(value)} is not a known ${issue.discriminator}. Fix: use ${guess !== undefined ? `${JSON.stringify(guess)} (one of ${allowed})` : `one of ${allowed}`}`];
  }
  // A plain union: when no option even has the value's shape, name the shapes; else word the problems of the option that has it.
  const branches = issue.errors.filter((errs) => !errs.every((e) => e.code === "invalid_type" && e.path.length === 0));
  if (branches.length === 0) {
    const kinds = [...new Set(issue.errors.flatMap((errs) => errs.map((e) => KINDS[(e as z.core.$ZodIssueInvalidType).expected] ?? "")))];
    const want = kinds.filter(Boolean).join(" or ");
    return [`${where}: must be ${want}, not ${kindOf(issue.input)}. Fix: write it as ${want}`];
  }
  const closest = branches.reduce((a, b) => (b.length < a.length ? b : a));
  return closest.flatMap((e) => describeIssue(key, { ...e, path: [...issue.path, ...e.path] }));
}

function unknownKeys(where: string, issue: z.core.$ZodIssueUnrecognizedKeys): string {
  const known = JSON.parse(issue.message.slice(DEFAULT.length) || "[]") as string[];
  const keys = issue.keys.map((k) => ({ k, guess: nearest(k, known) }));
  const names = issue.keys.map((k) => `'${k}'`).join(", ");
  const list = known.length ? ` (valid keys here: ${known.join(", ")})` : "";
  if (keys.length === 1) {
    const guess = keys[0].guess;
    // Another tool's name for a key (node-ip, ansible_host) is no misspelling.
    const typo = guess !== undefined && editDistance(issue.keys[0].toLowerCase(), guess.toLowerCase()) <= 1;
    if (guess !== undefined && !typo && aliasOf(issue.keys[0], known) === guess) return `${where}: unknown key(s) ${names}. Fix: rename it to '${guess}', the name k3s-stacks gives that setting.`;
    return `${where}: unknown key(s) ${names}. Fix: correct the spelling${guess === undefined ? `, or remove them${list}` : ` (did you mean '${guess}'?)`}.`;
  }
  // Each key with its own guess, so a second typo does not hide the first one's fix.
  const renames = keys.filter((x) => x.guess !== undefined).map((x) => `'${x.k}' to '${x.guess}'`);
  const rest = keys.filter((x) => x.guess === undefined).map((x) => `'${x.k}'`);
  const fix = [renames.length ? `rename ${renames.join(", ")}` : "", rest.length ? `correct the spelling of ${rest.join(", ")}, or remove them${list}` : ""].filter(Boolean).join("; ");
  return `${where}: unknown key(s) ${names}. Fix: ${fix}.`;
}

/** One issue as problem lines naming the key; a union issue may give several. */
export function describeIssue(key: ConfigRoot, issue: z.core.$ZodIssue): string[] {
  const where = keyPath(key, issue.path);
  const arg = typeof key !== "string";
  const file = arg ? "" : " in Pulumi.<stack>.yaml";
  const own = !issue.message.startsWith(DEFAULT);
  if (own && issue.message.includes("Fix:")) return [`${where}: ${issue.message}`];
  switch (issue.code) {
    case "unrecognized_keys":
      return [unknownKeys(where, issue)];
    case "invalid_value": {
      const allowed = oneOf(issue.values);
      // A missing key reaches an enum as undefined: it is required, not a wrong value.
      if (issue.input === undefined && !own) return [`${where}: is required. Fix: ${arg ? "pass" : "set it to"} ${issue.values.length === 1 ? allowed : `one of ${allowed}`}.`];
      const what = own ? issue.message : issue.values.length === 1 ? `must be ${allowed}` : `${show(issue.input)} is not one of the allowed values`;
      // The value meant: another tool's word (master → server), other capitals (Traefik), a typo.
      const values = issue.values.filter((v): v is string => typeof v === "string");
      // Several allowed values in one string ("traefik servicelb"): each is its own entry.
      const parts = typeof issue.input === "string" ? issue.input.split(/[\s,;]+/).filter(Boolean) : [];
      if (parts.length > 1 && parts.every((p) => values.includes(p))) return [`${where}: ${what}: it holds ${parts.length} values. Fix: list each as its own entry: ${arg ? codeValue(parts) : yamlValue(parts)}.`];
      const guess = typeof issue.input === "string" && values.length > 1 ? nearest(issue.input, values) : undefined;
      if (guess !== undefined) return [`${where}: ${what}. Fix: use ${JSON.stringify(guess)} (one of ${allowed}).`];
      return [`${where}: ${what}. Fix: use ${issue.values.length === 1 ? allowed : `one of ${allowed}`}.`];
    }
    case "invalid_union":
      return union(key, issue);
    case "invalid_key": {
      const inner = issue.issues.map((i) => (i.message.startsWith(DEFAULT) ? describeIssue("x", { ...i, path: [] })[0].replace(/^k3s-stacks:x: /, "") : i.message));
      const text = inner.join("; ");
      return [`${where}: the key ${text}${text.includes("Fix:") ? "" : ". Fix: rename it"}`];
    }
    default:
      if (own) return [`${where}: ${issue.message}. ${GENERIC_FIXES[0]}${file}.`];
      if (issue.code === "custom" && issue.input === undefined) return [`${where}: ${missing(issue.message, arg, "a value")}.`];
  }
  switch (issue.code) {
    case "invalid_type":
      return [`${where}: ${invalidType(issue, arg)}.`];
    case "too_small":
    case "too_big":
      return [`${where}: ${sized(issue)}.`];
    case "not_multiple_of":
      return [`${where}: is ${show(issue.input)}, not a multiple of ${issue.divisor}. Fix: use a multiple of ${issue.divisor}.`];
    case "invalid_format":
      if (issue.format === "url") {
        // The fix is built from the value only where it cannot write a scheme twice (rules/address.ts urlProblem).
        const wrong = typeof issue.input === "string" ? urlProblem(issue.input) : undefined;
        return [`${where}: ${wrong ?? "is not a URL. Fix: write a full URL with its scheme, such as https://example.com/path."}`];
      }
      return [`${where}: is not a valid ${issue.format}. ${GENERIC_FIXES[0]}${file}.`];
    default:
      return [`${where}: is not valid here. ${GENERIC_FIXES[0]}${file}.`];
  }
}

/** A string that must not be empty; `what` completes "Fix: give ..." (e.g. "the SSH user, such as pi"), and a missing one's fix. */
export function filled(what: string) {
  return required(z.string().min(1, { message: `is empty. Fix: give ${what}` }), { description: what });
}

/**
 * A YAML mapping (zod record): when the value is not a mapping at all, the message says
 * "must be a mapping of <what>" and shows `example`; problems of single keys and values keep their own.
 */
export function mapping<K extends z.core.$ZodRecordKey, V extends z.ZodType>(key: K, value: V, what: string, example: string) {
  return z.record(key, value, { error: (iss) => (iss.code === "invalid_type" ? `must be a mapping of ${what}. Fix: write it like ${example}` : undefined) });
}
