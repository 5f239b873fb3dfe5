import { z } from "zod";
import { subdomainProblem } from "./dns";

/**
 * A Kubernetes Node name (and k3s `node-name`): a DNS-1123 subdomain, lowercase, at most 253
 * characters (Kubernetes pkg/apis/core/validation ValidateNodeName → IsDNS1123Subdomain). k3s
 * registers the node under this name; the API server refuses any other.
 */
export function nodeNameProblem(name: string): string | undefined {
  return subdomainProblem(name);
}

const FIX = "use only a-z, 0-9, '-' and '.' (at most 253 characters), such as pi-1";

/** A node name, with the message naming the rule and the fix. */
export const nodeNameSchema = z.string().superRefine((name, ctx) => {
  const wrong = nodeNameProblem(name);
  if (wrong) ctx.addIssue({ code: "custom", message: `must be a lowercase DNS name, and it ${wrong}: it becomes the Kubernetes node name. Fix: ${FIX}` });
});
