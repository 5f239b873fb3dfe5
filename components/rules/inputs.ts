import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/** Outputs and Promises resolve only while the program runs: they are accepted here, unchecked. */
const isPending = (v: unknown) => pulumi.Output.isInstance(v) || v instanceof Promise;

/** A component argument that is a non-empty string or an Input of one (an address, a name, a key). */
export const nonEmptyInput = z.custom<pulumi.Input<string>>((v) => (typeof v === "string" ? v.length > 0 : isPending(v)), {
  message: "must be a non-empty string or an Output of one. Fix: pass the value itself, or the Output that resolves to it",
});

/** A component argument that is any string (possibly empty, such as a file's content) or an Input of one. */
export const stringInput = z.custom<pulumi.Input<string>>((v) => typeof v === "string" || isPending(v), {
  message: "must be a string or an Output of one. Fix: pass the value itself, or the Output that resolves to it",
});

/** A list of strings or an Input of one (e.g. K3sCluster.serverAddresses). */
export const stringListInput = z.custom<pulumi.Input<string[]>>((v) => (Array.isArray(v) ? v.every((s) => typeof s === "string" || isPending(s)) : isPending(v)), {
  message: "must be a list of strings or an Output of one. Fix: pass e.g. the K3sCluster's serverAddresses",
});
