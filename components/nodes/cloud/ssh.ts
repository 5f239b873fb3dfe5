import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as tls from "@pulumi/tls";
import { SshConnection } from "../types";
import { CLOUD_INIT_MARKER, CLOUD_INIT_TIMEOUT } from "./cloud-init";
import { connectionArgs } from "../../remote/command";

/** The SSH key pair nodes are created with. */
export interface NodeKeyPair {
  /** OpenSSH public key line installed on every VM. */
  publicKey: pulumi.Input<string>;
  /** PEM/OpenSSH private key (secret); absent when the user brought the public key (agent or k3s-stacks:sshPrivateKey). */
  privateKey?: pulumi.Output<string>;
}

/** Uses the given public key, or generates an ED25519 pair whose private half stays a secret. */
export function nodeKeyPair(name: string, sshPublicKey: string | undefined, parent: pulumi.Resource): NodeKeyPair {
  if (sshPublicKey) return { publicKey: sshPublicKey };
  const key = new tls.PrivateKey(`${name}-ssh`, { algorithm: "ED25519" }, { parent, additionalSecretOutputs: ["privateKeyOpenssh", "privateKeyPem"] });
  return { publicKey: key.publicKeyOpenssh, privateKey: pulumi.secret(key.privateKeyOpenssh) };
}

/**
 * The key SSH logs in to the VMs with: the generated one, else the user's `sshPrivateKey` with its
 * passphrase (a generated key has none, and the provider refuses a passphrase for a key without one),
 * else neither (the SSH agent).
 */
export function nodeLogin(keys: NodeKeyPair, args: { sshPrivateKey?: pulumi.Input<string>; sshPrivateKeyPassword?: pulumi.Input<string> }): Pick<SshConnection, "privateKey" | "privateKeyPassword"> {
  if (keys.privateKey) return { privateKey: keys.privateKey };
  return { privateKey: args.sshPrivateKey, ...(args.sshPrivateKey !== undefined && args.sshPrivateKeyPassword !== undefined ? { privateKeyPassword: args.sshPrivateKeyPassword } : {}) };
}

/** A fresh VM boots in well under a minute; 36 dials of up to 10 s bound the wait to about 6 minutes. */
export const WAIT_DIAL_ERROR_LIMIT = 36;
export const WAIT_PER_DIAL_TIMEOUT = 10;
export { CLOUD_INIT_TIMEOUT };

/**
 * Shell run over SSH once the VM answers: waits for cloud-init, then requires its marker. Every
 * failure names the node and host, and where to look on it.
 */
export function renderWaitScript(nodeName: string, host: string): string {
  const who = `${nodeName} (${host})`;
  return [
    "rc=0",
    `if command -v cloud-init >/dev/null 2>&1; then timeout ${CLOUD_INIT_TIMEOUT} cloud-init status --wait >/dev/null 2>&1 || rc=$?; fi`,
    // 2 = finished with recoverable warnings (cloud-init >= 23.4); the marker still decides.
    `if [ "$rc" = 124 ]; then echo "k3s-stacks: cloud-init on ${who} still running after ${CLOUD_INIT_TIMEOUT}s; see /var/log/cloud-init-output.log on it" >&2; exit 1; fi`,
    `if [ "$rc" != 0 ] && [ "$rc" != 2 ]; then echo "k3s-stacks: cloud-init on ${who} failed (status $rc); see /var/log/cloud-init-output.log on it" >&2; exit 1; fi`,
    `test -f ${CLOUD_INIT_MARKER} || { echo "k3s-stacks: host preparation on ${who} did not finish (${CLOUD_INIT_MARKER} missing); see /var/log/cloud-init-output.log on it" >&2; exit 1; }`,
  ].join("\n");
}

/**
 * Waits, with a bounded number of SSH dials, until the VM accepts SSH and cloud-init is done.
 * The k3s steps depend on it, so they never race a half-booted host. Replaced with the VM.
 */
export function waitForNode(name: string, nodeName: string, connection: SshConnection, vmId: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): command.remote.Command {
  return new command.remote.Command(
    name,
    {
      connection: connectionArgs(connection, { dialErrorLimit: WAIT_DIAL_ERROR_LIMIT, perDialTimeout: WAIT_PER_DIAL_TIMEOUT }),
      create: pulumi.output(connection.host).apply((host) => renderWaitScript(nodeName, host)),
      triggers: [vmId],
      addPreviousOutputInEnv: false,
    },
    opts,
  );
}
