// k3s-stacks:sshPrivateKeyPassword: a passphrase-protected key (ssh-keygen's default prompt) is refused
// before anything is registered unless its passphrase is set and right, and the passphrase reaches every
// SSH connection (nodes and bastions) only as a secret.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("./support/recorder").recordingCommandModule());

import * as pulumi from "@pulumi/pulumi";
import { installMocks, isSecret, valueOf } from "../support/mocks";
import { setStackConfig } from "../support/stack";
import { KeyFile, keyDir, sshKeygen } from "../support/ssh-keys";
import { SENTINEL, StackRun, arrivedSecret, drain, leaks, marksIn, marksInsideSecrets, mockOutputs, plainStrings, refusedProblems, runStack, unwrap } from "./support/harness";
import { cloudStack } from "./bad-input-cases";
import { installCloudMocks, settle } from "../cloud/cloud-mocks";
import { main } from "../../stacks/main";
import { removedNodes } from "../../components/remote/removed";

const PASSWORD = "k3s-stacks:sshPrivateKeyPassword";
const KEY = "k3s-stacks:sshPrivateKey";
const CLUSTER = { k3sVersion: "v1.36.3+k3s1", datastore: "etcd" };
const HOSTS = [
  { name: "cp-1", address: "10.4.0.11", role: "server", arch: "amd64" },
  { name: "w-1", address: "10.4.0.21", role: "agent", arch: "amd64", bastion: "cp-1" },
  { name: "w-2", address: "10.4.0.22", role: "agent", arch: "arm64", bastion: { address: "203.0.113.9", user: "jump" } },
];
const stack = (inventory: Record<string, unknown> = {}) => ({ "k3s-stacks:cluster": CLUSTER, "k3s-stacks:inventory": { hosts: HOSTS, ...inventory } });

let remove: () => void;
let encrypted: KeyFile;
let plain: KeyFile;
let rsaEncrypted: KeyFile;
let pkcs8Encrypted: KeyFile;

beforeAll(() => {
  const d = keyDir();
  remove = d.remove;
  encrypted = sshKeygen(d.dir, "ed25519", SENTINEL.keyPassword);
  plain = sshKeygen(d.dir, "ed25519", "");
  rsaEncrypted = sshKeygen(d.dir, "rsaPem", SENTINEL.keyPassword);
  pkcs8Encrypted = sshKeygen(d.dir, "pkcs8", SENTINEL.keyPassword);
});
afterAll(() => remove());

/** The problems the program stops with, having registered nothing (previous outputs aside). */
async function refused(config: Record<string, unknown>, secrets: Record<string, string>): Promise<string[]> {
  const problems = await refusedProblems(await installMocks(), config, secrets);
  for (const p of problems) expect({ p, marks: marksIn(p) }).toEqual({ p, marks: [] });
  return problems;
}

