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

/** What is wrong with `taint`, with its fix, or undefined when the API server accepts it. */
export function taintProblem(taint: string): string | undefined {
  const t = parseTaint(taint);
  if (!t) return `is not a taint. Fix: add an effect; ${FIX}`;
  if (!(TAINT_EFFECTS as readonly string[]).includes(t.effect)) return `is not a taint. Fix: use an effect Kubernetes knows instead of '${t.effect}'; ${FIX}`;
  const keyWrong = qualifiedNameProblem(t.key);
  if (keyWrong) return `is not a taint: its key is invalid (${keyWrong}). Fix: ${FIX}`;
  const valueWrong = t.value === undefined ? undefined : labelValueProblem(t.value);
  if (valueWrong) return `is not a taint: its value is invalid (${valueWrong.replace(/^it /, "the value ")}). Fix: ${FIX}`;
  return undefined;
}

/** A node's taints: each valid, unique by key and effect. */
export const taintsSchema = z
  .array(
    z.string().superRefine((t, ctx) => {
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
