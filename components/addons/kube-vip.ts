import * as ipaddr from "ipaddr.js";
import { stringify } from "yaml";
import { ApiVip } from "../k3s/settings";
import { ConfigError, ConfigRoot, keyPath } from "../rules/errors";
import { NodeFile } from "../k3s/types";
import { imageRef } from "./charts";
import { MetallbConfig } from "./config";
import { parsePoolEntry } from "./pool-ranges";
import { CLOUD_DELIVERS_ONLY_ASSIGNED } from "../rules/layer2";
import { ipToBigInt } from "../rules/address";
import { ApiVipNetwork, apiVipNetworkProblems } from "../k3s/api-vip";

/** k3s applies every file here on each server, re-applying when it changes (reference §10, §14). */
export const SERVER_MANIFESTS_DIR = "/var/lib/rancher/k3s/server/manifests";
export const KUBE_VIP_RBAC_FILE = `${SERVER_MANIFESTS_DIR}/k3s-stacks-kube-vip-rbac.yaml`;
export const KUBE_VIP_DAEMONSET_FILE = `${SERVER_MANIFESTS_DIR}/k3s-stacks-kube-vip.yaml`;

const NAME = "kube-vip";
const NAMESPACE = "kube-system";
const LABELS = { "app.kubernetes.io/name": NAME, "app.kubernetes.io/managed-by": "k3s-stacks" };

function yamlDocs(docs: object[]): string {
  return `# Managed by k3s-stacks (cluster.apiVip); edits are overwritten on the next pulumi up.\n${docs.map((d) => stringify(d)).join("---\n")}`;
}

/**
 * ServiceAccount and the cluster-wide rights kube-vip uses: leader election through a Lease, and
 * reading nodes. Service rights are left out on purpose: Service load balancing stays off.
 */
export function renderKubeVipRbac(): string {
  const role = `k3s-stacks:${NAME}`;
  return yamlDocs([
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: NAME, namespace: NAMESPACE, labels: LABELS } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: role, labels: LABELS },
      rules: [
        { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "list", "watch", "create", "update"] },
        { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: role, labels: LABELS },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
      subjects: [{ kind: "ServiceAccount", name: NAME, namespace: NAMESPACE }],
    },
  ]);
}

/**
 * kube-vip's settings for a control-plane VIP in ARP mode, as the environment variables it reads
 * (reference §14; `address` is kube-vip's current name for the deprecated `vip_address`,
 * kube-vip pkg/kubevip/config_envvar.go). Service load balancing is off: servicelb or MetalLB
 * serve Services.
 */
export function kubeVipEnv(vip: ApiVip): Record<string, string> {
  return {
    address: vip.address,
    port: "6443",
    vip_arp: "true",
    cp_enable: "true",
    svc_enable: "false",
    vip_leaderelection: "true",
    ...(vip.interface ? { vip_interface: vip.interface } : {}),
  };
}

/** The DaemonSet: one kube-vip per server (k3s labels servers control-plane=true), host network, NET_ADMIN/NET_RAW. */
export function renderKubeVipDaemonSet(vip: ApiVip): string {
  return yamlDocs([
    {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: NAME, namespace: NAMESPACE, labels: LABELS },
      spec: {
        selector: { matchLabels: { "app.kubernetes.io/name": NAME } },
        template: {
          metadata: { labels: LABELS },
          spec: {
            serviceAccountName: NAME,
            hostNetwork: true,
            nodeSelector: { "node-role.kubernetes.io/control-plane": "true" },
            // Servers may carry NoSchedule/NoExecute taints (CriticalAddonsOnly and the like).
            tolerations: [{ operator: "Exists", effect: "NoSchedule" }, { operator: "Exists", effect: "NoExecute" }],
            containers: [
              {
                name: NAME,
                image: imageRef("kubeVip"),
                imagePullPolicy: "IfNotPresent",
                args: ["manager"],
                env: Object.entries(kubeVipEnv(vip)).map(([name, value]) => ({ name, value })),
                securityContext: { capabilities: { add: ["NET_ADMIN", "NET_RAW"] } },
              },
            ],
          },
        },
      },
    },
  ]);
}

/** The manifests as files for the servers' config step, so they are in place before k3s first starts. */
export function kubeVipFiles(vip: ApiVip): NodeFile[] {
  return [
    { path: KUBE_VIP_RBAC_FILE, content: renderKubeVipRbac(), mode: "0600", roles: ["server"] },
    { path: KUBE_VIP_DAEMONSET_FILE, content: renderKubeVipDaemonSet(vip), mode: "0600", roles: ["server"] },
  ];
}

/** What the VIP is checked against: the cluster layer's facts and, with MetalLB, its pools. */
export interface ApiVipContext extends ApiVipNetwork {
  /** MetalLB pools when MetalLB is the load balancer. */
  metallb?: MetallbConfig;
}

/**
 * Every problem with `cluster.apiVip` of a stack: those of the cluster layer (k3s/api-vip.ts, which
 * K3sCluster runs too) and, on top, the VIP inside a MetalLB pool (MetalLB could hand it to a Service).
 */
export function apiVipProblems(vip: ApiVip, ctx: ApiVipContext): string[] {
  return [...apiVipNetworkProblems(vip, ctx), ...(ctx.metallb ? apiVipPoolProblems(vip, ctx.metallb, { apiVip: "cluster.apiVip", addons: "addons" }) : [])];
}

/**
 * The VIP inside a MetalLB pool: MetalLB could hand it to a Service. For the stack's cluster.apiVip
 * and ClusterAddons's `apiVip` argument alike; `roots` name the VIP and the addons settings.
 */
export function apiVipPoolProblems(vip: ApiVip, metallb: MetallbConfig, roots: { apiVip: ConfigRoot; addons: ConfigRoot }): string[] {
  const where = keyPath(roots.apiVip, ["address"]);
  const addr = ipaddr.parse(vip.address);
  const family = addr.kind();
  const value = ipToBigInt(addr);
  return metallb.pools.flatMap((pool, i) => pool.addresses.flatMap((text, j) => {
    const iv = parsePoolEntry(text);
    if (!iv || iv.family !== family || value < iv.first || value > iv.last) return [];
    return [`${where}: ${vip.address} is inside MetalLB pool '${pool.name}' (${keyPath(roots.addons, ["loadBalancer", "pools", i, "addresses", j])}: ${text}), so MetalLB could hand it to a Service. Fix: pick an address outside every pool.`];
  }));
}

/** Throws one ConfigError with every apiVipProblems line. */
export function checkApiVip(vip: ApiVip, ctx: ApiVipContext): void {
  const problems = apiVipProblems(vip, ctx);
  if (problems.length) throw new ConfigError(problems);
}

/** An ARP VIP on a cloud stack (rules/layer2.ts CLOUD_DELIVERS_ONLY_ASSIGNED). */
export function apiVipOnCloud(): string {
  return `${keyPath("cluster", ["apiVip"])}: an ARP VIP does not work on Hetzner Cloud or AWS: ${CLOUD_DELIVERS_ONLY_ASSIGNED}. Fix: remove apiVip; set cloud.apiLoadBalancer for a highly available API address instead.`;
}
