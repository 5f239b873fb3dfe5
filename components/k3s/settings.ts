import { z } from "zod";
import { nearestSubdomain, subdomainProblem } from "../rules/dns";
import { DISABLE_VALUES, configProblems, flagType, normalizeSliceFlags } from "../rules/flags";
import { K3S_CLUSTER_CIDR, K3S_SERVICE_CIDR, cidrListSchema, cidrSchema } from "../rules/cidr";
import { ConfigError, ConfigRoot, keyPath, parseConfig } from "../rules/errors";
import { Family, addressSchema } from "../rules/address";
import { MaxPodsArg, clusterNetworkProblems, maxPodsProblems } from "../rules/cluster-network";
import { nodeMaskProblems } from "../rules/node-cidr-mask";
import { kubeletScalarProblems } from "../rules/kubelet-scalars";
import { mapping } from "../rules/issues";
import { goDurationSchema } from "../rules/duration";
import { DATASTORES } from "../rules/datastore";
import { flannelBackendSchema } from "../rules/flannel";
import { EXAMPLE_K3S_TAG, k3sVersionProblem } from "../rules/k3s-version";
import { MANAGED_KEYS, managedKeyProblems } from "../rules/managed-flags";
import { credentialFlagProblems } from "../rules/credential-flags";
import { proxyModeProblems } from "../rules/kube-proxy";
import { exitingFlagProblems, featureGateProblems, kubeletFlagProblems } from "../rules/kubernetes-flags";
import { serviceRangeProblems } from "../rules/service-cidr";
import { datastoreFlagProblems, flagValueProblems } from "../rules/flag-values";
import { keyedArgEntries } from "../rules/component-args";
import { kubeletValueProblems } from "../rules/kubelet-values";
import { required } from "../rules/required";
import { interfaceName } from "../rules/interface-name";


/** Where joins and the kubeconfig reach the API: always port 6443 (k3s https-listen-port is managed). */
const API_PORT_NOTE = "joins and the kubeconfig use the API port 6443";
const rawK3sConfig = mapping(z.string(), z.unknown(), "k3s flags to values", "{kube-apiserver-arg: [\"audit-log-maxage=30\"]}");

/**
 * A virtual IP for the Kubernetes API, held by kube-vip on one server at a time. `mode` leaves room
 * for BGP; ARP (layer 2: the holder answers ARP/NDP for the address) is what is built.
 */
export const apiVipSchema = z
  .object({
    /** The VIP: a free IPv4/IPv6 address on the servers' LAN, outside DHCP, MetalLB pools and the cluster CIDRs. */
    address: addressSchema({ accepts: "ip", why: "kube-vip announces it by ARP/NDP", give: "a free address on the servers' LAN", portNote: API_PORT_NOTE, example: "192.168.1.250" }),
    /** How the VIP is announced; only ARP (layer 2) for now. */
    mode: z.enum(["arp"]).default("arp"),
    /** NIC kube-vip binds the VIP to on every server; kube-vip picks the default route's NIC when omitted. */
    interface: interfaceName("the servers' NIC kube-vip binds the VIP to", "eth0").optional(),
    /** The servers' LAN, when wider or narrower than the /24 (IPv4) or /64 (IPv6) assumed for the subnet check. */
    subnet: cidrSchema().optional(),
  })
  .strict();
export type ApiVip = z.output<typeof apiVipSchema>;

/**
 * A list setting that k3s also takes as one comma-separated string (k3s splits `disable` and
 * `tls-san` on commas, shared/reference §1 "Comma handling"): a YAML list, or `traefik` /
 * `traefik,servicelb`, split as k3s splits it. `trim`: k3s trims each `disable` entry
 * (K3S:pkg/cli/server/server.go, strings.TrimSpace after SplitStringSlice), so `traefik, servicelb`
 * is valid there; `tls-san` entries are kept as written, so a space after a comma is reported on its
 * entry rather than put into the certificate.
 */
