import { z } from "zod";
import { nearestSubdomain, subdomainProblem } from "./dns";
import { LABEL_VALUE_MAX, labelValueProblem } from "./labels";

/**
 * A Kubernetes Node name (and k3s `node-name`). Two rules hold at once:
 * - it is a DNS-1123 subdomain, lowercase, at most 253 characters (Kubernetes
 *   pkg/apis/core/validation ValidateNodeName → IsDNS1123Subdomain); the API server refuses any other;
 * - the kubelet labels its Node `kubernetes.io/hostname=<node name>` (pkg/kubelet/kubelet_node_status.go
 *   initialNode; k3s passes node-name as the kubelet's --hostname-override), and a label value is at
 *   most 63 characters (k8s.io/apimachinery validation IsValidLabelValue), so a longer name makes
 *   the Node fail validation and never register.
 * Together: at most 63 characters of a-z, 0-9, '-' and '.', starting and ending alphanumeric.
 */
export const NODE_NAME_MAX = LABEL_VALUE_MAX;

/** What is wrong with `name` as a node name, or undefined when it is one. */
export function nodeNameProblem(name: string): string | undefined {
  const wrong = subdomainProblem(name);
  if (wrong) return wrong;
  if (name.length > NODE_NAME_MAX) return `is ${name.length} characters long, more than the ${NODE_NAME_MAX} a label value holds (the kubelet sets kubernetes.io/hostname to the node name)`;
  // A subdomain of at most 63 characters is also a label value; kept as a guard should either rule change.
  return labelValueProblem(name);
}

const FIX = `use only a-z, 0-9, '-' and '.' (at most ${NODE_NAME_MAX} characters), such as pi-1`;

/** A node name, with the message naming the rule and the fix (the name meant, when a near-miss: Pi_1 → pi-1). */
export const nodeNameSchema = z.string().superRefine((name, ctx) => {
  const wrong = nodeNameProblem(name);
  const near = wrong ? nearestSubdomain(name) : undefined;
  const fix = near !== undefined && nodeNameProblem(near) === undefined ? `write '${near}' (${FIX.replace(/, such as pi-1$/, "")})` : FIX;
  if (wrong) ctx.addIssue({ code: "custom", message: `must be a lowercase DNS name of at most ${NODE_NAME_MAX} characters, and it ${wrong}: it becomes the Kubernetes node name. Fix: ${fix}` });
});

/** The node name of a cloud pool's VM: `<pool>-<index>`, indexes 0..count-1 (nodes/cloud/pools.ts). */
export function poolNodeName(pool: string, index: number): string {
  return `${pool}-${index}`;
}

/**
 * What is wrong with the longest node name a pool of `count` VMs generates (its highest index), or
 * undefined: the pool name rule alone does not bound `<pool>-<index>`.
 */
export function poolNodeNamesProblem(pool: string, count: number): string | undefined {
  // A pool name that is no node name itself (capitals, '_') is the pool name rule's to report, with
  // its own fix; here only the length the index adds, whose fix is a shorter name.
  if (subdomainProblem(pool) !== undefined) return undefined;
  const longest = poolNodeName(pool, Math.max(0, count - 1));
  const wrong = nodeNameProblem(longest);
  return wrong && `its nodes are named ${pool}-0 to ${longest}, and ${longest} ${wrong}. Fix: shorten the pool name to at most ${NODE_NAME_MAX - longest.length + pool.length} characters`;
}
