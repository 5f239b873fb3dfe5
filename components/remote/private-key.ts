import { ConfigRoot, isArgument, keyPath, settingName } from "../rules/errors";

/*
 * Whether an SSH private key and its passphrase setting fit together, judged the way the command
 * provider reads them: pulumi-command parses the key with golang.org/x/crypto/ssh, ParsePrivateKey
 * without a password (an encrypted key fails: "ssh: this private key is passphrase protected") and
 * ParsePrivateKeyWithPassphrase with one (an unencrypted key fails: "ssh: not an encrypted key" for
 * PEM and PKCS#8, "ssh: key is not password protected" for OpenSSH). That package decrypts OpenSSH keys
 * with the bcrypt KDF and aes256-ctr or aes256-cbc only, PEM keys with a Proc-Type: 4,ENCRYPTED
 * header, and not encrypted PKCS#8 ("-----BEGIN ENCRYPTED PRIVATE KEY-----") at all.
 */

/** What the key text says about its encryption; `unknown` when it is none of the formats below. */
export type KeyEncryption =
  | { format: "openssh"; cipher: string }
  | { format: "pem"; encrypted: boolean }
  | { format: "pkcs8"; encrypted: boolean }
  | { format: "unknown" };

const OPENSSH_MAGIC = "openssh-key-v1\0";
/** The ciphers golang.org/x/crypto/ssh decrypts an OpenSSH key with (passphraseProtectedOpenSSHKey). */
const GO_OPENSSH_CIPHERS = ["aes256-ctr", "aes256-cbc"];

/**
 * The key text as Go's encoding/pem reads it, which the provider's parser starts with: each line
 * without its trailing spaces, tabs and CR (pem getLine). A block counts only where its BEGIN line
 * starts a line; an indented key or one pasted with literal "\n" has none (Go: "ssh: no key found").
 */
function pemLines(text: string): string {
  return text.split("\n").map((line) => line.replace(/[ \t\r]+$/, "")).join("\n");
}

function pemBody(text: string, label: string): string | undefined {
  const m = new RegExp(`(?:^|\\n)-----BEGIN ${label}-----\\n([\\s\\S]*?)\\n-----END ${label}-----`).exec(text);
  return m?.[1];
}

/**
 * Reads the format and encryption of a private key's text (PROTOCOL.key of OpenSSH: the base64 body
 * starts with "openssh-key-v1\0" and a uint32-length cipher name, "none" when unencrypted; RFC 1421
 * headers for PEM; RFC 5958 for PKCS#8). Never throws; anything unrecognised is `unknown`.
 */
export function keyEncryption(keyText: string): KeyEncryption {
  const text = pemLines(keyText);
  const openssh = pemBody(text, "OPENSSH PRIVATE KEY");
  if (openssh !== undefined) {
    const blob = Buffer.from(openssh.replace(/\s+/g, ""), "base64");
    const at = OPENSSH_MAGIC.length;
    if (blob.length < at + 4 || blob.subarray(0, at).toString("latin1") !== OPENSSH_MAGIC) return { format: "unknown" };
    const length = blob.readUInt32BE(at);
    if (length === 0 || length > 64 || blob.length < at + 4 + length) return { format: "unknown" };
    return { format: "openssh", cipher: blob.subarray(at + 4, at + 4 + length).toString("latin1") };
  }
  if (pemBody(text, "ENCRYPTED PRIVATE KEY") !== undefined) return { format: "pkcs8", encrypted: true };
  if (pemBody(text, "PRIVATE KEY") !== undefined) return { format: "pkcs8", encrypted: false };
  const pem = /(?:^|\n)-----BEGIN (RSA|EC|DSA) PRIVATE KEY-----\n([\s\S]*?)\n-----END \1 PRIVATE KEY-----/.exec(text);
  if (pem) return { format: "pem", encrypted: /^Proc-Type:\s*4,\s*ENCRYPTED\s*$/m.test(pem[2]) };
  return { format: "unknown" };
}

/**
 * Whether Go's encoding/pem finds no block in the text at all, so the provider's ParsePrivateKey
 * (golang.org/x/crypto/ssh keys.go ParseRawPrivateKey) fails with "ssh: no key found" whatever the
 * passphrase: pem.Decode needs "-----BEGIN " at the start of the text or of a line, and a later
 * "\n-----END ". A key's path given as its text, a PuTTY .ppk file or a key whose line breaks were
 * pasted as the two characters "\n" has neither. Only the raw text is read: nothing of it is shown.
 */
