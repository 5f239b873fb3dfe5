import { ConfigError, PROJECT } from "../rules/errors";
import { indexedIp, networkForm, parseCidr, splitCidrs } from "../rules/cidr";
import { parseIp } from "../rules/address";
import { CLUSTER_DNS_INDEX } from "../rules/service-cidr";
import type { ClusterSettings } from "../k3s/settings";

/**
 * Cluster settings k3s fixes when the cluster is created, as their effective values (defaults filled
 * in), exported as stack outputs so the next `pulumi up` can refuse a change. k3s itself checks these
 * (its CriticalControlArgs: cluster-cidr, service-cidr, cluster-dns, cluster-domain, flannel-backend,
 * secrets-encryption, ...; K3S:pkg/daemons/config/types.go) only when a server joins
 * (compareConfig, K3S:pkg/cluster/bootstrap.go), so a rolling restart that changes one on every
 * server passes k3s and breaks state the cluster stored under the old value. The other critical
 * arguments (disable-network-policy, egress-selector-mode, flannel-ipv6-masq, flannel-external-ip,
 * embedded-registry, the disable-* flags) are read again on each start and roll like any change.
 */
export interface FixedSettings {
  /** cluster-cidr (k3s default 10.42.0.0/16). */
  clusterCidr: string;
  /** service-cidr (k3s default 10.43.0.0/16). */
  serviceCidr: string;
  /** cluster-domain (k3s default cluster.local). */
  clusterDomain: string;
  /** flannel-backend (k3s default vxlan). */
  flannelBackend: string;
  /** cluster-dns: serverConfig's value, else k3s's default, the 10th address of each service range. */
  clusterDns: string;
  /** secrets-encryption. */
  secretsEncryption: boolean;
}

/** The stack outputs that carry {@link FixedSettings}, by name. */
export const FIXED_SETTING_OUTPUTS = ["clusterCidr", "serviceCidr", "clusterDomain", "flannelBackend", "clusterDns", "secretsEncryption"] as const;

/** A CIDR list in one spelling (network form, RFC 5952 IPv6), so equal ranges written differently compare equal. */
const list = (v: string) => splitCidrs(v).map((c) => (parseCidr(c) ? networkForm(c) : c)).join(",");

/** An address list in one spelling. */
const addresses = (v: string) => v.split(",").map((a) => a.trim()).filter(Boolean).map((a) => parseIp(a)?.toString() ?? a).join(",");

/** Each setting in the spelling both sides are compared in (previous outputs may predate canonical spelling). */
const CANONICAL: Partial<Record<keyof FixedSettings, (v: string) => string>> = { clusterCidr: list, serviceCidr: list, clusterDns: addresses };

function same(name: keyof FixedSettings, a: string | boolean, b: string | boolean): boolean {
  const canon = CANONICAL[name];
  return canon && typeof a === "string" && typeof b === "string" ? canon(a) === canon(b) : a === b;
}

/** k3s's default cluster-dns: the address at index 10 of each service range (utilsnet.GetIndexedIP). */
function defaultClusterDns(serviceCidr: string): string {
  return splitCidrs(serviceCidr).map((cidr) => indexedIp(cidr, CLUSTER_DNS_INDEX)).join(",");
}

/** cluster-dns as serverConfig sets it (`cluster-dns` and its appending form `cluster-dns+`), undefined when unset. */
function configuredClusterDns(serverConfig: Record<string, unknown>): string | undefined {
  const values = ["cluster-dns", "cluster-dns+"].flatMap((k) => {
    const v = serverConfig[k];
    return v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
  });
  return values.length ? addresses(values.join(",")) : undefined;
}

/** The effective values of `settings`' fixed settings, as exported. */
export function fixedSettings(settings: ClusterSettings): FixedSettings {
  return {
    clusterCidr: list(settings.clusterCidr),
    serviceCidr: list(settings.serviceCidr),
    clusterDomain: settings.clusterDomain ?? "cluster.local",
    flannelBackend: settings.flannelBackend ?? "vxlan",
    clusterDns: configuredClusterDns(settings.serverConfig) ?? defaultClusterDns(settings.serviceCidr),
    secretsEncryption: settings.secretsEncryption,
  };
}

const NEW_CLUSTER = "A different value needs a new cluster (a new stack) and moving the workloads to it";

