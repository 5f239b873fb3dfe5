import { unpackScript } from "../../components/remote/packed-script";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, isSecret, MockState, settle, valueOf } from "../support/mocks";
import { loadBundle, LoadedBundle } from "../../components/airgap/bundle";
import { airgapStager } from "../../components/airgap/stager";
import { ConfigError } from "../../components/rules/errors";
import { connectionArgs } from "../../components/remote/command";
import { StagedInstall } from "../../components/k3s/types";
import { NodeSpec } from "../../components/nodes/types";
import { node, tmpDir, VERSION, writeBundle } from "./fixture";

let mocks: MockState;
beforeAll(async () => {
  mocks = await installMocks();
});

class Parent extends pulumi.ComponentResource {
  constructor(name: string) {
    super("test:airgap:Parent", name, {});
  }
}

const inventory: NodeSpec[] = [
  node("srv-x64", "amd64", "server"),
  node("arm64-a", "arm64", "agent", "pi"),
  node("armhf-a", "arm", "agent", "pi"),
  { ...node("armhf-b", "arm"), connection: { host: "armhf-b.lan", user: "ops", sudoPassword: pulumi.secret("hunter2") } },
];

async function stageAll(bundle: LoadedBundle, nodes = inventory): Promise<{ staged: Record<string, StagedInstall>; copies: Array<{ name: string; inputs: Record<string, unknown> }> }> {
  mocks.resources.length = 0;
  const parent = new Parent("p");
  const stager = airgapStager(bundle);
  const staged: Record<string, StagedInstall> = {};
  for (const n of nodes) staged[n.name] = stager.stage(n, connectionArgs(n.connection), parent);
  await settle();
  // The mock monitor hands the FileAsset over with its path still a promise.
  const copies = await Promise.all(
    mocks.byType("command:remote:CopyToRemote").map(async (r) => ({ name: r.name, inputs: { ...r.inputs, source: await (r.inputs.source as { path: Promise<string> }).path } })),
  );
  return { staged, copies };
}

const assetPath = (inputs: Record<string, unknown>) => inputs.source as string;

