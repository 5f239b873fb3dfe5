import { PROJECT } from "../rules/errors";
import { passwordWithoutKeyProblem, privateKeyProblems } from "../remote/private-key";
import type { ConfigReader } from "./secrets";
import type { NodeSource } from "./types";

const PASSWORD = "sshPrivateKeyPassword";

/**
 * `k3s-stacks:sshPrivateKey` against `k3s-stacks:sshPrivateKeyPassword`, on the plain values before
 * anything is registered (remote/private-key.ts: an encrypted key needs the passphrase, a plain key
 * refuses one, a wrong one is refused, and formats the command provider cannot read), and the
 * passphrase against the nodes: it needs a key of the user's to unlock, which a local stack (no SSH),
 * a cloud stack with a generated key pair and an SSH agent login do not have. A fleet site's secret
 * that is set but not readable here skips the content checks. A privateKeyPath file is checked where
 * it is read (nodes/inventory readPrivateKey).
 */
export function sshKeyProblems(read: ConfigReader, source: NodeSource): string[] {
  const passwordSet = read.has(PASSWORD);
  const without = (why: string) => (passwordSet ? [passwordWithoutKeyProblem(PASSWORD, why)] : []);
  if (source.kind === "local") return without(`${PROJECT}:local runs every step on this machine, without SSH`);
  if (source.kind === "cloud" && !source.cloud.sshPublicKey) {
    return without(`${PROJECT}:cloud.sshPublicKey is not set, so the VMs get a generated key pair, whose key has no passphrase`);
  }
  if (!read.has("sshPrivateKey")) {
    if (source.kind === "inventory" && source.inventory.privateKeyPath) return [];
    return without(`${source.kind === "inventory" ? `neither ${PROJECT}:sshPrivateKey nor ${PROJECT}:inventory.privateKeyPath is set` : `${PROJECT}:sshPrivateKey is not set`} (SSH uses the agent)`);
  }
  const key = read.raw("sshPrivateKey");
  if (key === undefined) return [];
  const password = { set: passwordSet, value: read.raw(PASSWORD) };
  return privateKeyProblems(key, password, { key: `${PROJECT}:sshPrivateKey`, password: PASSWORD, unsetKey: `run 'pulumi config rm ${PROJECT}:sshPrivateKey'` });
}
