// The key/passphrase check (components/remote/private-key.ts) on real keys made by ssh-keygen.
import { KeyFile, KeyKind, keyDir, sshKeygen } from "../support/ssh-keys";
import { KeySource, keyEncryption, passwordWithoutKeyProblem, privateKeyProblems } from "../../components/remote/private-key";

const PASS = "correct-horse-42";
const WRONG = "battery-staple-7";
const STACK: KeySource = { key: "k3s-stacks:sshPrivateKey", password: "sshPrivateKeyPassword", unsetKey: "run 'pulumi config rm k3s-stacks:sshPrivateKey'" };

let keys: Record<`${KeyKind}:${"plain" | "enc"}`, KeyFile>;
let remove: () => void;

beforeAll(() => {
  const d = keyDir();
  remove = d.remove;
  const kinds: KeyKind[] = ["ed25519", "rsaPem", "ecdsaPem", "pkcs8"];
  keys = Object.fromEntries(kinds.flatMap((k) => [[`${k}:plain`, sshKeygen(d.dir, k, "")], [`${k}:enc`, sshKeygen(d.dir, k, PASS)]])) as typeof keys;
  keys["chacha:enc"] = sshKeygen(d.dir, "chacha", PASS);
});
afterAll(() => remove());

const problems = (k: KeyFile, password: { set: boolean; value?: string }, source: KeySource = STACK) => privateKeyProblems(k.text, password, source);
const none = { set: false };
const right = { set: true, value: PASS };

test("reads each format's encryption from the key text", () => {
  expect(keyEncryption(keys["ed25519:plain"].text)).toEqual({ format: "openssh", cipher: "none" });
  expect(keyEncryption(keys["ed25519:enc"].text)).toEqual({ format: "openssh", cipher: "aes256-ctr" });
  expect(keyEncryption(keys["chacha:enc"].text)).toEqual({ format: "openssh", cipher: "chacha20-poly1305@openssh.com" });
  expect(keyEncryption(keys["rsaPem:plain"].text)).toEqual({ format: "pem", encrypted: false });
  expect(keyEncryption(keys["rsaPem:enc"].text)).toEqual({ format: "pem", encrypted: true });
  expect(keyEncryption(keys["ecdsaPem:enc"].text)).toEqual({ format: "pem", encrypted: true });
  expect(keyEncryption(keys["pkcs8:plain"].text)).toEqual({ format: "pkcs8", encrypted: false });
  expect(keyEncryption(keys["pkcs8:enc"].text)).toEqual({ format: "pkcs8", encrypted: true });
  expect(keyEncryption("-----BEGIN OPENSSH PRIVATE KEY-----\nnot base64 of a key\n-----END OPENSSH PRIVATE KEY-----\n")).toEqual({ format: "unknown" });
  expect(keyEncryption("anything else")).toEqual({ format: "unknown" });
});

test.each(["ed25519", "rsaPem", "ecdsaPem", "pkcs8"] as const)("%s without a passphrase and no password: fine", (kind) => {
  expect(problems(keys[`${kind}:plain`], none)).toEqual([]);
});

test.each(["ed25519", "rsaPem", "ecdsaPem"] as const)("%s with its passphrase set right: fine (ssh2 decrypts it)", (kind) => {
  expect(problems(keys[`${kind}:enc`], right)).toEqual([]);
});

