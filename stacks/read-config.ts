import * as pulumi from "@pulumi/pulumi";
import { ConfigError, PROJECT } from "../components/rules/errors";

/** A structured config value, or undefined when unset. */
export function objectConfig(name: string): unknown {
  const raw = pulumi.runtime.getConfig(`${PROJECT}:${name}`);
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new ConfigError([`${PROJECT}:${name}: is not a structured value. Fix: write it as a YAML mapping in Pulumi.<stack>.yaml.`]);
  }
}

/** Whether a key is set at all. */
export function hasConfig(name: string): boolean {
  return pulumi.runtime.getConfig(`${PROJECT}:${name}`) !== undefined;
}
