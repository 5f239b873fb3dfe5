// The table of bad-input kinds for no-resources-on-bad-input.test.ts: one row per kind of wrong
// input, for inventory and cloud stacks. Add a row for every new check: the test evaluates the whole
// program with it and proves nothing is registered and the message names the key and its fix.

import { WRONG_STACK_FILES } from "./wrong-stack-files";

const VERSION = "v1.36.3+k3s1";

/** A valid SSH-inventory stack: one server, two agents. */
export const inventoryStack = (over: { cluster?: Record<string, unknown>; hosts?: Array<Record<string, unknown>>; inventory?: Record<string, unknown> } = {}): Record<string, unknown> => ({
  "k3s-stacks:cluster": { k3sVersion: VERSION, datastore: "sqlite", ...over.cluster },
  "k3s-stacks:inventory": {
    user: "root",
    hosts: over.hosts ?? [
      { name: "s1", address: "192.168.1.11", role: "server", arch: "amd64" },
      { name: "a1", address: "192.168.1.21", role: "agent", arch: "amd64" },
      { name: "a2", address: "192.168.1.22", role: "agent", arch: "arm64" },
    ],
    ...over.inventory,
  },
});

/** A valid Hetzner stack: one server VM, two agent VMs (server-0, agent-0, agent-1). */
export const cloudStack = (over: { cluster?: Record<string, unknown>; cloud?: Record<string, unknown>; pools?: Array<Record<string, unknown>> } = {}): Record<string, unknown> => ({
  "k3s-stacks:cluster": { k3sVersion: VERSION, datastore: "sqlite", ...over.cluster },
  "k3s-stacks:cloud": {
    provider: "hetzner",
    hetzner: { location: "nbg1" },
    adminCidrs: ["203.0.113.7/32"],
    network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/24"] },
    pools: over.pools ?? [
      { name: "server", role: "server", count: 1, type: "cx23" },
      { name: "agent", role: "agent", count: 2, type: "cx23" },
    ],
    ...over.cloud,
  },
});

/** The `cloudMachines` output of cloudStack's default pools. */
const HETZNER_MACHINES = { "server-0": "type=cx23 location=nbg1", "agent-0": "type=cx23 location=nbg1", "agent-1": "type=cx23 location=nbg1" };

/** The cloud block of an AWS stack in two zones; pools come from cloudStack's `pools`. */
const AWS_CLOUD = {
  provider: "aws",
  hetzner: undefined,
  aws: { region: "eu-central-1", availabilityZones: ["eu-central-1a", "eu-central-1b"] },
  network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/24", "10.0.2.0/24"] },
};

/** A dual-stack cluster (IPv4 primary) and a host on it, for the node-address rows. */
const DUAL_STACK = { clusterCidr: "10.42.0.0/16,fd00:42::/56", serviceCidr: "10.43.0.0/16,fd00:43::/112" };
const dualHost = (name: string, role: string, extra: Record<string, unknown>) => ({ name, address: "10.0.10.7", role, arch: "amd64", ...extra });

export interface BadInput {
  /** The layer and what is wrong. */
  kind: string;
  /** `config:` of the stack file. */
  config: Record<string, unknown>;
  /** Keys set with --secret. */
  secrets?: Record<string, string>;
  /** The stack's previous outputs (what the last successful update exported). */
  previous?: Record<string, unknown>;
  /** The key the message must start with. */
  key: string;
  /** Words the message's "Fix:" part must contain. */
  fix: string;
}

const longhorn = (replicas: number) => ({ "k3s-stacks:addons": { storage: { type: "longhorn", replicas } } });

