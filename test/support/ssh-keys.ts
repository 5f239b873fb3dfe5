import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Key files as ssh-keygen(1) writes them: OpenSSH (its default), PEM (-m PEM) and PKCS#8 (-m PKCS8). */
export const KEY_KINDS = {
  ed25519: ["-t", "ed25519"],
  rsaPem: ["-t", "rsa", "-b", "2048", "-m", "PEM"],
  ecdsaPem: ["-t", "ecdsa", "-m", "PEM"],
  pkcs8: ["-t", "ecdsa", "-m", "PKCS8"],
  // An OpenSSH key under a cipher golang.org/x/crypto/ssh does not decrypt.
  chacha: ["-t", "ed25519", "-Z", "chacha20-poly1305@openssh.com"],
} as const;
export type KeyKind = keyof typeof KEY_KINDS;

/** One generated key file and its text. */
export interface KeyFile {
  file: string;
  text: string;
}

/**
 * Writes a fresh key of `kind` into `dir` with ssh-keygen, protected by `passphrase` ("" for none).
 */
export function sshKeygen(dir: string, kind: KeyKind, passphrase: string): KeyFile {
  const file = path.join(dir, `${kind}-${passphrase ? "enc" : "plain"}-${Math.random().toString(36).slice(2, 8)}`);
  execFileSync("ssh-keygen", ["-q", ...KEY_KINDS[kind], "-N", passphrase, "-C", "k3s-stacks-test", "-f", file], { stdio: "ignore" });
  return { file, text: fs.readFileSync(file, "utf8") };
}

/** A temporary directory for keys, removed by the returned function. */
export function keyDir(): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "k3s-stacks-keys-"));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
