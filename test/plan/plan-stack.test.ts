// planStack: the whole stack planned from raw config and the previous outputs, every check of every
// layer run once and reported together; nothing created. The program-level proof (nothing registered)
// is test/stack/no-resources-on-bad-input.test.ts.
import { planStack } from "../../components/plan/plan-stack";
import type { StackConfig } from "../../components/plan/secrets";
import { problem, problemsOf } from "../support/config";
import { tmpDir, writeBundle } from "../airgap/fixture";
import { cloudStack, inventoryStack } from "../stack/bad-input-cases";

/** A StackConfig from a `config:` map as a stack file holds it. */
function stackConfig(config: Record<string, unknown>, secrets: Record<string, string | undefined> = {}): StackConfig {
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries({ ...config, ...secrets })) if (v !== undefined) values[k.replace(/^k3s-stacks:/, "")] = typeof v === "string" ? v : JSON.stringify(v);
  return { values, secretKeys: new Set(Object.keys(secrets).map((k) => k.replace(/^k3s-stacks:/, ""))), baseDir: "." };
}

const plan = (config: Record<string, unknown>, secrets?: Record<string, string | undefined>, previous?: Parameters<typeof planStack>[1]) => planStack(stackConfig(config, secrets), previous);

describe("nodes as planned", () => {
  test("cloud pools plan their VMs by name, role, arch, labels and taints; addresses stay unknown until creation", () => {
    const p = plan(cloudStack({ pools: [{ name: "cp", role: "server", count: 1, type: "cax11" }, { name: "gpu", role: "agent", count: 2, type: "cx23", labels: { gpu: "yes" }, taints: ["gpu=yes:NoSchedule"] }] }));
    expect(p.nodes).toEqual([
      { name: "cp-0", role: "server", arch: "arm64", pool: "cp", labels: { "k3s-stacks/pool": "cp" }, taints: [], connection: {} },
      { name: "gpu-0", role: "agent", arch: "amd64", pool: "gpu", labels: { "k3s-stacks/pool": "gpu", gpu: "yes" }, taints: ["gpu=yes:NoSchedule"], connection: {} },
      { name: "gpu-1", role: "agent", arch: "amd64", pool: "gpu", labels: { "k3s-stacks/pool": "gpu", gpu: "yes" }, taints: ["gpu=yes:NoSchedule"], connection: {} },
    ]);
    expect(p.serverNames).toEqual(["cp-0"]);
  });

  test("inventory hosts carry their addresses and SSH settings, never a key or password; gone hosts apart", () => {
    const secrets = { "k3s-stacks:sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nKEY-SENTINEL\n-----END OPENSSH PRIVATE KEY-----\n", "k3s-stacks:sudoPassword": "SUDO-SENTINEL" };
    const p = plan(inventoryStack({
      inventory: { user: "ops" },
      hosts: [
        { name: "s1", address: "10.1.0.1", role: "server", arch: "x64", internalAddress: "10.2.0.1" },
        { name: "a1", address: "10.1.0.2", role: "agent", arch: "arm64", port: 2222, bastion: "s1" },
        { name: "a2", address: "10.1.0.3", role: "agent", arch: "arm64", gone: true },
      ],
    }), secrets);
    expect(p.nodes.map((n) => [n.name, n.arch, n.connection, n.internalAddress])).toEqual([
      ["s1", "amd64", { host: "10.1.0.1", port: 22, user: "ops" }, "10.2.0.1"],
      ["a1", "arm64", { host: "10.1.0.2", port: 2222, user: "ops", bastion: { host: "10.1.0.1", port: 22, user: "ops" } }, undefined],
    ]);
    expect(p.gone.map((n) => n.name)).toEqual(["a2"]);
    expect(p.secrets).toMatchObject({ sshPrivateKey: true, sudoPassword: true, datastoreEndpoint: false });
    expect(JSON.stringify(p)).not.toMatch(/SENTINEL/);
  });
});