function commaList<T extends z.ZodType<string>>(entry: T, opts: { trim?: boolean } = {}): z.ZodArray<T> {
  const split = (v: unknown) => (typeof v === "string" ? v.split(",") : v);
  const trim = (v: unknown) => (Array.isArray(v) ? v.map((e) => (typeof e === "string" ? e.trim() : e)) : v);
  // Typed as the list it becomes (library arguments pass lists); the string form is the stack file's.
  return z.preprocess((v) => (opts.trim ? trim(split(v)) : split(v)), z.array(entry)) as unknown as z.ZodArray<T>;
}

/** Pinned k3s release of a supported line, e.g. v1.36.3+k3s1 (rules/k3s-version.ts). Channels are not versions. */
/**
 * k3s's `disable` takes only its packaged components (traefik, servicelb, ...); the embedded
 * controllers and agent parts are switched off by flags of their own (`disable-helm-controller`,
 * `disable-network-policy`, ...; k3s docs "Using the --disable flags"). Such a word in `disable`
 * gets that flag as the fix, or why k3s-stacks refuses it; undefined for other words.
 */
function ownDisableFlag(input: string): string | undefined {
  const flag = `disable-${input.trim().toLowerCase()}`;
  if (flagType("server", flag) === undefined) return undefined;
  const managed = MANAGED_KEYS[flag];
  const packaged = `'${input}' is not one of the packaged components disable takes (${DISABLE_VALUES.join(", ")}); k3s switches it off with its own flag ${flag}`;
  return managed ? `${packaged}, which k3s-stacks refuses: ${managed}. Fix: remove '${input}' from disable` : `${packaged}. Fix: remove '${input}' here and set serverConfig: { ${flag}: true }`;
}

const k3sVersion = required(z.string({
  // YAML reads an unquoted 1.30 as the number 1.3 (Pulumi's YAML 1.2 core schema does too).
  error: (iss) => (typeof iss.input === "number" ? `is the number ${iss.input}, as YAML reads an unquoted version such as 1.30, and not a k3s release tag. Fix: pin a release tag, which starts with 'v' (YAML then reads it as text), such as ${EXAMPLE_K3S_TAG}` : undefined),
}).superRefine((tag, ctx) => {
  const wrong = k3sVersionProblem(tag);
  if (wrong) ctx.addIssue({ code: "custom", message: wrong });
}), { description: "the k3s release tag to install", examples: [EXAMPLE_K3S_TAG] });

/**
 * The cluster's settings besides its version, with their rules and defaults: the one definition both
 * the stack key `k3s-stacks:cluster` and the library's `K3sCluster` arguments are parsed with.
 */
