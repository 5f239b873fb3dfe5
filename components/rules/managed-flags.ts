import { ConfigRoot, isArgument, settingName } from "./key-path";

/**
 * Settings k3s-stacks owns, and the ways serverConfig/agentConfig could still set them.
 *
 * A k3s flag we manage is refused as a config.yaml key. The same setting also reaches the Kubernetes
 * components through k3s's `*-arg` lists, which k3s merges into the arguments it builds itself, the
 * user's value winning for the same name (k3s pkg/daemons/control/server.go apiServer,
 * controllerManager, cloudControllerManager; pkg/daemons/agent/agent_linux.go kubeletArgs,
 * kubeProxyArgs; util.GetArgs). The kubelet's cluster-dns, cluster-domain and register-with-taints
 * moved into its config file in newer k3s releases; a command-line flag still overrides that file.
 * {@link COMPONENT_ARGS} maps each component argument k3s derives from a flag we manage (or from
 * cluster-dns) back to that flag, so the fix names our key.
 */

/**
 * k3s flags that k3s-stacks sets from its own settings, or that would break what it manages, with the
 * fix for each. In serverConfig/agentConfig they would silently override the dedicated setting every
 * cross-check (CIDRs, VIP, firewall, kernel modules) looks at, or stop k3s outright.
 */
export const MANAGED_KEYS: Record<string, string> = {
  token: "the join token is generated and written to a root-only file by k3s-stacks",
  "token-file": "the join token is generated and written to a root-only file by k3s-stacks",
  server: "joins use apiEndpoint or apiVip, else the first server",
  "cluster-init": "set datastore: etcd",
  "datastore-endpoint": "set datastore: postgres and the secret k3s-stacks:datastoreEndpoint",
  "node-name": "set the host's name",
  "node-label": "set the host's labels",
  "node-taint": "set the host's taints",
  "node-ip": "set the host's internalAddress",
  "node-external-ip": "set the host's externalAddress",
  "flannel-iface": "set the host's flannelIface",
  "with-node-id": "host names must be unique instead: this flag renames the Node, which the membership step then never finds",
  "tls-san": "set tlsSans",
  disable: "set disable",
  "cluster-cidr": "set clusterCidr",
  "service-cidr": "set serviceCidr",
  "cluster-domain": "set clusterDomain",
  "flannel-backend": "set flannelBackend",
  "secrets-encryption": "set secretsEncryption",
  "write-kubeconfig-mode": "the kubeconfig stays 0600 (root only); the stack output kubeconfig gives you a copy",
  "data-dir": "the node scripts expect k3s's default data dir (/var/lib/rancher/k3s)",
  "https-listen-port": "joins, the kubeconfig and the firewall rules use the API port 6443",
  "cluster-reset": "a restore is a one-time action: run scripts/etcd-restore.sh (docs/day-two.md)",
  "cluster-reset-restore-path": "a restore is a one-time action: run scripts/etcd-restore.sh (docs/day-two.md)",
  selinux: "host preparation sets it on nodes whose SELinux is enabled",
  "agent-token": "agents join with the token k3s-stacks generates and keeps secret, and a token here would sit in plain text in the stack file and every server's config.yaml",
  "agent-token-file": "agents join with the token k3s-stacks generates, and nothing writes this file on the servers",
  // serverConfig goes to every server, so a component switched off here runs nowhere (k3s docs
  // "Managing Server Roles" splits the control plane across servers, each with its own config).
  "disable-agent": "every server is also a Node: its membership step waits for the Node to be Ready and upgrades drain it, so a server without its agent fails the run",
  "disable-apiserver": "serverConfig applies to every server, so no server would run the API server; k3s-stacks runs the whole control plane on each server",
  "disable-controller-manager": "serverConfig applies to every server, so no server would run kube-controller-manager; k3s-stacks runs the whole control plane on each server",
  "disable-scheduler": "serverConfig applies to every server, so no server would schedule pods; k3s-stacks runs the whole control plane on each server",
  "disable-etcd": "serverConfig applies to every server, so none would hold the datastore; k3s-stacks runs the whole control plane on each server (choose the datastore with datastore)",
  // Like flannelBackend: none, nothing k3s-stacks installs takes over: kube-proxy routes Service
  // ClusterIPs, the API's 10.43.0.1 that CoreDNS and every controller in a pod reach included.
  "disable-kube-proxy": "k3s-stacks installs nothing that replaces kube-proxy, so Service addresses (the API's kubernetes Service too) would not be routed and DNS and the add-ons would fail",
};
/** Flag families set from k3s-stacks:snapshots. */
const MANAGED_PREFIXES: Array<[string, string]> = [
  ["etcd-snapshot", "set k3s-stacks:snapshots (schedule, retention, dir, compress)"],
  ["etcd-s3", "set k3s-stacks:snapshots.s3 and the secrets etcdS3AccessKey/etcdS3SecretKey"],
];

