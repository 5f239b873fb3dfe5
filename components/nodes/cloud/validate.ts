import { ConfigError, ConfigRoot, keyPath, parseConfig } from "../../rules/errors";
import { HETZNER_LOCATIONS, HETZNER_NETWORK_MAX_SERVERS, HETZNER_SERVER_TYPES, RETIRED_HETZNER_TYPES, hetznerLocationProblem } from "../hetzner/server-types";
import { cidrContains, cidrFamily, cidrsOverlap, isWorld, splitCidrs } from "../../rules/cidr";
import { CloudClusterInfo, CloudConfig, cloudSchema } from "./config";
import { typeArch, vmsPerSubnet } from "./pools";
import { availabilityZoneProblems, zoneSubnetProblems } from "../aws/zones";
import { awsServerMemoryProblem } from "../aws/instance-types";
import { imageIdProblem, typeNameProblem } from "./type-names";
import { providerNetworkProblems } from "./network-rules";
import { nonPublicAdminProblem } from "./admin-cidrs";
import { CLOUD_DELIVERS_ONLY_ASSIGNED } from "../../rules/layer2";
import { nearest } from "../../rules/nearest";

/** Where the cloud settings and the cluster settings they are checked against are named: the stack's keys, or cloudNodeSpecs's arguments. */
export interface CloudRoots {
  cloud: ConfigRoot;
  cluster: ConfigRoot;
}

const STACK_ROOTS: CloudRoots = { cloud: "cloud", cluster: "cluster" };

type At = (...path: Array<string | number>) => string;

function exposureProblems(at: At, c: CloudConfig): string[] {
  const unreachable = nonPublicAdminProblem(at("adminCidrs"), c.adminCidrs);
  if (unreachable) return [unreachable];
  if (c.allowWorldApi) return [];
  if (c.adminCidrs.length === 0) {
    return [`${at("adminCidrs")}: is empty, which would open SSH (22) and the Kubernetes API (6443) to the whole internet. Fix: list the CIDRs of your workstation/CI runner (e.g. 203.0.113.7/32), or set allowWorldApi: true if you really want a world-open API.`];
  }
  return c.adminCidrs.flatMap((cidr, i) => isWorld(cidr)
    ? [`${at("adminCidrs", i)}: ${cidr} opens SSH and the Kubernetes API to the whole internet. Fix: narrow it to your own addresses, or set allowWorldApi: true to accept that.`]
    : []);
}

function networkProblems(at: At, c: CloudConfig, cluster: CloudClusterInfo, clusterRoot: ConfigRoot): string[] {
  const problems: string[] = [];
  const clusterRanges = [
    ...splitCidrs(cluster.clusterCidr).map((r) => ({ r, what: `${keyPath(clusterRoot, ["clusterCidr"])} (pods)` })),
    ...splitCidrs(cluster.serviceCidr).map((r) => ({ r, what: keyPath(clusterRoot, ["serviceCidr"]) })),
  ];
  const own = [{ cidr: c.network.cidr, path: at("network", "cidr") }, ...c.network.subnets.map((cidr, i) => ({ cidr, path: at("network", "subnets", i) }))];
  for (const { cidr, path } of own) {
    for (const { r, what } of clusterRanges) {
      if (cidrsOverlap(cidr, r)) {
        problems.push(`${path}: ${cidr} overlaps ${what} ${r}; nodes could not tell node and pod/service traffic apart. Fix: pick a private range outside it, e.g. 10.0.0.0/16 next to the k3s defaults 10.42.0.0/16 and 10.43.0.0/16.`);
      }
    }
  }
  c.network.subnets.forEach((s, i) => {
    if (!cidrContains(c.network.cidr, s)) {
      problems.push(`${at("network", "subnets", i)}: ${s} is not inside network.cidr ${c.network.cidr}. Fix: choose a subnet of ${c.network.cidr}.`);
    }
    c.network.subnets.slice(0, i).forEach((t, j) => {
      if (cidrsOverlap(s, t)) problems.push(`${at("network", "subnets", i)}: ${s} overlaps network.subnets[${j}] ${t}. Fix: give each subnet its own range.`);
    });
  });
  // Each VM's node-ip is its one private IPv4 address (Hetzner private networks and the VPC subnets here
  // are IPv4), and k3s refuses a node-ip whose families differ from cluster-cidr's (K3S:pkg/agent/run.go).
  const families = splitCidrs(cluster.clusterCidr).map(cidrFamily);
  if (families.length !== 1 || families[0] !== "ipv4") {
    problems.push(`${keyPath(clusterRoot, ["clusterCidr"])}: ${cluster.clusterCidr} is ${families.length > 1 ? "dual-stack" : "IPv6"}, but cloud VMs get one private IPv4 address each as their k3s node-ip, and k3s refuses a node-ip whose IP families differ from cluster-cidr's. Fix: use IPv4 ranges on cloud stacks, e.g. clusterCidr 10.42.0.0/16 and serviceCidr 10.43.0.0/16 (the defaults; remove both keys).`);
  }
  return problems;
}

