/**
 * The Pulumi toolchain for end-to-end tests: build.sh provides the binaries; pulumiEnv() gives the
 * environment that keeps the engine offline (local file backend, plugins only from PATH).
 */
import { execFileSync } from "child_process";
import * as path from "path";

const BUILD_SH = path.join(__dirname, "build.sh");

/** Runs build.sh (a no-op when cached) and returns the directory to put first on PATH. */
export function toolchainBin(): string {
  const out = execFileSync(BUILD_SH, [], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 3_600_000 });
  const lines = out.trim().split("\n");
  return lines[lines.length - 1];
}

/** Options for pulumiEnv. */
export interface PulumiEnvOptions {
  /** Directory from toolchainBin(). */
  bin: string;
  /** Directory for the file backend (state) — a per-test temp dir. */
  backendDir: string;
  /** PULUMI_HOME for the run (plugins cache, credentials) — a per-test temp dir. */
  homeDir: string;
  /** Passphrase for the passphrase secrets provider. */
  passphrase: string;
}

/** Environment for running the pulumi CLI (or Automation API workspaces) with no network. */
export function pulumiEnv(o: PulumiEnvOptions): Record<string, string> {
  return {
    PATH: `${o.bin}:${process.env.PATH ?? ""}`,
    PULUMI_HOME: o.homeDir,
    PULUMI_BACKEND_URL: `file://${o.backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: o.passphrase,
    // Never download plugins; providers are found on PATH ("ambient" plugins).
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    // No version check against the Pulumi service.
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
  };
}
