import { argName } from "./managed-flags";
import { argEntries, keyedArgEntries, lastArgValue } from "./component-args";
import { nearest } from "./nearest";

/**
 * kube-proxy's modes on Linux (KubeProxyConfiguration `mode`, set through k3s's kube-proxy-arg
 * `proxy-mode=`): iptables (the default, also for an empty value), ipvs and nftables. kube-proxy
 * refuses another value at start (pkg/proxy/apis/config/validation: "mode ... Unsupported value"), and
 * k3s's agent then never gets its Services routed.
 */
export const PROXY_MODES = ["iptables", "ipvs", "nftables"] as const;
export type ProxyMode = (typeof PROXY_MODES)[number];

/**
 * nftables mode is a feature gate (NFTablesProxyMode) until it is on by default from Kubernetes 1.31
 * (KEP-3866: alpha 1.29, beta 1.31, GA 1.33); before that kube-proxy refuses the mode without the gate.
 */
const NFTABLES_DEFAULT_MINOR = 31;

/** The `proxy-mode` a config sets through kube-proxy-arg (a later entry wins, as k3s passes them), or undefined. */
export function proxyModeOf(config: Record<string, unknown>): string | undefined {
  return lastArgValue(argEntries(config, "kube-proxy-arg"), "proxy-mode");
}

function gateOn(config: Record<string, unknown>): boolean {
  return argEntries(config, "kube-proxy-arg").some((e) => argName(e) === "feature-gates" && /(^|[=,])NFTablesProxyMode=true\b/.test(e));
}

/**
 * Problems of a proxy-mode set in a serverConfig/agentConfig mapping (or a node's merged config.yaml
 * keys): a mode kube-proxy does not have, or nftables on a release where it is still behind its gate.
 * `where(key)` names the kube-proxy-arg entry in force (`kube-proxy-arg[1]`).
 */
export function proxyModeProblems(config: Record<string, unknown>, k3sVersion: string, where: (key: string) => string): string[] {
  const mode = proxyModeOf(config);
  if (mode === undefined || mode === "") return [];
  // The entry k3s passes last is the one kube-proxy keeps (lastArgValue).
  const at = where(keyedArgEntries(config, "kube-proxy-arg").filter((e) => argName(e.entry) === "proxy-mode").at(-1)?.key ?? "kube-proxy-arg");
  if (!(PROXY_MODES as readonly string[]).includes(mode)) {
    const near = nearest(mode, PROXY_MODES);
    return [`${at}: proxy-mode=${mode} is not a kube-proxy mode; kube-proxy refuses it at start and Services are not routed. Fix: use ${near ? `proxy-mode=${near}, or another of ` : "one of "}${PROXY_MODES.join(", ")}, or remove it (iptables).`];
  }
  const minor = Number(/^v1\.(\d+)\./.exec(k3sVersion)?.[1] ?? NaN);
  if (mode === "nftables" && minor < NFTABLES_DEFAULT_MINOR && !gateOn(config)) {
    return [`${at}: proxy-mode=nftables needs kube-proxy's NFTablesProxyMode feature gate before Kubernetes 1.${NFTABLES_DEFAULT_MINOR} (KEP-3866), and k3s ${k3sVersion} is 1.${minor}: kube-proxy refuses the mode. Fix: pin k3s v1.${NFTABLES_DEFAULT_MINOR} or newer, or add feature-gates=NFTablesProxyMode=true to the list.`];
  }
  return [];
}