function noPemBlock(text: string): boolean {
  const begin = /(?:^|\n)-----BEGIN /.exec(text);
  return !begin || text.indexOf("\n-----END ", begin.index + 1) < 0;
}

/** Where a key comes from, as the messages name it and word their fixes. */
export interface KeySource {
  /** The key's setting: `k3s-stacks:sshPrivateKey`, `k3s-stacks:inventory.privateKeyPath`, or an argument. */
  key: string;
  /** The file the key was read from (for the ssh-keygen fix); undefined for a key given as text. */
  file?: string;
  /** The passphrase's setting: `sshPrivateKeyPassword` (a stack key) or a library argument. */
  password: ConfigRoot;
  /** How to stop giving the key so the SSH agent is used instead, e.g. `pulumi config rm k3s-stacks:sshPrivateKey`. */
  unsetKey: string;
}

/** The passphrase setting: whether it is set, and its value when readable here (a fleet site's secret is not). */
export interface KeyPassword {
  set: boolean;
  value?: string;
}

/** ssh2's parseKey: an Error for a wrong passphrase, a key (or keys) otherwise. */
type ParseKey = (key: string, passphrase?: string) => unknown;

/** ssh2 (already the reachability probe's SSH client), loaded only when a passphrase must be tried. */
function ssh2ParseKey(): ParseKey {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a synchronous, lazy load: the plan is synchronous and most stacks never need it
  return (require("ssh2") as typeof import("ssh2")).utils.parseKey as ParseKey;
}

/**
 * ssh2's parser trying each key and passphrase once, for checking many connections that share a key
 * (a library user's nodes): a passphrase try costs the key's KDF rounds.
 */
export function memoParseKey(): ParseKey {
  const tried = new Map<string, unknown>();
  return (key, passphrase) => {
    const id = `${passphrase ?? ""}\0${key}`;
    if (!tried.has(id)) tried.set(id, ssh2ParseKey()(key, passphrase));
    return tried.get(id);
  };
}

/** Only ssh2's verdict on the passphrase counts; a key it cannot read otherwise is left to the provider. */
function wrongPassphrase(parseKey: ParseKey, text: string, passphrase: string): boolean {
  try {
    // ssh2 stops at trailing spaces that Go's encoding/pem drops: give it the lines Go reads.
    const parsed = parseKey(pemLines(text), passphrase);
    return parsed instanceof Error && /bad passphrase/i.test(parsed.message);
  } catch {
    return false;
  }
}

/**
 * Problems of a private key's text with its passphrase setting, each "setting: what is wrong. Fix:
 * ...": an encrypted key without a passphrase, a passphrase for a key that is not encrypted, a
 * passphrase that does not decrypt it (tried with ssh2's parser, which reads OpenSSH and PEM keys;
 * a key it cannot parse is never refused for that), an OpenSSH cipher or an encrypted PKCS#8 key the
 * provider cannot read, and a text with no PEM block at all (noPemBlock). Neither the key nor the
 * passphrase ever appears in a message. Empty when the key is fine or has a block of a format not
 * recognised here (the provider then reports what it finds). `parseKey`
 * stands in for ssh2's parser, which is loaded only when a passphrase must be tried.
 */