/** The family of k3s-stacks' snapshot settings (etcd-snapshot-*, etcd-s3-*) `key` is in, with its fix. */
function snapshotFamily(key: string): [string, string] | undefined {
  return MANAGED_PREFIXES.find(([p]) => key === p || key.startsWith(`${p}-`));
}

/** The fix for a managed flag; fixes that name a stack key are worded for code when `root` is an argument. */
export function managedFix(key: string, root: ConfigRoot): string | undefined {
  const prefix = snapshotFamily(key);
  if (isArgument(root)) {
    if (key === "datastore-endpoint") return `set datastore: postgres and pass ${settingName(root, ["datastoreEndpoint"])} (keep it a secret)`;
    if (key === "write-kubeconfig-mode") return "the kubeconfig stays 0600 (root only); the component's kubeconfig output gives you a copy";
    if (prefix) return `pass the ${prefix[0]}-* keys in a contribution (${settingName(root, ["contributions"])})`;
  }
  return MANAGED_KEYS[key] ?? prefix?.[1];
}

/**
 * Component arguments k3s sets from its own flags, per `*-arg` key (hidden aliases included):
 * argument → the k3s flag it comes from. Read from k3s pkg/daemons/control/server.go (kube-apiserver:
 * service-cluster-ip-range, etcd-servers, encryption-provider-config, secure-port; kube-controller-manager:
 * cluster-cidr, service-cluster-ip-range; cloud-controller-manager: cluster-cidr) and
 * pkg/daemons/agent/agent_linux.go (kubelet: hostname-override, node-ip, node-labels,
 * register-with-taints, cluster-dns, cluster-domain; kube-proxy: cluster-cidr, hostname-override).
 * Embedded etcd: pkg/etcd/etcd.go `cluster` builds its config file from the node's name and address,
 * the servers it joins, the data dir and cluster-reset; pkg/daemons/executor ToConfigFile lets each
 * etcd-arg entry replace that file's key of the same name (leading dashes trimmed).
 */
const CONTROLLER_MANAGER = { "cluster-cidr": "cluster-cidr", "service-cluster-ip-range": "service-cidr" };
const CLOUD_CONTROLLER = { "cluster-cidr": "cluster-cidr" };
export const COMPONENT_ARGS: Record<string, { component: string; args: Record<string, string> }> = {
  "kube-apiserver-arg": {
    component: "kube-apiserver",
    args: { "service-cluster-ip-range": "service-cidr", "etcd-servers": "datastore-endpoint", "encryption-provider-config": "secrets-encryption", "secure-port": "https-listen-port" },
  },
  "kube-controller-manager-arg": { component: "kube-controller-manager", args: CONTROLLER_MANAGER },
  "kube-controller-arg": { component: "kube-controller-manager", args: CONTROLLER_MANAGER },
  "kube-cloud-controller-manager-arg": { component: "cloud-controller-manager", args: CLOUD_CONTROLLER },
  "kube-cloud-controller-arg": { component: "cloud-controller-manager", args: CLOUD_CONTROLLER },
  "kubelet-arg": {
    component: "kubelet",
    args: { "hostname-override": "node-name", "node-ip": "node-ip", "node-labels": "node-label", "register-with-taints": "node-taint", "cluster-dns": "cluster-dns", "cluster-domain": "cluster-domain" },
  },
  "kube-proxy-arg": { component: "kube-proxy", args: { "cluster-cidr": "cluster-cidr", "hostname-override": "node-name" } },
  "etcd-arg": {
    component: "embedded etcd",
    args: {
      name: "node-name",
      "listen-client-urls": "node-ip",
      "advertise-client-urls": "node-ip",
      "listen-peer-urls": "node-ip",
      "initial-advertise-peer-urls": "node-ip",
      "initial-cluster": "server",
      "initial-cluster-state": "server",
      "data-dir": "data-dir",
      "force-new-cluster": "cluster-reset",
      "listen-metrics-urls": "etcd-expose-metrics",
    },
  },
};

