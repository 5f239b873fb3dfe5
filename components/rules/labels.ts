import { z } from "zod";
import { subdomainProblem } from "./dns";
import { mapping } from "./issues";
import { automaticLabelProblem } from "./kubelet-labels";

/**
 * Kubernetes label keys and values (k8s.io/apimachinery/pkg/util/validation: IsQualifiedName,
 * IsValidLabelValue). A key is an optional prefix, a DNS-1123 subdomain of at most 253 characters,
 * and '/', then a name of at most 63 characters of A-Z, a-z, 0-9, '-', '_' and '.', starting and
 * ending alphanumeric. A value is empty or follows the name rule. The API server refuses a Node with
 * any other label, so the node would never register. Which keys a kubelet may set on itself is a
 * further rule: ./kubelet-labels.ts, which also names the labels every Node gets automatically
 * (refused here: a user value would fight the kubelet's or k3s's).
 */
export const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
export const QUALIFIED_NAME_MAX = 63;
export const LABEL_VALUE_MAX = 63;

function nameProblem(name: string, what: string): string | undefined {
  if (name.length === 0) return `${what} is empty`;
  if (name.length > QUALIFIED_NAME_MAX) return `${what} is ${name.length} characters long, more than ${QUALIFIED_NAME_MAX}`;
  if (!QUALIFIED_NAME.test(name)) return `${what} may hold only letters, digits, '-', '_' and '.', starting and ending with a letter or digit`;
  return undefined;
}

/** What is wrong with `key` as a qualified name (label key, taint key), or undefined when it is one. */
export function qualifiedNameProblem(key: string): string | undefined {
  const slash = key.indexOf("/");
  if (slash < 0) return nameProblem(key, "the name");
  const prefix = key.slice(0, slash);
  const prefixWrong = subdomainProblem(prefix);
  if (prefixWrong) return `the prefix '${prefix}' ${prefixWrong}`;
  return nameProblem(key.slice(slash + 1), `the name after '${prefix}/'`);
}

/** What is wrong with `value` as a label value, or undefined when it is one (empty is allowed). */
export function labelValueProblem(value: string): string | undefined {
  if (value.length === 0) return undefined;
  return nameProblem(value, "it");
}

const KEY_FIX = "rename it to [prefix/]name, such as disktype or example.com/disktype (name: at most 63 letters, digits, '-', '_', '.'; prefix: a lowercase DNS name)";
const VALUE_FIX = "use at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric, such as ssd";

/**
 * The label value a near-miss means: runs of other characters (spaces, '/', ':') become '-', the ends
 * are trimmed to alphanumerics and the whole to 63 characters ("living room" → living-room); undefined
 * when nothing valid is left.
 */
export function nearestLabelValue(value: string): string | undefined {
  const trim = (v: string) => v.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
  const near = trim(trim(value.replace(/[^A-Za-z0-9_.-]+/g, "-")).slice(0, LABEL_VALUE_MAX));
  return near !== "" && near !== value && labelValueProblem(near) === undefined ? near : undefined;
}

/**
 * A label value that YAML read as a number or boolean (`rack: 3`, `gpu: true`): labels are strings,
 * and the Pulumi CLI's YAML reader (yaml.v3) already turned 0042 into the number 34, so the fix asks
 * for the value as meant, quoted, rather than converting silently.
 */
function labelValueTypeProblem(input: unknown): string | undefined {
  // `node-role.kubernetes.io/worker:` with nothing after it, as kubectl label's `key=` reads: YAML's null.
  if (input === null) return "has no value (YAML reads a key with nothing after it as null), but a label value is text, possibly empty. Fix: write \"\" for an empty value, as kubectl label key= sets it, or the value meant";
  if (typeof input !== "number" && typeof input !== "boolean") return "must be a string. Fix: quote it, such as \"true\" or \"1\"";
  const why = typeof input === "number" ? "YAML reads unquoted digits as a number, and a leading 0 as octal (0042 becomes 34)" : "YAML reads an unquoted true or false as a boolean";
  return `is the ${typeof input} ${String(input)}, but a label value is text: ${why}. Fix: quote the value as you mean it, such as "${String(input)}"`;
}

/** A node's labels, `{key: value}`, checked by the Kubernetes rules above. */
export const labelsSchema = mapping(
  z.string().superRefine((k, ctx) => {
    const wrong = qualifiedNameProblem(k);
    if (wrong) ctx.addIssue({ code: "custom", message: `is not a valid Kubernetes label key: ${wrong}. Fix: ${KEY_FIX}` });
    const automatic = wrong ? undefined : automaticLabelProblem(k);
    if (automatic) ctx.addIssue({ code: "custom", message: automatic });
  }),
  z.string({ error: (iss) => (iss.code === "invalid_type" ? labelValueTypeProblem(iss.input) : undefined) }).superRefine((v, ctx) => {
    const wrong = labelValueProblem(v);
    const near = wrong ? nearestLabelValue(v) : undefined;
    if (wrong) ctx.addIssue({ code: "custom", message: `is not a valid Kubernetes label value: ${wrong}. Fix: ${near ? `write '${near}' (${VALUE_FIX.replace(/, such as ssd$/, "")})` : VALUE_FIX}` });
  }),
  "label keys to values",
  "labels: {disktype: ssd}",
);
