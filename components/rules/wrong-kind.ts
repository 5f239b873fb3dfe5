import { z } from "zod";

/**
 * The fix for a value of the wrong kind, as a value the user can write: built from what was written
 * where that says what was meant ('2' → 2, 'a b' → [a, b], a string where a mapping of one required
 * key belongs → { key: string }), else from the schema's examples (rules/required.ts) or an example
 * its required keys make. "Write it as a number" alone names no value.
 */

type Def = { type: string } & Record<string, unknown>;
const defOf = (s: unknown): Def | undefined => (s as { _zod?: { def?: Def } } | undefined)?._zod?.def;
const metaOf = (s: unknown) => z.globalRegistry.get(s as z.core.$ZodType) as { description?: string; examples?: unknown[] } | undefined;
const WRAPPERS = ["optional", "default", "prefault", "nullable", "readonly", "catch"];
/** zod marks a key that may be missing: optional, or with a default. */
const mayBeMissing = (s: unknown): boolean => ["optional", "defaulted"].includes((s as { _zod?: { optin?: string } })._zod?.optin ?? "");

/** The schema a value is checked against, past wrappers and transforms. */
function core(s: unknown): unknown {
  for (let d = defOf(s); d && (WRAPPERS.includes(d.type) || d.type === "pipe"); d = defOf(s)) s = d.type === "pipe" ? d.in : d.innerType;
  return s;
}

/** The keys a mapping schema requires, in order. */
export function requiredKeys(schema: unknown): string[] {
  const d = defOf(core(schema));
  return d?.type === "object" ? Object.entries(d.shape as Record<string, unknown>).filter(([, v]) => !mayBeMissing(v)).map(([k]) => k) : [];
}

/** A value `schema` takes, from its examples or its parts (a mapping's required keys); undefined when nothing says. */
export function exampleOf(schema: unknown, depth = 0): unknown {
  if (depth > 6) return undefined;
  for (let s = schema; s !== undefined; ) {
    const examples = metaOf(s)?.examples;
    if (examples?.length) return examples[0];
    const d = defOf(s);
    if (!d) return undefined;
    if (WRAPPERS.includes(d.type)) s = d.innerType;
    else if (d.type === "pipe") s = d.in;
    else break;
  }
  const d = defOf(core(schema));
  switch (d?.type) {
    case "enum":
      return Object.values(d.entries as Record<string, unknown>)[0];
    case "literal":
      return (d.values as unknown[])[0];
    case "boolean":
      return true;
    case "array": {
      const e = exampleOf(d.element, depth + 1);
      return e === undefined ? undefined : [e];
    }
    case "object": {
      // Its required keys, a key known only by its description as <description>; with none required, its first key that has an example.
      const shape = d.shape as Record<string, unknown>;
      const keys = requiredKeys(schema);
      if (keys.length === 0) {
        for (const [k, v] of Object.entries(shape)) {
          const e = exampleOf(v, depth + 1);
          if (e !== undefined) return { [k]: e };
        }
        return undefined;
      }
      const out: Record<string, unknown> = {};
      for (const k of keys) {
        const description = metaOf(core(shape[k]))?.description ?? metaOf(shape[k])?.description;
        out[k] = exampleOf(shape[k], depth + 1) ?? (description ? `<${description}>` : undefined);
        if (out[k] === undefined) return undefined;
      }
      return out;
    }
    case "union":
      for (const o of d.options as unknown[]) {
        const e = exampleOf(o, depth + 1);
        if (e !== undefined) return e;
      }
      return undefined;
    default:
      return undefined;
  }
}

const NUMBER_WITH_UNIT = /^\s*(-?\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*$/;
const TRUE = ["true", "yes", "on", "y"];
const FALSE = ["false", "no", "off", "n"];
const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * The value to write instead of `input` where `expected` (zod's type name) belongs, with the words
 * before it ("without quotes: 2"); undefined when neither the value nor the schema says. `show` renders a value.
 */
export function wrongKindFix(expected: string, input: unknown, schema: unknown, show: (v: unknown) => string): string | undefined {
  const example = exampleOf(schema);
  const such = (why: string) => (example === undefined ? undefined : `${why}, such as ${show(example)}`);
  switch (expected) {
    case "number":
    case "int": {
      if (typeof input !== "string") return such("write a number");
      if (input.trim() !== "" && Number.isFinite(Number(input))) return `write it without quotes, as a number: ${Number(input)}`;
      const unit = NUMBER_WITH_UNIT.exec(input);
      const counts = metaOf(schema)?.description;
      if (unit) return `write the number alone, without the unit '${unit[2]}'${counts ? `, ${counts}` : ""}: ${unit[1]}`;
      return such("write a number");
    }
    case "boolean": {
      const word = typeof input === "string" ? input.trim().toLowerCase() : undefined;
      if (word !== undefined && TRUE.includes(word)) return "write true, without quotes";
      if (word !== undefined && FALSE.includes(word)) return "write false, without quotes";
      return "write true or false, without quotes";
    }
    case "array": {
      if (typeof input === "string") {
        const items = input.split(/[\s,]+/).filter(Boolean);
        return `write it as a list: ${show(items)}`;
      }
      // A mapping of names to entries where a list of entries with a name belongs (hosts, pools).
      const element = defOf(core(schema))?.element;
      if (isMapping(input) && Object.values(input).every(isMapping) && requiredKeys(element).includes("name")) {
        return `write each entry as a list item with its name inside: ${show(Object.entries(input).map(([name, v]) => ({ name, ...(v as object) })))}`;
      }
      // Plain values under made-up keys (tlsSans: { host: k3s.lan }): the values are the list.
      if (isMapping(input) && Object.values(input).every((v) => typeof v === "string" || typeof v === "number") && ["string", "number"].includes(defOf(core(element))?.type ?? "")) {
        return `write its values as a list: ${show(Object.values(input))}`;
      }
      // One entry written without its list (hosts: { name: pi-1, ... }).
      if (isMapping(input) && defOf(core(element))?.type === "object") return `write it as a list of one entry: ${show([input])}`;
      if (input !== null && typeof input !== "object") return `write it as a list: ${show([input])}`;
      return such("write a list");
    }
    case "object": {
      const keys = requiredKeys(schema);
      // A mapping of one required key given as that key's value: apiVip: 192.168.1.250.
      if (keys.length === 1 && (typeof input === "string" || typeof input === "number")) return `write it as a mapping: ${show({ [keys[0]]: input })}`;
      return such("write a mapping");
    }
    case "string": {
      if (Array.isArray(input) && input.length === 1 && typeof input[0] === "string") return `write the one value alone, not as a list: ${input[0]}`;
      if (example !== undefined) return such("write it as text");
      if (typeof input === "number" || typeof input === "boolean") return `quote it: '${input}'`;
      return undefined;
    }
    default:
      return such(`write ${expected}`);
  }
}
