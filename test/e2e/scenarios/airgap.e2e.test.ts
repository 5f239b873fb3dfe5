/**
 * Airgap install and upgrade with the real Pulumi engine: bundles built by the real builder CLI from
 * the lab's stand-in releases, a stack whose install script URL is unreachable, one server and one
 * agent. Proves the install uses only the bundle (no request to the artifact server, install.sh run
 * with INSTALL_K3S_SKIP_DOWNLOAD), and that a second up changes and uploads nothing. The upgrade to a
 * second bundle puts the new binary in place before install.sh runs, so install.sh sees no change and
 * starts nothing: each node moves only because our restart step found its k3s older than the binary
 * (k3s_binary_replaced), restarted once, servers before agents.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { IMAGES_DIR, STAGE_ROOT } from "../../../components/airgap/scripts";
import { versionSlug } from "../../../components/airgap/assets";
import { BundleManifest } from "../../../components/airgap/manifest";
import { startLab, TestLab } from "../hosts";
import { IMAGES_ASSET, buildBundle, httpRequests, publishImages } from "./airgap-fixture";
import { InvHost, V1, V2, k3sLeftovers } from "./fixture";
import { leakCheck } from "./leaks";
import { downtimes, installs, invocationsSince, restarts } from "./log";
import { E2eStack } from "./stack";

jest.setTimeout(900_000);

const HOSTS: InvHost[] = [
  { name: "srv1", role: "server", arch: "amd64" },
  { name: "ag1", role: "agent", arch: "amd64" },
];
/** Loopback discard port inside each host's namespace: any online fetch of install.sh fails. */
const STAGE_DIR = `${STAGE_ROOT}/${versionSlug(V1)}`;
/** Where the uploaded files end up on a node after the verify step. */
const PLACED = [`${STAGE_DIR}/k3s`, `${STAGE_DIR}/install.sh`, `${IMAGES_DIR}/${IMAGES_ASSET}`];

let lab: TestLab;
let e2e: E2eStack;
let tmp: string;
let manifest: BundleManifest;

function sha256On(host: string, file: string): string {
  const r = lab.exec(host, `sha256sum ${file} | cut -d ' ' -f 1`);
  return r.stdout.trim();
}

/** mtime (ns) and inode of each placed file: an upload or a re-placement changes one of them. */
function stamps(host: string): string {
  return lab.exec(host, `stat -c '%n %.9Y %i' ${PLACED.join(" ")}`).stdout;
}

const expectNoLeaks = leakCheck(() => lab, () => e2e);

beforeAll(async () => {
  lab = startLab([{ name: "srv1" }, { name: "ag1" }], { versions: [V1, V2] });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "k3s-stacks-e2e-airgap-"));
  e2e = await E2eStack.create(lab, "airgap");
}, 3_600_000);

