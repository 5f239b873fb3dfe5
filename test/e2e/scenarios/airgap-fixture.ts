/**
 * Airgap scenario setup: completes the lab's stand-in release with an image tarball, then builds a
 * bundle from it with the real builder CLI (tools/airgap-bundle.ts), as a user would from a mirror.
 */
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { BundleManifest, MANIFEST_NAME } from "../../../components/airgap/manifest";
import { TestLab } from "../hosts";

const REPO = path.resolve(__dirname, "..", "..", "..");
export const IMAGES_ASSET = "k3s-airgap-images-amd64.tar.zst";

/**
 * Publishes a stand-in image tarball for `version` (amd64) on the lab's HTTP server and adds its line
 * to sha256sum-amd64.txt, as a real release lists it. Nothing imports it (the k3s stand-in runs no
 * containerd): only its bytes and checksum matter. make-artifacts.sh publishes no images, so this
 * stays in the scenario rather than changing the shared stand-ins.
 */
export function publishImages(lab: TestLab, version: string): string {
  const dir = path.join(lab.stateDir, "www", version);
  const body = Buffer.from(`k3s airgap images STAND-IN for ${version} amd64; not a real image archive\n`.repeat(64));
  fs.writeFileSync(path.join(dir, IMAGES_ASSET), body);
  const sha = createHash("sha256").update(body).digest("hex");
  fs.appendFileSync(path.join(dir, "sha256sum-amd64.txt"), `${sha}  ${IMAGES_ASSET}\n`);
  return sha;
}

/** Runs the bundle builder CLI against the lab's server; returns the manifest it wrote. */
export function buildBundle(lab: TestLab, version: string, outDir: string): BundleManifest {
  execFileSync(
    path.join(REPO, "node_modules", ".bin", "ts-node"),
    [
      "--transpile-only",
      "tools/airgap-bundle.ts",
      "--version", version,
      "--arch", "amd64",
      "--out", outDir,
      "--artifact-url", lab.artifactBaseUrl,
      "--install-script-url", lab.installScriptUrl,
      "--charts", "none",
      // The pinned images (kube-vip) come from their registries, which the lab cannot reach.
      "--pinned-images", "none",
    ],
    { cwd: REPO, stdio: "pipe", timeout: 120_000 },
  );
  return JSON.parse(fs.readFileSync(path.join(outDir, MANIFEST_NAME), "utf8")) as BundleManifest;
}

/** Request lines of the lab's HTTP server so far (python http.server's log). */
export function httpRequests(lab: TestLab): string[] {
  const file = path.join(lab.stateDir, "http.log");
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, "utf8").split("\n").filter((l) => /"(GET|HEAD|POST) /.test(l));
}