describe("every check, reported together", () => {
  test("problems of separate layers and of their cross-checks come in one error", () => {
    const problems = problemsOf(() => plan({ ...cloudStack(), "k3s-stacks:addons": { storage: { type: "longhorn", replicas: 5 } }, "k3s-stacks:snapshots": { retention: 3 }, "k3s-stacks:upgrade": { preUpgradeSnapshot: true }, "k3s-stacks:registries": { embeddedMirror: true } }));
    expect(problems).toEqual([
      problem("k3s-stacks:registries.embeddedMirror", "only shares registries listed under mirrors", "mirrors"),
      problem("k3s-stacks:snapshots", "etcd snapshots need the embedded etcd datastore", "datastore to etcd"),
      problem("k3s-stacks:upgrade.preUpgradeSnapshot", "needs the embedded etcd datastore", "remove it"),
      problem("k3s-stacks:addons.storage.replicas", "5 replicas need 5 eligible nodes", "at most 3"),
    ]);
  });

  // Moved from ClusterAddons, which now only refuses a caller's mistake (test/addons/cluster-addons-rook.test.ts).
  test("add-on placement and MetalLB pools are checked against the planned nodes and the cluster's ranges", () => {
    const config = inventoryStack({ hosts: [{ name: "s1", address: "10.1.0.10", role: "server", arch: "amd64" }, { name: "pi", address: "10.1.0.11", role: "agent", arch: "armhf" }] });
    const problems = problemsOf(() => plan({ ...config, "k3s-stacks:addons": { storage: { type: "longhorn", replicas: 3 }, loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["10.43.0.0/24"] }] } } }));
    expect(problems).toEqual([
      problem("k3s-stacks:addons.storage.replicas", /3 replicas need 3 eligible nodes.*pi \(arch armhf:/, "at most 1"),
      problem("k3s-stacks:addons.loadBalancer.pools[0].addresses[0]", "overlaps the service CIDR", "outside the pod and service networks"),
    ]);
  });

  test("the airgap bundle is loaded and checked against every planned node's arch", () => {
    const dir = tmpDir();
    writeBundle(dir, { arches: ["amd64"] });
    const config = { ...inventoryStack(), "k3s-stacks:airgap": { bundleDir: dir } };
    const problems = problemsOf(() => plan(config));
    expect(problems).toEqual([
      expect.stringMatching(/^k3s-stacks:airgap\.bundleDir: node\(s\) a2 are arm64.*Fix: npm run airgap -- .*--arch amd64,arm64/),
    ]);
    const ok = plan({ ...inventoryStack({ hosts: [{ name: "s1", address: "10.1.0.1", role: "server", arch: "amd64" }] }), "k3s-stacks:airgap": { bundleDir: dir } });
    expect(ok.bundle?.version).toBe("v1.36.3+k3s1");
  });

  test("artifactUrl and installScriptUrl set with the airgap bundle are refused: its staged install.sh downloads nothing, so they would do nothing", () => {
    const dir = tmpDir();
    writeBundle(dir, { arches: ["amd64"] });
    const hosts = [{ name: "s1", address: "10.1.0.1", role: "server", arch: "amd64" }];
    const cluster = { artifactUrl: "https://mirror.lan/k3s", installScriptUrl: "https://mirror.lan/install.sh" };
    expect(problemsOf(() => plan({ ...inventoryStack({ hosts, cluster }), "k3s-stacks:airgap": { bundleDir: dir } }))).toEqual([
      problem("k3s-stacks:cluster.artifactUrl", "is not used with k3s-stacks:airgap", "npm run airgap -- --artifact-url https://mirror.lan/k3s"),
      problem("k3s-stacks:cluster.installScriptUrl", "INSTALL_K3S_SKIP_DOWNLOAD=true", "npm run airgap -- --install-script-url https://mirror.lan/install.sh"),
    ]);
    // Without the bundle they are where nodes download k3s.
    expect(plan(inventoryStack({ hosts, cluster })).nodes).toHaveLength(1);
  });
});

test("SSH users are login names for every stack (airgap staging chowns to them): a host or other characters are refused when parsed", () => {
  expect(problemsOf(() => plan(inventoryStack({ inventory: { user: "ops@bastion" } })))).toEqual([
    problem("k3s-stacks:inventory.user", "'ops@bastion' carries a host", "write 'ops' here and 'bastion' in each host's address"),
  ]);
  expect(problemsOf(() => plan(inventoryStack({ inventory: { user: "ops+ci" } })))).toEqual([problem("k3s-stacks:inventory.user", "'ops+ci' is not a login name", "as useradd created it")]);
});

