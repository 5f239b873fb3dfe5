export { AIRGAP_KEY, parseAirgapConfig } from "./config";
export type { AirgapConfig } from "./config";
export { loadBundle } from "./bundle";
export type { LoadedBundle, RequiredChart } from "./bundle";
export { airgapStager } from "./stager";
export { bundleChartDir, offlineChart } from "./charts";
export type { OfflineChart } from "./charts";