function poolProblems(at: At, c: CloudConfig): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  c.pools.forEach((pool, i) => {
    if (seen.has(pool.name)) problems.push(`${at("pools", i, "name")}: '${pool.name}' is used by another pool; node names would clash. Fix: give every pool its own name.`);
    seen.add(pool.name);
    if (pool.location && c.provider !== "hetzner") {
      problems.push(`${at("pools", i, "location")}: per-pool locations exist on Hetzner only. Fix: remove it; AWS pools spread over aws.availabilityZones/subnetIds.`);
    }
    const imageWrong = pool.image && imageIdProblem(c.provider, pool.image.id);
    if (imageWrong) problems.push(`${at("pools", i, "image", "id")}: ${imageWrong}`);
    const typeWrong = typeNameProblem(c.provider, pool.type) ?? (c.provider === "aws" && pool.role === "server" ? awsServerMemoryProblem(pool.type) : undefined);
    if (typeWrong) {
      problems.push(`${at("pools", i, "type")}: ${typeWrong}`);
      return;
    }
    if (c.provider === "hetzner" && RETIRED_HETZNER_TYPES[pool.type]) {
      problems.push(`${at("pools", i, "type")}: Hetzner no longer sells ${pool.type}. Fix: use its successor ${RETIRED_HETZNER_TYPES[pool.type]}.`);
      return;
    }
    const derived = typeArch(c.provider, pool.type);
    if (!derived && !pool.arch && !pool.image) {
      // Hetzner's types are all known here, so an unknown one is most likely a misspelt one (cx-23, cpx-22).
      const meant = c.provider === "hetzner" ? nearest(pool.type, Object.keys(HETZNER_SERVER_TYPES)) : undefined;
      const check = meant ? `write ${meant} if that is the type meant` : "check the type name";
      problems.push(`${at("pools", i, "type")}: the architecture of ${c.provider} type '${pool.type}' is unknown here. Fix: ${check}, or set pools[${i}].arch to amd64 or arm64.`);
    }
    if (derived && pool.arch && derived !== pool.arch) {
      problems.push(`${at("pools", i, "arch")}: ${pool.arch} does not match type ${pool.type}, which is ${derived}. Fix: remove arch or pick a ${pool.arch} type.`);
    }
    const typeIs = derived ?? pool.arch;
    if (pool.image && typeIs && pool.image.arch !== typeIs) {
      problems.push(`${at("pools", i, "image")}: image ${pool.image.id} is ${pool.image.arch} but type ${pool.type} is ${typeIs}; the VM would not boot. Fix: use a ${typeIs} image or a ${pool.image.arch} type.`);
    }
  });
  if (!c.pools.some((p) => p.role === "server" && p.count > 0)) {
    problems.push(`${at("pools")}: no server pool with count >= 1; a cluster needs a server. Fix: add a pool with role: server and count: 1 (or 3 for embedded etcd).`);
  }
  return problems;
}

