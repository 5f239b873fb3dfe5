import * as path from "path";
import { parseSnapshotConfig } from "../../components/day-two/config";
import { PROJECT } from "../../components/rules/errors";
import type { SiteDefinition } from "./types";

/** The base name k3s gives scheduled snapshots (etcd-snapshot-name; k3s-stacks lets no stack change it). */
const SNAPSHOT_NAME = "etcd-snapshot";
const KEY = `${PROJECT}:snapshots.s3`;

/** Where one site's etcd snapshots land in S3, and whether its schedule prunes there. */
interface S3Location {
  site: string;
  endpoint: string;
  bucket: string;
  folder: string;
  /** The key prefix k3s lists and prunes: path.Join(folder, etcd-snapshot-name), as k3s builds it. */
  prefix: string;
  prunes: boolean;
}

/** A folder as the messages name it. */
const place = (folder: string) => (folder ? `folder '${folder}'` : "the bucket's root (no folder)");

function locationOf(site: SiteDefinition): S3Location | undefined {
  const raw = site.config[`${PROJECT}:snapshots`];
  if (raw === undefined) return undefined;
  // The site already planned (buildSite), so its snapshot config parses.
  const cfg = parseSnapshotConfig(raw);
  if (!cfg.s3) return undefined;
  const folder = cfg.s3.folder ?? "";
  // Scheduled snapshots prune; k3s skips pruning at a retention below 1 (local or S3, by version).
  const prunes = cfg.enabled !== false && !((cfg.retention ?? 1) < 1 && (cfg.s3.retention ?? 1) < 1);
  return {
    site: site.name,
    endpoint: cfg.s3.endpoint.toLowerCase(),
    bucket: cfg.s3.bucket,
    folder,
    prefix: path.posix.join(folder, SNAPSHOT_NAME),
    prunes,
  };
}

/**
 * Sites whose scheduled etcd snapshots would delete another site's snapshots in S3. After each
 * scheduled snapshot k3s lists the bucket by the plain key prefix `<folder>/etcd-snapshot` and
 * deletes all but the newest `retention` objects under it, whichever node or cluster wrote them
 * (K3S:pkg/etcd/s3/s3.go SnapshotRetention; S3 ListObjects matches string prefixes, k3s-io/k3s#9866,
 * k3s-io/k3s#13934). Sites that share endpoint, bucket and folder (typically an `s3` block in
 * `_defaults.yaml` without a per-site folder) thereby prune each other until most keep no snapshot
 * of their own. One message per pruning site, in the form "file: key: what is wrong. Fix: ...".
 * `fileOf`: the site file of each site, for the message.
 */
export function snapshotLocationProblems(sites: SiteDefinition[], fileOf: (site: string) => string): string[] {
  const locations = sites.map(locationOf).filter((l): l is S3Location => l !== undefined);
  const problems: string[] = [];
  for (const a of locations) {
    if (!a.prunes) continue;
    const reached = locations.filter((b) => b !== a && b.endpoint === a.endpoint && b.bucket === a.bucket && b.prefix.startsWith(a.prefix));
    if (reached.length === 0) continue;
    const names = reached.map((b) => `'${b.site}'${b.folder === a.folder ? "" : ` (${place(b.folder)})`}`).join(", ");
    problems.push(
      `${fileOf(a.site)}: ${KEY}: '${a.site}' keeps its etcd snapshots in bucket '${a.bucket}' at ${a.endpoint}, ${place(a.folder)}, where ${names} keep theirs too; ` +
        `after each scheduled snapshot k3s deletes all but the newest retention objects whose key starts with '${a.prefix}', whichever cluster wrote them, ` +
        `so the sites delete each other's snapshots (k3s pkg/etcd/s3 SnapshotRetention; k3s-io/k3s#9866). ` +
        `Fix: give each site its own folder: in ${fileOf(a.site)} set config: { ${PROJECT}:snapshots: { s3: { folder: ${a.site} } } }.`,
    );
  }
  return problems;
}
