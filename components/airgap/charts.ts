import * as path from "path";
import { ConfigError } from "../rules/errors";
import { LoadedBundle } from "./bundle";

/** A chart archive from the bundle, for the addons layer when the stack is airgapped. */
export interface OfflineChart {
  /** Local .tgz path (relative to the project when bundleDir is); Helm and helm.v3.Release accept it as `chart`. */
  path: string;
  version: string;
  sha256: string;
}

/**
 * The bundled archive for addon `key` at `version`. loadBundle already checked presence and hash
 * when the chart was listed in its `charts` argument; this names the fix if it was not.
 */
export function offlineChart(bundle: LoadedBundle, key: string, version: string): OfflineChart {
  const c = bundle.charts[key];
  if (!c || c.version !== version) {
    throw new ConfigError([
      `k3s-stacks:airgap.bundleDir: chart '${key}' ${version} was not loaded from the bundle. Fix: list it in loadBundle's charts, and rebuild the bundle with npm run airgap if it is missing`,
    ]);
  }
  return { path: c.assetPath, version: c.version, sha256: c.sha256 };
}

/** Directory of the bundled charts, named `<chart>-<version>.tgz` as `helm pull` names them (the addons layer's airgapChartDir). */
export function bundleChartDir(bundle: LoadedBundle): string {
  return path.join(bundle.dir, "charts");
}
