import { ClusterSettings } from "./settings";
import { Arch, NodeSpec } from "../nodes/types";
import { writeFileSnippet } from "../remote/shell";
import { renderArchCheck, renderFacts } from "./host/facts";
import { renderModuleCheck, renderModuleFix, renderNftablesKernelCheck, kernelModules } from "./host/modules";
import { FlannelBackend, NodeNetwork, firewallRules, renderFirewallCheck, renderFirewallOpen } from "./host/network";
import { renderCgroupCheck } from "./host/cgroup";
import { kubeletRefusesCgroupV1, renderCgroupV1Check } from "./host/cgroup-v1";
import { renderNetworkManager, renderSelinuxCheck, renderSelinuxConfig } from "./host/services";
import { renderPrepRecord } from "./host/undo";
import { renderFapolicyd, renderFapolicydCheck } from "./host/fapolicyd";
import { renderSysctls } from "./host/sysctls";
import { KUBELET_KERNEL_DEFAULTS, kubeletProtectsKernelDefaults, renderKernelDefaultsCheck, renderKernelDefaultsRecord } from "./host/kernel-defaults";
import { renderCloudInitWait } from "./host/cloud-init";
import { NodeInterfaces, nodeInterfacesOf, renderInterfaceCheck } from "./host/addresses";
import { renderIptablesRejectCheck } from "./host/iptables-rules";
import { NodeVpn, nodeVpnOf, renderVpnCheck } from "./host/vpn";
import { renderCurlCheck } from "./host/curl";
import { renderEtcdDiskCheck } from "./host/etcd-disk";
import { ResolvedContributions } from "./node-config";
import { ConfigValue } from "./types";
import { proxyModeOf } from "../rules/kube-proxy";

export { CGROUP_ARGS } from "./host/cgroup";

/** What firewall preparation may do: `open` adds exactly the k3s rules; `keep` only checks them. */
export type FirewallPolicy = "open" | "keep";

/** What host preparation may do on a node, and what it prepares for. */
export interface HostPrep {
  node: string;
  /** Add the memory cgroup to the Raspberry Pi kernel command line when it is missing. */
  fixCgroups: boolean;
  /** Reboot the node after such a fix. */
  allowReboot: boolean;
  /** Declared arch, checked against `uname -m`; unchecked when absent. */
  arch?: Arch;
  /** Role, flannel backend and CIDRs: kernel modules and firewall rules follow from them. Without it: vxlan's modules, firewall untouched. */
  network?: NodeNetwork;
  /** Install the distribution's package for missing kernel modules (default false: fail naming it). */
  installPackages?: boolean;
  /** Default `open`. */
  firewall?: FirewallPolicy;
  /** The kubelet of the k3s version to be installed refuses cgroup v1 on this node (host/cgroup-v1.ts): the host must boot cgroup v2. */
  requireCgroupV2?: boolean;
  /** node-ip and flannel-iface from the node's config.yaml, checked against its interfaces (host/addresses.ts); unchecked when absent. */
  interfaces?: NodeInterfaces;
  /** The VPN k3s joins at start (vpn-auth/vpn-auth-file, host/vpn.ts): its tool and file are checked; unchecked when absent. */
  vpn?: NodeVpn;
  /** An embedded-etcd server: the etcd quorum guards need curl there (host/curl.ts); its data directory's disk is checked (host/etcd-disk.ts). */
  etcdServer?: boolean;
  /** The node's kubelet runs with protect-kernel-defaults (host/kernel-defaults.ts): its kernel settings are written, applied, checked and recorded. */
  kernelDefaults?: boolean;
}

/**
 * Host preparation, idempotent, for the Debian, RHEL, SUSE and Arch families: host facts first, and a
 * wait for a running cloud-init (host/cloud-init.ts), then every check that can fail (arch, SELinux, node-ip and flannel-iface, kernel modules, firewall when kept, memory cgroup) before
 * anything changes; then swap off, modules and sysctls (inotify limits raised), firewall rules, NetworkManager, fapolicyd and
 * SELinux.
 * Leaves `k3s_prep_changed=1` when a file k3s reads changed (the SELinux drop-in): the config step
 * then leaves k3s's started-configuration record as it was, so the node's next restart step restarts k3s.
 */