test.each(["ed25519", "rsaPem", "ecdsaPem"] as const)("%s encrypted without sshPrivateKeyPassword: refused, naming both fixes", (kind) => {
  const [p, ...rest] = problems(keys[`${kind}:enc`], none);
  expect(rest).toEqual([]);
  expect(p).toMatch(/^k3s-stacks:sshPrivateKey: the key is protected by a passphrase and k3s-stacks:sshPrivateKeyPassword is not set.*Fix: run 'pulumi config set --secret k3s-stacks:sshPrivateKeyPassword <passphrase>', or run 'pulumi config rm k3s-stacks:sshPrivateKey', add the key to the SSH agent with 'ssh-add /);
});

test.each(["ed25519", "rsaPem", "ecdsaPem", "pkcs8"] as const)("%s not encrypted but a password set: refused with pulumi config rm", (kind) => {
  expect(problems(keys[`${kind}:plain`], right)).toEqual([
    expect.stringMatching(/^k3s-stacks:sshPrivateKeyPassword: is set, but k3s-stacks:sshPrivateKey is not protected by a passphrase.*"ssh: not an encrypted key".*Fix: run 'pulumi config rm k3s-stacks:sshPrivateKeyPassword'\.$/),
  ]);
});

test.each(["ed25519", "rsaPem", "ecdsaPem"] as const)("%s with a wrong passphrase: refused", (kind) => {
  expect(problems(keys[`${kind}:enc`], { set: true, value: WRONG })).toEqual([
    expect.stringMatching(/^k3s-stacks:sshPrivateKeyPassword: does not decrypt k3s-stacks:sshPrivateKey \(wrong passphrase\)\. Fix: run 'pulumi config set --secret k3s-stacks:sshPrivateKeyPassword <passphrase>'/),
  ]);
  // An empty passphrase decrypts nothing (ssh-keygen -N '' writes an unencrypted key).
  expect(problems(keys[`${kind}:enc`], { set: true, value: "" })).toHaveLength(1);
});

test("a password set but not readable (a fleet site's secret) is only checked for presence", () => {
  expect(problems(keys["ed25519:enc"], { set: true })).toEqual([]);
  expect(problems(keys["ed25519:plain"], { set: true })).toHaveLength(1);
});

test("encrypted PKCS#8 is refused with or without a password: the provider cannot read it; ssh-keygen -p rewrites it", () => {
  for (const password of [none, right]) {
    expect(problems(keys["pkcs8:enc"], password)).toEqual([
      expect.stringMatching(/^k3s-stacks:sshPrivateKey: the key is an encrypted PKCS#8 key \(-----BEGIN ENCRYPTED PRIVATE KEY-----\).*Fix: 'ssh-keygen -p -f <key file>' rewrites it in OpenSSH format.*, then set it again with 'pulumi config set --secret k3s-stacks:sshPrivateKey "\$\(cat <key file>\)"'\.$/),
    ]);
  }
});

test("an OpenSSH cipher the provider's library does not decrypt is refused, naming ssh-keygen -Z aes256-ctr", () => {
  expect(problems(keys["chacha:enc"], right)).toEqual([expect.stringMatching(/is encrypted with chacha20-poly1305@openssh.com.*Fix: 'ssh-keygen -p -Z aes256-ctr -f <key file>'/)]);
});

test("a key read from a file names the file; the fixes name it too", () => {
  const k = keys["ed25519:enc"];
  const [p] = problems(k, none, { key: "k3s-stacks:inventory.privateKeyPath", file: k.file, password: "sshPrivateKeyPassword", unsetKey: "remove privateKeyPath from k3s-stacks:inventory" });
  expect(p).toContain(`k3s-stacks:inventory.privateKeyPath: ${k.file} is protected by a passphrase`);
  expect(p).toContain(`remove privateKeyPath from k3s-stacks:inventory, add the key to the SSH agent with 'ssh-add ${k.file}'`);
});

test("library arguments get fixes for code, not pulumi config", () => {
  const source: KeySource = { key: "inventoryNodeSpecs.secrets.privateKey", password: { arg: "inventoryNodeSpecs.secrets.privateKeyPassword" }, unsetKey: "leave out `privateKey`" };
  expect(problems(keys["rsaPem:enc"], none, source)[0]).toContain("Fix: pass the key's passphrase as `privateKeyPassword` in inventoryNodeSpecs's `secrets` argument (a secret)");
  expect(problems(keys["rsaPem:plain"], right, source)[0]).toContain("Fix: leave out `privateKeyPassword` in inventoryNodeSpecs's `secrets` argument.");
  expect(passwordWithoutKeyProblem(source.password, "no key is given")).toContain("leave out `privateKeyPassword`");
});

test("no message ever holds the key or the passphrase", () => {
  const all = Object.values(keys).flatMap((k) => [none, right, { set: true, value: WRONG }].flatMap((p) => problems(k, p)));
  expect(all.length).toBeGreaterThan(10);
  for (const message of all) {
    expect(message).not.toContain(PASS);
    expect(message).not.toContain(WRONG);
    for (const k of Object.values(keys)) expect(message).not.toContain(k.text.split("\n")[1]);
  }
});

test("ssh2 failing on a key for another reason than the passphrase never refuses it", () => {
  const k = keys["ed25519:enc"];
  expect(privateKeyProblems(k.text, right, STACK, () => new Error("Unsupported OpenSSH private key type: sk-ssh-ed25519@openssh.com"))).toEqual([]);
  expect(privateKeyProblems(k.text, right, STACK, () => { throw new Error("boom"); })).toEqual([]);
  expect(privateKeyProblems(k.text, right, STACK, () => new Error("OpenSSH key integrity check failed -- bad passphrase?"))).toHaveLength(1);
});

// Go's encoding/pem (the provider's first step) drops each line's trailing spaces, tabs and CR and
// finds a block only where "-----BEGIN" starts a line.
const layouts: Record<string, (t: string) => string> = {
  "CRLF line endings": (t) => t.replace(/\n/g, "\r\n"),
  "trailing spaces and tabs": (t) => t.replace(/\n/g, " \t \n"),
  "leading blank lines": (t) => `\n\n${t}`,
  "no final newline": (t) => t.trimEnd(),
};

describe.each(Object.keys(layouts))("a key with %s, which Go reads as it is", (layout) => {
  const as = (k: KeyFile) => ({ ...k, text: layouts[layout](k.text) });
  test.each(["ed25519", "rsaPem", "ecdsaPem"] as const)("%s: the same verdicts as the key itself", (kind) => {
    const enc = as(keys[`${kind}:enc`]);
    expect(problems(enc, right)).toEqual([]);
    expect(problems(enc, none)).toEqual([expect.stringContaining("is protected by a passphrase")]);
    expect(problems(enc, { set: true, value: WRONG })).toEqual([expect.stringContaining("(wrong passphrase)")]);
    expect(problems(as(keys[`${kind}:plain`]), right)).toEqual([expect.stringContaining("is not protected by a passphrase")]);
  });
});

test.each([
  ["indented", (t: string) => t.split("\n").map((l) => `  ${l}`).join("\n")],
  ["pasted with literal \\n", (t: string) => t.replace(/\n/g, "\\n")],
])("a key %s has no block Go can find: refused as no key at all (\"ssh: no key found\"), whatever the passphrase", (_layout, layout) => {
  for (const kind of ["ed25519", "rsaPem", "ecdsaPem"] as const) {
    const text = layout(keys[`${kind}:enc`].text);
    expect(keyEncryption(text)).toEqual({ format: "unknown" });
    for (const password of [right, none]) {
      expect(problems({ ...keys[`${kind}:enc`], text }, password)).toEqual([
        expect.stringMatching(/^k3s-stacks:sshPrivateKey: the key has no PEM block .*"ssh: no key found".* Fix: set the key's text, not its path, with its line breaks/),
      ]);
    }
  }
});

// golang.org/x/crypto/ssh ParseRawPrivateKey starts with encoding/pem's Decode: with no block it fails
// "ssh: no key found", so every SSH step would. Nothing of the text is shown.
test.each([
  ["its path", "/home/ana/.ssh/id_ed25519", "not its path"],
  ["a PuTTY .ppk file", "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: SECRET-COMMENT\nPublic-Lines: 2\n", "puttygen <file>.ppk -O private-openssh"],
  ["a BEGIN line without its END line", "-----BEGIN OPENSSH PRIVATE KEY-----\nSECRET-COMMENT\n", "not its path"],
])("the key given as %s is refused before anything runs, without showing it", (_what, text, fix) => {
  const [p, ...rest] = privateKeyProblems(text, none, STACK);
  expect(rest).toEqual([]);
  expect(p).toMatch(new RegExp(`^k3s-stacks:sshPrivateKey: .*"ssh: no key found".* Fix: .*${fix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  expect(p).not.toContain("SECRET-COMMENT");
  expect(p).not.toContain("/home/ana");
});

test("a file with no key names the file and asks for the private key file; library arguments get code fixes", () => {
  const file = { key: "k3s-stacks:inventory.privateKeyPath", file: "/home/ana/.ssh/config", password: "sshPrivateKeyPassword", unsetKey: "remove privateKeyPath" } as KeySource;
  expect(privateKeyProblems("Host pi\n  User pi\n", none, file)).toEqual([expect.stringMatching(/^k3s-stacks:inventory.privateKeyPath: \/home\/ana\/.ssh\/config has no PEM block.* Fix: point it at the private key file itself/)]);
  const code: KeySource = { key: "inventoryNodeSpecs.secrets.privateKey", password: { arg: "inventoryNodeSpecs.secrets.privateKeyPassword" }, unsetKey: "leave out `privateKey`" };
  expect(privateKeyProblems("~/.ssh/id_ed25519", none, code)).toEqual([expect.stringContaining("Fix: pass the key file's content (its text, with its line breaks), not its path.")]);
});
