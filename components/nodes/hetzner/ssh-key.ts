import { createHash } from "node:crypto";
import * as hcloud from "@pulumi/hcloud";
import { CLUSTER_LABEL } from "../cloud/result";

/** An SSH key of the Hetzner project, as the API lists it (GET /ssh_keys). */
export interface ProjectSshKey {
  id: number;
  name: string;
  /** MD5 of the key blob, colon-separated hex (aa:bb:...). */
  fingerprint: string;
  labels: Record<string, string>;
}

/**
 * Hetzner's fingerprint of an OpenSSH public key line: the MD5 digest of the base64 key blob (the
 * line's second field) in colon-separated lowercase hex, what `ssh-keygen -l -E md5` prints after
 * `MD5:` and the API's ssh_keys[].fingerprint (https://docs.hetzner.cloud/#ssh-keys).
 */
export function hetznerKeyFingerprint(publicKey: string): string {
  const blob = Buffer.from(publicKey.trim().split(/\s+/)[1] ?? "", "base64");
  return createHash("md5").update(blob).digest("hex").replace(/(..)(?!$)/g, "$1:");
}

/**
 * The project's key to put on the servers instead of creating one, or undefined (create it).
 * Hetzner keeps one key per fingerprint in a project and refuses a second ('SSH key with the same
 * fingerprint already exists (uniqueness_error)': kube-hetzner#963, terraform-provider-hcloud#12,
 * hetzner-kube#23), so the user's key that is already there (uploaded in the console, or created by
 * another stack) is used as it is and never deleted by this stack. A key labelled as this cluster's
 * (`cluster`, resourceLabels) is the one this stack created and keeps managing.
 */
export function reusableProjectKey(publicKey: string, cluster: string, keys: ProjectSshKey[]): ProjectSshKey | undefined {
  const fingerprint = hetznerKeyFingerprint(publicKey);
  const same = keys.find((k) => k.fingerprint === fingerprint);
  if (!same || same.labels?.[CLUSTER_LABEL] === cluster) return undefined;
  return same;
}

/**
 * Lists the project's SSH keys (an invoke: nothing is registered; previews too) and returns
 * reusableProjectKey for `publicKey`. Undefined without a key of the user's (one is generated).
 */
export async function readReusableProjectKey(publicKey: string | undefined, cluster: string): Promise<ProjectSshKey | undefined> {
  if (!publicKey) return undefined;
  const { sshKeys } = await hcloud.getSshKeys({});
  return reusableProjectKey(publicKey, cluster, sshKeys);
}