export function prepBody(opts: HostPrep): string {
  const modules = kernelModules(opts.network?.backend ?? "vxlan", opts.network?.proxyMode);
  const firewall = opts.network ? firewallRules(opts.network) : undefined;
  return [
    "# Host facts: one read, before anything changes.",
    renderFacts(opts.node),
    // Before anything reads or changes the host: a first boot's cloud-init still installs packages.
    renderCloudInitWait(),
    opts.arch ? renderArchCheck(opts.node, opts.arch) : "",
    renderSelinuxCheck(),
    renderFapolicydCheck(),
    opts.interfaces ? renderInterfaceCheck(opts.interfaces) : "",
    opts.vpn ? renderVpnCheck(opts.vpn) : "",
    opts.network?.proxyMode === "nftables" ? renderNftablesKernelCheck() : "",
    renderModuleCheck(modules),
    firewall ? renderFirewallCheck(firewall, opts.firewall === "keep") : "",
    firewall ? renderIptablesRejectCheck(firewall) : "",
    renderModuleFix(opts.installPackages ?? false, opts.allowReboot),
    opts.etcdServer ? renderCurlCheck(opts.installPackages ?? false) : "",
    opts.etcdServer ? renderEtcdDiskCheck() : "",
    renderCgroupCheck(opts.fixCgroups, opts.allowReboot),
    opts.requireCgroupV2 ? renderCgroupV1Check(opts.node) : "",
    // Checks passed: keep what is about to change, for the undo on removal.
    renderPrepRecord(),
    opts.kernelDefaults ? renderKernelDefaultsRecord() : "",
    `# k3s does not need swap off, but the kubelet's memory accounting is only predictable without it.
if [ -n "$(swapon --noheadings 2>/dev/null || true)" ]; then
  swapoff -a
fi
if systemctl list-unit-files dphys-swapfile.service >/dev/null 2>&1; then
  systemctl disable --now dphys-swapfile.service >/dev/null 2>&1 || true
fi
if [ -f /etc/fstab ] && grep -Eq '^[^#].*[[:space:]]swap[[:space:]]' /etc/fstab; then
  sed -i -E 's/^([^#].*[[:space:]]swap[[:space:]].*)$/# k3s-stacks: \\1/' /etc/fstab
fi
changed=0`,
    writeFileSnippet("/etc/modules-load.d/k3s.conf", modules.join("\n"), "0644"),
    // Applied when either file changed: the bridge sysctls exist once br_netfilter is loaded.
    renderSysctls(opts.kernelDefaults ? KUBELET_KERNEL_DEFAULTS : {}),
    // Before k3s starts: a later sysctl file that overrides one of them would stop the kubelet.
    opts.kernelDefaults ? renderKernelDefaultsCheck(opts.node) : "",
    firewall ? renderFirewallOpen() : "",
    renderNetworkManager(),
    renderFapolicyd(),
    "changed=0",
    renderSelinuxConfig(),
    `k3s_prep_changed=$changed
echo "k3s-stacks: $node prepared"`,
  ].filter((s) => s.length > 0).join("\n");
}

/**
 * Host preparation for a node of `settings`' cluster. The embedded registry may also come from
 * serverConfig, and both it and the flannel backend from a layer's contribution, as k3s reads them
 * from config.yaml (serverConfig cannot set flannel-backend: flannelBackend is the setting).
 * `nodeConfig` (the node's config.yaml keys) tells whether its kubelet-arg opts out of the cgroup v2 check,
 * and whether its kubelet protects kernel defaults (only then are the kubelet's sysctls part of the script).
 */
export function hostPrepFor(node: NodeSpec, settings: ClusterSettings, contributions: ResolvedContributions, nodeConfig: Record<string, ConfigValue>): HostPrep {
  const server = { ...settings.serverConfig, ...contributions.all, ...contributions.server } as Record<string, unknown>;
  const backend = (settings.flannelBackend ?? server["flannel-backend"] ?? "vxlan") as FlannelBackend;
  const cidrs = (v: string) => v.split(",").map((c) => c.trim()).filter((c) => c.length > 0);
  const interfaces = nodeInterfacesOf(nodeConfig);
  const proxyMode = proxyModeOf(nodeConfig);
  const vpn = nodeVpnOf(nodeConfig);
  const layerPorts = [...new Set([...(contributions.ports?.all ?? []), ...(node.role === "server" ? contributions.ports?.server ?? [] : [])])];
  return {
    node: node.name,
    fixCgroups: node.fixCgroups,
    allowReboot: node.allowReboot,
    arch: node.arch,
    network: {
      role: node.role,
      etcd: settings.datastore === "etcd",
      backend,
      clusterCidrs: cidrs(settings.clusterCidr),
      serviceCidrs: cidrs(settings.serviceCidr),
      embeddedRegistry: server["embedded-registry"] === true,
      ...(node.connection.local ? { local: true } : {}),
      ...(layerPorts.length ? { layerPorts } : {}),
      ...(proxyMode ? { proxyMode } : {}),
    },
    installPackages: node.installPackages ?? false,
    firewall: node.firewall ?? "open",
    ...(kubeletRefusesCgroupV1(settings.k3sVersion, nodeConfig) ? { requireCgroupV2: true } : {}),
    ...(interfaces && !node.connection.local ? { interfaces } : {}),
    ...(vpn ? { vpn } : {}),
    ...(node.role === "server" && settings.datastore === "etcd" ? { etcdServer: true } : {}),
    ...(kubeletProtectsKernelDefaults(nodeConfig) ? { kernelDefaults: true } : {}),
  };
}
