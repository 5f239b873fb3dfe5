import { z } from "zod";
import { ConfigError, keyPath, parseConfig } from "../rules/errors";
import { RookConfig } from "./config";
import { required } from "../rules/required";

/** Secret stack key holding the external Ceph cluster's monitor addresses and keys. */
export const CEPH_EXTERNAL_KEY = "cephExternal";

/** A cephx key: base64 of 28 bytes, 40 characters ending in "==" (what `ceph auth get-key` prints). */
const cephKey = required(z.string().regex(/^[A-Za-z0-9+/]{38}==$/, { message: "is not a cephx key (40 base64 characters ending in '=='). Fix: copy it from 'ceph auth get-key <user>'" }), {
  description: "the user's cephx key, as 'ceph auth get-key <user>' prints it (Rook's create-external-cluster-resources.py prints them all)",
});
/** `host:port`, `[v6]:port`, optionally named `a=host:port` as Rook's mon endpoint list writes it. */
const monitor = z.string().regex(/^([a-z0-9]+=)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/, {
  message: "is not a monitor address. Fix: write host:port (v1 port 6789, e.g. 10.0.0.5:6789), as 'ceph mon dump' lists them",
});

export const cephExternalSchema = z
  .object({
    /** Monitor addresses of the existing cluster. */
    monitors: required(z.array(monitor).min(1), { description: "the existing cluster's monitor addresses, as 'ceph mon dump' lists them", examples: [["10.0.0.5:6789"]] }),
    /** Key of external.user (client.healthchecker). */
    userKey: cephKey,
    /** Keys of client.csi-rbd-node and client.csi-rbd-provisioner. */
    rbdNodeKey: cephKey,
    rbdProvisionerKey: cephKey,
    /** Keys of client.csi-cephfs-node and client.csi-cephfs-provisioner (with external.cephfs). */
    cephfsNodeKey: cephKey.optional(),
    cephfsProvisionerKey: cephKey.optional(),
  })
  .strict();
export type CephExternalSecrets = z.output<typeof cephExternalSchema>;

const example = (field: string) => `pulumi config set --secret --path '${keyPath(CEPH_EXTERNAL_KEY, [])}.${field}' <value>`;

/**
 * Parses and cross-checks the secret `k3s-stacks:cephExternal` against `storage.external`: required
 * exactly when external mode is on, stored as a secret, CephFS keys present when external.cephfs is.
 * Messages name keys, never values. Returns undefined when external mode is off.
 */
export function parseCephExternalSecrets(raw: unknown, isSecret: boolean, storage: { type: string; external?: RookConfig["external"] }): CephExternalSecrets | undefined {
  const where = keyPath(CEPH_EXTERNAL_KEY, []);
  const external = storage.type === "rook-ceph" ? storage.external : undefined;
  if (!external) {
    if (raw !== undefined) throw new ConfigError([`${where}: is set but addons.storage is not rook-ceph with external. Fix: pulumi config rm ${where}, or set storage.external.`]);
    return undefined;
  }
  if (raw === undefined) {
    throw new ConfigError([
      `${where}: is required for addons.storage.external (monitor addresses and cephx keys of the existing cluster). Fix: ${example("monitors[0]")} for each monitor, then userKey, rbdNodeKey and rbdProvisionerKey (Rook's create-external-cluster-resources.py prints them).`,
    ]);
  }
  if (!isSecret) throw new ConfigError([`${where}: holds cephx keys but is stored in plain text. Fix: pulumi config rm ${where}, then set each field with ${example("<field>")}.`]);
  const secrets = parseConfig(cephExternalSchema, raw, CEPH_EXTERNAL_KEY);
  const problems: string[] = [];
  if (external.cephfs) {
    for (const field of ["cephfsNodeKey", "cephfsProvisionerKey"] as const) {
      if (!secrets[field]) problems.push(`${keyPath(CEPH_EXTERNAL_KEY, [field])}: is required with addons.storage.external.cephfs. Fix: ${example(field)}.`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return secrets;
}

/** Rook's mon endpoint list, `a=10.0.0.5:6789,b=...`: unnamed monitors get the letters Rook would use. */
export function monEndpoints(monitors: string[]): string {
  return monitors.map((m, i) => (m.includes("=") ? m : `${String.fromCharCode(97 + i)}=${m}`)).join(",");
}

/** A Kubernetes object the external mode needs before the CephCluster (what Rook's import-external-cluster.sh creates). */
export interface ExternalObject {
  kind: "Secret" | "ConfigMap";
  name: string;
  data: Record<string, string>;
}

/** Kind and name of each external-mode object, in externalObjects' order; known without the secrets. */
export function externalObjectShapes(cfg: NonNullable<RookConfig["external"]>): Array<Omit<ExternalObject, "data">> {
  const names = ["rook-ceph-mon", "rook-ceph-mon-endpoints", "rook-csi-rbd-node", "rook-csi-rbd-provisioner", ...(cfg.cephfs ? ["rook-csi-cephfs-node", "rook-csi-cephfs-provisioner"] : [])];
  return names.map((name) => ({ kind: name === "rook-ceph-mon-endpoints" ? "ConfigMap" : "Secret", name }));
}

/**
 * The Secrets and the mon endpoint ConfigMap Rook reads in external mode, named and keyed as Rook's
 * deploy/examples/import-external-cluster.sh creates them. `admin-secret` and `mon-secret` hold the
 * script's placeholders: with a non-admin user Rook never uses them.
 */
export function externalObjects(namespace: string, cfg: NonNullable<RookConfig["external"]>, s: CephExternalSecrets): ExternalObject[] {
  const csi = (name: string, key: string): ExternalObject => ({ kind: "Secret", name: `rook-${name}`, data: { userID: name, userKey: key } });
  const objects: ExternalObject[] = [
    {
      kind: "Secret",
      name: "rook-ceph-mon",
      data: { "cluster-name": namespace, fsid: cfg.fsid, "admin-secret": "admin-secret", "mon-secret": "mon-secret", "ceph-username": cfg.user, "ceph-secret": s.userKey },
    },
    { kind: "ConfigMap", name: "rook-ceph-mon-endpoints", data: { data: monEndpoints(s.monitors), mapping: "{}", maxMonId: "2" } },
    csi("csi-rbd-node", s.rbdNodeKey),
    csi("csi-rbd-provisioner", s.rbdProvisionerKey),
  ];
  if (cfg.cephfs && s.cephfsNodeKey && s.cephfsProvisionerKey) {
    objects.push(csi("csi-cephfs-node", s.cephfsNodeKey), csi("csi-cephfs-provisioner", s.cephfsProvisionerKey));
  }
  return objects;
}
