import { parse, stringify } from "yaml";
import { apiUrl } from "./node-config";
import { ClusterSettings, apiHost } from "./settings";

/**
 * The API host a kubeconfig names, from the settings alone: apiEndpoint, else the VIP, else the first
 * tlsSans entry that names one host (an IP address or DNS name; a wildcard such as `*.example.com`
 * names no host, so `https://*.example.com:6443` would be no server address). Undefined when none
 * is set: the component then uses the first server's address.
 */
export function configuredKubeconfigHost(settings: Pick<ClusterSettings, "apiEndpoint" | "apiVip" | "tlsSans">): string | undefined {
  return apiHost(settings) ?? settings.tlsSans.find((san) => !san.startsWith("*."));
}

interface Named<T> { name: string; [key: string]: unknown; cluster?: T; user?: T; context?: T }

/**
 * Points k3s's admin kubeconfig at `host` instead of 127.0.0.1 and names its cluster, user and context
 * `name` (k3s calls them all `default`, which collides when users merge kubeconfigs).
 */
export function rewriteKubeconfig(raw: string, host: string, name: string): string {
  const doc = parse(raw) as Record<string, unknown> | null;
  if (!doc || !Array.isArray(doc.clusters) || doc.clusters.length === 0) {
    throw new Error("the server's /etc/rancher/k3s/k3s.yaml is not a kubeconfig (no clusters)");
  }
  const rename = (list: unknown) => (Array.isArray(list) ? (list as Named<Record<string, unknown>>[]).map((e) => ({ ...e, name })) : list);
  doc.clusters = (rename(doc.clusters) as Named<Record<string, unknown>>[]).map((c) => ({
    ...c,
    cluster: { ...(c.cluster ?? {}), server: apiUrl(host) },
  }));
  doc.users = rename(doc.users);
  doc.contexts = (rename(doc.contexts) as Named<Record<string, unknown>>[] | undefined)?.map((c) => ({
    ...c,
    context: { ...(c.context ?? {}), cluster: name, user: name },
  }));
  doc["current-context"] = name;
  return stringify(doc);
}