describe("per-node staging from a bundle", () => {
  const dir = tmpDir();
  const manifest = writeBundle(dir);
  const bundle = loadBundle(dir, VERSION, inventory);

  test("each node gets its own arch's files only (x64 → amd64, arm64 → arm64, armhf → arm)", async () => {
    const { copies } = await stageAll(bundle);
    expect(copies).toHaveLength(inventory.length * 3);
    const of = (n: string) => copies.filter((c) => c.name.startsWith(`${n}-`)).map((c) => assetPath(c.inputs)).sort();
    expect(of("srv-x64")).toEqual([`${dir}/amd64/k3s`, `${dir}/amd64/k3s-airgap-images-amd64.tar.zst`, `${dir}/install.sh`]);
    expect(of("arm64-a")).toEqual([`${dir}/arm64/k3s-airgap-images-arm64.tar.zst`, `${dir}/arm64/k3s-arm64`, `${dir}/install.sh`]);
    expect(of("armhf-b")).toEqual([`${dir}/arm/k3s-airgap-images-arm.tar.zst`, `${dir}/arm/k3s-armhf`, `${dir}/install.sh`]);
  });

  test("uploads are named by node, arch, file and version, land in the version's upload dir, and trigger on the SHA-256", async () => {
    const { copies } = await stageAll(bundle);
    const bin = copies.find((c) => c.name === "arm64-a-airgap-arm64-k3s-v1.36.3-k3s1");
    expect(bin?.inputs).toMatchObject({
      remotePath: "/var/lib/rancher/k3s-stacks/airgap/v1.36.3-k3s1/upload/k3s",
      triggers: [manifest.arches.arm64?.k3s.sha256],
    });
    expect(copies.map((c) => c.name)).toContain("armhf-a-airgap-arm-images-v1.36.3-k3s1");
    expect(copies.map((c) => c.name)).toContain("srv-x64-airgap-amd64-install-sh-v1.36.3-k3s1");
  });

  test("nodes of one arch share the verify step's compressed body; each decodes naming its own node", async () => {
    await stageAll(bundle, [node("armhf-a", "arm", "agent", "pi"), node("armhf-c", "arm", "agent", "pi")]);
    const stdin = (n: string) => String(mocks.byName(`${n}-airgap-arm-verify-v1.36.3-k3s1`).inputs.stdin);
    const body = (s: string) => /\n(H4sI[A-Za-z0-9+/=]+)\n/.exec(s)?.[1];
    expect(body(stdin("armhf-a"))).toBeDefined();
    expect(body(stdin("armhf-a"))).toBe(body(stdin("armhf-c")));
    expect(unpackScript(stdin("armhf-c"))).toContain("armhf-c");
    expect(unpackScript(stdin("armhf-c"))).not.toContain("armhf-a");
  });

  test("the verify command checks every file of the node's arch with sha256sum, and nothing of other arches", async () => {
    await stageAll(bundle);
    const verify = mocks.byName("armhf-a-airgap-arm-verify-v1.36.3-k3s1");
    const script = unpackScript(String(verify.inputs.stdin));
    expect(script).toContain('sha256sum "$1"');
    const arm = manifest.arches.arm;
    expect(script).toContain(`place 'k3s' '${arm?.k3s.sha256}' '/var/lib/rancher/k3s-stacks/airgap/v1.36.3-k3s1/k3s'`);
    expect(script).toContain(`place 'k3s-airgap-images-arm.tar.zst' '${arm?.images.sha256}' '/var/lib/rancher/k3s/agent/images/k3s-airgap-images-arm.tar.zst'`);
    expect(script).toContain(`place 'install.sh' '${manifest.installScript.sha256}'`);
    expect(script).not.toContain(manifest.arches.arm64?.k3s.sha256);
    // Root via sudo for a non-root SSH user; the upload dir is owned by that user.
    expect(verify.inputs.create).toMatch(/^sudo -n bash -s -- create$/);
    expect(unpackScript(String(mocks.byName("armhf-a-airgap-arm-dir-v1.36.3-k3s1").inputs.stdin))).toContain("install -d -m 0700 -o 'pi'");
  });

  test("the install is told to use the staged script without downloads, after verification", async () => {
    const { staged } = await stageAll(bundle);
    const s = staged["arm64-a"];
    expect(s.scriptPath).toBe("/var/lib/rancher/k3s-stacks/airgap/v1.36.3-k3s1/install.sh");
    expect(s.env).toEqual({ INSTALL_K3S_SKIP_DOWNLOAD: "true" });
    expect(s.preInstall).toContain(`airgap_want='${manifest.arches.arm64?.k3s.sha256}'`);
    expect(s.ready).toHaveLength(1);
    expect(await valueOf(s.trigger)).toMatch(/^[0-9a-f]{64}$/);
    expect(await valueOf(staged["arm64-a"].trigger)).not.toBe(await valueOf(staged["armhf-a"].trigger));
  });

  test("the sudo password travels only in secret stdin", async () => {
    await stageAll(bundle);
    const { staged } = await stageAll(bundle);
    const verify = mocks.byName("armhf-b-airgap-arm-verify-v1.36.3-k3s1");
    expect(JSON.stringify(verify.inputs.create)).not.toContain("hunter2");
    const cmd = staged["armhf-b"].ready[0] as unknown as { stdin: pulumi.Output<string> };
    expect(await isSecret(cmd.stdin)).toBe(true);
    expect(await valueOf(cmd.stdin)).toMatch(/^hunter2\n/);
  });

  test("a second run with the same bundle declares identical uploads (nothing to copy again)", async () => {
    const first = await stageAll(bundle);
    const second = await stageAll(loadBundle(dir, VERSION, inventory));
    expect(second.copies).toEqual(first.copies);
    expect(await valueOf(second.staged["srv-x64"].trigger)).toBe(await valueOf(first.staged["srv-x64"].trigger));
  });

  test("a new version declares new uploads only for the new version's files", async () => {
    const first = await stageAll(bundle);
    const dir2 = tmpDir();
    const m2 = writeBundle(dir2, { version: "v1.36.4+k3s1" });
    const second = await stageAll(loadBundle(dir2, "v1.36.4+k3s1", inventory));
    const names1 = new Set(first.copies.map((c) => c.name));
    expect(second.copies.every((c) => !names1.has(c.name) && c.name.endsWith("-v1.36.4-k3s1"))).toBe(true);
    expect(second.copies.find((c) => c.name === "arm64-a-airgap-arm64-k3s-v1.36.4-k3s1")?.inputs).toMatchObject({
      remotePath: "/var/lib/rancher/k3s-stacks/airgap/v1.36.4-k3s1/upload/k3s",
      triggers: [m2.arches.arm64?.k3s.sha256],
    });
  });

  test("a node outside the loaded arches is refused before any resource", async () => {
    const small = loadBundle(dir, VERSION, [node("a", "amd64")]);
    mocks.resources.length = 0;
    expect(() => airgapStager(small).stage(node("pi", "arm"), connectionArgs({ host: "pi" }), new Parent("q"))).toThrow(/node pi is arm, which the loaded bundle does not cover/);
    // a programming error by then: the planner loads the bundle for every node
    expect(() => airgapStager(small).stage(node("pi", "arm"), connectionArgs({ host: "pi" }), new Parent("q2"))).not.toThrow(ConfigError);
    await settle();
    expect(mocks.byType("command:remote:CopyToRemote")).toHaveLength(0);
  });
});

describe("pinned images (kube-vip for cluster.apiVip)", () => {
  test("go to the servers only, into k3s's image import directory, checked like the rest", async () => {
    const dir = tmpDir();
    const m = writeBundle(dir);
    const image = Buffer.from("kube-vip amd64");
    fs.mkdirSync(path.join(dir, "amd64/images"), { recursive: true });
    fs.writeFileSync(path.join(dir, "amd64/images/kubeVip-v1.1.2.tar"), image);
    const entry = { path: "amd64/images/kubeVip-v1.1.2.tar", sha256: createHash("sha256").update(image).digest("hex"), size: image.length };
    fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify({ ...m, images: { kubeVip: { ref: "ghcr.io/kube-vip/kube-vip:v1.1.2", arches: { amd64: entry } } } }));
    const bundle = loadBundle(dir, VERSION, inventory, [], [{ key: "kubeVip", ref: "ghcr.io/kube-vip/kube-vip:v1.1.2", roles: ["server"] }]);
    const { copies } = await stageAll(bundle);
    const images = copies.filter((c) => c.name.includes("image-kubeVip"));
    expect(images.map((c) => [c.name, assetPath(c.inputs)])).toEqual([["srv-x64-airgap-amd64-image-kubeVip-v1.36.3-k3s1", `${dir}/amd64/images/kubeVip-v1.1.2.tar`]]);
    const verify = unpackScript(mocks.byName("srv-x64-airgap-amd64-verify-v1.36.3-k3s1").inputs.stdin as string);
    expect(verify).toContain(`'${entry.sha256}' '/var/lib/rancher/k3s/agent/images/k3s-stacks-kubeVip-v1.1.2.tar'`);
  });
});
