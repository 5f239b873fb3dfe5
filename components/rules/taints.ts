import { z } from "zod";
import { labelValueProblem, qualifiedNameProblem } from "./labels";

/**
 * Node taints as k3s's `node-taint` takes them: `key=value:Effect` or `key:Effect`. The API server
 * checks each (Kubernetes pkg/apis/core/validation, validateNodeTaints): the key is a qualified name
 * and the value a label value (./labels.ts), the effect one of TAINT_EFFECTS, and no two taints
 * share key and effect. Otherwise the Node is refused and never registers.
 */
export const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;

const FIX = "write key=value:Effect or key:Effect with Effect NoSchedule, PreferNoSchedule or NoExecute, such as dedicated=gpu:NoSchedule";

/** A taint split into its parts; undefined when it has no ':Effect'. */
export function parseTaint(taint: string): { key: string; value?: string; effect: string } | undefined {
  const colon = taint.lastIndexOf(":");
  if (colon < 0) return undefined;
  const [key, ...rest] = taint.slice(0, colon).split("=");
  return { key, value: rest.length ? rest.join("=") : undefined, effect: taint.slice(colon + 1) };
}

/** The toleration that admits a valid taint (`key=value:Effect` → Equal, `key:Effect` → Exists). */
export function tolerationFor(taint: string): { key: string; operator: "Equal" | "Exists"; value?: string; effect: string } {
  const t = parseTaint(taint)!;
  return t.value === undefined ? { key: t.key, operator: "Exists", effect: t.effect } : { key: t.key, operator: "Equal", value: t.value, effect: t.effect };
}

/**
 * Taint keys Kubernetes sets and removes on its own (Kubernetes docs, Taints and Tolerations, "Taint
 * based Evictions"; pkg/controller/nodelifecycle): the node lifecycle controller keeps the
 * condition taints and `unschedulable` in step with the Node's conditions and spec.unschedulable,
 * deleting one that does not hold, and the cloud controller (k3s runs its own) removes
 * `uninitialized` once it initialized the node. A user taint under these keys is removed minutes
 * after the node registers and put back by every `pulumi up`, or, as not-ready/unreachable
 * NoExecute, evicts the node's pods until then. `node.kubernetes.io/out-of-service` is the user's
 * own (non-graceful node shutdown) and stays allowed.
 */
const MANAGED_TAINT_KEYS = new Set([
  "node.kubernetes.io/not-ready",
  "node.kubernetes.io/unreachable",
  "node.kubernetes.io/memory-pressure",
  "node.kubernetes.io/disk-pressure",
  "node.kubernetes.io/pid-pressure",
  "node.kubernetes.io/network-unavailable",
  "node.kubernetes.io/unschedulable",
  "node.cloudprovider.kubernetes.io/uninitialized",
  "node.cloudprovider.kubernetes.io/shutdown",
]);

/** What is wrong with `taint`, with its fix, or undefined when the API server accepts it. */
export function taintProblem(taint: string): string | undefined {
  const t = parseTaint(taint);
  if (!t) return `is not a taint. Fix: add an effect; ${FIX}`;
  if (!(TAINT_EFFECTS as readonly string[]).includes(t.effect)) return `is not a taint. Fix: use an effect Kubernetes knows instead of '${t.effect}'; ${FIX}`;
  const keyWrong = qualifiedNameProblem(t.key);
  if (keyWrong) return `is not a taint: its key is invalid (${keyWrong}). Fix: ${FIX}`;
  const valueWrong = t.value === undefined ? undefined : labelValueProblem(t.value);
  if (valueWrong) return `is not a taint: its value is invalid (${valueWrong.replace(/^it /, "the value ")}). Fix: ${FIX}`;
  if (MANAGED_TAINT_KEYS.has(t.key)) {
    return `uses ${t.key}, a key Kubernetes reserves for the taints its node controllers add and remove from the node's state (Kubernetes docs, Taints and Tolerations: taint based evictions): set here, it is dropped once the node reports healthy, or claims a state the node is not in. Fix: remove it; to keep new pods off the node use a taint of your own, such as dedicated=maintenance:NoSchedule, or 'kubectl cordon' the node`;
  }
  return undefined;
}

/**
 * A taint written as the Node object's field is (`{key, value, effect}`, as in a Pod's tolerations or
 * `kubectl get node -o yaml`), rewritten in the `key=value:Effect` form k3s's node-taint takes.
 */
function mappingFix(input: unknown): string {
  const t = (input !== null && typeof input === "object" && !Array.isArray(input) ? input : {}) as Record<string, unknown>;
  const key = typeof t.key === "string" && t.key ? t.key : "key";
  const value = typeof t.value === "string" && t.value ? `=${t.value}` : "";
  const effect = typeof t.effect === "string" && t.effect ? t.effect : "NoSchedule";
  const taint = `${key}${value}:${effect}`;
  return `is a mapping; k3s's node-taint takes each taint as one string, key=value:Effect or key:Effect (Effect NoSchedule, PreferNoSchedule or NoExecute). Fix: write it as '${taint}'`;
}

/** A node's taints: each valid, unique by key and effect. */
export const taintsSchema = z
  .array(
    z.string({ error: (iss) => (iss.code === "invalid_type" && iss.input !== null && typeof iss.input === "object" ? mappingFix(iss.input) : undefined) }).superRefine((t, ctx) => {
      const wrong = taintProblem(t);
      if (wrong) ctx.addIssue({ code: "custom", message: wrong });
    }),
  )
  .superRefine((ts, ctx) => {
    const seen = new Map<string, string>();
    for (const t of ts) {
      const p = parseTaint(t);
      if (!p) continue;
      const at = `${p.key}:${p.effect}`;
      const first = seen.get(at);
      if (first !== undefined) {
        ctx.addIssue({ code: "custom", message: `has '${first}' and '${t}': a node can carry one taint per key and effect. Fix: keep one of them` });
      }
      seen.set(at, first ?? t);
    }
  });
