/**
 * Walks a zod schema and yields, for every field it describes, copies of a valid document with that
 * field set to representative wrong values: empty and malformed strings, out-of-range and fractional
 * numbers, wrong types, unknown enum values and types, misspelt keys, empty lists.
 */
type Def = { type: string; [k: string]: unknown };
type Schema = { _zod: { def: Def } };
type Path = Array<string | number>;
export interface BadDoc {
  what: string;
  value: unknown;
  /** Set when a mapping of free keys (a record) got a list: its message must say what the mapping maps. */
  recordAt?: string;
}

/** A fix that names only the kind of value ("set it to a string", "write it as a list"): no value a user can write. */
export const KIND_ONLY = /(is required\. Fix: (pass|set it to)|, not .*\. Fix: write it as) (it|a value|a list|a string|a mapping|a number|a whole number|true or false)\.?$/;

const clone = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)));

function setAt(doc: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  const container = (doc !== null && typeof doc === "object" ? doc : typeof head === "number" ? [] : {}) as Record<string | number, unknown>;
  container[head] = setAt(container[head], rest, value);
  return container;
}

/** Assignments that together make one bad document; a trailing "record" mark tags a list given for a record. */
type Edit = Array<[Path, unknown]> & { record?: boolean };
const asRecord = (e: Array<[Path, unknown]>): Edit => Object.assign(e, { record: true });

function leafValues(def: Def): unknown[] {
  switch (def.type) {
    case "string":
      return ["", "!! not valid !!", "x".repeat(300), 5];
    case "number":
      return [-1, 0, 1.5, 1e12, "5"];
    case "boolean":
      return ["yes"];
    case "enum":
    case "literal":
      return ["nonsense", 12345];
    default:
      return [];
  }
}

function* walk(schema: Schema, path: Path, prefix: Edit, depth: number): Generator<Edit> {
  const def = schema._zod.def;
  if (depth > 8) return;
  switch (def.type) {
    case "optional":
    case "default":
    case "prefault":
    case "nullable":
    case "readonly":
    case "catch":
      yield* walk(def.innerType as Schema, path, prefix, depth);
      return;
    case "pipe":
      yield* walk(def.in as Schema, path, prefix, depth);
      return;
    case "object": {
      const shape = def.shape as Record<string, Schema>;
      const keys = Object.keys(shape);
      yield [...prefix, [path, "a string"]];
      yield [...prefix, [path, ["a", "list"]]];
      if (keys.length) yield [...prefix, [[...path, `${keys[0]}x`], 1]];
      // Each key left out: a required one must say what to write, not only its kind (KIND_ONLY).
      for (const k of keys) yield [...prefix, [[...path, k], undefined]];
      for (const k of keys) yield* walk(shape[k], [...path, k], prefix, depth + 1);
      return;
    }
    case "array":
      yield [...prefix, [path, []]];
      yield [...prefix, [path, "not a list"]];
      yield [...prefix, [path, { key: "value" }]];
      yield* walk(def.element as Schema, [...path, 0], prefix, depth + 1);
      return;
    case "record":
      yield asRecord([...prefix, [path, ["a", "list"]]]);
      yield [...prefix, [path, { "Not A Key!": {} }]];
      yield* walk(def.valueType as Schema, [...path, "key"], prefix, depth + 1);
      return;
    case "union": {
      yield [...prefix, [path, 12345]];
      const disc = def.discriminator as string | undefined;
      if (disc) {
        yield [...prefix, [path, {}]];
        yield [...prefix, [path, { [disc]: "nonsense" }]];
      }
      for (const option of def.options as Schema[]) {
        const od = option._zod.def;
        const literal = disc && od.type === "object" ? ((od.shape as Record<string, Schema>)[disc]._zod.def.values as unknown[])[0] : undefined;
        const inner: Edit = literal === undefined ? prefix : [...prefix, [path, { [disc as string]: literal }]];
        yield* walk(option, path, inner, depth + 1);
      }
      return;
    }
    default:
      for (const v of leafValues(def)) yield [...prefix, [path, v]];
  }
}

/** Bad copies of `base`, one per field and wrong value, each described by the path it breaks. */
export function* badValues(schema: unknown, base: unknown): Generator<BadDoc> {
  for (const edit of walk(schema as Schema, [], [], 0)) {
    let doc = clone(base);
    for (const [path, value] of edit) doc = setAt(doc, path, clone(value));
    const [path, value] = edit[edit.length - 1];
    const where = path.join(".") || "(top)";
    yield { what: `${where} = ${JSON.stringify(value)?.slice(0, 40)}`, value: doc, ...(edit.record ? { recordAt: where } : {}) };
  }
}
