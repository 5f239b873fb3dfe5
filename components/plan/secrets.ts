import { ConfigError, PROJECT } from "../rules/errors";
import type { ConfigKey } from "./config-keys";

/**
 * A stack's raw config, as the planner reads it: no Pulumi runtime calls, so the same input comes
 * from `pulumi config` (stacks/read-config.ts) or a fleet site file (tools/fleet/sites.ts).
 */
export interface StackConfig {
  /**
   * `k3s-stacks:<name>` values by `<name>`: strings as Pulumi holds them (structured values as JSON
   * text), or structured values already parsed (site files).
   */
  values: Record<string, unknown>;
  /**
   * Names set with `pulumi config set --secret`. A name listed here without a value is set but not
   * readable by the caller (a fleet site's encrypted key): checks of its content are skipped.
   */
  secretKeys: ReadonlySet<string>;
  /** Directory that relative file paths (registry TLS files) resolve against. */
  baseDir: string;
  /** The stack's keys in other namespaces (`namespace:name`), checked for a mistyped `k3s-stacks`. */
  otherKeys?: string[];
  /**
   * Of `otherKeys`, those set with --secret (provider credentials must be). Left out, every one
   * counts as secret (a caller that cannot tell refuses nothing).
   */
  otherSecretKeys?: ReadonlySet<string>;
}

/** Reading one StackConfig: structured values, scalars and secret keys, each problem naming its key. */
export class ConfigReader {
  constructor(private readonly config: StackConfig) {}

  /** Whether `k3s-stacks:<name>` is set at all (a secret without a readable value counts). */
  has(name: ConfigKey): boolean {
    return this.config.values[name] !== undefined || this.config.secretKeys.has(name);
  }

  /** Whether `k3s-stacks:<name>` was set with --secret. */
  isSecret(name: ConfigKey): boolean {
    return this.config.secretKeys.has(name);
  }

  /** A structured value (JSON text is parsed), or undefined when unset. */
  object(name: ConfigKey): unknown {
    const raw = this.config.values[name];
    if (typeof raw !== "string") return raw;
    try {
      return JSON.parse(raw);
    } catch {
      throw new ConfigError([`${PROJECT}:${name}: is not a structured value. Fix: write it as a YAML mapping in Pulumi.<stack>.yaml.`]);
    }
  }

  /** The raw string of a key, for validation only: never log or export it. */
  raw(name: ConfigKey): string | undefined {
    const raw = this.config.values[name];
    return typeof raw === "string" ? raw : undefined;
  }

  /**
   * Whether a key that must hold a secret is set. Set in plain text → an error naming the
   * `pulumi config set --secret` fix, because a plain value sits readable in the stack file.
   */
  secret(name: ConfigKey, example: string): boolean {
    if (!this.has(name)) return false;
    const key = `${PROJECT}:${name}`;
    if (!this.isSecret(name)) {
      throw new ConfigError([`${key}: is stored in plain text. Fix: run 'pulumi config rm ${key}' and then 'pulumi config set --secret ${key} ${example}'.`]);
    }
    return true;
  }
}
