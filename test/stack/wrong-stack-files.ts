// Stack files as users write them wrong: YAML from the README's and the example stacks' keys with a
// plausible slip (a list as a string, a quoted number, a unit on a count, a mapping where k3s takes a
// string). Each row joins the bad-input table (bad-input-cases.ts): nothing is registered, and the
// message names the key and a value the user can write, not only the kind of value.
import { parse } from "yaml";
import type { BadInput } from "./bad-input-cases";

const CLUSTER = "  k3s-stacks:cluster:\n    k3sVersion: v1.36.3+k3s1\n";
const HOST = "{ name: pi-1, address: 192.168.1.11, role: server, arch: arm64 }";
const inventory = (host = HOST, extra = "") => `  k3s-stacks:inventory:\n    user: pi\n    reachabilityTimeout: 0\n${extra}    hosts:\n      - ${host}\n`;
const hetzner = (extra: string) =>
  `  k3s-stacks:cloud:\n    provider: hetzner\n    adminCidrs: [203.0.113.7/32]\n    pools: [{ name: control, role: server, count: 1, type: cpx22 }]\n${extra}`;
const NETWORK = "    network: { cidr: 10.0.0.0/16, subnets: [10.0.1.0/24] }\n";
const NBG = "    hetzner: { location: nbg1 }\n";