describe("refused before any resource is registered", () => {
  test("an encrypted sshPrivateKey without sshPrivateKeyPassword", async () => {
    expect(await refused(stack(), { [KEY]: encrypted.text })).toEqual([
      expect.stringMatching(/^k3s-stacks:sshPrivateKey: the key is protected by a passphrase and k3s-stacks:sshPrivateKeyPassword is not set.*Fix: run 'pulumi config set --secret k3s-stacks:sshPrivateKeyPassword <passphrase>', or run 'pulumi config rm k3s-stacks:sshPrivateKey', add the key to the SSH agent with 'ssh-add/),
    ]);
  });

  test("an encrypted privateKeyPath file without sshPrivateKeyPassword, naming the file", async () => {
    expect(await refused(stack({ privateKeyPath: rsaEncrypted.file }), {})).toEqual([
      expect.stringMatching(new RegExp(`^k3s-stacks:inventory\\.privateKeyPath: ${rsaEncrypted.file} is protected by a passphrase.*remove privateKeyPath from k3s-stacks:inventory, add the key to the SSH agent with 'ssh-add ${rsaEncrypted.file}'`)),
    ]);
  });

  test("a passphrase for a key that has none, given as the secret or as the file", async () => {
    const rm = /^k3s-stacks:sshPrivateKeyPassword: is set, but .* is not protected by a passphrase.*Fix: run 'pulumi config rm k3s-stacks:sshPrivateKeyPassword'\.$/;
    expect(await refused(stack(), { [KEY]: plain.text, [PASSWORD]: SENTINEL.keyPassword })).toEqual([expect.stringMatching(rm)]);
    expect(await refused(stack({ privateKeyPath: plain.file }), { [PASSWORD]: SENTINEL.keyPassword })).toEqual([expect.stringMatching(rm)]);
  });

  test("a wrong passphrase, for the secret key and for the key file", async () => {
    const wrong = /^k3s-stacks:sshPrivateKeyPassword: does not decrypt .* \(wrong passphrase\)\. Fix: run 'pulumi config set --secret k3s-stacks:sshPrivateKeyPassword <passphrase>'/;
    expect(await refused(stack(), { [KEY]: encrypted.text, [PASSWORD]: "not-the-passphrase" })).toEqual([expect.stringMatching(wrong)]);
    expect(await refused(stack({ privateKeyPath: rsaEncrypted.file }), { [PASSWORD]: "not-the-passphrase" })).toEqual([expect.stringMatching(wrong)]);
  });

  test("an encrypted PKCS#8 key, which the command provider cannot read, with ssh-keygen -p as the fix", async () => {
    expect(await refused(stack({ privateKeyPath: pkcs8Encrypted.file }), { [PASSWORD]: SENTINEL.keyPassword })).toEqual([
      expect.stringMatching(new RegExp(`^k3s-stacks:inventory\\.privateKeyPath: ${pkcs8Encrypted.file} is an encrypted PKCS#8 key.*Fix: 'ssh-keygen -p -f ${pkcs8Encrypted.file}' rewrites it in OpenSSH format`)),
    ]);
  });

  test("a passphrase with no key of the user's to unlock: the SSH agent, or a cloud's generated key pair", async () => {
    expect(await refused(stack(), { [PASSWORD]: SENTINEL.keyPassword })).toEqual([
      expect.stringMatching(/^k3s-stacks:sshPrivateKeyPassword: is set, but neither k3s-stacks:sshPrivateKey nor k3s-stacks:inventory.privateKeyPath is set \(SSH uses the agent\).*Fix: run 'pulumi config rm k3s-stacks:sshPrivateKeyPassword'/),
    ]);
    expect(await refused(cloudStack(), { [KEY]: encrypted.text, [PASSWORD]: SENTINEL.keyPassword })).toEqual([
      expect.stringMatching(/^k3s-stacks:sshPrivateKeyPassword: is set, but k3s-stacks:cloud.sshPublicKey is not set, so the VMs get a generated key pair/),
    ]);
  });

  test("the passphrase in plain text is refused like every secret", async () => {
    expect(await refused({ ...stack(), [PASSWORD]: SENTINEL.keyPassword }, { [KEY]: encrypted.text })).toEqual([
      expect.stringMatching(/^k3s-stacks:sshPrivateKeyPassword: is stored in plain text\. Fix: .*pulumi config set --secret k3s-stacks:sshPrivateKeyPassword <passphrase>/),
    ]);
  });
});

/** Every remote.Command's connection: arrived secret, with the passphrase on the node and on its bastion. */
function expectPassphraseEverywhere(run: StackRun): void {
  const commands = run.state.byType("command:remote:Command");
  expect(commands.length).toBeGreaterThan(15);
  let proxied = 0;
  for (const r of commands) {
    expect({ name: r.name, secret: arrivedSecret(r.inputs.connection) }).toEqual({ name: r.name, secret: true });
    const c = unwrap(r.inputs.connection) as { privateKeyPassword?: string; proxy?: { privateKeyPassword?: string } };
    expect({ name: r.name, password: c.privateKeyPassword }).toEqual({ name: r.name, password: SENTINEL.keyPassword });
    if (c.proxy) {
      proxied++;
      expect({ name: r.name, password: c.proxy.privateKeyPassword }).toEqual({ name: r.name, password: SENTINEL.keyPassword });
    }
  }
  expect(proxied).toBeGreaterThan(0);
}

/** Neither the passphrase nor the key's body appears outside a secret: inputs, and plain outputs. */
async function expectNoLeaks(run: StackRun, key: KeyFile): Promise<void> {
  expect(leaks(run.state)).toEqual([]);
  expect(marksInsideSecrets(run.state).has("KEYPASS-SENTINEL")).toBe(true);
  // The key's base64 body lines, but an OpenSSH key's first (format, cipher and KDF names: not secret).
  const body = key.text.split("\n").filter((l) => l.length >= 20 && !l.startsWith("-----") && !l.includes(":"));
  const lines = key.text.includes("OPENSSH") ? body.slice(1) : body;
  expect(lines.length).toBeGreaterThan(2);
  const holdsKey = (text: string) => lines.some((l) => text.includes(l));
  const plainKey = run.state.resources.flatMap((r) => plainStrings(r.inputs).filter((s) => holdsKey(s.value)).map((s) => `${r.name}${s.path}`));
  expect(plainKey).toEqual([]);
  for (const [name, value] of Object.entries(run.outputs)) {
    if (await isSecret(value as pulumi.Input<unknown>)) continue;
    const text = JSON.stringify(await valueOf(value as pulumi.Input<unknown>));
    expect({ name, marks: marksIn(text), key: holdsKey(text) }).toEqual({ name, marks: [], key: false });
  }
}

describe("the right passphrase with k3s-stacks:sshPrivateKey", () => {
  let run: StackRun;
  beforeAll(async () => {
    run = await runStack(stack(), { [KEY]: encrypted.text, [PASSWORD]: SENTINEL.keyPassword });
  });
  test("reaches every remote.Command connection, node and bastion, as a secret", () => expectPassphraseEverywhere(run));
  test("never appears in plain state or outputs", () => expectNoLeaks(run, encrypted));
});

describe("the right passphrase with inventory.privateKeyPath", () => {
  let run: StackRun;
  beforeAll(async () => {
    run = await runStack(stack({ privateKeyPath: rsaEncrypted.file }), { [PASSWORD]: SENTINEL.keyPassword });
  });
  test("reaches every remote.Command connection, node and bastion, as a secret", () => expectPassphraseEverywhere(run));
  test("never appears in plain state or outputs", () => expectNoLeaks(run, rsaEncrypted));
});

test("cloud VMs with the user's key get its passphrase on every SSH connection, wait for cloud-init included", async () => {
  const seen = await installCloudMocks();
  const publicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ana@laptop";
  setStackConfig(cloudStack({ cloud: { sshPublicKey: publicKey } }), { [KEY]: encrypted.text, [PASSWORD]: SENTINEL.keyPassword });
  await main();
  await settle();
  const commands = seen.filter((r) => r.type === "command:remote:Command");
  expect(commands.some((r) => r.name.endsWith("-wait-ssh"))).toBe(true);
  for (const r of commands) {
    expect({ name: r.name, secret: arrivedSecret(r.inputs.connection) }).toEqual({ name: r.name, secret: true });
    expect({ name: r.name, password: (unwrap(r.inputs.connection) as { privateKeyPassword?: string }).privateKeyPassword }).toEqual({ name: r.name, password: SENTINEL.keyPassword });
  }
});

describe("a host removed from the inventory since the last update", () => {
  const old = { host: "10.4.0.30", port: 22, user: "ops", bastion: { host: "203.0.113.9", port: 22, user: "jump" } };
  const previous = {
    k3sVersion: CLUSTER.k3sVersion,
    datastore: "etcd",
    serverNames: ["cp-1"],
    nodeAddresses: {
      "cp-1": { host: "10.4.0.11", port: 22, user: "root" },
      "w-1": { host: "10.4.0.21", port: 22, user: "root", bastion: { host: "10.4.0.11", port: 22, user: "root" } },
      "w-2": { host: "10.4.0.22", port: 22, user: "root", bastion: old.bastion },
      old,
    },
    nodeIdentities: { "cp-1": "server/amd64", "w-1": "agent/amd64", "w-2": "agent/arm64", old: "agent/amd64" },
  };

  test("is uninstalled over SSH with the passphrase, on the host and its bastion, as a secret", async () => {
    const state = await installMocks({ outputs: (type, name) => (type === "pulumi:pulumi:StackReference" ? { outputs: previous } : mockOutputs(type, name)) });
    setStackConfig(stack(), { [KEY]: encrypted.text, [PASSWORD]: SENTINEL.keyPassword });
    await main();
    await drain();
    const uninstall = state.byName("k3s-old-install");
    expect(arrivedSecret(uninstall.inputs.connection)).toBe(true);
    expect(unwrap(uninstall.inputs.connection)).toMatchObject({ host: old.host, privateKeyPassword: SENTINEL.keyPassword, proxy: { host: old.bastion.host, privateKeyPassword: SENTINEL.keyPassword } });
  });

  test("is probed through its bastion with the passphrase too", () => {
    const [target] = removedNodes(previous.nodeAddresses, ["cp-1", "w-1", "w-2"], encrypted.text, SENTINEL.keyPassword);
    expect(target.connection).toMatchObject({ privateKeyPassword: SENTINEL.keyPassword, bastion: { privateKeyPassword: SENTINEL.keyPassword } });
  });
});
