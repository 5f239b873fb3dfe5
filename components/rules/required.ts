import { z } from "zod";

/**
 * `schema` with what a missing key should be set to: `description` completes "Fix: set it to ..."
 * (default: the kind, "a string"), and `examples` follow it ("such as ..."), in the message
 * rules/issues.ts words. zod reports a missing key on the schema the key holds (inside any
 * `.transform()` or `.optional()`), so this goes there. Registered as zod metadata (`.meta()`).
 */
export function required<T extends z.ZodType>(schema: T, meta: { description?: string; examples?: unknown[] }): T {
  return schema.meta(meta) as T;
}