export function privateKeyProblems(text: string, password: KeyPassword, source: KeySource, parseKey?: ParseKey): string[] {
  const enc = keyEncryption(text);
  // Each problem opens with the setting at fault: the key's, or the passphrase's; the file is named after it.
  const it = source.file ? `${source.key}: ${source.file}` : `${source.key}: the key`;
  const theKey = source.file ? `${source.key} (${source.file})` : source.key;
  const file = source.file ?? "<key file>";
  const pwKey = keyPath(source.password, []);
  const pw = settingName(source.password);
  const code = isArgument(source.password);
  const setPw = code ? `pass the key's passphrase as ${pw} (a secret)` : `run 'pulumi config set --secret ${pw} <passphrase>'`;
  const dropPw = code ? `leave out ${pw}` : `run 'pulumi config rm ${pw}'`;
  const reset = source.file ? "" : code ? ", then pass the rewritten file's content" : `, then set it again with 'pulumi config set --secret ${source.key} "$(cat ${file})"'`;
  if (enc.format === "unknown" && noPemBlock(text)) {
    const putty = text.trimStart().startsWith("PuTTY-User-Key-File-");
    const what = putty ? "is a PuTTY key (.ppk), not the PEM text" : "has no PEM block (a '-----BEGIN ... PRIVATE KEY-----' line, then its '-----END' line)";
    const fix = putty
      ? `'puttygen <file>.ppk -O private-openssh -o <file>' writes it in OpenSSH format; ${source.file ? `point ${source.key} at that file` : code ? "pass that file's content" : `then set it again with 'pulumi config set --secret ${source.key} "$(cat <file>)"'`}`
      : source.file
        ? `point it at the private key file itself, which begins with '-----BEGIN OPENSSH PRIVATE KEY-----' (ssh-keygen writes it next to the .pub file)`
        : code
          ? "pass the key file's content (its text, with its line breaks), not its path"
          : `set the key's text, not its path, with its line breaks: 'pulumi config set --secret ${source.key} "$(cat ~/.ssh/id_ed25519)"'`;
    return [`${it} ${what}, so the command provider's SSH library (golang.org/x/crypto/ssh) finds no key in it ("ssh: no key found") and every SSH step would fail. Fix: ${fix}.`];
  }
  if (enc.format === "pkcs8" && enc.encrypted) {
    return [`${it} is an encrypted PKCS#8 key (-----BEGIN ENCRYPTED PRIVATE KEY-----), which the command provider's SSH library (golang.org/x/crypto/ssh) cannot read, so every SSH step would fail. Fix: 'ssh-keygen -p -f ${file}' rewrites it in OpenSSH format (keep its passphrase or set a new one)${reset}.`];
  }
  if (enc.format === "openssh" && enc.cipher !== "none" && !GO_OPENSSH_CIPHERS.includes(enc.cipher)) {
    return [`${it} is encrypted with ${enc.cipher}; the command provider's SSH library (golang.org/x/crypto/ssh) decrypts OpenSSH keys with aes256-ctr or aes256-cbc only, so every SSH step would fail. Fix: 'ssh-keygen -p -Z aes256-ctr -f ${file}' re-encrypts it with aes256-ctr (ssh-keygen's default)${reset}.`];
  }
  const encrypted = enc.format === "openssh" ? enc.cipher !== "none" : enc.format === "unknown" ? undefined : enc.encrypted;
  if (encrypted === true && !password.set) {
    return [`${it} is protected by a passphrase and ${pw} is not set, so the command provider cannot use it ("ssh: this private key is passphrase protected") and every SSH step would fail. Fix: ${setPw}, or ${source.unsetKey}, add the key to the SSH agent with 'ssh-add ${file}' and run pulumi with SSH_AUTH_SOCK set.`];
  }
  if (encrypted === false && password.set) {
    return [`${pwKey}: is set, but ${theKey} is not protected by a passphrase, and the command provider then refuses the key ("ssh: not an encrypted key"). Fix: ${dropPw}.`];
  }
  if (encrypted === true && password.value !== undefined) {
    if (password.value === "" || wrongPassphrase(parseKey ?? ssh2ParseKey(), text, password.value)) {
      return [`${pwKey}: does not decrypt ${theKey} (wrong passphrase). Fix: ${code ? `pass the passphrase the key was written with as ${pw}` : `run 'pulumi config set --secret ${pw} <passphrase>' with the passphrase the key was written with`} ('ssh-keygen -y -f ${file}' asks for it and shows whether it is right).`];
    }
  }
  return [];
}

/**
 * The passphrase is set but no key it could unlock is given: SSH then uses the agent (or, for cloud
 * VMs, the key pair k3s-stacks generates, which has none), so the setting would be ignored. `why` says
 * which key is missing, e.g. "neither k3s-stacks:sshPrivateKey nor k3s-stacks:inventory.privateKeyPath is set".
 */
export function passwordWithoutKeyProblem(password: ConfigRoot, why: string): string {
  const pw = settingName(password);
  const fix = isArgument(password) ? `leave out ${pw}, or give the encrypted key it unlocks` : `run 'pulumi config rm ${pw}', or set the encrypted key it unlocks`;
  return `${keyPath(password, [])}: is set, but ${why}, so there is no key for it to unlock and it would be ignored. Fix: ${fix}.`;
}
