export { REGISTRIES_KEY, REGISTRY_PASSWORDS_KEY, parseRegistriesConfig } from "./config";
export type { RegistriesConfig, RegistriesSettings } from "./config";
export { registriesPlan, renderRegistriesYaml, REGISTRIES_PATH } from "./registries";
export type { RegistriesPlan } from "./registries";
