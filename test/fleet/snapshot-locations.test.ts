import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { problemsOf as problems } from "../support/config";
import { loadSites } from "../../tools/fleet/sites";
import { snapshotLocationProblems } from "../../tools/fleet/snapshot-locations";
import type { SiteDefinition } from "../../tools/fleet/types";

const fileOf = (site: string) => `stacks/sites/${site}.yaml`;

function site(name: string, snapshots?: Record<string, unknown>): SiteDefinition {
  return {
    name,
    fleet: { ring: 0, canary: false, environment: "site", labels: {} },
    config: snapshots === undefined ? {} : { "k3s-stacks:snapshots": snapshots },
  };
}

describe("snapshotLocationProblems", () => {
  const shared = { s3: { bucket: "fleet-backups" } };

  // k3s prunes S3 by key prefix <folder>/etcd-snapshot, whichever cluster wrote the objects.
  it("refuses sites sharing endpoint, bucket and folder: each one's retention deletes the others' snapshots", () => {
    const p = snapshotLocationProblems([site("ber-01", shared), site("muc-01", shared), site("ham-01")], fileOf);
    expect(p).toEqual([
      expect.stringMatching(/^stacks\/sites\/ber-01\.yaml: k3s-stacks:snapshots\.s3: 'ber-01' keeps its etcd snapshots in bucket 'fleet-backups' at s3\.amazonaws\.com, the bucket's root \(no folder\), where 'muc-01' keep theirs too; .*'etcd-snapshot'.*k3s-io\/k3s#9866\)\. Fix: give each site its own folder: in stacks\/sites\/ber-01\.yaml set config: \{ k3s-stacks:snapshots: \{ s3: \{ folder: ber-01 \} \} \}\.$/),
      expect.stringMatching(/^stacks\/sites\/muc-01\.yaml: .*where 'ber-01' keep theirs too/),
    ]);
  });

  it("takes a folder per site, another bucket or another endpoint", () => {
    expect(snapshotLocationProblems([
      site("ber-01", { s3: { bucket: "fleet-backups", folder: "ber-01" } }),
      site("muc-01", { s3: { bucket: "fleet-backups", folder: "muc-01/" } }),
      site("ham-01", { s3: { bucket: "ham-backups" } }),
      site("fra-01", { s3: { bucket: "fleet-backups", endpoint: "minio.fra.lan:9000" } }),
      site("dus-01", { s3: { bucket: "fleet-backups", folder: "ber-01-old" } }),
    ], fileOf)).toEqual([]);
  });

  it("compares folders as k3s joins them (trailing and doubled slashes), and names a folder inside another's prefix", () => {
    expect(snapshotLocationProblems([
      site("ber-01", { s3: { bucket: "bkt", folder: "edge/ber" } }),
      site("ber-02", { s3: { bucket: "bkt", folder: "edge//ber/" } }),
    ], fileOf)).toHaveLength(2);
    // Objects under 'etcd-snapshot-old/' start with the root site's prefix 'etcd-snapshot'.
    const p = snapshotLocationProblems([site("root", { s3: { bucket: "bkt" } }), site("odd", { s3: { bucket: "bkt", folder: "etcd-snapshot-old" } })], fileOf);
    expect(p).toEqual([expect.stringMatching(/^stacks\/sites\/root\.yaml: .*where 'odd' \(folder 'etcd-snapshot-old'\) keep theirs too/)]);
  });

  it("a site that never prunes (schedule off, or retention 0) deletes nothing, but its snapshots are still pruned by the others", () => {
    const off = site("ber-01", { enabled: false, s3: { bucket: "fleet-backups" } });
    const keepAll = site("ham-01", { retention: 0, s3: { bucket: "fleet-backups", retention: 0 } });
    expect(snapshotLocationProblems([off, keepAll], fileOf)).toEqual([]);
    expect(snapshotLocationProblems([off, site("muc-01", shared)], fileOf)).toEqual([expect.stringMatching(/^stacks\/sites\/muc-01\.yaml: .*where 'ber-01' keep theirs too/)]);
  });
});

describe("loadSites", () => {
  const DEFAULTS = `
cluster: { k3sVersion: v1.36.3+k3s1, datastore: etcd }
inventory: { user: k3s }
config:
  k3s-stacks:snapshots: { s3: { bucket: fleet-backups, region: eu-central-1 } }
`;
  const siteFile = (n: number, extra = "") => `
inventory:
  hosts: [{ name: s${n}, address: 192.0.2.${n}, role: server, arch: arm64 }]
${extra}`;

  function fleetRoot(files: Record<string, string>): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-s3-"));
    fs.mkdirSync(path.join(root, "stacks/sites"), { recursive: true });
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(root, "stacks/sites", name), text);
    return root;
  }

  it("refuses an s3 block in _defaults.yaml that every site inherits without a folder of its own", () => {
    const root = fleetRoot({ "_defaults.yaml": DEFAULTS, "a-01.yaml": siteFile(1), "b-01.yml": siteFile(2) });
    expect(problems(() => loadSites(root))).toEqual([
      expect.stringMatching(/^stacks\/sites\/a-01\.yaml: k3s-stacks:snapshots\.s3: .*'b-01'.*Fix: give each site its own folder/),
      expect.stringMatching(/^stacks\/sites\/b-01\.yml: k3s-stacks:snapshots\.s3: .*'a-01'/),
    ]);
  });

  it("takes the same defaults once each site sets its folder (merged over the defaults' s3 block)", () => {
    const folder = (s: string) => `config:\n  k3s-stacks:snapshots: { s3: { folder: ${s} } }\n`;
    const root = fleetRoot({ "_defaults.yaml": DEFAULTS, "a-01.yaml": siteFile(1, folder("a-01")), "b-01.yaml": siteFile(2, folder("b-01")) });
    const sites = loadSites(root);
    expect(sites.map((s) => (s.config["k3s-stacks:snapshots"] as { s3: { bucket: string; folder: string } }).s3)).toEqual([
      { bucket: "fleet-backups", region: "eu-central-1", folder: "a-01" },
      { bucket: "fleet-backups", region: "eu-central-1", folder: "b-01" },
    ]);
  });
});
