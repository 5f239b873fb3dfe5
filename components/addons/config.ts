import { z } from "zod";
import { cidrSchema } from "../rules/cidr";
import { parseConfig } from "../rules/errors";
import { filled } from "../rules/issues";
import { unitFix } from "../rules/duration";
import { CHART_KEYS, ChartKey, effectiveChart } from "./charts";
import { rookCsiPairingProblem } from "./rook-csi-pairing";
import { required } from "../rules/required";
import { interfaceName } from "../rules/interface-name";

/** Key of this layer in stack config. */
export const ADDONS_KEY = "addons";
/** Secret key for Grafana's admin password (generated when absent). */
export const GRAFANA_PASSWORD_KEY = "grafanaAdminPassword";

const nodeName = filled("a node name from the inventory or cloud pools");
/**
 * Bytes per suffix of a Kubernetes quantity (apimachinery resource.Quantity): binary Ki..Ei, decimal
 * k..E, none for plain bytes. 20G and 20Gi are both valid volume sizes.
 */
export const QUANTITY_BYTES: Record<string, number> = {
  "": 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

/**
 * A volume size's bytes, or undefined when it is no quantity of a byte suffix. The number is read as
 * apimachinery's quantity grammar writes it: an optional sign, digits with an optional fraction
 * (`1.5`, `5.`, `.5`), then a binary or decimal suffix or a decimal exponent (`1e9`, `15E8`; `1E`
 * alone is exa). The milli suffix `m` (fractions of a byte) is left out: no volume has that size.
 */
export function quantityBytes(size: string): number | undefined {
  const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/.exec(size);
  if (!m) return undefined;
  return Number(m[1]) * (m[3] !== undefined ? 10 ** Number(m[3]) : QUANTITY_BYTES[m[2] ?? ""]);
}

/** A volume size; Kubernetes refuses a claim of zero bytes (the request must be greater than zero). */
// A bare number is a size in bytes to Kubernetes (resource.Quantity): 10 would be a 10-byte volume.
const quantity = z.string({ error: (iss) => (iss.code === "invalid_type" && typeof iss.input === "number" ? `is the number ${iss.input}, which Kubernetes reads as ${iss.input} bytes (resource.Quantity). Fix: write it with its unit, such as ${iss.input}Gi` : undefined) }).superRefine((v, ctx) => {
  const bytes = quantityBytes(v);
  if (bytes === undefined) ctx.addIssue({ code: "custom", message: "must be a size such as 10Gi or 512Mi. Fix: write a number with Ki, Mi, Gi, Ti (or k, M, G, T), such as 10Gi" });
  else if (bytes <= 0) ctx.addIssue({ code: "custom", message: `is ${bytes === 0 ? "zero" : "negative"}, and Kubernetes refuses a volume claim of zero bytes or less. Fix: give the volume a size, such as 10Gi` });
});

const localPath = z.object({ type: z.literal("local-path") }).strict();

/**
 * Directories whose contents do not outlive a boot: /run (and /var/run, /dev/shm) are tmpfs, /tmp is
 * tmpfs on many distributions and emptied at boot elsewhere (systemd-tmpfiles tmp.conf), /var/tmp is
 * aged out by the same rules, /dev /proc /sys are kernel filesystems. Longhorn replicas kept there are
 * lost at a reboot (seen with defaultDataPath /tmp/longhorn, balchua/do-microk8s#2).
 */
const VOLATILE_DIRS = ["/tmp", "/var/tmp", "/run", "/var/run", "/dev", "/proc", "/sys"];

/** The problem of a Longhorn data path in a volatile directory or at /, or undefined. */
export function longhornDataPathProblem(path: string): string | undefined {
  const clean = path.replace(/\/+/g, "/").replace(/(.)\/$/, "$1");
  if (clean === "/") return "is the root directory; Longhorn would keep its replicas among the system's own files. Fix: use a directory of its own, such as /var/lib/longhorn or a mounted disk like /mnt/data/longhorn";
  const dir = VOLATILE_DIRS.find((d) => clean === d || clean.startsWith(`${d}/`));
  if (dir === undefined) return undefined;
  return `${path} is under ${dir}, whose contents do not survive a reboot (tmpfs, emptied or aged out at boot), so every replica on it would be lost. Fix: use a directory on a persistent disk (ext4 or XFS), such as /var/lib/longhorn or /mnt/data/longhorn`;
}

const longhorn = z
  .object({
    type: z.literal("longhorn"),
    /** Make Longhorn's class the default (k3s's local-storage is then disabled); keep local-path default when false. */
    default: z.boolean().default(true),
    /** Volume replicas; defaults to min(3, eligible nodes). Must not exceed the eligible nodes. */
    replicas: required(z.number().int().min(1).max(20), { description: "the number of copies of each volume", examples: [2] }).optional(),
    /** Nodes that hold data; every amd64/arm64 node without a NoSchedule/NoExecute taint when omitted. */
    nodes: z.array(nodeName).min(1).optional(),
    /** Host directory for volume data. */
    dataPath: z
      .string()
      .regex(/^\//, { message: "must be an absolute path. Fix: write it from /, such as /var/lib/longhorn" })
      .superRefine((v, ctx) => {
        const problem = v.startsWith("/") ? longhornDataPathProblem(v) : undefined;
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .optional(),
    /**
     * Prepare data nodes over SSH before installing Longhorn: install open-iscsi, an NFSv4 client,
     * cryptsetup and device-mapper, start iscsid, load iscsi_tcp/dm_crypt, blacklist Longhorn's disks
     * for a running multipathd. false: only check, and fail naming the fix.
     */
    prepareNodes: z.boolean().default(true),
  })
  .strict();

const rookNode = z
  .object({
    name: nodeName,
    /** Empty disks or partitions for OSDs, e.g. sdb or /dev/disk/by-id/... (wiped by Ceph). */
    devices: required(z.array(filled("a disk or partition, such as sdb or /dev/disk/by-id/...")).min(1), { description: "the node's empty disks or partitions for Ceph", examples: [["sdb"]] }),
  })
  .strict();

const dnsLabel = required(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: "must be a DNS label (lower-case letters, digits, '-'; at most 63). Fix: use a name such as pool-1" }), {
  description: "a name (a DNS label)",
  examples: ["pool-1"],
});
const cephReplicas = z.union([z.literal(1), z.literal(2), z.literal(3)]);

/** A CephFS filesystem on the Rook cluster's OSDs, with a ReadWriteMany StorageClass. */
const rookFilesystem = z
  .object({
    /** CephFilesystem name; also the StorageClass name. */
    name: dnsLabel.default("ceph-filesystem"),
    /** Copies of data and metadata; storage.replicas when omitted. */
    replicas: cephReplicas.optional(),
    /** Active metadata servers (MDS); each gets a standby when there are nodes for it. */
    activeMDS: z.number().int().min(1).max(4).default(1),
  })
  .strict();

/**
 * An existing Ceph cluster used through Rook's external mode (no monitors or OSDs are created). Its
 * monitor addresses and keys are the secret k3s-stacks:cephExternal.
 */
const rookExternal = z
  .object({
    /** `ceph fsid` of the existing cluster. */
    fsid: required(z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, { message: "is not a Ceph fsid (a UUID such as 68945eb2-536b-11f0-8b39-b578895a0c19). Fix: copy it from 'ceph fsid'" }), { description: "the existing cluster's fsid, as 'ceph fsid' prints it" }),
    /** Existing RBD pool for block volumes. */
    rbdPool: filled("the existing RBD pool, as 'ceph osd pool ls' lists it"),
    /** Existing CephFS filesystem and its data pool, for ReadWriteMany volumes. */
    cephfs: z.object({ filesystem: filled("the existing CephFS name, as 'ceph fs ls' lists it"), dataPool: filled("the CephFS data pool, as 'ceph fs ls' lists it") }).strict().optional(),
    /** Ceph user Rook checks the cluster's health with (its key is cephExternal.userKey). */
    user: z.string().regex(/^client\.[A-Za-z0-9_.-]+$/, { message: "must be a Ceph client name. Fix: write client.<name>, such as client.healthchecker" }).default("client.healthchecker"),
  })
  .strict();

const rook = z
  .object({
    type: z.literal("rook-ceph"),
    default: z.boolean().default(true),
    /** Nodes with their OSD devices. The default layout (replicas 3) needs three distinct nodes. Not with external. */
    nodes: z.array(rookNode).min(1).optional(),
    /** Copies of each object (default 3); below 3 is an explicit small layout (no host-failure safety at 1). Not with external. */
    replicas: cephReplicas.optional(),
    /** Add a CephFS filesystem and a ReadWriteMany StorageClass (subvolume quotas from the claim size). */
    filesystem: rookFilesystem.optional(),
    /** Use an existing Ceph cluster instead of building one on the nodes. */
    external: rookExternal.optional(),
  })
  .strict();

const pool = z
  .object({
    name: dnsLabel,
    /** CIDRs (192.168.1.224/28) or ranges (192.168.1.240-192.168.1.250). */
    addresses: required(z.array(filled("a CIDR or range, such as 192.168.1.224/28 or 192.168.1.240-192.168.1.250")).min(1), {
      description: "the pool's addresses: CIDRs or ranges on the nodes' LAN",
      examples: [["192.168.1.240-192.168.1.250"]],
    }),
    autoAssign: z.boolean().default(true),
    /**
     * MetalLB's IPAddressPool.spec.avoidBuggyIPs: hand out no IPv4 address ending in .0 or .255. Unset
     * leaves MetalLB's default (false: every address of the pool is handed out).
     */
    avoidBuggyIPs: z.boolean().optional(),
  })
  .strict();

const bgpPeer = z
  .object({
    address: filled("the BGP router's address, such as 192.168.1.1"),
    asn: required(z.number().int().min(1).max(4294967295), { description: "the router's AS number", examples: [64512] }),
    port: z.number().int().min(1).max(65535).optional(),
  })
  .strict();

const bgp = z
  .object({
    myASN: required(z.number().int().min(1).max(4294967295), { description: "the cluster's AS number (a private one, 64512-65534)", examples: [64513] }),
    peers: required(z.array(bgpPeer).min(1), { description: "the BGP routers", examples: [[{ address: "192.168.1.1", asn: 64512 }]] }),
    /** frr-k8s (default, BFD/IPv6) or native; `auto` picks native when armhf nodes exist (frr-k8s arm/v7 images unverified). */
    backend: z.enum(["auto", "frr-k8s", "native"]).default("auto"),
  })
  .strict();

const servicelb = z.object({ type: z.literal("servicelb") }).strict();
const metallb = z
  .object({
    type: z.literal("metallb"),
    pools: required(z.array(pool).min(1), {
      description: "the address pools MetalLB hands out",
      examples: [[{ name: "lan", addresses: ["192.168.1.240-192.168.1.250"] }]],
    }),
    /** Announce pools over BGP instead of L2 (ARP/NDP). */
    bgp: bgp.optional(),
    /**
     * Layer 2: the nodes' LAN, when it is wider than the /24 (/64) assumed around each node; every pool
     * of its family must lie inside it, and some node must have an address in it (pool-subnet.ts).
     */
    subnet: cidrSchema("192.168.0.0/16").optional(),
    /**
     * Layer 2: announce only from these interfaces (L2Advertisement.spec.interfaces): a node with a
     * Wi-Fi or a second NIC on another network otherwise answers ARP/NDP on every interface. Default: all.
     */
    interfaces: z
      .array(interfaceName("the interface that carries the LAN", "eth0")
        // MetalLB matches names exactly (no patterns), and never announces from the loopback.
        .refine((v) => !v.includes("*"), { message: "is a pattern, but MetalLB matches interface names exactly. Fix: list the names `ip -br link` shows, such as eth0, or remove interfaces to announce from every interface" })
        .refine((v) => v !== "lo", { message: "is the loopback, which no client on the LAN reaches. Fix: give the interface that carries the LAN, such as eth0" }))
      .min(1)
      .refine((list) => new Set(list).size === list.length, { message: "names an interface twice. Fix: list each interface once" })
      .optional(),
  })
  .strict()
  .refine((lb) => !(lb.bgp && lb.interfaces), {
    path: ["interfaces"],
    message: "selects the interfaces layer 2 announces from; with bgp MetalLB announces to its BGP peers, and a BGPAdvertisement has no interfaces. Fix: remove interfaces, or remove bgp for layer 2",
  });

/**
 * A Prometheus duration (prometheus/common model.ParseDuration): whole numbers with units y, w, d, h,
 * m, s, ms, largest first, such as 10d or 1w2d; not Go's grammar (rules/duration.ts), which has no
 * days and takes fractions.
 */
export const PROMETHEUS_DURATION = /^(0|(?=[0-9])([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?)$/;

const monitoring = z
  .object({
    enabled: z.boolean().default(false),
    /** Prometheus retention time. */
    retention: z
      .string({ error: (iss) => (iss.code === "invalid_type" ? unitFix(iss.input, (n) => `${n}d or ${n}h`) : undefined) })
      .superRefine((v, ctx) => {
        if (PROMETHEUS_DURATION.test(v)) return;
        ctx.addIssue({ code: "custom", message: unitFix(v, (n) => `${n}d or ${n}h`) ?? "must be a duration in Prometheus' syntax. Fix: write a number with ms, s, m, h, d, w or y, such as 10d or 12h" });
      })
      .default("10d"),
    /** Prometheus volume size; retention by size is set to 80% of it. */
    storageSize: quantity.default("10Gi"),
    grafanaStorageSize: quantity.default("1Gi"),
  })
  .strict();

// Helm reads --version as a semver constraint (Masterminds/semver v3 NewConstraint): a word such as
// 'latest' is none, and `helm pull`/install fail with "improper constraint" only when the chart is deployed.
// Its grammar: '||' between alternatives, ',' or spaces between the parts of one, 'a - b' ranges, each
// part an operator (=, !=, >, <, >=, =>, <=, =<, ~, ~>, ^) and a version of 1-3 numbers or x/X/* wildcards,
// with a 'v', a pre-release and build metadata allowed.
const CONSTRAINT_VERSION = String.raw`v?(?:\d+|[xX*])(?:\.(?:\d+|[xX*])){0,2}(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?`;
const CONSTRAINT_PART = new RegExp(String.raw`^(?:(?:!=|>=|=>|<=|=<|~>|[=><~^])\s*)?${CONSTRAINT_VERSION}$`);
const HYPHEN_RANGE = new RegExp(String.raw`^${CONSTRAINT_VERSION}\s+-\s+${CONSTRAINT_VERSION}$`);
const helmConstraint = (v: string): boolean =>
  v.split("||").every((alt) => {
    const a = alt.trim();
    return HYPHEN_RANGE.test(a) || (a !== "" && a.split(/\s*,\s*|\s+(?![0-9vxX*])/).every((part) => CONSTRAINT_PART.test(part.trim())));
  });
const chartVersion = filled("a chart version, such as 1.7.2, or remove the key").refine(helmConstraint, {
  message: "is not a chart version or version range Helm takes ('latest' and other words are none). Fix: give a version, such as 1.7.2, or remove the key to keep the version k3s-stacks pins",
});
const chartOverride = z
  .object({ version: chartVersion.optional(), repo: z.string().url().optional() })
  .strict();

export const addonsSchema = z
  .object({
    storage: z.discriminatedUnion("type", [localPath, longhorn, rook]).default({ type: "local-path" }),
    loadBalancer: z.discriminatedUnion("type", [servicelb, metallb]).default({ type: "servicelb" }),
    monitoring: monitoring.default({ enabled: false, retention: "10d", storageSize: "10Gi", grafanaStorageSize: "1Gi" }),
    /** Per-stack chart version/repo overrides. */
    charts: z.partialRecord(z.enum(CHART_KEYS), chartOverride, { error: (iss) => (iss.code === "invalid_type" ? `must be a mapping of chart names (${CHART_KEYS.join(", ")}) to version and repo overrides. Fix: write it like charts: {longhorn: {version: 1.7.2}}` : undefined) }).default({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    // Rook's operator and CSI drivers charts go by pairs (rook-csi-pairing.ts); only Rook installs them.
    if (cfg.storage.type !== "rook-ceph") return;
    const overridden = new Set(CHART_KEYS.filter((key) => cfg.charts[key]?.version !== undefined));
    const versions = { rook: effectiveChart("rook-ceph", cfg.charts).version, drivers: effectiveChart("ceph-csi-drivers", cfg.charts).version };
    const problem = rookCsiPairingProblem(versions, overridden, (key: ChartKey, version) => `set charts.${key}.version to ${version}`);
    if (problem) ctx.addIssue({ code: "custom", message: problem.message, path: ["charts", problem.key, "version"], input: cfg.charts[problem.key]?.version });
  });

export type AddonsConfig = z.output<typeof addonsSchema>;
export type StorageConfig = AddonsConfig["storage"];
export type LonghornConfig = Extract<StorageConfig, { type: "longhorn" }>;
export type RookConfig = Extract<StorageConfig, { type: "rook-ceph" }>;
export type LoadBalancerConfig = AddonsConfig["loadBalancer"];
export type MetallbConfig = Extract<LoadBalancerConfig, { type: "metallb" }>;
export type MonitoringConfig = AddonsConfig["monitoring"];

/** Parses `k3s-stacks:addons` (absent means local-path, servicelb, no monitoring). */
export function parseAddonsConfig(raw: unknown): AddonsConfig {
  return parseConfig(addonsSchema, raw ?? {}, ADDONS_KEY);
}