const clusterFields = {
  /** sqlite: one server; etcd: embedded HA, odd server count; postgres: external, endpoint in the secret k3s-stacks:datastoreEndpoint. */
  datastore: z.enum(DATASTORES).default("sqlite"),
  /** Packaged components to switch off. */
  disable: commaList(z.enum(DISABLE_VALUES as [string, ...string[]], { error: (iss) => (iss.code === "invalid_value" && typeof iss.input === "string" ? ownDisableFlag(iss.input) : undefined) }), { trim: true }).default([]),
  /** Extra names/IPs in the API server certificate; the first that is no wildcard is the kubeconfig's host when apiEndpoint and apiVip are unset. */
  tlsSans: commaList(addressSchema({ accepts: "host", wildcard: true, portNote: "a certificate names hosts, not ports", example: "k3s.example.com or 192.168.1.250" })).default([]),
  /** Fixed API address (load balancer, VIP or DNS name) for joins and the kubeconfig. */
  apiEndpoint: addressSchema({ accepts: "host", portNote: API_PORT_NOTE, dial: "the joining nodes and kubectl", example: "k3s.example.com or 192.168.1.250" }).optional(),
  /** A managed VIP (kube-vip) used for joins and the kubeconfig; an alternative to apiEndpoint. */
  apiVip: apiVipSchema.optional(),
  /** k3s cluster-cidr: pods' range, or an IPv4,IPv6 pair for dual-stack. */
  clusterCidr: cidrListSchema(K3S_CLUSTER_CIDR).default(K3S_CLUSTER_CIDR),
  /** k3s service-cidr: Services' range, or a pair in clusterCidr's family order. */
  serviceCidr: cidrListSchema(K3S_SERVICE_CIDR).default(K3S_SERVICE_CIDR),
  /** k3s cluster-domain: a DNS-1123 subdomain (kube-apiserver and CoreDNS refuse anything else); cluster.local when absent. */
  clusterDomain: z.string().superRefine((v, ctx) => {
    const problem = subdomainProblem(v);
    const near = problem ? nearestSubdomain(v) : undefined;
    if (problem) ctx.addIssue({ code: "custom", message: `${problem}. Fix: ${near ? `write '${near}' (a lowercase DNS name such as cluster.local)` : "use a lowercase DNS name such as cluster.local or k3s.internal"}` });
  }).optional(),
  /**
   * k3s flannel-backend: vxlan (k3s's default), host-gw (nodes on one layer-2 segment) or
   * wireguard-native. `none` is refused: it leaves the cluster without a CNI, which k3s-stacks does
   * not install (no add-on provides one), so every Node stays NotReady ("cni plugin not initialized")
   * and the first server's membership gate times out (k3s docs "Basic Network Options": with none,
   * "you must install your own CNI").
   */
  flannelBackend: flannelBackendSchema.optional(),
  /** Encrypt Secrets at rest (k3s secrets-encryption). */
  secretsEncryption: z.boolean().default(true),
  /** Where nodes fetch the install script (a mirror for restricted networks). */
  installScriptUrl: z.string().url().default("https://get.k3s.io"),
  /** INSTALL_K3S_ARTIFACT_URL: where install.sh downloads k3s release assets. */
  artifactUrl: z.string().url().optional(),
  /** Extra k3s server flags for config.yaml, checked against the k3s flag table; a list flag's single string becomes a one-entry list, as k3s reads it. */
  serverConfig: rawK3sConfig.default({}).transform((c) => normalizeSliceFlags("server", c)),
  /** Extra k3s agent flags for config.yaml (also applied to servers), checked against the flag table; normalized like serverConfig. */
  agentConfig: rawK3sConfig.default({}).transform((c) => normalizeSliceFlags("agent", c)),
  /** How long removal and upgrades may take to drain a node. */
  drainTimeout: goDurationSchema.default("5m"),
};

/** `k3s-stacks:cluster` in a stack file. */
export const clusterSchema = z.object({ k3sVersion, ...clusterFields }).strict();

/** The cluster settings among `K3sCluster`'s arguments: the same fields, the version named `version` (the component adds its other arguments). */
export const clusterArgsSchema = z.object({ version: k3sVersion, ...clusterFields });

export type ClusterSettings = z.output<typeof clusterSchema>;
/** The cluster settings a library user passes to `K3sCluster` (optional fields take the defaults above). */
export type ClusterArgs = z.input<typeof clusterArgsSchema>;

const KEY = "cluster";

/** Parses `k3s-stacks:cluster`, reporting every problem at once. */
export function parseClusterConfig(raw: unknown): ClusterSettings {
  if (raw && typeof raw === "object" && "datastoreEndpoint" in raw) {
    throw new ConfigError([
      `${keyPath(KEY, ["datastoreEndpoint"])}: a datastore URL holds a password and must not be plain config. Fix: remove it here and run 'pulumi config set --secret k3s-stacks:datastoreEndpoint postgres://user:pass@host:5432/k3s'.`,
    ]);
  }
  const settings = parseConfig(clusterSchema, raw, KEY);
  checkClusterSettings(settings, KEY);
  return settings;
}

