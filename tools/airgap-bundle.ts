/**
 * Airgap bundle builder: `npm run airgap -- --version v1.36.3+k3s1 --arch arm64,arm --out ./bundle`.
 * Run on a machine with internet (or a mirror); the bundle is what `k3s-stacks:airgap.bundleDir` points at.
 */
import { CHART_CATALOG, PINNED_IMAGES } from "../components/addons/charts";
import { parseBuildArgs, UsageError, USAGE } from "./airgap/args";
import { buildBundle } from "./airgap/build";
import { DownloadError } from "./airgap/download";

async function main(): Promise<number> {
  let args;
  try {
    const pinned = Object.entries(PINNED_IMAGES).map(([key, i]) => ({ key, repository: i.repository, tag: i.tag }));
    args = parseBuildArgs(process.argv.slice(2), CHART_CATALOG, pinned);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`airgap: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (args === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  const abort = new AbortController();
  process.once("SIGINT", () => abort.abort(new Error("interrupted (Ctrl-C)")));
  try {
    const manifest = await buildBundle({ ...args, write: (t) => process.stderr.write(t), isTty: process.stderr.isTTY, signal: abort.signal });
    process.stderr.write(
      `airgap: bundle for k3s ${manifest.version} (${Object.keys(manifest.arches).join(", ")}; ${Object.keys(manifest.charts).length} charts; ${Object.keys(manifest.images ?? {}).length} images) written to ${args.outDir}\n`,
    );
    return 0;
  } catch (e) {
    if (!(e instanceof DownloadError)) throw e;
    process.stderr.write(`airgap: FAILED: ${e.message}\nairgap: no manifest was written; fix the cause and re-run (files already verified are kept).\n`);
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`airgap: FAILED: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
