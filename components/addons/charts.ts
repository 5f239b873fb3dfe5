import * as path from "path";

/** Charts the addons layer installs; keys of CHART_CATALOG and of `k3s-stacks:addons.charts`. */
export const CHART_KEYS = ["longhorn", "rook-ceph", "ceph-csi-drivers", "rook-ceph-cluster", "metallb", "kube-prometheus-stack"] as const;
export type ChartKey = (typeof CHART_KEYS)[number];

/** One pinned chart: where it comes from and where it is installed. */
export interface ChartEntry {
  key: ChartKey;
  /** Chart name in its repository (also the packaged file's name stem). */
  chart: string;
  /** Helm repository URL. */
  repo: string;
  /** Pinned chart version (Rook stamps its charts with the release tag, "v" included). */
  version: string;
  /** Namespace the release goes into. */
  namespace: string;
}

/**
 * The single list of chart pins, shared by the releases and the airgap bundle builder. Versions and
 * repos are from /work/shared/reference/k3s-reference.md §11 (each checked against the chart's
 * Chart.yaml at that tag); test/fixtures/charts holds each version's valid values keys.
 */
export const CHART_CATALOG: readonly ChartEntry[] = [
  { key: "longhorn", chart: "longhorn", repo: "https://charts.longhorn.io", version: "1.12.1", namespace: "longhorn-system" },
  { key: "rook-ceph", chart: "rook-ceph", repo: "https://charts.rook.io/release", version: "v1.20.6", namespace: "rook-ceph" },
  // Rook v1.20 configures Ceph CSI only through this chart of the ceph-csi-operator its operator chart
  // installs (subchart ceph-csi-operator 1.0.4; both are published from ceph/ceph-csi-operator's tag
  // v1.0.4). The reference copy is silent on it: rook/rook@v1.20.6 Documentation/Upgrade/rook-upgrade.md.
  { key: "ceph-csi-drivers", chart: "ceph-csi-drivers", repo: "https://ceph.github.io/ceph-csi-operator", version: "1.0.4", namespace: "rook-ceph" },
  { key: "rook-ceph-cluster", chart: "rook-ceph-cluster", repo: "https://charts.rook.io/release", version: "v1.20.6", namespace: "rook-ceph" },
  { key: "metallb", chart: "metallb", repo: "https://metallb.github.io/metallb", version: "0.16.1", namespace: "metallb-system" },
  {
    key: "kube-prometheus-stack",
    chart: "kube-prometheus-stack",
    repo: "https://prometheus-community.github.io/helm-charts",
    version: "88.5.3",
    namespace: "monitoring",
  },
];

/**
 * Images we deploy outside a chart, pinned here next to the charts. kube-vip: reference §14 (image
 * `ghcr.io/kube-vip/kube-vip`); the tag is one seen published (v1.1.2), not checked against the
 * project's release list, which could not be read here.
 */
export const PINNED_IMAGES = {
  kubeVip: { repository: "ghcr.io/kube-vip/kube-vip", tag: "v1.1.2" },
} as const;

/** `repository:tag` of a pinned image. */
export function imageRef(key: keyof typeof PINNED_IMAGES): string {
  const i = PINNED_IMAGES[key];
  return `${i.repository}:${i.tag}`;
}

/** Per-stack override of a chart's version or repository (`k3s-stacks:addons.charts.<key>`). */
export interface ChartOverride {
  version?: string;
  repo?: string;
}

/** What a helm.v3.Release needs to find the chart: a repository chart or a local packaged file. */
export type ResolvedChart =
  | { chart: string; version: string; repositoryOpts: { repo: string } }
  | { chart: string };

export function catalogEntry(key: ChartKey): ChartEntry {
  const entry = CHART_CATALOG.find((e) => e.key === key);
  if (!entry) throw new Error(`chart '${key}' is not in CHART_CATALOG`);
  return entry;
}

/** The catalog entry with the stack's overrides applied. */
export function effectiveChart(key: ChartKey, overrides: Partial<Record<ChartKey, ChartOverride>> = {}): ChartEntry {
  const entry = catalogEntry(key);
  const o = overrides[key] ?? {};
  return { ...entry, version: o.version ?? entry.version, repo: o.repo ?? entry.repo };
}

/**
 * Chart source for a release. With `airgapChartDir` the chart is the packaged file
 * `<dir>/<chart>-<version>.tgz` (as `helm pull` names it), so nothing is fetched at deploy time.
 */
export function resolveChart(
  key: ChartKey,
  overrides: Partial<Record<ChartKey, ChartOverride>> = {},
  airgapChartDir?: string,
): ResolvedChart {
  const e = effectiveChart(key, overrides);
  if (airgapChartDir !== undefined) return { chart: path.join(airgapChartDir, `${e.chart}-${e.version}.tgz`) };
  return { chart: e.chart, version: e.version, repositoryOpts: { repo: e.repo } };
}

/** The charts an addons config installs, so an airgap bundle can be checked for exactly those. */
export function chartKeysFor(cfg: { storage: { type: string }; loadBalancer: { type: string }; monitoring: { enabled: boolean } }): ChartKey[] {
  const keys: ChartKey[] = [];
  if (cfg.storage.type === "longhorn") keys.push("longhorn");
  if (cfg.storage.type === "rook-ceph") keys.push("rook-ceph", "ceph-csi-drivers", "rook-ceph-cluster");
  if (cfg.loadBalancer.type === "metallb") keys.push("metallb");
  if (cfg.monitoring.enabled) keys.push("kube-prometheus-stack");
  return keys;
}