/** The stack settings from parsed library arguments (`version` is the stack's `k3sVersion`); other arguments are left out. */
export function settingsFromArgs(args: z.output<typeof clusterArgsSchema>): ClusterSettings {
  const fields = Object.fromEntries(Object.keys(clusterFields).map((k) => [k, args[k as keyof typeof clusterFields]]));
  return { k3sVersion: args.version, ...fields } as ClusterSettings;
}

/** The library arguments equal to parsed stack settings: how the stack program passes them to `K3sCluster`. */
export function clusterArgs(settings: ClusterSettings): z.output<typeof clusterArgsSchema> {
  const { k3sVersion: version, ...rest } = settings;
  return { version, ...rest };
}

/** Checks across fields that a schema cannot express; `root` names where the settings came from. */
export function checkClusterSettings(settings: ClusterSettings, root: ConfigRoot): void {
  const problems: string[] = [];
  for (const [field, role] of [["serverConfig", "server"], ["agentConfig", "agent"]] as const) {
    const extra = settings[field];
    // A managed key is reported once, as managed: its type or role no longer matters once it goes.
    const managed = managedKeyProblems(extra, root, (path) => keyPath(root, [field, ...path]));
    const unmanaged = Object.fromEntries(Object.entries(extra).filter(([key]) => !managed.keys.has(key)));
    problems.push(...configProblems(role, unmanaged, keyPath(root, [field])), ...managed.problems);
    problems.push(...credentialFlagProblems(extra, root, (key) => keyPath(root, [field, key])));
    problems.push(...proxyModeProblems(extra, settings.k3sVersion, (key) => `${keyPath(root, [field])}.${key}`));
    problems.push(...kubeletFlagProblems(extra, settings.k3sVersion, (key) => `${keyPath(root, [field])}.${key}`));
    problems.push(...featureGateProblems(extra, settings.k3sVersion, (key) => `${keyPath(root, [field])}.${key}`));
    problems.push(...exitingFlagProblems(extra, (key) => `${keyPath(root, [field])}.${key}`));
    problems.push(...kubeletValueProblems(extra, (key) => `${keyPath(root, [field])}.${key}`));
    problems.push(...kubeletScalarProblems(extra, (key) => `${keyPath(root, [field])}.${key}`));
  }
  const maskProblems = nodeMaskProblems(nodeCidrMaskEntries(settings.serverConfig), settings.clusterCidr, (k) => `${keyPath(root, ["serverConfig"])}.${k}`);
  problems.push(...maskProblems);
  // With a mask kube-controller-manager refuses, the checks that size ranges by it would only echo it.
  const masks = maskProblems.length ? {} : nodeCidrMaskSize(settings.serverConfig);
  problems.push(...clusterNetworkProblems({
    clusterCidr: settings.clusterCidr,
    serviceCidr: settings.serviceCidr,
    k3sVersion: settings.k3sVersion,
    nodeCidrMaskSize: masks,
    apiVip: settings.apiVip?.address,
    apiEndpoint: settings.apiEndpoint,
  }, (field) => keyPath(root, field.split("."))));
  problems.push(...flagValueProblems(settings.serverConfig, settings.k3sVersion, (flag) => keyPath(root, ["serverConfig", flag])));
  problems.push(...datastoreFlagProblems(settings.serverConfig, settings.datastore, (flag) => keyPath(root, ["serverConfig", flag]), keyPath(root, ["datastore"])));
  // k3s reads the provider only when it writes the encryption config, i.e. with secrets-encryption on.
  if (!settings.secretsEncryption && "secrets-encryption-provider" in settings.serverConfig) {
    problems.push(`${keyPath(root, ["serverConfig", "secrets-encryption-provider"])}: chooses the cipher of secrets encryption, but ${keyPath(root, ["secretsEncryption"])} is false, so k3s would ignore it and keep Secrets unencrypted. Fix: remove it, or set secretsEncryption: true.`);
  }
  const dnsKey = ["cluster-dns", "cluster-dns+"].find((k) => k in settings.serverConfig) ?? "cluster-dns";
  problems.push(...serviceRangeProblems(settings.serviceCidr, settings.serverConfig[dnsKey], keyPath(root, ["serviceCidr"]), keyPath(root, ["serverConfig", dnsKey])));
  problems.push(...maxPodsProblems({ clusterCidr: settings.clusterCidr, nodeCidrMaskSize: masks }, [
    ...kubeletMaxPods(settings.serverConfig, (k) => `${keyPath(root, ["serverConfig"])}.${k}`),
    ...kubeletMaxPods(settings.agentConfig, (k) => `${keyPath(root, ["agentConfig"])}.${k}`),
  ]));
  if (settings.apiVip && settings.apiEndpoint) {
    problems.push(`${keyPath(root, ["apiVip"])}: is set together with apiEndpoint, so joins and the kubeconfig would have two API addresses. Fix: keep apiVip (k3s-stacks runs kube-vip for it) or apiEndpoint (an address you serve yourself), not both.`);
  }
  if (problems.length) throw new ConfigError(problems);
}

