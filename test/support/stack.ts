import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import * as pulumi from "@pulumi/pulumi";

export const REPO = path.resolve(__dirname, "../..");

/**
 * Loads `config:` of a stack file into the Pulumi runtime as `pulumi up` would. Secure values cannot be
 * decrypted here: `secretStandIns` gives each one a plain stand-in, registered as a secret key.
 */
export function loadStackConfig(file: string, secretStandIns: Record<string, string> = {}): Record<string, unknown> {
  const doc = parse(fs.readFileSync(path.join(REPO, file), "utf8")) as { config?: Record<string, unknown> };
  return setStackConfig(doc.config ?? {}, secretStandIns);
}

/** Sets stack config from a `config:`-shaped map (objects become JSON, as the CLI passes them). */
export function setStackConfig(config: Record<string, unknown>, secrets: Record<string, string> = {}): Record<string, unknown> {
  const flat: Record<string, string> = {};
  const inventory = config["k3s-stacks:inventory"];
  if (inventory && typeof inventory === "object" && !("reachabilityTimeout" in inventory)) {
    // Unit tests never dial: the program otherwise probes every host over SSH before an up.
    config = { ...config, "k3s-stacks:inventory": { ...inventory, reachabilityTimeout: 0 } };
  }
  for (const [key, value] of Object.entries(config)) {
    if (value && typeof value === "object" && "secure" in (value as object)) continue;
    flat[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  Object.assign(flat, secrets);
  pulumi.runtime.setAllConfig(flat, Object.keys(secrets));
  return config;
}