export const BAD_INPUTS: BadInput[] = [
  // cluster
  { kind: "cluster: block missing", config: { "k3s-stacks:inventory": inventoryStack()["k3s-stacks:inventory"] }, key: "k3s-stacks:cluster", fix: "k3sVersion" },
  { kind: "cluster: version not a release tag (inventory)", config: inventoryStack({ cluster: { k3sVersion: "stable" } }), key: "k3s-stacks:cluster.k3sVersion", fix: VERSION },
  { kind: "cluster: version not a release tag (cloud)", config: cloudStack({ cluster: { k3sVersion: "latest" } }), key: "k3s-stacks:cluster.k3sVersion", fix: VERSION },
  { kind: "cluster: a scalar where a mapping belongs", config: { ...inventoryStack(), "k3s-stacks:cluster": VERSION }, key: "k3s-stacks:cluster", fix: "YAML mapping" },
  { kind: "cluster: etcd with an even number of servers (cloud)", config: cloudStack({ cluster: { datastore: "etcd" }, pools: [{ name: "server", role: "server", count: 2, type: "cx23" }] }), key: "k3s-stacks:cluster.datastore", fix: "list 3 or 1 servers" },
  { kind: "cluster: sqlite with two servers (inventory)", config: inventoryStack({ hosts: [{ name: "s1", address: "10.1.0.1", role: "server", arch: "amd64" }, { name: "s2", address: "10.1.0.2", role: "server", arch: "amd64" }] }), key: "k3s-stacks:cluster.datastore", fix: "datastore: etcd" },
  { kind: "cluster: postgres without an endpoint", config: inventoryStack({ cluster: { datastore: "postgres" } }), key: "k3s-stacks:datastoreEndpoint", fix: "--secret" },
  { kind: "secrets: datastore URL in plain text", config: { ...inventoryStack({ cluster: { datastore: "postgres" } }), "k3s-stacks:datastoreEndpoint": "postgres://k3s:pw@db/k3s" }, key: "k3s-stacks:datastoreEndpoint", fix: "pulumi config set --secret" },
  { kind: "secrets: SSH key in plain text (cloud)", config: { ...cloudStack(), "k3s-stacks:sshPrivateKey": "KEY" }, key: "k3s-stacks:sshPrivateKey", fix: "pulumi config set --secret" },
  { kind: "secrets: SSH key passphrase in plain text", config: { ...inventoryStack(), "k3s-stacks:sshPrivateKeyPassword": "passphrase" }, key: "k3s-stacks:sshPrivateKeyPassword", fix: "pulumi config set --secret k3s-stacks:sshPrivateKeyPassword" },
  { kind: "secrets: SSH key passphrase with no key to unlock (SSH agent)", config: inventoryStack(), secrets: { "k3s-stacks:sshPrivateKeyPassword": "passphrase" }, key: "k3s-stacks:sshPrivateKeyPassword", fix: "pulumi config rm k3s-stacks:sshPrivateKeyPassword" },
  { kind: "secrets: SSH key passphrase with a generated key pair (cloud)", config: cloudStack(), secrets: { "k3s-stacks:sshPrivateKeyPassword": "passphrase" }, key: "k3s-stacks:sshPrivateKeyPassword", fix: "pulumi config rm k3s-stacks:sshPrivateKeyPassword" },
  // node sources
  { kind: "inventory host: unknown arch", config: inventoryStack({ hosts: [{ name: "s1", address: "10.1.0.1", role: "server", arch: "sparc" }] }), key: "k3s-stacks:inventory.hosts[0].arch", fix: "armhf" },
  { kind: "inventory host: address used twice", config: inventoryStack({ hosts: [{ name: "s1", address: "10.1.0.1", role: "server", arch: "amd64" }, { name: "a1", address: "10.1.0.1", role: "agent", arch: "amd64" }] }), key: "k3s-stacks:inventory.hosts[1].address", fix: "its own address" },
  { kind: "inventory host: SSH address inside the pod range", config: inventoryStack({ hosts: [{ name: "s1", address: "10.42.3.3", role: "server", arch: "amd64" }] }), key: "k3s-stacks:inventory.hosts[0].address", fix: "LAN address" },
  { kind: "inventory host: first server written as localhost (Pulumi run on it), which the others join", config: inventoryStack({ hosts: [{ name: "s1", address: "localhost", role: "server", arch: "arm64" }, { name: "a1", address: "192.168.1.21", role: "agent", arch: "arm64" }] }), key: "k3s-stacks:inventory.hosts[0].address", fix: "set internalAddress" },
  { kind: "inventory host: loopback SSH address of the first server, which the others join", config: inventoryStack({ hosts: [{ name: "s1", address: "127.0.0.1", port: 2222, role: "server", arch: "amd64" }, { name: "a1", address: "127.0.0.1", port: 2223, role: "agent", arch: "amd64" }] }), key: "k3s-stacks:inventory.hosts[0].address", fix: "set internalAddress" },
  { kind: "inventory host: link-local internalAddress", config: inventoryStack({ hosts: [{ name: "s1", address: "10.1.0.1", internalAddress: "169.254.1.5", role: "server", arch: "amd64" }] }), key: "k3s-stacks:inventory.hosts[0].internalAddress", fix: "LAN address" },
  { kind: "inventory host: internalAddress is another host's node-ip", config: inventoryStack({ hosts: [{ name: "s1", address: "10.1.0.1", role: "server", arch: "amd64" }, { name: "a1", address: "10.1.0.2", internalAddress: "10.1.0.1", role: "agent", arch: "amd64" }] }), key: "k3s-stacks:inventory.hosts[1].internalAddress", fix: "set internalAddress on each" },
  { kind: "cluster: clusterDomain not a DNS name", config: inventoryStack({ cluster: { clusterDomain: "Cluster Local" } }), key: "k3s-stacks:cluster.clusterDomain", fix: "cluster.local" },
  { kind: "inventory host: flannelIface not an interface name", config: inventoryStack({ hosts: [{ name: "s1", address: "10.1.0.1", flannelIface: "eth0; rm -rf /", role: "server", arch: "amd64" }] }), key: "k3s-stacks:inventory.hosts[0].flannelIface", fix: "ip -br link" },
  { kind: "inventory: no server", config: inventoryStack({ hosts: [{ name: "a1", address: "10.1.0.1", role: "agent", arch: "amd64" }] }), key: "k3s-stacks:inventory.hosts", fix: "role: server" },
  { kind: "inventory: privateKeyPath unreadable", config: inventoryStack({ inventory: { privateKeyPath: "/nonexistent/id_ed25519" } }), key: "k3s-stacks:inventory.privateKeyPath", fix: "point it at your SSH private key" },
  { kind: "node sources: inventory and cloud both set", config: { ...inventoryStack(), "k3s-stacks:cloud": cloudStack()["k3s-stacks:cloud"] }, key: "k3s-stacks:inventory and k3s-stacks:cloud", fix: "keep one" },
  { kind: "cloud pool: network overlaps the pod range", config: cloudStack({ cloud: { network: { cidr: "10.42.0.0/16", subnets: ["10.42.1.0/24"] } } }), key: "k3s-stacks:cloud.network.cidr", fix: "private range outside it" },
  { kind: "cloud pool: no server pool", config: cloudStack({ pools: [{ name: "agent", role: "agent", count: 2, type: "cx23" }] }), key: "k3s-stacks:cloud.pools", fix: "role: server" },
  { kind: "cloud: adminCidrs empty opens SSH to the internet", config: cloudStack({ cloud: { adminCidrs: [] } }), key: "k3s-stacks:cloud.adminCidrs", fix: "203.0.113.7/32" },
  // addresses and host names (components/rules/address.ts)
  { kind: "inventory host: address with a port", config: inventoryStack({ hosts: [{ name: "s1", address: "192.168.1.11:22", role: "server", arch: "amd64" }] }), key: "k3s-stacks:inventory.hosts[0].address", fix: "22 in port" },
  { kind: "inventory host: address as a URL", config: inventoryStack({ hosts: [{ name: "s1", address: "ssh://s1.lan", role: "server", arch: "amd64" }] }), key: "k3s-stacks:inventory.hosts[0].address", fix: "'s1.lan'" },
  { kind: "inventory host: IPv4 octet above 255", config: inventoryStack({ hosts: [{ name: "s1", address: "192.168.1.11", internalAddress: "10.1.0.256", role: "server", arch: "amd64" }] }), key: "k3s-stacks:inventory.hosts[0].internalAddress", fix: "correct it" },
  { kind: "inventory host: a host name where k3s needs an IP (node-ip)", config: inventoryStack({ hosts: [{ name: "s1", address: "192.168.1.11", internalAddress: "s1.lan", role: "server", arch: "amd64" }] }), key: "k3s-stacks:inventory.hosts[0].internalAddress", fix: "IP address" },
  { kind: "inventory host: user that is not a login name", config: inventoryStack({ hosts: [{ name: "s1", address: "192.168.1.11", role: "server", arch: "amd64", user: "-pi" }] }), key: "k3s-stacks:inventory.hosts[0].user", fix: "as useradd created it" },
  { kind: "inventory host: user@host in user", config: inventoryStack({ inventory: { user: "pi@192.168.1.11" } }), key: "k3s-stacks:inventory.user", fix: "'pi' here" },
  { kind: "inventory host: bastion address with whitespace", config: inventoryStack({ hosts: [{ name: "s1", address: "192.168.1.11", role: "server", arch: "amd64", bastion: { address: " 203.0.113.1" } }] }), key: "k3s-stacks:inventory.hosts[0].bastion.address", fix: "'203.0.113.1'" },
  { kind: "inventory host: privateKeyPath is the public key", config: inventoryStack({ inventory: { privateKeyPath: "~/.ssh/id_ed25519.pub" } }), key: "k3s-stacks:inventory.privateKeyPath", fix: "~/.ssh/id_ed25519 (the same path without .pub)" },
  { kind: "cluster: apiEndpoint as a URL (cloud)", config: cloudStack({ cluster: { apiEndpoint: "https://k3s.example.com:6443" } }), key: "k3s-stacks:cluster.apiEndpoint", fix: "'k3s.example.com'" },
  { kind: "cluster: tlsSans entry with a port (inventory)", config: inventoryStack({ cluster: { tlsSans: ["k3s.lan:6443"] } }), key: "k3s-stacks:cluster.tlsSans[0]", fix: "without the port" },
  // CIDRs and address families (components/rules/cidr.ts, cluster-network.ts)
  { kind: "cluster: CIDR with host bits set (cloud)", config: cloudStack({ cluster: { clusterCidr: "10.42.0.1/16" } }), key: "k3s-stacks:cluster.clusterCidr", fix: "10.42.0.0/16" },
  { kind: "cluster: cluster and service CIDRs overlap (inventory)", config: inventoryStack({ cluster: { serviceCidr: "10.42.128.0/17" } }), key: "k3s-stacks:cluster.serviceCidr", fix: "disjoint" },
  { kind: "cluster: cluster CIDR smaller than a node's range (cloud)", config: cloudStack({ cluster: { clusterCidr: "10.42.0.0/25" } }), key: "k3s-stacks:cluster.clusterCidr", fix: "/24 or larger" },
  { kind: "cluster: cluster CIDR with fewer node ranges than nodes (inventory)", config: inventoryStack({ cluster: { clusterCidr: "10.42.0.0/24" } }), key: "k3s-stacks:cluster.clusterCidr", fix: "/22 or larger" },
  { kind: "cluster: node-cidr-mask-size leaves fewer node ranges than VMs (cloud)", config: cloudStack({ cluster: { serverConfig: { "kube-controller-manager-arg": ["node-cidr-mask-size=18"] } }, pools: [{ name: "server", role: "server", count: 1, type: "cx23" }, { name: "agent", role: "agent", count: 4, type: "cx23" }] }), key: "k3s-stacks:cluster.clusterCidr", fix: "longer node-cidr-mask-size" },
  // components/rules/service-cidr.ts: addresses k3s takes from the service range
  { kind: "cluster: service range without room for the cluster DNS address (inventory)", config: inventoryStack({ cluster: { serviceCidr: "10.43.0.0/29" } }), key: "k3s-stacks:cluster.serviceCidr", fix: "/28 or larger" },
  { kind: "cluster: IPv6 service range without room for the cluster DNS address (cloud)", config: cloudStack({ cluster: { clusterCidr: "fd00:42::/56", serviceCidr: "fd00:43::/125" } }), key: "k3s-stacks:cluster.serviceCidr", fix: "/124 or larger" },
  { kind: "cluster: cluster-dns outside the service range (inventory)", config: inventoryStack({ cluster: { serverConfig: { "cluster-dns": ["10.44.0.10"] } } }), key: "k3s-stacks:cluster.serverConfig.cluster-dns", fix: "inside the service range" },
  { kind: "cluster: cluster-dns on the API server's address (cloud)", config: cloudStack({ cluster: { serverConfig: { "cluster-dns": ["10.43.0.1"] } } }), key: "k3s-stacks:cluster.serverConfig.cluster-dns", fix: "another free address" },
  // components/rules/k3s-version.ts
  { kind: "cluster: version older than the oldest supported line (inventory)", config: inventoryStack({ cluster: { k3sVersion: "v1.29.6+k3s1" } }), key: "k3s-stacks:cluster.k3sVersion", fix: "v1.30.0+k3s1 or newer" },
  { kind: "cluster: version with a +k3s0 build no release has (cloud)", config: cloudStack({ cluster: { k3sVersion: "v1.36.3+k3s0" } }), key: "k3s-stacks:cluster.k3sVersion", fix: "v1.36.3+k3s1" },
  // components/rules/managed-flags.ts: managed settings reached through the components' argument lists
  { kind: "cluster: node-ip through kubelet-arg (inventory)", config: inventoryStack({ cluster: { agentConfig: { "kubelet-arg": ["node-ip=10.9.0.1"] } } }), key: "k3s-stacks:cluster.agentConfig.kubelet-arg[0]", fix: "internalAddress" },
  { kind: "cluster: service range through kube-apiserver-arg (cloud)", config: cloudStack({ cluster: { serverConfig: { "kube-apiserver-arg": ["--service-cluster-ip-range=10.96.0.0/12"] } } }), key: "k3s-stacks:cluster.serverConfig.kube-apiserver-arg[0]", fix: "set serviceCidr" },
  { kind: "cluster: pod range through kube-proxy-arg (inventory)", config: inventoryStack({ cluster: { agentConfig: { "kube-proxy-arg": ["metrics-bind-address=0.0.0.0:10249", "cluster-cidr=10.88.0.0/16"] } } }), key: "k3s-stacks:cluster.agentConfig.kube-proxy-arg[1]", fix: "set clusterCidr" },
  { kind: "cluster: service range too large for Kubernetes 1.33", config: inventoryStack({ cluster: { k3sVersion: "v1.33.5+k3s1", serviceCidr: "10.96.0.0/11" } }), key: "k3s-stacks:cluster.serviceCidr", fix: "/12 or smaller" },
  { kind: "cluster: dual-stack families in a different order (cloud)", config: cloudStack({ cluster: { clusterCidr: "10.42.0.0/16,fd00:42::/56", serviceCidr: "fd00:43::/112,10.43.0.0/16" } }), key: "k3s-stacks:cluster.serviceCidr", fix: "same order" },
  { kind: "cluster: apiVip of a family the cluster lacks", config: inventoryStack({ cluster: { apiVip: { address: "fd00::250" } } }), key: "k3s-stacks:cluster.apiVip.address", fix: "free IPv4 address" },
  { kind: "inventory host: node IP inside the pod range", config: inventoryStack({ hosts: [{ name: "s1", address: "192.168.1.11", internalAddress: "10.42.0.11", role: "server", arch: "amd64" }] }), key: "k3s-stacks:inventory.hosts[0].internalAddress", fix: "LAN address" },
  { kind: "inventory host: node IP of a family the cluster lacks", config: inventoryStack({ hosts: [{ name: "s1", address: "192.168.1.11", internalAddress: "fd00::11", role: "server", arch: "amd64" }] }), key: "k3s-stacks:inventory.hosts[0].internalAddress", fix: "IPv4 address" },
  { kind: "inventory host: internalAddress used twice", config: inventoryStack({ hosts: [{ name: "s1", address: "192.168.1.11", internalAddress: "10.1.0.1", role: "server", arch: "amd64" }, { name: "a1", address: "192.168.1.21", internalAddress: "10.1.0.1", role: "agent", arch: "amd64" }] }), key: "k3s-stacks:inventory.hosts[1].internalAddress", fix: "its own internalAddress" },
  // dual-stack node addresses (rules/node-ips.ts, rules/node-addresses.ts)
  { kind: "inventory host: node-ip pair of one family", config: inventoryStack({ cluster: DUAL_STACK, hosts: [dualHost("s1", "server", { internalAddress: "10.0.10.7,10.0.10.8" })] }), key: "k3s-stacks:inventory.hosts[0].internalAddress", fix: "add an IPv6 address only for a dual-stack cluster" },
  { kind: "inventory host: three node-ips", config: inventoryStack({ cluster: DUAL_STACK, hosts: [dualHost("s1", "server", { internalAddress: ["10.0.10.7", "2001:db8::7", "10.0.10.8"] })] }), key: "k3s-stacks:inventory.hosts[0].internalAddress", fix: "at most one address per family" },
  { kind: "inventory host: one node-ip on a dual-stack cluster", config: inventoryStack({ cluster: DUAL_STACK, hosts: [dualHost("s1", "server", { internalAddress: "10.0.10.7" })] }), key: "k3s-stacks:inventory.hosts[0].internalAddress", fix: "10.0.10.7,<its IPv6 address>" },
  { kind: "inventory host: node-ip pair on a single-stack cluster", config: inventoryStack({ hosts: [dualHost("s1", "server", { internalAddress: "10.0.10.7,2001:db8::7" })] }), key: "k3s-stacks:inventory.hosts[0].internalAddress", fix: "write 10.0.10.7 alone" },
  { kind: "inventory host: node-ip pair with the secondary family first", config: inventoryStack({ cluster: DUAL_STACK, hosts: [dualHost("s1", "server", { internalAddress: "2001:db8::7,10.0.10.7" })] }), key: "k3s-stacks:inventory.hosts[0].internalAddress", fix: "write 10.0.10.7,2001:db8::7" },
  { kind: "inventory host: a pair's IPv6 node-ip inside the IPv6 pod range", config: inventoryStack({ cluster: DUAL_STACK, hosts: [dualHost("s1", "server", { internalAddress: "10.0.10.7,fd00:42::7" })] }), key: "k3s-stacks:inventory.hosts[0].internalAddress", fix: "LAN address" },
  { kind: "inventory host: two hosts share the IPv6 half of their node-ips", config: inventoryStack({ cluster: DUAL_STACK, hosts: [dualHost("s1", "server", { internalAddress: "10.0.10.7,2001:db8::7" }), dualHost("a1", "agent", { address: "10.0.10.8", internalAddress: "10.0.10.8,2001:db8::7" })] }), key: "k3s-stacks:inventory.hosts[1].internalAddress", fix: "its own internalAddress" },
  { kind: "inventory host: a server's node-external-ip of the secondary family alone", config: inventoryStack({ cluster: DUAL_STACK, hosts: [dualHost("s1", "server", { internalAddress: "10.0.10.7,2001:db8::7", externalAddress: "2001:db8:1::7" })] }), key: "k3s-stacks:inventory.hosts[0].externalAddress", fix: "public IPv4 address first" },
  { kind: "inventory host: node-external-ip of a family the cluster lacks", config: inventoryStack({ hosts: [dualHost("s1", "server", { externalAddress: "2001:db8:1::7" })] }), key: "k3s-stacks:inventory.hosts[0].externalAddress", fix: "public IPv4 address" },
  { kind: "inventory host: host-gw with the nodes' IPv6 node-ips on two segments", config: inventoryStack({ cluster: { ...DUAL_STACK, flannelBackend: "host-gw" }, hosts: [dualHost("s1", "server", { internalAddress: "10.0.10.7,2001:db8:1::7" }), dualHost("a1", "agent", { address: "10.0.10.8", internalAddress: "10.0.10.8,2001:db8:2::8" })] }), key: "k3s-stacks:cluster.flannelBackend", fix: "one LAN segment" },
  { kind: "cloud pool: network CIDR with host bits set", config: cloudStack({ cloud: { network: { cidr: "10.0.0.1/16", subnets: ["10.0.1.0/24"] } } }), key: "k3s-stacks:cloud.network.cidr", fix: "10.0.0.0/16" },
  { kind: "cloud: admin CIDR that is an address without a prefix", config: cloudStack({ cloud: { adminCidrs: ["203.0.113.7"] } }), key: "k3s-stacks:cloud.adminCidrs[0]", fix: "203.0.113.7/32" },
  // components/rules/kubernetes-flags.ts: kubelet flags and feature gates of the pinned release
  { kind: "cluster: kubelet-arg version, a real kubelet flag that makes it print its version and exit (inventory)", config: inventoryStack({ cluster: { agentConfig: { "kubelet-arg": ["max-pods=110", "version"] } } }), key: "k3s-stacks:cluster.agentConfig.kubelet-arg[1]", fix: "remove the entry ('k3s --version'" },
  { kind: "cluster: kube-apiserver-arg help, which prints the usage instead of running (cloud)", config: cloudStack({ cluster: { serverConfig: { "kube-apiserver-arg": ["help"] } } }), key: "k3s-stacks:cluster.serverConfig.kube-apiserver-arg[0]", fix: "remove the entry" },
  { kind: "cluster: a proxy-mode kube-proxy does not have, named by its entry (inventory)", config: inventoryStack({ cluster: { agentConfig: { "kube-proxy-arg": ["metrics-bind-address=0.0.0.0:10249", "proxy-mode=ipsv"] } } }), key: "k3s-stacks:cluster.agentConfig.kube-proxy-arg[1]", fix: "proxy-mode=ipvs" },
  { kind: "cluster: kubelet flag Kubernetes 1.35 dropped (inventory)", config: inventoryStack({ cluster: { k3sVersion: "v1.35.4+k3s1", agentConfig: { "kubelet-arg": ["max-pods=110", "pod-infra-container-image=registry.lan/pause:3.10"] } } }), key: "k3s-stacks:cluster.agentConfig.kubelet-arg[1]", fix: "pause-image" },
  { kind: "cluster: unknown feature gate in an apiserver entry (cloud)", config: cloudStack({ cluster: { serverConfig: { "kube-apiserver-arg": ["feature-gates=NodeSwapp=true"] } } }), key: "k3s-stacks:cluster.serverConfig.kube-apiserver-arg[0]", fix: "did you mean" },
  // addons: eligibility and replicas against the planned nodes, cloud VMs included
  { kind: "addons: more Longhorn replicas than nodes (inventory)", config: { ...inventoryStack(), ...longhorn(4) }, key: "k3s-stacks:addons.storage.replicas", fix: "at most 3" },
  { kind: "addons: more Longhorn replicas than nodes (cloud, before any VM)", config: { ...cloudStack(), ...longhorn(5) }, key: "k3s-stacks:addons.storage.replicas", fix: "at most 3" },
  { kind: "addons: MetalLB layer 2 with kube-proxy in IPVS mode without strict ARP", config: { ...inventoryStack({ cluster: { agentConfig: { "kube-proxy-arg": ["proxy-mode=ipvs"] } } }), "k3s-stacks:addons": { loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["192.168.1.224/28"] }] } } }, key: "k3s-stacks:cluster.agentConfig.kube-proxy-arg[0]", fix: "ipvs-strict-arp=true" },
  { kind: "addons: Longhorn on a node that is not planned (cloud)", config: { ...cloudStack(), "k3s-stacks:addons": { storage: { type: "longhorn", nodes: ["agent-2"] } } }, key: "k3s-stacks:addons.storage.nodes[0]", fix: "server-0, agent-0, agent-1" },
  { kind: "addons: servicelb chosen but disabled (cloud)", config: { ...cloudStack({ cluster: { disable: ["servicelb"] } }), "k3s-stacks:addons": {} }, key: "k3s-stacks:addons.loadBalancer.type", fix: "metallb" },
  { kind: "addons: MetalLB pool inside the service range", config: { ...inventoryStack(), "k3s-stacks:addons": { loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["10.43.0.10-10.43.0.20"] }] } } }, key: "k3s-stacks:addons.loadBalancer.pools[0].addresses[0]", fix: "outside the pod and service networks" },
  { kind: "addons: MetalLB pool holding a node's external address", config: { ...inventoryStack({ hosts: [{ name: "s1", address: "s1.lan", externalAddress: "192.168.1.230", role: "server", arch: "amd64" }] }), "k3s-stacks:addons": { loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["192.168.1.224/28"] }] } } }, key: "k3s-stacks:addons.loadBalancer.pools[0].addresses[0]", fix: "exclude node addresses" },
  { kind: "addons: MetalLB layer-2 pool holding the LAN's broadcast address", config: { ...inventoryStack(), "k3s-stacks:addons": { loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["192.168.1.240/28"] }] } } }, key: "k3s-stacks:addons.loadBalancer.pools[0].addresses[0]", fix: "192.168.1.240-192.168.1.254" },
  { kind: "addons: MetalLB pool holding the cluster's apiEndpoint", config: { ...inventoryStack({ cluster: { apiEndpoint: "192.168.1.230" } }), "k3s-stacks:addons": { loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["192.168.1.224/28"] }] } } }, key: "k3s-stacks:addons.loadBalancer.pools[0].addresses[0]", fix: "API endpoint" },
  { kind: "addons: MetalLB pool range of two families", config: { ...cloudStack(), "k3s-stacks:addons": { loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["192.168.1.240-fd00::1"] }] } } }, key: "k3s-stacks:addons.loadBalancer.pools[0].addresses[0]", fix: "write it as a CIDR or a start-end range of free addresses" },
  { kind: "kube-vip: the VIP inside a MetalLB pool", config: { ...inventoryStack({ cluster: { apiVip: { address: "192.168.1.230" } } }), "k3s-stacks:addons": { loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["192.168.1.224/28"] }] } } }, key: "k3s-stacks:cluster.apiVip.address", fix: "outside every pool" },
  { kind: "addons: unknown storage key", config: { ...cloudStack(), "k3s-stacks:addons": { storage: { type: "longhorn", replica: 2 } } }, key: "k3s-stacks:addons.storage", fix: "spelling" },
  // kube-vip
  { kind: "kube-vip: the VIP is a node's address", config: inventoryStack({ cluster: { apiVip: { address: "192.168.1.21", interface: "eth0" } } }), key: "k3s-stacks:cluster.apiVip.address", fix: "no machine uses" },
  { kind: "kube-vip: an ARP VIP on a cloud network", config: cloudStack({ cluster: { apiVip: { address: "10.0.1.250", interface: "eth0" } } }), key: "k3s-stacks:cluster.apiVip", fix: "apiLoadBalancer" },
  // snapshots
  { kind: "snapshots: set without etcd (inventory)", config: { ...inventoryStack(), "k3s-stacks:snapshots": { retention: 3 } }, key: "k3s-stacks:snapshots", fix: "datastore to etcd" },
  { kind: "snapshots: set without etcd (cloud)", config: { ...cloudStack(), "k3s-stacks:snapshots": { retention: 3 } }, key: "k3s-stacks:snapshots", fix: "datastore to etcd" },
  { kind: "snapshots: S3 secret key without s3", config: inventoryStack({ cluster: { datastore: "etcd" } }), secrets: { "k3s-stacks:etcdS3SecretKey": "x" }, key: "k3s-stacks:etcdS3SecretKey", fix: "snapshots.s3" },
  // upgrade / rollout
  { kind: "upgrade: pre-upgrade snapshot without etcd (cloud)", config: { ...cloudStack(), "k3s-stacks:upgrade": { preUpgradeSnapshot: true } }, key: "k3s-stacks:upgrade.preUpgradeSnapshot", fix: "remove it" },
  // Longhorn data on agents only (the server is tainted): a batch of both cordons every data node, and
  // Longhorn then has nowhere to move a last replica, so the drains would wait until drainTimeout.
  {
    kind: "upgrade: agent batch cordons every Longhorn data node",
    config: {
      ...inventoryStack({ hosts: [
        { name: "s1", address: "192.168.1.11", role: "server", arch: "amd64", taints: ["CriticalAddonsOnly=true:NoExecute"] },
        { name: "a1", address: "192.168.1.21", role: "agent", arch: "amd64" },
        { name: "a2", address: "192.168.1.22", role: "agent", arch: "arm64" },
      ] }),
      ...longhorn(1),
      "k3s-stacks:upgrade": { agentBatchSize: 2 },
    },
    key: "k3s-stacks:upgrade.agentBatchSize",
    fix: "at most 1",
  },
  { kind: "upgrade: unknown mode", config: { ...inventoryStack(), "k3s-stacks:upgrade": { mode: "rolling" } }, key: "k3s-stacks:upgrade.mode", fix: "one of" },
  // registries
  { kind: "registries: embedded mirror without mirrors", config: { ...inventoryStack(), "k3s-stacks:registries": { embeddedMirror: true } }, key: "k3s-stacks:registries.embeddedMirror", fix: "mirrors" },
  { kind: "registries: auth without a password (cloud)", config: { ...cloudStack(), "k3s-stacks:registries": { configs: { "reg.local:5000": { auth: { username: "u" } } } } }, key: "k3s-stacks:registries.configs.reg.local:5000.auth", fix: "pulumi config set --secret" },
  { kind: "registries: embedded mirror while serverConfig turns embedded-registry off (cloud, before any VM)", config: { ...cloudStack({ cluster: { serverConfig: { "embedded-registry": false } } }), "k3s-stacks:registries": { embeddedMirror: true, mirrors: { "docker.io": {} } } }, key: "k3s-stacks:cluster.serverConfig.embedded-registry", fix: "change k3s-stacks:registries.embeddedMirror" },
  { kind: "registries: mirror endpoint without a scheme (inventory)", config: { ...inventoryStack(), "k3s-stacks:registries": { mirrors: { "docker.io": { endpoint: ["reg.lan:5000"] } } } }, key: "k3s-stacks:registries.mirrors.docker.io.endpoint[0]", fix: "https://reg.lan:5000" },
  // airgap bundle: loaded and checked before anything
  { kind: "airgap: bundle directory missing (inventory)", config: { ...inventoryStack(), "k3s-stacks:airgap": { bundleDir: "/nonexistent/bundle" } }, key: "k3s-stacks:airgap.bundleDir", fix: "npm run airgap" },
  { kind: "airgap: bundle directory missing, the rebuild command naming a 32-bit Arm host's arch as written (armhf)", config: { ...inventoryStack({ hosts: [{ name: "s1", address: "10.1.0.1", role: "server", arch: "amd64" }, { name: "pi", address: "10.1.0.2", role: "agent", arch: "armhf" }] }), "k3s-stacks:airgap": { bundleDir: "/nonexistent/bundle" } }, key: "k3s-stacks:airgap.bundleDir", fix: "--arch amd64,armhf --out" },
  { kind: "airgap: artifactUrl set with the bundle, which nodes install from (cloud)", config: { ...cloudStack({ cluster: { artifactUrl: "https://mirror.lan/k3s" } }), "k3s-stacks:airgap": { bundleDir: "/nonexistent/bundle" } }, key: "k3s-stacks:cluster.artifactUrl", fix: "npm run airgap -- --artifact-url https://mirror.lan/k3s" },
  { kind: "airgap: bundle directory missing (cloud)", config: { ...cloudStack(), "k3s-stacks:airgap": { bundleDir: "/nonexistent/bundle" } }, key: "k3s-stacks:airgap.bundleDir", fix: "npm run airgap" },
  // config keys: one list of what the program reads; a stack without config names what is missing
  { kind: "config keys: a misspelt top-level key (inventory)", config: { ...inventoryStack(), "k3s-stacks:adons": { storage: { type: "longhorn" } } }, key: "k3s-stacks:adons", fix: "rename it to k3s-stacks:addons" },
  { kind: "config keys: a misspelt top-level key (cloud)", config: { ...cloudStack(), "k3s-stacks:snapshot": { retention: 3 } }, key: "k3s-stacks:snapshot", fix: "rename it to k3s-stacks:snapshots" },
  { kind: "config keys: a stack without any config", config: {}, key: "k3s-stacks:cluster", fix: "add a k3s-stacks:cluster block" },
  // Kubernetes names (k8s.io/apimachinery validation): labels, taints, node names
  { kind: "labels: a key whose name part is longer than 63 (inventory)", config: inventoryStack({ hosts: [{ name: "s1", address: "10.1.0.1", role: "server", arch: "amd64", labels: { ["x".repeat(64)]: "a" } }] }), key: `k3s-stacks:inventory.hosts[0].labels.${"x".repeat(64)}`, fix: "rename it to [prefix/]name" },
  { kind: "labels: a key with an invalid prefix (cloud, unchecked before)", config: cloudStack({ pools: [{ name: "server", role: "server", count: 1, type: "cx23", labels: { "Example.com/disk": "ssd" } }] }), key: "k3s-stacks:cloud.pools[0].labels.Example.com/disk", fix: "lowercase DNS name" },
  { kind: "labels: a value longer than 63 (cloud)", config: cloudStack({ pools: [{ name: "server", role: "server", count: 1, type: "cx23", labels: { tier: "v".repeat(64) } }] }), key: "k3s-stacks:cloud.pools[0].labels.tier", fix: "at most 63" },
  { kind: "taints: an effect Kubernetes does not know (cloud)", config: cloudStack({ pools: [{ name: "server", role: "server", count: 1, type: "cx23", taints: ["gpu=yes:NoScedule"] }] }), key: "k3s-stacks:cloud.pools[0].taints[0]", fix: "NoSchedule, PreferNoSchedule or NoExecute" },
  { kind: "taints: node.kubernetes.io/unschedulable, which the node lifecycle controller owns (cloud)", config: cloudStack({ pools: [{ name: "server", role: "server", count: 1, type: "cx23" }, { name: "agent", role: "agent", count: 1, type: "cx23", taints: ["node.kubernetes.io/unschedulable:NoSchedule"] }] }), key: "k3s-stacks:cloud.pools[1].taints[0]", fix: "kubectl cordon" },
  { kind: "taints: a value longer than 63 (inventory)", config: inventoryStack({ hosts: [{ name: "s1", address: "10.1.0.1", role: "server", arch: "amd64", taints: [`dedicated=${"v".repeat(64)}:NoSchedule`] }] }), key: "k3s-stacks:inventory.hosts[0].taints[0]", fix: "key=value:Effect" },
  { kind: "node names: longer than 253 (inventory)", config: inventoryStack({ hosts: [{ name: `${"a".repeat(63)}.`.repeat(4) + "b", address: "10.1.0.1", role: "server", arch: "amd64" }] }), key: "k3s-stacks:inventory.hosts[0].name", fix: "at most 63" },
  // components/rules/node-name.ts, kubelet-labels.ts: the node name is the kubernetes.io/hostname label value
  { kind: "node names: longer than the 63 a hostname label holds (inventory)", config: inventoryStack({ hosts: [{ name: `s${"1".repeat(63)}`, address: "10.1.0.1", role: "server", arch: "amd64" }] }), key: "k3s-stacks:inventory.hosts[0].name", fix: "at most 63" },
  { kind: "node names: longer than the 63 a hostname label holds (local)", config: { "k3s-stacks:cluster": { k3sVersion: VERSION }, "k3s-stacks:local": { name: `pi.${"a".repeat(61)}` } }, key: "k3s-stacks:local.name", fix: "at most 63" },
  { kind: "labels: the hostname label the kubelet sets itself (inventory)", config: inventoryStack({ hosts: [{ name: "s1", address: "10.1.0.1", role: "server", arch: "amd64", labels: { "kubernetes.io/hostname": "db" } }] }), key: "k3s-stacks:inventory.hosts[0].labels.kubernetes.io/hostname", fix: "change the node's name" },
  { kind: "labels: the instance-type label k3s sets itself (cloud)", config: cloudStack({ pools: [{ name: "server", role: "server", count: 1, type: "cx23", labels: { "node.kubernetes.io/instance-type": "cx23" } }] }), key: "k3s-stacks:cloud.pools[0].labels.node.kubernetes.io/instance-type", fix: "example.com/instance-type" },
  // messages in the user's words (no schema-library vocabulary, a concrete fix)
  { kind: "messages: a port above 65535 (inventory)", config: inventoryStack({ inventory: { port: 70000 } }), key: "k3s-stacks:inventory.port", fix: "65535 or less" },
  { kind: "messages: an empty SSH user (inventory)", config: inventoryStack({ inventory: { user: "" } }), key: "k3s-stacks:inventory.user", fix: "give the SSH user" },
  { kind: "messages: an unknown storage type (cloud)", config: { ...cloudStack(), "k3s-stacks:addons": { storage: { type: "longhron" } } }, key: "k3s-stacks:addons.storage.type", fix: "\"local-path\", \"longhorn\", \"rook-ceph\"" },
  { kind: "messages: k3s flags as a list (cloud)", config: cloudStack({ cluster: { serverConfig: ["disable-network-policy"] } }), key: "k3s-stacks:cluster.serverConfig", fix: "kube-apiserver-arg" },
  // Go durations (rules/duration.ts), registry hosts and endpoints (registries/config.ts)
  { kind: "durations: a drain timeout in words (inventory)", config: { ...inventoryStack(), "k3s-stacks:upgrade": { drainTimeout: "5 minutes" } }, key: "k3s-stacks:upgrade.drainTimeout", fix: "such as 90s, 5m or 1h30m" },
  { kind: "durations: a drain timeout as a bare number (inventory)", config: { ...inventoryStack(), "k3s-stacks:upgrade": { drainTimeout: 300 } }, key: "k3s-stacks:upgrade.drainTimeout", fix: "add a unit, such as 300s or 5m" },
  { kind: "durations: an S3 timeout as a bare number (inventory)", config: { ...inventoryStack({ cluster: { datastore: "etcd" } }), "k3s-stacks:snapshots": { s3: { bucket: "backups", timeout: 30 } } }, key: "k3s-stacks:snapshots.s3.timeout", fix: "add a unit, such as 30s" },
  { kind: "durations: Prometheus retention as a bare number (cloud)", config: { ...cloudStack(), "k3s-stacks:addons": { monitoring: { enabled: true, retention: 10 } } }, key: "k3s-stacks:addons.monitoring.retention", fix: "add a unit, such as 10d" },
  { kind: "durations: a cluster drain timeout without a unit (cloud)", config: cloudStack({ cluster: { drainTimeout: "300" } }), key: "k3s-stacks:cluster.drainTimeout", fix: "add a unit, such as 300s or 5m" },
  { kind: "registries: a mirror key that is not a host (cloud)", config: { ...cloudStack(), "k3s-stacks:registries": { mirrors: { "docker io": {} } } }, key: "k3s-stacks:registries.mirrors.docker io", fix: "host[:port] without a scheme" },
  { kind: "cluster: install script URL with a port above 65535 (cloud)", config: cloudStack({ cluster: { installScriptUrl: "https://mirror.lan:70000/install.sh" } }), key: "k3s-stacks:cluster.installScriptUrl", fix: "such as https://mirror.lan:443" },
  { kind: "registries: an endpoint port above 65535 (cloud)", config: { ...cloudStack(), "k3s-stacks:registries": { mirrors: { "docker.io": { endpoint: ["https://reg.lan:70000"] } } } }, key: "k3s-stacks:registries.mirrors.docker.io.endpoint[0]", fix: "such as https://reg.lan:5000" },
  { kind: "registries: an endpoint with a mistyped scheme (inventory)", config: { ...inventoryStack(), "k3s-stacks:registries": { mirrors: { "docker.io": { endpoint: ["https:/reg.lan:5000"] } } } }, key: "k3s-stacks:registries.mirrors.docker.io.endpoint[0]", fix: "write it like https://reg.lan:5000." },
  { kind: "registries: credentials inside an endpoint URL (inventory)", config: { ...inventoryStack(), "k3s-stacks:registries": { mirrors: { "docker.io": { endpoint: ["https://u:secretpw@reg.lan:5000"] } } } }, key: "k3s-stacks:registries.mirrors.docker.io.endpoint[0]", fix: "k3s-stacks:registryPasswords" },
  // input faults a tester found (validation2): each stopped k3s on a machine before
  { kind: "cluster: flannelBackend none, which installs no CNI (inventory)", config: inventoryStack({ cluster: { flannelBackend: "none" } }), key: "k3s-stacks:cluster.flannelBackend", fix: "wireguard-native" },
  { kind: "cluster: flannelBackend none (cloud)", config: cloudStack({ cluster: { flannelBackend: "none" } }), key: "k3s-stacks:cluster.flannelBackend", fix: "vxlan" },
  { kind: "cluster: a space after the comma of a dual-stack range (k3s does not trim the parts)", config: inventoryStack({ cluster: { clusterCidr: "10.42.0.0/16, fd00:42::/56", serviceCidr: "10.43.0.0/16,fd00:43::/112" } }), key: "k3s-stacks:cluster.clusterCidr", fix: "write 'fd00:42::/56'" },
  { kind: "cluster: a space before a service range (cloud)", config: cloudStack({ cluster: { serviceCidr: " 10.43.0.0/16" } }), key: "k3s-stacks:cluster.serviceCidr", fix: "write '10.43.0.0/16'" },
  { kind: "secrets: a space before the datastore URL", config: inventoryStack({ cluster: { datastore: "postgres" } }), secrets: { "k3s-stacks:datastoreEndpoint": " postgres://k3s:pw@db.lan:5432/k3s" }, key: "k3s-stacks:datastoreEndpoint", fix: "remove them" },
  { kind: "secrets: a line break after the datastore URL", config: inventoryStack({ cluster: { datastore: "postgres" } }), secrets: { "k3s-stacks:datastoreEndpoint": "postgres://k3s:pw@db.lan:5432/k3s\n" }, key: "k3s-stacks:datastoreEndpoint", fix: "remove them" },
  { kind: "secrets: a '#' in the datastore password (Go's url.Parse)", config: inventoryStack({ cluster: { datastore: "postgres" } }), secrets: { "k3s-stacks:datastoreEndpoint": "postgres://k3s:pa#ss@db.lan:5432/k3s" }, key: "k3s-stacks:datastoreEndpoint", fix: "percent-encode the password" },
  { kind: "secrets: a '%' not starting an escape in the datastore password", config: inventoryStack({ cluster: { datastore: "postgres" } }), secrets: { "k3s-stacks:datastoreEndpoint": "postgres://k3s:100%sure@db.lan:5432/k3s" }, key: "k3s-stacks:datastoreEndpoint", fix: "percent-encode the password" },
  { kind: "secrets: a '/' in the datastore password (cloud)", config: cloudStack({ cluster: { datastore: "postgres" } }), secrets: { "k3s-stacks:datastoreEndpoint": "postgres://k3s:p/w@db.lan:5432/k3s" }, key: "k3s-stacks:datastoreEndpoint", fix: "percent-encode the password" },
  { kind: "secrets: a database name CREATE DATABASE refuses unquoted", config: inventoryStack({ cluster: { datastore: "postgres" } }), secrets: { "k3s-stacks:datastoreEndpoint": "postgres://k3s:pw@db.lan:5432/k3s-homelab" }, key: "k3s-stacks:datastoreEndpoint", fix: "lowercase letters, digits and '_'" },
  { kind: "snapshots: an AWS regional S3 endpoint with the default region", config: { ...inventoryStack({ cluster: { datastore: "etcd" } }), "k3s-stacks:snapshots": { s3: { endpoint: "s3.eu-central-1.amazonaws.com", bucket: "k3s-snapshots" } } }, key: "k3s-stacks:snapshots.s3.region", fix: "set region: eu-central-1" },
  { kind: "snapshots: an S3 endpoint with a path", config: { ...inventoryStack({ cluster: { datastore: "etcd" } }), "k3s-stacks:snapshots": { s3: { endpoint: "minio.lan:9000/k3s", bucket: "k3s-snapshots" } } }, key: "k3s-stacks:snapshots.s3.endpoint", fix: "in folder" },
  { kind: "registries: k3s's node-file key ca_file where a local file is read", config: { ...inventoryStack(), "k3s-stacks:registries": { configs: { "reg.lan": { tls: { ca_file: "/etc/ssl/ca.pem" } } } } }, key: "k3s-stacks:registries.configs.reg.lan.tls.ca_file", fix: "rename it to caFile" },
  { kind: "addons: MetalLB L2 pools on a cloud network", config: { ...cloudStack(), "k3s-stacks:addons": { loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["10.0.1.240/28"] }] } } }, key: "k3s-stacks:addons.loadBalancer", fix: "type servicelb" },
  { kind: "cloud: a dual-stack cluster, whose VMs get one IPv4 node-ip each", config: cloudStack({ cluster: { clusterCidr: "10.42.0.0/16,fd00:42::/56", serviceCidr: "10.43.0.0/16,fd00:43::/112" } }), key: "k3s-stacks:cluster.clusterCidr", fix: "use IPv4 ranges on cloud stacks" },
  // cloud stacks as hetzner-k3s and kube-hetzner users write them (hunt-cloudstacks): each reached the provider's API before
  { kind: "cloud pool: an EC2 type in a Hetzner pool, with arch set", config: cloudStack({ pools: [{ name: "server", role: "server", count: 1, type: "t3.medium", arch: "amd64" }] }), key: "k3s-stacks:cloud.pools[0].type", fix: "Hetzner server type such as cx23" },
  { kind: "cloud pool: a type in capitals", config: cloudStack({ pools: [{ name: "server", role: "server", count: 1, type: "CX23" }] }), key: "k3s-stacks:cloud.pools[0].type", fix: "write cx23" },
  { kind: "cloud pool: an AMI as a Hetzner image", config: cloudStack({ pools: [{ name: "server", role: "server", count: 1, type: "cax11", image: { id: "ami-0a1b2c3d4e5f67890", arch: "arm64" } }] }), key: "k3s-stacks:cloud.pools[0].image.id", fix: "Hetzner snapshot" },
  { kind: "cloud pool: a k3s server on a 1 GiB EC2 type", config: cloudStack({ cloud: AWS_CLOUD, pools: [{ name: "server", role: "server", count: 1, type: "t3.micro" }] }), key: "k3s-stacks:cloud.pools[0].type", fix: "t3.small (2 GiB) or larger" },
  { kind: "cloud: an ECDSA public key, which EC2 does not import", config: cloudStack({ cloud: { ...AWS_CLOUD, sshPublicKey: "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEXAMPLE= me@mac" }, pools: [{ name: "server", role: "server", count: 1, type: "t3.small" }] }), key: "k3s-stacks:cloud.sshPublicKey", fix: "ssh-keygen -t ed25519" },
  { kind: "cloud pool: a retired Hetzner type with its arch set", config: cloudStack({ pools: [{ name: "server", role: "server", count: 1, type: "cx21", arch: "amd64" }] }), key: "k3s-stacks:cloud.pools[0].type", fix: "successor cx23" },
  { kind: "cloud: a Hetzner network outside RFC 1918", config: cloudStack({ cloud: { network: { cidr: "100.64.0.0/16", subnets: ["100.64.1.0/24"] } } }), key: "k3s-stacks:cloud.network.cidr", fix: "range inside 10.0.0.0/8" },
  { kind: "cloud: a VPC larger than /16", config: cloudStack({ cloud: { ...AWS_CLOUD, network: { cidr: "172.16.0.0/12", subnets: ["172.16.1.0/24", "172.16.2.0/24"] } }, pools: [{ name: "server", role: "server", count: 1, type: "t3.small" }] }), key: "k3s-stacks:cloud.network.cidr", fix: "/16 or smaller" },
  { kind: "cloud: a subnet too small for its VMs", config: cloudStack({ cloud: { network: { cidr: "10.0.0.0/16", subnets: ["10.0.1.0/30"] } } }), key: "k3s-stacks:cloud.network.subnets[0]", fix: "larger subnet" },
  { kind: "cloud: AWS without availabilityZones", config: cloudStack({ cloud: { ...AWS_CLOUD, aws: { region: "eu-central-1" } }, pools: [{ name: "server", role: "server", count: 1, type: "t3.small" }] }), key: "k3s-stacks:cloud.aws.availabilityZones", fix: "availabilityZones: [eu-central-1a, eu-central-1b]" },
  { kind: "cloud: an availability zone listed twice", config: cloudStack({ cloud: { ...AWS_CLOUD, aws: { region: "eu-central-1", availabilityZones: ["eu-central-1a", "eu-central-1a"] } }, pools: [{ name: "server", role: "server", count: 1, type: "t3.small" }] }), key: "k3s-stacks:cloud.aws.availabilityZones[1]", fix: "list each zone once" },
  { kind: "cloud: flannel-external-ip, whose public overlay the cloud firewall keeps closed", config: cloudStack({ cluster: { serverConfig: { "flannel-external-ip": true } } }), key: "k3s-stacks:cluster.serverConfig.flannel-external-ip", fix: "remove it" },
  { kind: "cloud: admin CIDRs that are only the home LAN", config: cloudStack({ cloud: { adminCidrs: ["192.168.1.0/24"] } }), key: "k3s-stacks:cloud.adminCidrs", fix: "public address as a /32" },
  { kind: "cloud pool: flannel host-gw on a cloud network", config: cloudStack({ cluster: { flannelBackend: "host-gw" } }), key: "k3s-stacks:cluster.flannelBackend", fix: "wireguard-native" },
  { kind: "inventory host: flannel host-gw across two LAN segments", config: inventoryStack({ cluster: { flannelBackend: "host-gw" }, hosts: [{ name: "s1", address: "192.168.1.11", role: "server", arch: "amd64" }, { name: "a1", address: "192.168.2.21", role: "agent", arch: "amd64" }] }), key: "k3s-stacks:cluster.flannelBackend", fix: "use vxlan" },
  { kind: "inventory host: first server behind a bastion, add-ons applied through an API address this machine cannot reach", config: { ...inventoryStack({ cluster: { tlsSans: ["*.k3s.lan"] }, hosts: [{ name: "jump", address: "203.0.113.10", role: "agent", arch: "amd64" }, { name: "s1", address: "10.0.0.11", role: "server", arch: "amd64", bastion: "jump" }] }), "k3s-stacks:addons": { storage: { type: "local-path" } } }, key: "k3s-stacks:cluster.apiEndpoint", fix: "set apiEndpoint" },
  { kind: "cluster: system-reserved memory in GB, a unit Kubernetes quantities lack (inventory)", config: inventoryStack({ cluster: { agentConfig: { "kubelet-arg": ["system-reserved=cpu=250m,memory=1GB"] } } }), key: "k3s-stacks:cluster.agentConfig.kubelet-arg[0]", fix: "system-reserved=cpu=250m,memory=256Mi" },
  { kind: "cluster: eviction-soft without its grace period (cloud)", config: cloudStack({ cluster: { serverConfig: { "kubelet-arg": ["eviction-soft=memory.available<300Mi"] } } }), key: "k3s-stacks:cluster.serverConfig.kubelet-arg[0]", fix: "eviction-soft-grace-period=memory.available=1m30s" },
  { kind: "cluster: advertise-address of one server for all three (inventory)", config: inventoryStack({ cluster: { datastore: "etcd", serverConfig: { "advertise-address": "10.1.0.1" } }, hosts: [1, 2, 3].map((i) => ({ name: `s${i}`, address: `10.1.0.${i}`, role: "server", arch: "amd64" })) }), key: "k3s-stacks:cluster.serverConfig.advertise-address", fix: "remove it; k3s advertises each server's own" },
  { kind: "cluster: datastore-cafile as a path relative to the project (postgres)", config: { ...inventoryStack({ cluster: { datastore: "postgres", serverConfig: { "datastore-cafile": "./ca.pem" } } }) }, secrets: { "k3s-stacks:datastoreEndpoint": "postgres://k3s:pw@db.lan:5432/k3s" }, key: "k3s-stacks:cluster.serverConfig.datastore-cafile", fix: "datastore-cafile: /etc/rancher/k3s/ca.pem" },
  { kind: "cluster: write-kubeconfig a directory (trailing '/'), where k3s cannot write the kubeconfig file (cloud)", config: cloudStack({ cluster: { serverConfig: { "write-kubeconfig": "/root/.kube/" } } }), key: "k3s-stacks:cluster.serverConfig.write-kubeconfig", fix: "write-kubeconfig: /root/.kube/k3s.yaml" },
  { kind: "cluster: write-kubeconfig relative, which k3s writes under / and links from /etc/rancher/k3s/k3s.yaml as a dangling link (inventory)", config: inventoryStack({ cluster: { serverConfig: { "write-kubeconfig": "kube.yaml" } } }), key: "k3s-stacks:cluster.serverConfig.write-kubeconfig", fix: "write-kubeconfig: /root/.kube/kube.yaml" },
  { kind: "cluster: default-local-storage-path relative (cloud)", config: cloudStack({ cluster: { serverConfig: { "default-local-storage-path": "storage" } } }), key: "k3s-stacks:cluster.serverConfig.default-local-storage-path", fix: "/var/lib/rancher/k3s/storage" },
  { kind: "cluster: bind-address of one machine for every node (cloud)", config: cloudStack({ cluster: { agentConfig: { "bind-address": "10.0.1.2" } } }), key: "k3s-stacks:cluster.agentConfig.bind-address", fix: "write 0.0.0.0" },
  { kind: "cluster: system-default-registry written as a URL (inventory)", config: inventoryStack({ cluster: { serverConfig: { "system-default-registry": "https://registry.example.com" } } }), key: "k3s-stacks:cluster.serverConfig.system-default-registry", fix: "'registry.example.com'" },
  { kind: "cluster: kubelet max-pods above the node pod range's addresses (cloud)", config: cloudStack({ cluster: { agentConfig: { "kubelet-arg": ["max-pods=400"] } } }), key: "k3s-stacks:cluster.agentConfig.kubelet-arg[0]", fix: "max-pods=253 or less" },
  // layers (hunt-layers): each reached the machines before and failed there, or silently
  { kind: "snapshots: a cron day of week 7, which k3s ignores and then takes no snapshots (inventory)", config: { ...inventoryStack({ cluster: { datastore: "etcd" } }), "k3s-stacks:snapshots": { schedule: "0 3 * * 7" } }, key: "k3s-stacks:snapshots.schedule", fix: "Sunday = 0" },
  { kind: "addons: monitoring with kube-proxy metrics kept on 127.0.0.1 in agentConfig (cloud)", config: { ...cloudStack({ cluster: { agentConfig: { "kube-proxy-arg": ["metrics-bind-address=127.0.0.1:10249"] } } }), "k3s-stacks:addons": { monitoring: { enabled: true } } }, key: "k3s-stacks:cluster.agentConfig.kube-proxy-arg[0]", fix: "monitoring.enabled: false" },
  { kind: "addons: Rook with one device listed as sdb and /dev/sdb (cloud)", config: { ...cloudStack(), "k3s-stacks:addons": { storage: { type: "rook-ceph", replicas: 1, nodes: [{ name: "agent-0", devices: ["sdb", "/dev/sdb"] }] } } }, key: "k3s-stacks:addons.storage.nodes[0].devices[1]", fix: "remove devices[1]" },
  { kind: "addons: Rook with the kubelet root directory moved, where its CSI driver cannot follow (cloud)", config: { ...cloudStack({ cluster: { agentConfig: { "kubelet-arg": ["root-dir=/data/kubelet"] } } }), "k3s-stacks:addons": { storage: { type: "rook-ceph", replicas: 1, nodes: [{ name: "agent-0", devices: ["sdb"] }] } } }, key: "k3s-stacks:cluster.agentConfig.kubelet-arg[0]", fix: "mount the other disk at /var/lib/kubelet" },
  { kind: "addons: monitoring with inventory hosts given by name only (Endpoints take IPs)", config: { ...inventoryStack({ hosts: [{ name: "s1", address: "s1.lan", role: "server", arch: "amd64" }, { name: "a1", address: "192.168.1.21", role: "agent", arch: "amd64" }] }), "k3s-stacks:addons": { monitoring: { enabled: true } } }, key: "k3s-stacks:addons.monitoring", fix: "internalAddress that is an IP" },
  // refusals against the previous outputs
  { kind: "previous outputs: a k3s version that skips a minor", config: inventoryStack(), previous: { k3sVersion: "v1.34.1+k3s1", serverNames: ["s1"] }, key: "k3s-stacks:cluster.k3sVersion", fix: "newest v1.35.x" },
  // cloud nodes given a new VM under their name (day-two/machines.ts)
  { kind: "previous outputs: a new server type for the first server, which would start an empty cluster (cloud)", config: cloudStack({ pools: [{ name: "server", role: "server", count: 1, type: "cx33" }, { name: "agent", role: "agent", count: 2, type: "cx23" }] }), previous: { k3sVersion: VERSION, serverNames: ["server-0"], cloudMachines: HETZNER_MACHINES }, key: "k3s-stacks:cloud.pools[0]", fix: "put the old value back" },
  { kind: "previous outputs: two of three etcd servers given new VMs in one run (cloud)", config: cloudStack({ cluster: { datastore: "etcd" }, pools: [{ name: "server", role: "server", count: 1, type: "cx23" }, { name: "more", role: "server", count: 2, type: "cx23", location: "fsn1" }] }), previous: { k3sVersion: VERSION, serverNames: ["server-0", "more-0", "more-1"], datastore: "etcd", cloudMachines: { "server-0": "type=cx23 location=nbg1", "more-0": "type=cx23 location=nbg1", "more-1": "type=cx23 location=nbg1" } }, key: "k3s-stacks:cloud.pools[1]", fix: "add a server pool with the new value" },
  { kind: "previous outputs: more agents given new VMs than upgrade.agentBatchSize (cloud)", config: cloudStack({ pools: [{ name: "server", role: "server", count: 1, type: "cx23" }, { name: "agent", role: "agent", count: 2, type: "cx33" }] }), previous: { k3sVersion: VERSION, serverNames: ["server-0"], cloudMachines: HETZNER_MACHINES }, key: "k3s-stacks:cloud.pools[1]", fix: "add a pool with the new value, run pulumi up, then lower the old pool's count to 0" },
  // settings k3s fixes at creation (day-two/fixed-settings.ts)
  { kind: "previous outputs: a new pod range (inventory)", config: inventoryStack({ cluster: { clusterCidr: "10.52.0.0/16" } }), previous: { k3sVersion: VERSION, serverNames: ["s1"], clusterCidr: "10.42.0.0/16" }, key: "k3s-stacks:cluster.clusterCidr", fix: "put back clusterCidr: 10.42.0.0/16" },
  { kind: "previous outputs: a new service range (cloud)", config: cloudStack({ cluster: { serviceCidr: "10.96.0.0/16" } }), previous: { k3sVersion: VERSION, serverNames: ["server-0"], serviceCidr: "10.43.0.0/16", clusterDns: "10.43.0.10" }, key: "k3s-stacks:cluster.serviceCidr", fix: "put back serviceCidr: 10.43.0.0/16" },
  { kind: "previous outputs: another flannel backend (cloud)", config: cloudStack({ cluster: { flannelBackend: "wireguard-native" } }), previous: { k3sVersion: VERSION, serverNames: ["server-0"], flannelBackend: "vxlan" }, key: "k3s-stacks:cluster.flannelBackend", fix: "put back flannelBackend: vxlan" },
  { kind: "previous outputs: another cluster domain (inventory)", config: inventoryStack({ cluster: { clusterDomain: "k3s.internal" } }), previous: { k3sVersion: VERSION, serverNames: ["s1"], clusterDomain: "cluster.local" }, key: "k3s-stacks:cluster.clusterDomain", fix: "new cluster" },
  { kind: "previous outputs: another cluster-dns (inventory)", config: inventoryStack({ cluster: { serverConfig: { "cluster-dns": ["10.43.0.53"] } } }), previous: { k3sVersion: VERSION, serverNames: ["s1"], clusterDns: "10.43.0.10" }, key: "k3s-stacks:cluster.serverConfig.cluster-dns", fix: "put back cluster-dns: 10.43.0.10" },
  { kind: "previous outputs: secrets encryption switched off (inventory)", config: inventoryStack({ cluster: { secretsEncryption: false } }), previous: { k3sVersion: VERSION, serverNames: ["s1"], secretsEncryption: true }, key: "k3s-stacks:cluster.secretsEncryption", fix: "k3s secrets-encrypt disable" },
  // node names against the machines they were installed on (day-two/addresses.ts)
  { kind: "previous outputs: a host renamed in one update (inventory)", config: inventoryStack({ hosts: [{ name: "s1", address: "192.168.1.11", role: "server", arch: "amd64" }, { name: "pi-edge", address: "192.168.1.20", role: "agent", arch: "arm64" }] }), previous: { k3sVersion: VERSION, serverNames: ["s1"], nodeAddresses: { s1: { host: "192.168.1.11", port: 22, user: "root" }, "pi-zero": { host: "192.168.1.20", port: 22, user: "root" } } }, key: "k3s-stacks:inventory", fix: "remove the old entry in one up, add the new name in the next" },
  { kind: "previous outputs: two hosts swap addresses (inventory)", config: inventoryStack({ hosts: [{ name: "s1", address: "192.168.1.11", role: "server", arch: "amd64" }, { name: "a1", address: "192.168.1.22", role: "agent", arch: "amd64" }, { name: "a2", address: "192.168.1.21", role: "agent", arch: "arm64" }] }), previous: { k3sVersion: VERSION, serverNames: ["s1"], nodeAddresses: { s1: { host: "192.168.1.11", port: 22, user: "root" }, a1: { host: "192.168.1.21", port: 22, user: "root" }, a2: { host: "192.168.1.22", port: 22, user: "root" } } }, key: "k3s-stacks:inventory", fix: "put the addresses back" },
  { kind: "previous outputs: a node added during a system-upgrade-controller version bump (cloud)", config: { ...cloudStack(), "k3s-stacks:upgrade": { mode: "system-upgrade-controller" } }, previous: { k3sVersion: "v1.35.9+k3s1", serverNames: ["server-0"], nodeIdentities: { "server-0": "server/amd64", "agent-0": "agent/amd64" } }, key: "k3s-stacks:cloud.pools", fix: "change one thing per update" },
  { kind: "previous outputs: sqlite → etcd in the update that also moves k3sVersion (inventory)", config: inventoryStack({ cluster: { datastore: "etcd" } }), previous: { k3sVersion: "v1.35.9+k3s1", serverNames: ["s1"], datastore: "sqlite" }, key: "k3s-stacks:cluster.k3sVersion", fix: "keep k3sVersion: v1.35.9+k3s1 and run pulumi up to move to etcd" },
  { kind: "previous outputs: the datastore changes (cloud)", config: cloudStack(), previous: { k3sVersion: VERSION, serverNames: ["server-0"], datastore: "etcd" }, key: "k3s-stacks:cluster.datastore", fix: "put back datastore: etcd" },
  // user stack files (stackfiles): mistakes from k3s issues and other tools' inventories, each fixed by name
  { kind: "cluster: version written as a YAML number (1.30)", config: inventoryStack({ cluster: { k3sVersion: 1.3 } }), key: "k3s-stacks:cluster.k3sVersion", fix: "starts with 'v'" },
  { kind: "cluster: version copied with a space before it", config: inventoryStack({ cluster: { k3sVersion: " v1.36.3+k3s1" } }), key: "k3s-stacks:cluster.k3sVersion", fix: "write 'v1.36.3+k3s1'" },
  { kind: "cluster: version as the container image tag (-k3s1)", config: cloudStack({ cluster: { k3sVersion: "v1.36.3-k3s1" } }), key: "k3s-stacks:cluster.k3sVersion", fix: "write 'v1.36.3+k3s1'" },
  { kind: "inventory host: k3s config.yaml key names and a swapped-letter typo", config: inventoryStack({ hosts: [{ name: "s1", address: "10.1.0.1", role: "server", arch: "amd64", "node-ip": "10.1.0.1", lables: { a: "b" } }] }), key: "k3s-stacks:inventory.hosts[0]", fix: "rename 'node-ip' to 'internalAddress', 'lables' to 'labels'" },
  { kind: "inventory host: Ansible's ansible_host", config: inventoryStack({ hosts: [{ name: "s1", ansible_host: "10.1.0.1", role: "server", arch: "amd64" }] }), key: "k3s-stacks:inventory.hosts[0]", fix: "rename it to 'address'" },
  { kind: "cluster: a kubelet-arg with a space for '=' (k3s passes '--max-pods 200=true')", config: inventoryStack({ cluster: { agentConfig: { "kubelet-arg": ["max-pods 200"] } } }), key: "k3s-stacks:cluster.agentConfig.kubelet-arg[0]", fix: "write 'max-pods=200'" },
  { kind: "cluster: apiEndpoint 127.0.0.1 with agents joining through it", config: inventoryStack({ cluster: { apiEndpoint: "127.0.0.1" } }), key: "k3s-stacks:cluster.apiEndpoint", fix: "127.0.0.1 first in tlsSans" },
  { kind: "cluster: apiEndpoint inside the pod range (cloud)", config: cloudStack({ cluster: { apiEndpoint: "10.42.0.100" } }), key: "k3s-stacks:cluster.apiEndpoint", fix: "LAN address" },
  { kind: "cluster: node-cidr-mask-size=26 (61 pods) with the kubelet's default max-pods of 110", config: inventoryStack({ cluster: { serverConfig: { "kube-controller-manager-arg": ["node-cidr-mask-size=26"] } } }), key: "k3s-stacks:cluster.serverConfig.kube-controller-manager-arg[0]", fix: "add max-pods=61" },
  { kind: "cluster: service-node-port-range written with a colon (k3s stops at start)", config: inventoryStack({ cluster: { serverConfig: { "service-node-port-range": "30000:32767" } } }), key: "k3s-stacks:cluster.serverConfig.service-node-port-range", fix: "write '30000-32767'" },
  { kind: "inventory host: every node tainted, so CoreDNS has nowhere to run", config: inventoryStack({ hosts: [{ name: "s1", address: "10.1.0.1", role: "server", arch: "amd64", taints: ["dedicated=infra:NoSchedule"] }, { name: "a1", address: "10.1.0.2", role: "agent", arch: "amd64", taints: ["gpu=true:NoExecute"] }] }), key: "k3s-stacks:inventory.hosts", fix: "leave at least one node without such a taint" },
  { kind: "cloud pool: every pool tainted, so CoreDNS has nowhere to run", config: cloudStack({ pools: [{ name: "server", role: "server", count: 1, type: "cx23", taints: ["dedicated=ci:NoSchedule"] }] }), key: "k3s-stacks:cloud.pools", fix: "CriticalAddonsOnly=true:NoExecute" },
  { kind: "inventory host: role in k3s-ansible's words (master)", config: inventoryStack({ hosts: [{ name: "s1", address: "10.1.0.1", role: "master", arch: "amd64" }] }), key: "k3s-stacks:inventory.hosts[0].role", fix: "use \"server\"" },
  { kind: "config keys: a setting under a mistyped namespace (k3s-stack:)", config: { ...inventoryStack(), "k3s-stack:addons": { storage: { type: "longhorn" } } }, key: "k3s-stack:addons", fix: "rename it to k3s-stacks:addons" },
  { kind: "inventory host: arch left out", config: inventoryStack({ hosts: [{ name: "s1", address: "10.1.0.1", role: "server" }] }), key: "k3s-stacks:inventory.hosts[0].arch", fix: "set it to one of \"x64\"" },
  // break-it (new user): provider credentials, SSH key text, local paths only a shell would expand
  { kind: "secrets: the Hetzner API token in plain text (cloud)", config: { ...cloudStack(), "hcloud:token": "plain-token" }, key: "hcloud:token", fix: "pulumi config set --secret hcloud:token" },
  { kind: "secrets: the AWS secret key in plain text (cloud)", config: { ...cloudStack({ cloud: AWS_CLOUD }), "aws:secretKey": "plain-secret" }, key: "aws:secretKey", fix: "pulumi config set --secret aws:secretKey" },
  { kind: "secrets: the SSH key secret set to the key's path instead of its text", config: inventoryStack(), secrets: { "k3s-stacks:sshPrivateKey": "/home/ana/.ssh/id_ed25519" }, key: "k3s-stacks:sshPrivateKey", fix: "not its path" },
  { kind: "secrets: the SSH key secret pasted with its line breaks as \\n (cloud)", config: cloudStack({ cloud: { sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG9vb29vb29vb29vb29vb29vb29vb29vb29vb29vb29vb29v k" } }), secrets: { "k3s-stacks:sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\\nb3Blbg==\\n-----END OPENSSH PRIVATE KEY-----\\n" }, key: "k3s-stacks:sshPrivateKey", fix: "with its line breaks" },
  { kind: "inventory host: a jump host written as ssh -J takes it (user@host:port)", config: inventoryStack({ hosts: [{ name: "s1", address: "10.1.0.1", role: "server", arch: "amd64", bastion: "admin@203.0.113.5:2222" }] }), key: "k3s-stacks:inventory.hosts[0].bastion", fix: "bastion: { address: 203.0.113.5, port: 2222, user: admin }" },
  { kind: "inventory host: privateKeyPath under another user's ~user", config: inventoryStack({ inventory: { privateKeyPath: "~pi/.ssh/id_ed25519" } }), key: "k3s-stacks:inventory.privateKeyPath", fix: "/home/pi/.ssh/id_ed25519" },
  { kind: "inventory host: privateKeyPath with $HOME", config: inventoryStack({ inventory: { privateKeyPath: "$HOME/.ssh/id_ed25519" } }), key: "k3s-stacks:inventory.privateKeyPath", fix: "write '~/.ssh/id_ed25519'" },
  { kind: "registries: a CA file under ~user (inventory)", config: { ...inventoryStack(), "k3s-stacks:registries": { configs: { "reg.lan:5000": { tls: { caFile: "~admin/ca.pem" } } } } }, key: "k3s-stacks:registries.configs.reg.lan:5000.tls.caFile", fix: "/home/admin/ca.pem" },
  { kind: "registries: a rewrite pattern Go's regexp cannot compile (unclosed group), which containerd would skip (inventory)", config: { ...inventoryStack(), "k3s-stacks:registries": { mirrors: { "docker.io": { endpoint: ["https://reg.lan:5000"], rewrite: { "^library/(.*": "mirror/library/$1" } } } } }, key: "k3s-stacks:registries.mirrors.docker.io.rewrite.^library/(.*", fix: "write '^library/(.*)'" },
  { kind: "registries: a rewrite replacement '$1x', which Go's regexp reads as the group named 1x and replaces with nothing (inventory)", config: { ...inventoryStack(), "k3s-stacks:registries": { mirrors: { "docker.io": { endpoint: ["https://reg.lan:5000"], rewrite: { "^rancher/(.*)": "mirror/$1x" } } } } }, key: "k3s-stacks:registries.mirrors.docker.io.rewrite.^rancher/(.*)", fix: "write ${1}x" },
  { kind: "registries: a rewrite pattern with a lookahead, which JavaScript takes and Go's RE2 does not (cloud)", config: { ...cloudStack(), "k3s-stacks:registries": { mirrors: { "docker.io": { endpoint: ["https://reg.lan:5000"], rewrite: { "^(?!library/)(.*)": "mirror/$1" } } } } }, key: "k3s-stacks:registries.mirrors.docker.io.rewrite.^(?!library/)(.*)", fix: "RE2 syntax" },
  { kind: "registries: a mirror keyed registry-1.docker.io, which no image name uses (cloud)", config: { ...cloudStack(), "k3s-stacks:registries": { mirrors: { "registry-1.docker.io": { endpoint: ["https://reg.lan:5000"] } } } }, key: "k3s-stacks:registries.mirrors.registry-1.docker.io", fix: "key it docker.io" },
  { kind: "airgap: bundle directory written with $HOME (inventory)", config: { ...inventoryStack(), "k3s-stacks:airgap": { bundleDir: "${HOME}/bundle" } }, key: "k3s-stacks:airgap.bundleDir", fix: "write '~/bundle'" },
  ...WRONG_STACK_FILES,
];