/** Why each setting cannot change on a running cluster, and what to do instead (values: before, after). */
const RULES: { [K in keyof FixedSettings]: { key: string; why: (a: FixedSettings[K], b: FixedSettings[K]) => string; fix: (a: FixedSettings[K], b: FixedSettings[K]) => string } } = {
  clusterCidr: {
    key: "cluster.clusterCidr",
    why: () => "every node keeps the pod range it was given from the old range, and kube-controller-manager fails on node ranges outside the new one (k3s-io/k3s#3967); dual-stack, too, can only be set when a cluster is created (docs.k3s.io/networking/basic-network-options)",
    fix: (a) => `put back clusterCidr: ${a}. ${NEW_CLUSTER}`,
  },
  serviceCidr: {
    key: "cluster.serviceCidr",
    why: () => "Services keep their ClusterIPs, so kubernetes and kube-dns would sit outside the new range (k3s-io/k3s#3489) and the cluster-dns address moves with it",
    fix: (a) => `put back serviceCidr: ${a}. ${NEW_CLUSTER}`,
  },
  clusterDomain: {
    key: "cluster.clusterDomain",
    why: () => "CoreDNS, every kubelet and every Pod's resolv.conf would disagree on Service names until all of them restarted, and certificates issued for the old domain keep it",
    fix: (a) => `put back clusterDomain: ${a}. ${NEW_CLUSTER}`,
  },
  flannelBackend: {
    key: "cluster.flannelBackend",
    why: () => "nodes on different flannel backends cannot reach each other's pods, so the pod network splits while the change rolls (k3s-io/k3s#5011), and the old backend's interfaces stay on every node",
    fix: (a) => `put back flannelBackend: ${a}. ${NEW_CLUSTER}`,
  },
  clusterDns: {
    key: "cluster.serverConfig.cluster-dns",
    why: () => "every Pod keeps the DNS address it started with in its resolv.conf, and kube-dns keeps its ClusterIP",
    fix: (a) => `put back cluster-dns: ${a} (or remove the key when that is the default). ${NEW_CLUSTER}`,
  },
  secretsEncryption: {
    key: "cluster.secretsEncryption",
    why: (a) => a
      ? "removing the flag stops the API server from decrypting the Secrets already encrypted at rest, so they become unreadable (docs.k3s.io/cli/secrets-encrypt)"
      : "k3s does not support enabling secrets encryption on a cluster started without it (docs.k3s.io/cli/secrets-encrypt)",
    fix: (a) => a
      ? "put back secretsEncryption: true. To stop encrypting, keep it true and follow 'Disabling/Enabling Secrets Encryption' at docs.k3s.io/cli/secrets-encrypt on the servers: k3s secrets-encrypt disable, restart every server, then k3s secrets-encrypt reencrypt"
      : `put back secretsEncryption: false. Encryption at rest needs a new cluster (a new stack) created with secretsEncryption: true`,
  },
};

const show = (v: string | boolean) => (typeof v === "boolean" ? String(v) : v);

/**
 * Refuses a change of any {@link FixedSettings} value since the last successful `pulumi up`.
 * `previous` holds what that update exported; a value it lacks (a stack last updated before these
 * outputs existed) is not checked. Every change is reported at once.
 */
export function checkFixedSettings(previous: Partial<FixedSettings>, next: FixedSettings): void {
  const problems: string[] = [];
  for (const name of FIXED_SETTING_OUTPUTS) {
    const before = previous[name];
    const after = next[name];
    if (before === undefined || same(name, before, after)) continue;
    // The default cluster-dns follows the service range, whose own message says so.
    if (name === "clusterDns" && previous.serviceCidr !== undefined && !same("serviceCidr", previous.serviceCidr, next.serviceCidr)) continue;
    const rule = RULES[name] as { key: string; why: (a: unknown, b: unknown) => string; fix: (a: unknown, b: unknown) => string };
    problems.push(`${PROJECT}:${rule.key}: changes from ${show(before)} to ${show(after)} on a running cluster; k3s fixes it when the cluster is created: ${rule.why(before, after)}. Fix: ${rule.fix(before, after)}.`);
  }
  if (problems.length) throw new ConfigError(problems);
}

/** Reads the fixed settings back from the previous outputs; values of another type read as absent. */
export function parseFixedSettings(outputs: Record<string, unknown>): Partial<FixedSettings> {
  const out: Partial<FixedSettings> = {};
  for (const name of FIXED_SETTING_OUTPUTS) {
    const v = outputs[name];
    if (name === "secretsEncryption" ? typeof v === "boolean" : typeof v === "string") (out as Record<string, unknown>)[name] = v;
  }
  return out;
}