/** k3s flags that are not ours but that k3s derives component arguments from, with where to set them instead. */
const K3S_OWNED: Record<string, string> = {
  "cluster-dns": "set cluster-dns in serverConfig; k3s passes it to every kubelet and checks it with the service range",
  "etcd-expose-metrics": "set etcd-expose-metrics: true in serverConfig (the monitoring layer sets it with datastore: etcd)",
};

/** The argument's name in `--name=value`, `-name=value`, `name=value` or `name` (k3s strips the dashes). */
export function argName(arg: string): string {
  const bare = arg.trim().replace(/^--?/, "");
  const eq = bare.indexOf("=");
  return eq < 0 ? bare : bare.slice(0, eq);
}

/**
 * Problems of managed settings in a serverConfig/agentConfig mapping: a managed k3s flag as a key, or
 * a component argument k3s derives from one inside a `*-arg` list. `root` words the fixes (stack file
 * or code); `where(path)` names a key under the mapping. `keys` are the mapping's keys reported as managed (their other problems are moot).
 * `layer`: the mapping is a layer's contribution (K3sCluster's `contributions`), which may set the
 * etcd-snapshot and etcd-s3 families and add to tls-san; every other managed key is refused there as in serverConfig.
 */
export function managedKeyProblems(config: Record<string, unknown>, root: ConfigRoot, where: (path: Array<string | number>) => string, opts: { layer?: boolean } = {}): { problems: string[]; keys: Set<string> } {
  const problems: string[] = [];
  const keys = new Set<string>();
  for (const [rawKey, value] of Object.entries(config)) {
    const key = rawKey.replace(/\+$/, "");
    // A layer's contribution is where the snapshot families belong (day-two/snapshots.ts puts them
    // there); a layer may add names to the servers' certificate, joined with tlsSans (k3s/layer-keys.ts).
    if (opts.layer && (snapshotFamily(key) || key === "tls-san")) continue;
    const fix = managedFix(key, root);
    if (fix) {
      keys.add(rawKey);
      problems.push(`${where([rawKey])}: is managed by k3s-stacks. Fix: remove it here; ${fix}.`);
      continue;
    }
    const owner = COMPONENT_ARGS[key];
    if (!owner) continue;
    const entries = Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
    entries.forEach((arg, i) => {
      if (typeof arg !== "string") return;
      const flag = owner.args[argName(arg)];
      if (!flag) return;
      const path = Array.isArray(value) ? [rawKey, i] : [rawKey];
      const ours = managedFix(flag, root);
      const fixText = ours ?? K3S_OWNED[flag];
      const whose = `its ${flag} flag${ours ? " (managed by k3s-stacks)" : ""}`;
      problems.push(`${where(path)}: '${arg}' sets the ${owner.component}'s --${argName(arg)}, which k3s already sets from ${whose}; the ${owner.component} would take this value instead, out of step with the rest of the cluster. Fix: remove it here; ${fixText}.`);
    });
  }
  return { problems, keys };
}
