import * as pulumi from "@pulumi/pulumi";
import { ConfigError, PROJECT } from "../rules/errors";

/** The SDK knows which keys were set with --secret; it exports that check without typing it. */
const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };

/** Whether `k3s-stacks:<name>` was set with --secret (true when the SDK cannot tell, so nothing is refused wrongly). */
export function isSecretKey(name: string): boolean {
  return runtime.isConfigSecret ? runtime.isConfigSecret(`${PROJECT}:${name}`) : true;
}

/**
 * Reads a config key that must hold a secret. Absent → undefined; set in plain text → an error naming
 * the `pulumi config set --secret` fix, because a plain value sits readable in the stack file.
 */
export function secretConfig(name: string, example: string): pulumi.Output<string> | undefined {
  const key = `${PROJECT}:${name}`;
  const value = pulumi.runtime.getConfig(key);
  if (value === undefined) return undefined;
  if (!isSecretKey(name)) {
    throw new ConfigError([`${key}: is stored in plain text. Fix: run 'pulumi config rm ${key}' and then 'pulumi config set --secret ${key} ${example}'.`]);
  }
  return pulumi.secret(value);
}

/** The raw (possibly secret) string of a key, for validation only: never log or export it. */
export function rawConfig(name: string): string | undefined {
  return pulumi.runtime.getConfig(`${PROJECT}:${name}`);
}