describe("secrets and previous outputs", () => {
  test("a secret set but not readable here (a fleet site's encrypted key) satisfies postgres; in plain text it is refused", () => {
    expect(plan(inventoryStack({ cluster: { datastore: "postgres" } }), { "k3s-stacks:datastoreEndpoint": undefined }).secrets.datastoreEndpoint).toBe(true);
    const problems = problemsOf(() => planStack({ ...stackConfig(inventoryStack({ cluster: { datastore: "postgres" } })), values: { ...stackConfig(inventoryStack({ cluster: { datastore: "postgres" } })).values, datastoreEndpoint: "postgres://u:pw@db/k3s" } }, undefined));
    expect(problems).toEqual([problem("k3s-stacks:datastoreEndpoint", "plain text", "pulumi config set --secret")]);
    expect(problems.join()).not.toContain("pw@");
  });

  test("the previous outputs are checked when upgrade.checkPreviousOutputs is on, and ignored when it is off", () => {
    const previous = { k3sVersion: "v1.34.1+k3s1", serverNames: ["s1"] };
    expect(problemsOf(() => plan(inventoryStack(), {}, previous))).toEqual([problem("k3s-stacks:cluster.k3sVersion", "skips 1 minor version", "v1.35.x")]);
    const off = plan({ ...inventoryStack(), "k3s-stacks:upgrade": { checkPreviousOutputs: false } }, {}, previous);
    expect(off.previous).toBeUndefined();
  });
});

describe("k3s-stacks:sshPrivateKeyPassword against the nodes and the key (plan/ssh-key.ts)", () => {
  const PASSWORD = "k3s-stacks:sshPrivateKeyPassword";
  const rm = problem(PASSWORD, "there is no key for it to unlock", `pulumi config rm ${PASSWORD}`);
  const ENCRYPTED = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
  const UNENCRYPTED = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n";

  test("a local stack has no SSH to use it", () => {
    const machine = { hostname: "laptop", arch: "x64", user: "root" };
    const config = stackConfig({ "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1" }, "k3s-stacks:local": {} }, { [PASSWORD]: "pw-12345" });
    expect(problemsOf(() => planStack(config, undefined, machine))).toEqual([rm]);
  });

  test("a cloud stack whose own key is in the SSH agent has no key for it either", () => {
    const cloud = cloudStack({ cloud: { sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ana@laptop" } });
    expect(problemsOf(() => plan(cloud, { [PASSWORD]: "pw-12345" }))).toEqual([rm]);
    // With the key set it is taken: the content decides.
    expect(problemsOf(() => plan(cloud, { "k3s-stacks:sshPrivateKey": UNENCRYPTED, [PASSWORD]: "pw-12345" }))).toEqual([problem(PASSWORD, "is not protected by a passphrase", `pulumi config rm ${PASSWORD}`)]);
  });

  test("a fleet site whose secrets are set but unreadable: only presence is checked", () => {
    // Key unreadable: no content check at all, with or without a passphrase.
    expect(() => plan(inventoryStack(), { "k3s-stacks:sshPrivateKey": undefined, [PASSWORD]: undefined })).not.toThrow();
    expect(() => plan(inventoryStack(), { "k3s-stacks:sshPrivateKey": undefined })).not.toThrow();
    // Key readable and encrypted, passphrase set but unreadable: not tried, not refused.
    expect(() => plan(inventoryStack(), { "k3s-stacks:sshPrivateKey": ENCRYPTED, [PASSWORD]: undefined })).not.toThrow();
    expect(problemsOf(() => plan(inventoryStack(), { "k3s-stacks:sshPrivateKey": ENCRYPTED }))).toEqual([problem("k3s-stacks:sshPrivateKey", "the key is protected by a passphrase", `pulumi config set --secret ${PASSWORD} <passphrase>`)]);
  });

  test("a key file is left to where it is read; the plan accepts the passphrase with it", () => {
    expect(() => plan(inventoryStack({ inventory: { privateKeyPath: "~/.ssh/id_ed25519" } }), { [PASSWORD]: "pw-12345" })).not.toThrow();
  });
});

test("a mirror without endpoints under disableDefaultEndpoint: the embedded registry turned on in serverConfig is a source, so it is taken", () => {
  const registries = { "k3s-stacks:registries": { disableDefaultEndpoint: true, mirrors: { "docker.io": {} } } };
  expect(problemsOf(() => plan({ ...inventoryStack(), ...registries }))).toEqual([problem("k3s-stacks:registries.mirrors.docker.io", "has no endpoint", "embeddedMirror: true")]);
  expect(plan({ ...inventoryStack({ cluster: { serverConfig: { "embedded-registry": true } } }), ...registries }).registries?.config.disableDefaultEndpoint).toBe(true);
});
