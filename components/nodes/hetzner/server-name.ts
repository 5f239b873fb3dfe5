import { createHash } from "node:crypto";

/**
 * Hetzner makes a server's name its hostname and refuses names that are not valid hostnames
 * ("Name must be a valid hostname", RFC 1123: a label is at most 63 characters; kube-hetzner #104,
 * https://docs.hetzner.cloud/#servers-create-a-server).
 */
export const HETZNER_SERVER_NAME_MAX = 63;

/**
 * The Hetzner server name of node `node` under the cluster prefix (result.ts cloudPrefix):
 * `<prefix>-<node>`, or, when that is longer than 63 characters (a long stack name with a long pool
 * name), the prefix shortened and tagged with 6 hex digits of its SHA-256 so two long stack names
 * that start alike still differ. Names that fit are unchanged, so existing servers keep theirs.
 * Cloud node names are at most 35 characters (pool name 32, `-`, index up to 99).
 */
export function hetznerServerName(prefix: string, node: string): string {
  const full = `${prefix}-${node}`;
  if (full.length <= HETZNER_SERVER_NAME_MAX) return full;
  const tag = createHash("sha256").update(prefix).digest("hex").slice(0, 6);
  const room = HETZNER_SERVER_NAME_MAX - node.length - tag.length - 2;
  const head = room > 0 ? prefix.slice(0, room).replace(/-+$/, "") : "";
  return `${head ? `${head}-` : ""}${tag}-${node}`;
}
