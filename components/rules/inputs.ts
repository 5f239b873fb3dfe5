import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/** Outputs and Promises resolve only while the program runs: they are accepted here, unchecked. */
const isPending = (v: unknown) => pulumi.Output.isInstance(v) || v instanceof Promise;

/**
 * The message for a value of the wrong kind, its fix worded from the argument's description and
 * examples (rules/required.ts) where it has them; a missing one is left to the error map
 * (rules/issues.ts), which words what to pass from the same.
 */
const wrongKind = (kind: string, fix = "the value itself") => ({
  error: (iss: { input?: unknown; inst?: unknown }) => {
    if (iss.input === undefined) return undefined;
    const meta = z.globalRegistry.get(iss.inst as z.core.$ZodType) as { description?: string; examples?: string[] } | undefined;
    const such = meta?.examples?.length ? `, such as ${meta.examples.join(" or ")}` : "";
    return `must be ${kind} or an Output of one. Fix: pass ${meta?.description ?? fix}${such}, or the Output that resolves to it`;
  },
});

/** A component argument that is a non-empty string or an Input of one (an address, a name, a key). */
export const nonEmptyInput = z.custom<pulumi.Input<string>>((v) => (typeof v === "string" ? v.length > 0 : isPending(v)), wrongKind("a non-empty string"));

/** A component argument that is any string (possibly empty, such as a file's content) or an Input of one. */
export const stringInput = z.custom<pulumi.Input<string>>((v) => typeof v === "string" || isPending(v), wrongKind("a string"));

/** A list of strings or an Input of one (e.g. K3sCluster.serverAddresses). */
export const stringListInput = z.custom<pulumi.Input<string[]>>((v) => (Array.isArray(v) ? v.every((s) => typeof s === "string" || isPending(s)) : isPending(v)), wrongKind("a list of strings", "e.g. the K3sCluster's serverAddresses"));
