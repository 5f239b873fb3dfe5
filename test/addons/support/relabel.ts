import type { MetricRelabeling } from "../../../components/addons/values/k3s-metrics";

/**
 * Whether a sample survives metric relabelling as Prometheus applies it (relabel.Process): the
 * sourceLabels' values (missing ones as "") joined with ';', matched against the fully anchored
 * regex; `keep` lets through only a match, `drop` only a miss. Our regexes use no syntax where
 * JavaScript and RE2 differ.
 */
export function survives(rules: MetricRelabeling[], labels: Record<string, string>): boolean {
  return rules.every((r) => {
    const value = r.sourceLabels.map((l) => labels[l] ?? "").join(";");
    const match = new RegExp(`^(?:${r.regex})$`).test(value);
    return r.action === "keep" ? match : !match;
  });
}