type Row = [kind: string, yaml: string, key: string, fix: string];
const ROWS: Row[] = [
  ["cluster: version without +k3s1", "  k3s-stacks:cluster:\n    k3sVersion: v1.36.3\n" + inventory(), "cluster.k3sVersion", "'v1.36.3+k3s1'"],
  ["cluster: version as a YAML number", "  k3s-stacks:cluster:\n    k3sVersion: 1.36\n" + inventory(), "cluster.k3sVersion", "v1.36.3+k3s1"],
  ["cluster: disable as words with spaces", CLUSTER + "    disable: traefik servicelb\n" + inventory(), "cluster.disable[0]", "[ traefik, servicelb ]"],
  ["cluster: clusterCidr without a mask", CLUSTER + "    clusterCidr: 10.42.0.0\n" + inventory(), "cluster.clusterCidr", "10.42.0.0/16"],
  ["cluster: serviceCidr as a list of one", CLUSTER + "    serviceCidr: [10.43.0.0/16]\n" + inventory(), "cluster.serviceCidr", "not as a list: 10.43.0.0/16"],
  ["cluster: apiVip as an address", CLUSTER + "    apiVip: 192.168.1.250\n" + inventory(), "cluster.apiVip", "{ address: 192.168.1.250 }"],
  ["cluster: apiEndpoint as a URL", CLUSTER + "    apiEndpoint: https://k3s.lan:6443\n" + inventory(), "cluster.apiEndpoint", "'k3s.lan'"],
  ["cluster: secretsEncryption quoted", CLUSTER + "    secretsEncryption: 'true'\n" + inventory(), "cluster.secretsEncryption", "write true, without quotes"],
  ["cluster: serverConfig as flags", CLUSTER + "    serverConfig: ['--write-kubeconfig-mode=644']\n" + inventory(), "cluster.serverConfig", "kube-apiserver-arg"],
  ["inventory host: port quoted", CLUSTER + inventory("{ name: pi-1, address: 192.168.1.11, port: '2222', role: server, arch: arm64 }"), "inventory.hosts[0].port", "as a number: 2222"],
  ["inventory host: port in the address", CLUSTER + inventory("{ name: pi-1, address: '192.168.1.11:2222', role: server, arch: arm64 }"), "inventory.hosts[0].address", "2222 in port"],
  ["inventory host: hosts keyed by name", CLUSTER + "  k3s-stacks:inventory:\n    reachabilityTimeout: 0\n    hosts:\n      pi-1: { address: 192.168.1.11, role: server, arch: arm64 }\n", "inventory.hosts", "[ { name: pi-1, address: 192.168.1.11, role: server, arch: arm64 } ]"],
  ["inventory host: hosts as one host", CLUSTER + "  k3s-stacks:inventory:\n    reachabilityTimeout: 0\n    hosts: { name: pi-2, address: 192.168.1.12, role: server, arch: arm64 }\n", "inventory.hosts", "list of one entry: [ { name: pi-2, address: 192.168.1.12, role: server, arch: arm64 } ]"],
  ["inventory host: labels as k=v strings", CLUSTER + inventory("{ name: pi-1, address: 192.168.1.11, role: server, arch: arm64, labels: [tier=edge] }"), "inventory.hosts[0].labels", "labels: {disktype: ssd}"],
  ["inventory host: a taint as a mapping", CLUSTER + inventory("{ name: pi-1, address: 192.168.1.11, role: server, arch: arm64, taints: [{ key: dedicated, value: gpu, effect: NoSchedule }] }"), "inventory.hosts[0].taints[0]", "'dedicated=gpu:NoSchedule'"],
  ["inventory host: a taint without its value", CLUSTER + inventory("{ name: pi-1, address: 192.168.1.11, role: server, arch: arm64, taints: [{ key: gpu, effect: NoExecute }] }"), "inventory.hosts[0].taints[0]", "'gpu:NoExecute'"],
  ["inventory host: taints as one string", CLUSTER + inventory("{ name: pi-1, address: 192.168.1.11, role: server, arch: arm64, taints: 'dedicated=gpu:NoSchedule' }"), "inventory.hosts[0].taints", "[ dedicated=gpu:NoSchedule ]"],
  ["inventory host: role master", CLUSTER + inventory("{ name: pi-1, address: 192.168.1.11, role: master, arch: arm64 }"), "inventory.hosts[0].role", '"server"'],
  ["inventory host: name with capitals", CLUSTER + inventory("{ name: Pi_1, address: 192.168.1.11, role: server, arch: arm64 }"), "inventory.hosts[0].name", "'pi-1'"],
  ["inventory: allowReboot as 'yes'", CLUSTER + inventory(HOST, "    allowReboot: 'yes'\n"), "inventory.allowReboot", "write true, without quotes"],
  ["inventory: reachabilityTimeout with a unit", CLUSTER + inventory(HOST).replace("reachabilityTimeout: 0", "reachabilityTimeout: 20s"), "inventory.reachabilityTimeout", "in seconds (0 turns the check off): 20"],
  ["inventory: no hosts", CLUSTER + "  k3s-stacks:inventory:\n    hosts: []\n", "inventory.hosts", "{ name: pi-1, address: 192.168.1.11, role: server, arch: arm64 }"],
  ["upgrade: drainTimeout without a unit", CLUSTER + inventory() + "  k3s-stacks:upgrade:\n    drainTimeout: 600\n", "upgrade.drainTimeout", "600s"],
  ["upgrade: agentBatchSize quoted", CLUSTER + inventory() + "  k3s-stacks:upgrade:\n    agentBatchSize: '2'\n", "upgrade.agentBatchSize", "as a number: 2"],
  ["upgrade: mode abbreviated", CLUSTER + inventory() + "  k3s-stacks:upgrade:\n    mode: suc\n", "upgrade.mode", '"system-upgrade-controller"'],
  ["snapshots: retention in days", "  k3s-stacks:cluster:\n    k3sVersion: v1.36.3+k3s1\n    datastore: etcd\n" + inventory() + "  k3s-stacks:snapshots:\n    retention: 10d\n", "snapshots.retention", "the number of local snapshots to keep (0 keeps every one): 10"],
  ["snapshots: s3 endpoint with a scheme", "  k3s-stacks:cluster:\n    k3sVersion: v1.36.3+k3s1\n    datastore: etcd\n" + inventory() + "  k3s-stacks:snapshots:\n    s3: { endpoint: 'https://minio.lan:9000', bucket: k3s }\n", "snapshots.s3.endpoint", "drop 'https://'"],
  ["addons: storageSize as a number", CLUSTER + inventory() + "  k3s-stacks:addons:\n    monitoring: { enabled: true, storageSize: 10 }\n", "addons.monitoring.storageSize", "10Gi"],
  ["addons: pool addresses as a string", CLUSTER + inventory() + "  k3s-stacks:addons:\n    loadBalancer: { type: metallb, pools: [{ name: lan, addresses: 192.168.1.240-192.168.1.250 }] }\n", "addons.loadBalancer.pools[0].addresses", "[ 192.168.1.240-192.168.1.250 ]"],
  ["addons: a pool as its range alone", CLUSTER + inventory() + "  k3s-stacks:addons:\n    loadBalancer: { type: metallb, pools: [192.168.1.240/28] }\n", "addons.loadBalancer.pools[0]", "{ name: "],
  ["addons: replicas in words", CLUSTER + inventory() + "  k3s-stacks:addons:\n    storage: { type: longhorn, replicas: two }\n", "addons.storage.replicas", "such as 2"],
  ["registries: mirror endpoint as a string", CLUSTER + inventory() + "  k3s-stacks:registries:\n    mirrors: { docker.io: { endpoint: https://reg.lan:5000 } }\n", "registries.mirrors.docker.io.endpoint", "[ https://reg.lan:5000 ]"],
  ["cloud pool: count quoted", CLUSTER + hetzner(NBG + NETWORK).replace("count: 1", "count: '3'"), "cloud.pools[0].count", "as a number: 3"],
  ["cloud: adminCidrs without a mask", CLUSTER + hetzner(NBG + NETWORK).replace("203.0.113.7/32", "203.0.113.7"), "cloud.adminCidrs[0]", "203.0.113.7/32"],
  ["cloud: subnets as a string", CLUSTER + hetzner(NBG + "    network: { cidr: 10.0.0.0/16, subnets: 10.0.1.0/24 }\n"), "cloud.network.subnets", "[ 10.0.1.0/24 ]"],
  ["cloud: hetzner as the location", CLUSTER + hetzner("    hetzner: nbg1\n" + NETWORK), "cloud.hetzner", "{ location: nbg1 }"],
  [
    "cloud: rootVolumeGb with a unit",
    CLUSTER + hetzner("    aws: { region: eu-central-1, availabilityZones: [eu-central-1a], rootVolumeGb: 40GB }\n" + NETWORK).replace("provider: hetzner", "provider: aws").replace("cpx22", "t3.medium"),
    "cloud.aws.rootVolumeGb",
    "in GB: 40",
  ],
];

export const WRONG_STACK_FILES: BadInput[] = ROWS.map(([kind, yaml, key, fix]) => ({
  kind: `${kind} (stack file)`,
  config: (parse(`config:\n${yaml}`) as { config: Record<string, unknown> }).config,
  key: `k3s-stacks:${key}`,
  fix,
}));