function hetznerProblems(at: At, c: CloudConfig): string[] {
  const h = c.hetzner;
  if (!h) return [`${at("hetzner")}: is required with provider: hetzner. Fix: add hetzner: { location: nbg1 }.`];
  const problems: string[] = [];
  if (c.aws) problems.push(`${at("aws")}: is set but provider is hetzner. Fix: remove it or switch provider.`);
  const zone = HETZNER_LOCATIONS[h.location];
  const wrongLocation = hetznerLocationProblem(h.location);
  if (wrongLocation) problems.push(`${at("hetzner", "location")}: ${wrongLocation}`);
  if (c.network.subnets.length !== 1) {
    problems.push(`${at("network", "subnets")}: Hetzner needs exactly one subnet for the nodes, got ${c.network.subnets.length}. Fix: set subnets: [10.0.1.0/24] (inside network.cidr).`);
  }
  // Every server joins the one private network (hetzner-nodes.ts), which holds at most 100.
  const servers = c.pools.reduce((n, p) => n + p.count, 0);
  if (servers > HETZNER_NETWORK_MAX_SERVERS) {
    const counts = c.pools.map((p) => `${p.name} ${p.count}`).join(", ");
    problems.push(`${at("pools")}: ${servers} servers in all (${counts}), but a Hetzner private network takes at most ${HETZNER_NETWORK_MAX_SERVERS} servers and every node joins the stack's one network, so the API would refuse the servers past the ${HETZNER_NETWORK_MAX_SERVERS}th once the others exist. Fix: lower the counts to ${HETZNER_NETWORK_MAX_SERVERS} or fewer in all, e.g. with larger server types for fewer nodes.`);
  }
  if (c.apiLoadBalancer && !c.allowWorldApi) {
    problems.push(`${at("apiLoadBalancer")}: Hetzner load balancers cannot be firewalled, so an API load balancer opens 6443 to the whole internet. Fix: set apiLoadBalancer: false (admins reach the servers' 6443 through the firewall), or set allowWorldApi: true to accept a world-open API.`);
  }
  c.pools.forEach((pool, i) => {
    const location = pool.location ?? h.location;
    const where = pool.location ? at("pools", i, "location") : at("pools", i, "type");
    if (pool.location) {
      const poolZone = HETZNER_LOCATIONS[pool.location];
      if (!poolZone) problems.push(`${where}: ${hetznerLocationProblem(pool.location)}`);
      else if (zone && poolZone !== zone) {
        problems.push(`${where}: ${pool.location} is in network zone ${poolZone}, but the private network is in ${zone} (hetzner.location ${h.location}). Fix: pick a location of ${zone}.`);
      }
    }
    const known = HETZNER_SERVER_TYPES[pool.type];
    if (known && HETZNER_LOCATIONS[location] && !known.locations.includes(location)) {
      problems.push(`${where}: type ${pool.type} is not offered in ${location} (offered in ${known.locations.join(", ")}). Fix: pick a location that has it, or a type sold in ${location}.`);
    }
  });
  return problems;
}

/**
 * Public key types EC2's ImportKeyPair takes: RSA and ED25519; ECDSA is refused as 'Key is not in
 * valid OpenSSH public key format' (EC2 User Guide, "Create a key pair using a third-party tool";
 * terraform-aws-modules/terraform-aws-key-pair#16, StreisandEffect/streisand#1171).
 */
const EC2_KEY_TYPES = ["ssh-rsa", "ssh-ed25519"];