/** One node-cidr-mask-size entry of a kube-controller-manager-arg list: its key (`kube-controller-manager-arg[1]`), the families it sets, its size. */
export interface NodeMaskEntry {
  key: string;
  families: Family[];
  size: number;
}

/**
 * The node-cidr-mask-size entries (`node-cidr-mask-size`, `-ipv4`, `-ipv6`) of a config's
 * `kube-controller-manager-arg` lists (and the alias `kube-controller-arg`, and their `+` forms), in the
 * order k3s passes them to kube-controller-manager.
 */
export function nodeCidrMaskEntries(config: Record<string, unknown>): NodeMaskEntry[] {
  return ["kube-controller-manager-arg", "kube-controller-arg"].flatMap((list) => keyedArgEntries(config, list)).flatMap(({ key, entry }) => {
    const m = /^(?:--)?node-cidr-mask-size(-ipv4|-ipv6)?=(\d+)$/.exec(entry);
    if (!m) return [];
    const families: Family[] = m[1] === "-ipv4" ? ["ipv4"] : m[1] === "-ipv6" ? ["ipv6"] : ["ipv4", "ipv6"];
    return [{ key, families, size: Number(m[2]) }];
  });
}

/**
 * node-cidr-mask-size set through `kube-controller-manager-arg` in a server config
 * (`node-cidr-mask-size`, `-ipv4`, `-ipv6`; the last entry wins, as kube-controller-manager's flag
 * parsing keeps the last value; 0 is the default), so the cluster CIDR checks use the mask in force.
 */
export function nodeCidrMaskSize(serverConfig: Record<string, unknown>): Partial<Record<Family, number>> {
  const out: Partial<Record<Family, number>> = {};
  // 0 means unset: the default (Kubernetes setNodeCIDRMaskSizes).
  for (const e of nodeCidrMaskEntries(serverConfig)) {
    for (const f of e.families) {
      if (e.size === 0) delete out[f];
      else out[f] = e.size;
    }
  }
  return out;
}

/**
 * kubelet max-pods set through `kubelet-arg` (or `kubelet-arg+`) in a config, each named by
 * `where(key)` with its entry's key (`kubelet-arg[1]`).
 */
export function kubeletMaxPods(config: Record<string, unknown>, where: (key: string) => string): MaxPodsArg[] {
  return keyedArgEntries(config, "kubelet-arg").flatMap(({ key, entry }) => {
    const m = /^(?:--)?max-pods=(\d+)$/.exec(entry);
    // Past int32 the kubelet cannot parse it at all (kubelet-scalars.ts says so): no range to size.
    return m && Number(m[1]) < 2 ** 31 ? [{ key: where(key), value: Number(m[1]) }] : [];
  });
}

/** The fixed API host joins, tls-san and the kubeconfig use: apiEndpoint or the managed VIP; undefined when neither is set. */
export function apiHost(settings: Pick<ClusterSettings, "apiEndpoint" | "apiVip">): string | undefined {
  return settings.apiEndpoint ?? settings.apiVip?.address;
}
