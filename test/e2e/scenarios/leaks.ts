/**
 * Secrets in clear: the join token, the kubeconfig's client key and the SSH private key must not
 * appear in the exported state or in any log a run produced (engine output and events, CLI files,
 * the stand-ins' invocation log, every host's sshd log).
 */
import * as fs from "fs";
import * as path from "path";
import { gunzipSync } from "zlib";
import { TestLab } from "../hosts";
import type { E2eStack, RunLog } from "./stack";

export interface Secrets {
  token: string;
  clientKey: string;
  /** Base64 lines of the private key body: any of them in clear means the key leaked. */
  keyLines: string[];
  sudoPassword: string;
  /** Passphrase of the SSH private key, when the stack's key has one. */
  keyPassword?: string;
}

/** Reads the secrets from where they really live: the first server's files and the lab's key. */
export function readSecrets(lab: TestLab, server: string): Secrets {
  const token = lab.readFile(server, "/etc/rancher/k3s/token")?.trim();
  const kubeconfig = lab.readFile(server, "/etc/rancher/k3s/k3s.yaml") ?? "";
  const clientKey = /client-key-data:\s*(\S+)/.exec(kubeconfig)?.[1];
  if (!token || !clientKey) throw new Error(`${server} has no token or kubeconfig to check for leaks`);
  // The first body line of an OpenSSH key encodes only its format and key type, identical in every
  // unencrypted ed25519 key: not secret, and any such key anywhere on the machine would match it.
  const body = lab.privateKey.split("\n").filter((l) => l.length >= 20 && !l.startsWith("-----"));
  const keyLines = lab.privateKey.includes("BEGIN OPENSSH PRIVATE KEY") ? body.slice(1) : body;
  const sudoPassword = Object.values(lab.hosts).find((h) => h.sudoPassword)?.sudoPassword ?? "";
  return { token, clientKey, keyLines, sudoPassword };
}

/** Every log of the lab itself. */
export function labLogs(lab: TestLab): RunLog[] {
  const logs: RunLog[] = [{ label: "invocations.jsonl", text: JSON.stringify(lab.invocations()) }];
  const http = path.join(lab.stateDir, "http.log");
  if (fs.existsSync(http)) logs.push({ label: "http.log", text: fs.readFileSync(http, "utf8") });
  for (const h of Object.keys(lab.hosts)) {
    const r = lab.exec(h, "cat /var/log/sshd-e2e.log 2>/dev/null; ls /var/log/k3s* 2>/dev/null | xargs -r cat");
    logs.push({ label: `${h}:/var/log`, text: r.stdout });
  }
  return logs;
}

/** Names of the places where a secret appears, e.g. "token in up#2"; empty when none leaked. */
export function findLeaks(secrets: Secrets, places: RunLog[]): string[] {
  const needles: Array<[string, string]> = [
    ["join token", secrets.token],
    ["kubeconfig client key", secrets.clientKey],
    ["sudo password", secrets.sudoPassword],
    ["SSH key passphrase", secrets.keyPassword ?? ""],
    ...secrets.keyLines.map((l, i): [string, string] => [`SSH private key line ${i + 1}`, l]),
  ].filter(([, v]) => v.length > 0) as Array<[string, string]>;
  const found: string[] = [];
  for (const p of places) {
    // JSON escapes '/' as '\/' in some encoders and '+' never; compare against both spellings.
    const raw = p.text.replace(/\\\//g, "/");
    // Scripts travel gzip+base64 (components/remote/packed-script.ts): search what they decode to as well.
    const text = [raw, ...packedPayloads(raw)].join("\n");
    for (const [what, v] of needles) if (text.includes(v)) found.push(`${what} in ${p.label}`);
  }
  return found;
}

/**
 * The check each scenario runs after its steps: the state holds secrets only as ciphertext, and no
 * secret appears in the state, the run's output and files, or the lab's logs. The secrets are read
 * from `server` on the first call (a destroy removes them) and kept for the later ones. `lab` and
 * `stack` are getters because scenarios create them in beforeAll; `more` adds the lines of another key
 * the stack uses and its passphrase.
 */
export function leakCheck(lab: () => TestLab, stack: () => E2eStack, server = "srv1", more: () => Pick<Secrets, "keyLines" | "keyPassword"> = () => ({ keyLines: [] })): () => void {
  let secrets: Secrets | undefined;
  return () => {
    if (!secrets) {
      const base = readSecrets(lab(), server);
      const extra = more();
      secrets = { ...base, keyLines: [...base.keyLines, ...extra.keyLines], keyPassword: extra.keyPassword };
    }
    const s = stack();
    const state = s.exportedState();
    expect(state).not.toContain('"plaintext"');
    if (state.includes("command:remote:Command")) expect(state).toContain('"ciphertext"');
    expect(s.logs.some((l) => l.text.length > 0)).toBe(true);
    expect(findLeaks(secrets, [{ label: "exported state", text: state }, ...s.logs, ...s.engineFiles(), ...labLogs(lab())])).toEqual([]);
  };
}

/** The decoded text of every gzip+base64 payload (base64 of gzip's magic starts "H4sI") in `text`. */
function packedPayloads(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/H4sI[A-Za-z0-9+/]+={0,2}/g)) {
    try {
      out.push(gunzipSync(Buffer.from(m[0], "base64")).toString("utf8"));
    } catch {
      // Not a whole gzip stream (base64 that happens to start so): nothing to search.
    }
  }
  return out;
}