function awsProblems(at: At, c: CloudConfig): string[] {
  const a = c.aws;
  if (!a) return [`${at("aws")}: is required with provider: aws. Fix: add aws: { region: eu-central-1, availabilityZones: [eu-central-1a] }.`];
  const problems: string[] = [];
  if (c.hetzner) problems.push(`${at("hetzner")}: is set but provider is aws. Fix: remove it or switch provider.`);
  const keyType = c.sshPublicKey?.split(" ")[0];
  if (keyType && !EC2_KEY_TYPES.includes(keyType)) {
    problems.push(`${at("sshPublicKey")}: is an ${keyType} key, but EC2 imports only RSA and ED25519 public keys; the key pair would be refused ('InvalidKey.Format') after the VPC and security groups exist. Fix: create an ED25519 key (ssh-keygen -t ed25519) and paste its .pub line here (and its private key as k3s-stacks:sshPrivateKey, or in your SSH agent), or remove sshPublicKey to have a key pair generated.`);
  }
  if (a.vpcId) {
    if (a.subnetIds.length === 0) problems.push(`${at("aws", "subnetIds")}: an existing VPC needs the subnets to place nodes in. Fix: list its public subnet IDs.`);
    if (c.network.subnets.length > 0) problems.push(`${at("network", "subnets")}: with an existing VPC no subnets are created. Fix: remove them (network.cidr must be the VPC's CIDR).`);
    if (a.availabilityZones.length > 0) problems.push(`${at("aws", "availabilityZones")}: with an existing VPC the subnets decide the zones. Fix: remove it.`);
  } else {
    if (a.subnetIds.length > 0) problems.push(`${at("aws", "subnetIds")}: needs aws.vpcId, the VPC they belong to. Fix: set vpcId or remove subnetIds to let us create a VPC.`);
    problems.push(...zoneSubnetProblems(at, a.region, a.availabilityZones, c.network.subnets, c.network.cidr));
    problems.push(...availabilityZoneProblems(at, a.region, a.availabilityZones));
  }
  return problems;
}

/** flannel host-gw routes pod ranges via the other nodes' addresses as next hops on one segment (rules/layer2.ts). */
function hostGwOnCloud(clusterRoot: ConfigRoot): string {
  return `${keyPath(clusterRoot, ["flannelBackend"])}: host-gw sends pod traffic straight to the other nodes on one layer-2 segment, but ${CLOUD_DELIVERS_ONLY_ASSIGNED}, so pod addresses would be dropped between nodes. Fix: use vxlan (k3s's default; or remove the key) or wireguard-native.`;
}

/**
 * k3s's server flag flannel-external-ip makes flannel use each node's node-external-ip (here its
 * public address) as the overlay endpoint (K3S:pkg/cli/cmds/server.go "Use node external IP
 * addresses for Flannel traffic"); the cloud firewalls open the overlay port only between private
 * addresses (firewall.ts: source "network"), so pod traffic between nodes would be dropped.
 */
function flannelExternalIpOnCloud(clusterRoot: ConfigRoot): string {
  return `${keyPath(clusterRoot, ["serverConfig", "flannel-external-ip"])}: sends flannel's traffic to the nodes' public addresses, but the cloud firewall opens the overlay port between the nodes' private addresses only (Hetzner firewalls filter the public interface; the AWS groups allow it from the VPC range), so pods on different nodes could not reach each other. Fix: remove it; cloud nodes share a private network and flannel uses it (for encryption set flannelBackend: wireguard-native).`;
}

/**
 * Parses and checks cloud settings against the cluster's pod/service ranges, reporting every problem
 * at once (ConfigError) before any resource exists. `roots` name them: `k3s-stacks:cloud` and
 * `k3s-stacks:cluster` by default.
 */
export function parseCloudConfig(raw: unknown, cluster: CloudClusterInfo, roots: CloudRoots = STACK_ROOTS): CloudConfig {
  const config = parseConfig(cloudSchema, raw, roots.cloud);
  const at: At = (...path) => keyPath(roots.cloud, path);
  const problems = [
    ...(cluster.flannelBackend === "host-gw" ? [hostGwOnCloud(roots.cluster)] : []),
    ...(cluster.flannelExternalIp ? [flannelExternalIpOnCloud(roots.cluster)] : []),
    ...exposureProblems(at, config),
    ...networkProblems(at, config, cluster, roots.cluster),
    ...providerNetworkProblems(at, config, vmsPerSubnet(config)),
    ...poolProblems(at, config),
    ...(config.provider === "hetzner" ? hetznerProblems(at, config) : awsProblems(at, config)),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
