/** Addons layer: storage, load balancing and monitoring on a running k3s cluster. */
export { CHART_CATALOG, CHART_KEYS, chartKeysFor, effectiveChart, resolveChart } from "./charts";
export type { ChartEntry, ChartKey, ChartOverride, ResolvedChart } from "./charts";
export { ADDONS_KEY, GRAFANA_PASSWORD_KEY, addonsSchema, parseAddonsConfig } from "./config";
export type { AddonsConfig } from "./config";
export { addonK3sContribution, replacesLocalPath } from "./k3s-contribution";
export type { Datastore } from "../rules/datastore";
export { checkAddons } from "./validate";
export type { AddonsContext, CheckedAddons } from "./validate";
export { longhornPrereqCommand, renderLonghornPrereqScript } from "./longhorn-prereq";
export { ClusterAddons } from "./cluster-addons";
export { addonsK3sConfig } from "./args";
export type { AddonsArgs, ClusterAddonsArgs } from "./args";
