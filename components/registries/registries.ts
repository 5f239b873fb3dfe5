import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { ConfigContribution, NodeFile } from "../k3s/types";
import { RegistriesConfig, RegistriesSettings } from "./config";

/** Where k3s reads registry settings (`private-registry` default, reference §5). */
export const REGISTRIES_PATH = "/etc/rancher/k3s/registries.yaml";
/** Where the TLS files named in registries.yaml are written on nodes. */
export const REGISTRY_TLS_DIR = "/etc/rancher/k3s/registry-tls";

/** Node paths of the TLS files for one registry host. */
export function tlsPaths(host: string): { ca: string; cert: string; key: string } {
  const dir = `${REGISTRY_TLS_DIR}/${host.replace(/[^A-Za-z0-9.-]/g, "_")}`;
  return { ca: `${dir}/ca.crt`, cert: `${dir}/client.crt`, key: `${dir}/client.key` };
}

/**
 * registries.yaml in the wharfie schema (mirrors.<host>.endpoint/rewrite, configs.<host>.auth/tls).
 * `passwords` are plain here: callers wrap the result in pulumi.secret when any is present.
 */
export function renderRegistriesYaml(settings: RegistriesSettings): string {
  const { config, tls, passwords } = settings;
  const mirrors: Record<string, Record<string, unknown>> = {};
  for (const [host, m] of Object.entries(config.mirrors)) {
    mirrors[host] = {
      ...(m.endpoint ? { endpoint: m.endpoint } : {}),
      ...(m.rewrite ? { rewrite: m.rewrite } : {}),
    };
  }
  const configs: Record<string, Record<string, unknown>> = {};
  for (const [host, c] of Object.entries(config.configs)) {
    const entry: Record<string, unknown> = {};
    if (c.auth) entry.auth = { username: c.auth.username, password: passwords[host] };
    const files = tls[host];
    if (files) {
      const p = tlsPaths(host);
      entry.tls = {
        ...(files.ca !== undefined ? { ca_file: p.ca } : {}),
        ...(files.cert !== undefined ? { cert_file: p.cert, key_file: p.key } : {}),
        ...(files.insecureSkipVerify !== undefined ? { insecure_skip_verify: files.insecureSkipVerify } : {}),
      };
    }
    configs[host] = entry;
  }
  const doc: Record<string, unknown> = {};
  if (Object.keys(mirrors).length > 0) doc.mirrors = mirrors;
  if (Object.keys(configs).length > 0) doc.configs = configs;
  return `# Written by k3s-stacks from k3s-stacks:registries; edits here are overwritten.\n${stringify(doc)}`;
}

/** What the registries settings add to the cluster. */
export interface RegistriesPlan {
  files: NodeFile[];
  contributions: ConfigContribution[];
}

function isEmpty(config: RegistriesConfig): boolean {
  return Object.keys(config.mirrors).length === 0 && Object.keys(config.configs).length === 0;
}

/**
 * NodeFiles (registries.yaml, TLS files) and config.yaml keys for K3sCluster. registries.yaml is a
 * secret when it carries a password, the client key always is; the core restarts k3s when they change.
 */
export function registriesPlan(settings: RegistriesSettings): RegistriesPlan {
  const files: NodeFile[] = [];
  if (!isEmpty(settings.config)) {
    const content = renderRegistriesYaml(settings);
    files.push({ path: REGISTRIES_PATH, content: Object.keys(settings.passwords).length > 0 ? pulumi.secret(content) : content });
  }
  for (const [host, t] of Object.entries(settings.tls)) {
    const p = tlsPaths(host);
    if (t.ca !== undefined) files.push({ path: p.ca, content: t.ca, mode: "0644" });
    if (t.cert !== undefined) files.push({ path: p.cert, content: t.cert, mode: "0644" });
    if (t.key !== undefined) files.push({ path: p.key, content: pulumi.secret(t.key) });
  }
  return { files, contributions: registriesContributions(settings.config).map((c) => c.contribution) };
}

/** The config.yaml keys the registries settings turn on, each with the setting (under `k3s-stacks:registries`) that asks for it. */
export function registriesContributions(config: RegistriesConfig): Array<{ setting: string; contribution: ConfigContribution }> {
  const out: Array<{ setting: string; contribution: ConfigContribution }> = [];
  // Server flag: agents then serve the mirror too (reference §5).
  if (config.embeddedMirror) out.push({ setting: "embeddedMirror", contribution: { server: { "embedded-registry": true } } });
  if (config.disableDefaultEndpoint) out.push({ setting: "disableDefaultEndpoint", contribution: { all: { "disable-default-registry-endpoint": true } } });
  return out;
}