afterAll(() => {
  e2e?.cleanup();
  lab?.down();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test("1. the builder CLI writes a bundle from the lab's release server", () => {
  const imagesSha = publishImages(lab, V1);
  manifest = buildBundle(lab, V1, path.join(tmp, "bundle"));
  expect(manifest.version).toBe(V1);
  expect(Object.keys(manifest.arches)).toEqual(["amd64"]);
  expect(manifest.arches.amd64?.images).toMatchObject({ path: `amd64/${IMAGES_ASSET}`, sha256: imagesSha });
  expect(manifest.arches.amd64?.k3s.sha256).toBe(fs.readFileSync(path.join(lab.stateDir, "www", V1, "sha256sum-amd64.txt"), "utf8").match(/^(\S+)\s+k3s$/m)?.[1]);
  expect(manifest.charts).toEqual({});
  // The builder's downloads show in the server log, so its absence later means no download happened.
  const got = httpRequests(lab).join("\n");
  for (const asset of ["install.sh", "sha256sum-amd64.txt", "k3s", IMAGES_ASSET]) expect(got).toMatch(new RegExp(`"GET /[^ ]*${asset.replace(/\./g, "\\.")} HTTP`));
});

// The stack names no download URL: with airgap, k3s-stacks refuses artifactUrl and installScriptUrl
// (unused), and the default install script URL is out of the lab's reach.
test("2. up installs from the bundle alone: nothing fetched from the artifact server", async () => {
  await e2e.configure(HOSTS, V1, {
    cluster: { k3sVersion: V1, datastore: "etcd" },
    airgap: { bundleDir: path.join(tmp, "bundle") },
  });
  const requests = httpRequests(lab).length;
  const before = lab.invocations().length;
  const r = await e2e.up("airgap create");
  expect(r.summary.result).toBe("succeeded");
  expect(lab.nodes("srv1").map((n) => [n.name, n.ready, n.version]).sort()).toEqual([["ag1", true, V1], ["srv1", true, V1]]);
  // Three uploads per node (binary, images, install.sh).
  const copies = e2e.steps.filter((s) => s.urn.includes("command:remote:CopyToRemote"));
  expect(copies.map((s) => `${s.op} ${s.name}`).sort()).toEqual(
    ["ag1", "srv1"].flatMap((h) => ["images", "install-sh", "k3s"].map((f) => `create ${h}-airgap-amd64-${f}-${versionSlug(V1)}`)).sort(),
  );
  const amd64 = manifest.arches.amd64!;
  for (const h of ["srv1", "ag1"]) {
    expect({ h, k3s: sha256On(h, "/usr/local/bin/k3s") }).toEqual({ h, k3s: amd64.k3s.sha256 });
    expect({ h, images: sha256On(h, `${IMAGES_DIR}/${IMAGES_ASSET}`) }).toEqual({ h, images: amd64.images.sha256 });
    expect({ h, script: sha256On(h, `${STAGE_DIR}/install.sh`) }).toEqual({ h, script: manifest.installScript.sha256 });
  }
  const inst = installs(invocationsSince(lab, before));
  expect(inst.map((i) => i.host).sort()).toEqual(["ag1", "srv1"]);
  for (const i of inst) expect({ host: i.host, skip: i.installEnv?.INSTALL_K3S_SKIP_DOWNLOAD }).toEqual({ host: i.host, skip: "true" });
  expect(httpRequests(lab).slice(requests)).toEqual([]);
  await expectNoLeaks();
});

test("3. a second up with --expect-no-changes uploads nothing and leaves the placed files untouched", async () => {
  const before = { srv1: stamps("srv1"), ag1: stamps("ag1") };
  const calls = lab.invocations().length;
  const requests = httpRequests(lab).length;
  const r = await e2e.up("airgap no-change", { expectNoChanges: true });
  expect(r.summary.result).toBe("succeeded");
  expect(e2e.steps).toEqual([]);
  expect(invocationsSince(lab, calls)).toEqual([]);
  expect({ srv1: stamps("srv1"), ag1: stamps("ag1") }).toEqual(before);
  expect(before.srv1.split("\n").filter(Boolean)).toHaveLength(PLACED.length);
  expect(httpRequests(lab).slice(requests)).toEqual([]);
  await expectNoLeaks();
});

/** `host: systemctl <args>` of each k3s (re)start in `log`. */
const startsIn = (log: ReturnType<typeof invocationsSince>) => restarts(log).map((i) => `${i.host}: ${i.argv.slice(1).join(" ")}`);

test("4. upgrade to a second bundle: install.sh sees no change, our replaced-binary check restarts each node once, servers first", async () => {
  publishImages(lab, V2);
  const next = buildBundle(lab, V2, path.join(tmp, "bundle-v2"));
  // The check tells install.sh's starts from ours by the caller: on create, install.sh started srv1,
  // queued through the systemctl shim on its PATH (components/k3s/unit-queue.ts).
  const created = restarts(lab.invocations()).find((i) => i.host === "srv1");
  expect(created?.argv.slice(1)).toEqual(["restart", "--no-block", "k3s"]);
  expect(created?.parent?.join(" ")).toMatch(/\/systemctl restart k3s$/);
  expect(created?.callers?.map((c) => c.join(" ")).some((c) => c.includes("install.sh"))).toBe(true);
  await e2e.configure(HOSTS, V2, {
    cluster: { k3sVersion: V2, datastore: "etcd" },
    airgap: { bundleDir: path.join(tmp, "bundle-v2") },
  });
  const requests = httpRequests(lab).length;
  const before = lab.invocations().length;
  const r = await e2e.up("airgap upgrade");
  expect(r.summary.result).toBe("succeeded");
  const log = invocationsSince(lab, before);
  expect(lab.nodes("srv1").map((n) => [n.name, n.ready, n.version]).sort()).toEqual([["ag1", true, V2], ["srv1", true, V2]]);
  for (const h of ["srv1", "ag1"]) {
    expect({ h, k3s: sha256On(h, "/usr/local/bin/k3s") }).toEqual({ h, k3s: next.arches.amd64!.k3s.sha256 });
    expect({ h, images: sha256On(h, `${IMAGES_DIR}/${IMAGES_ASSET}`) }).toEqual({ h, images: next.arches.amd64!.images.sha256 });
    // The first version's staged files are gone with the resources that staged them.
    expect({ h, staged: lab.exec(h, `ls -A ${STAGE_ROOT}`).stdout.trim() }).toEqual({ h, staged: versionSlug(V2) });
  }
  // install.sh ran from the new bundle on each node and started nothing: every (re)start is one of
  // ours, one per node, the server's first.
  expect(installs(log).map((i) => [i.host, i.installEnv?.INSTALL_K3S_VERSION, i.installEnv?.INSTALL_K3S_SKIP_DOWNLOAD])).toEqual([["srv1", V2, "true"], ["ag1", V2, "true"]]);
  expect(startsIn(log)).toEqual(["srv1: restart --no-block k3s", "ag1: restart --no-block k3s-agent"]);
  for (const i of restarts(log)) {
    const unit = i.argv[i.argv.length - 1];
    const mine = log.slice(0, log.indexOf(i)).filter((c) => c.host === i.host);
    // Called by the restart step's script itself (components/remote/command.ts runs it as `bash -s --
    // update`), not by install.sh (`sh .../install.sh`).
    expect({ host: i.host, caller: i.parent?.join(" ") }).toEqual({ host: i.host, caller: "bash -s -- update" });
    // ... after install.sh, and after the check read the unit's main process.
    const install = mine.findIndex((c) => c.tool === "install.sh");
    const show = mine.findIndex((c, k) => k > install && c.tool === "systemctl" && c.argv.slice(1).join(" ") === `show -p MainPID ${unit}`);
    expect({ host: i.host, install: install >= 0, showAfterInstall: show > install }).toEqual({ host: i.host, install: true, showAfterInstall: true });
  }
  // Each node went down once and came back on the new version; the agent only after the server was back.
  const spans = downtimes(log);
  expect(spans.map((d) => d.host)).toEqual(["srv1", "ag1"]);
  expect(spans[1].from).toBeGreaterThanOrEqual(spans[0].to);
  expect(log.filter((i) => i.event === "ready").map((i) => [i.host, i.version])).toEqual([["srv1", V2], ["ag1", V2]]);
  expect(httpRequests(lab).slice(requests)).toEqual([]);
  await expectNoLeaks();
});

test("5. after the upgrade, a second up with --expect-no-changes restarts nothing", async () => {
  const calls = lab.invocations().length;
  const r = await e2e.up("airgap upgrade no-change", { expectNoChanges: true });
  expect(r.summary.result).toBe("succeeded");
  expect(e2e.steps).toEqual([]);
  expect(invocationsSince(lab, calls)).toEqual([]);
  expect(lab.nodes("srv1").map((n) => [n.name, n.ready, n.version]).sort()).toEqual([["ag1", true, V2], ["srv1", true, V2]]);
  await expectNoLeaks();
});

test("6. destroy removes k3s and the staged airgap files", async () => {
  const r = await e2e.destroy("airgap destroy");
  expect(r.summary.result).toBe("succeeded");
  for (const h of ["srv1", "ag1"]) {
    expect({ h, left: k3sLeftovers(lab, h) }).toEqual({ h, left: [] });
    expect({ h, staged: lab.exec(h, `ls -A ${STAGE_ROOT} 2>/dev/null; true`).stdout.trim() }).toEqual({ h, staged: "" });
  }
  await expectNoLeaks();
});
