export { AIRGAP_KEY, REGISTRIES_KEY, REGISTRY_PASSWORDS_KEY, parseAirgapConfig, parseRegistriesConfig } from "./config";
export type { AirgapConfig, RegistriesConfig, RegistriesSettings } from "./config";
export { loadBundle } from "./bundle";
export type { LoadedBundle, RequiredChart } from "./bundle";
export { airgapStager } from "./stager";
export { bundleChartDir, offlineChart } from "./charts";
export type { OfflineChart } from "./charts";
export { registriesPlan, renderRegistriesYaml, REGISTRIES_PATH } from "./registries";
export type { RegistriesPlan } from "./registries";
