import * as pulumi from "@pulumi/pulumi";
import * as hcloud from "@pulumi/hcloud";
import { NodeSpec } from "../types";
import { renderCloudInit } from "../cloud/cloud-init";
import { adminSources, k3sFirewallRules, portRange } from "../cloud/firewall";
import { planNodes, PlannedNode } from "../cloud/pools";
import { cloudPrefix, CloudNodes, CloudNodesArgs, resourceLabels } from "../cloud/result";
import { nodeKeyPair, nodeLogin, waitForNode } from "../cloud/ssh";
import { HETZNER_LOCATIONS, HETZNER_PRIVATE_NIC } from "./server-types";
import { hetznerServerName } from "./server-name";
import { ProjectSshKey } from "./ssh-key";

/** Image names Hetzner resolves to the server type's architecture by itself. */
const HETZNER_IMAGE: Record<string, string> = {
  "ubuntu-24.04": "ubuntu-24.04",
  "ubuntu-22.04": "ubuntu-22.04",
  "debian-12": "debian-12",
  "debian-13": "debian-13",
};

/** CloudNodesArgs, plus the user's key already in the project (readReusableProjectKey): used instead of creating one. */
export interface HetznerNodesArgs extends CloudNodesArgs {
  projectSshKey?: ProjectSshKey;
}

const toId = (id: pulumi.Input<string>) => pulumi.output(id).apply((v) => Number(v));

/**
 * Hetzner Cloud VMs for k3s: SSH key, private network and subnet, firewalls, spread placement
 * groups, servers, and optionally an API load balancer. Nodes talk k3s over the private network.
 */
export class HetznerNodes extends pulumi.ComponentResource implements CloudNodes {
  public readonly nodes: NodeSpec[];
  public readonly apiEndpoint?: pulumi.Output<string>;
  public readonly privateKey?: pulumi.Output<string>;

  constructor(name: string, args: HetznerNodesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k3s:nodes:HetznerNodes", name, {}, opts);
    const { config, cluster } = args;
    const h = config.hetzner;
    if (config.provider !== "hetzner" || !h) throw new Error("HetznerNodes needs a validated hetzner config");
    const parent = { parent: this };
    const prefix = cloudPrefix(pulumi.getStack(), name);
    const labels = resourceLabels(prefix);
    const zone = HETZNER_LOCATIONS[h.location];

    const keys = nodeKeyPair(name, config.sshPublicKey, this);
    this.privateKey = keys.privateKey;
    // The user's key already in the project is used as it is: Hetzner keeps one key per fingerprint (ssh-key.ts).
    const sshKeyId = args.projectSshKey
      ? String(args.projectSshKey.id)
      : new hcloud.SshKey(`${name}-ssh`, { name: `${prefix}-ssh`, publicKey: keys.publicKey, labels }, parent).id;

    const network = new hcloud.Network(`${name}-net`, { name: prefix, ipRange: config.network.cidr, labels }, parent);
    const subnet = new hcloud.NetworkSubnet(`${name}-subnet`, {
      networkId: toId(network.id),
      type: "cloud",
      networkZone: zone,
      ipRange: config.network.subnets[0],
    }, parent);

    // Hetzner firewalls filter the public interfaces only; private-network traffic (kubelet,
    // flannel, etcd, registry) never crosses them, so only the admin rules belong here.
    const sources = adminSources(config.adminCidrs, config.allowWorldApi);
    const adminRules = k3sFirewallRules({ embeddedRegistry: cluster.embeddedRegistry, flannelBackend: cluster.flannelBackend }).filter((r) => r.source === "admin");
    const firewall = (suffix: string, target: "all" | "servers") => new hcloud.Firewall(`${name}-${suffix}`, {
      name: `${prefix}-${suffix}`,
      labels,
      rules: adminRules.filter((r) => r.target === target).map((r) => ({
        direction: "in", protocol: r.protocol, port: portRange(r), sourceIps: sources, description: r.description,
      })),
    }, parent);
    const nodesFirewall = firewall("nodes", "all");
    const serversFirewall = firewall("servers", "servers");

    const groups = new Map<string, hcloud.PlacementGroup>();
    const placementGroup = (n: PlannedNode) => {
      const key = `${n.pool.name}-${n.placementGroup}`;
      let group = groups.get(key);
      if (!group) {
        group = new hcloud.PlacementGroup(`${name}-${key}`, { name: `${prefix}-${key}`, type: "spread", labels: { ...labels, pool: n.pool.name } }, parent);
        groups.set(key, group);
      }
      return group;
    };

    const userData = renderCloudInit(config.packages);
    const login = nodeLogin(keys, args);
    this.nodes = planNodes(config).map((n) => {
      // A new key, cloud-init or OS applies to new servers only: replacing running nodes for it
      // would rebuild the cluster under the user's feet. A new location is a new server (ForceNew in
      // the hcloud provider), and so is a new type here: the provider's in-place type change powers the
      // server off without a drain, every changed server at once. Deleted before its replacement, after
      // the node's k3s chain (replace-chain.ts machineTrigger; checked per run by day-two/machines.ts).
      const server = new hcloud.Server(`${name}-${n.name}`, {
        name: hetznerServerName(prefix, n.name),
        serverType: n.pool.type,
        image: n.pool.image?.id ?? HETZNER_IMAGE[config.os],
        location: n.pool.location ?? h.location,
        sshKeys: [sshKeyId],
        firewallIds: [toId(nodesFirewall.id), ...(n.role === "server" ? [toId(serversFirewall.id)] : [])],
        placementGroupId: toId(placementGroup(n).id),
        networks: [{ networkId: toId(network.id), subnetId: subnet.id }],
        publicNets: [{ ipv4Enabled: true, ipv6Enabled: false }],
        userData,
        labels: { ...labels, pool: n.pool.name, role: n.role },
      }, { ...parent, dependsOn: [subnet], ignoreChanges: ["sshKeys", "userData", "image"], replaceOnChanges: ["serverType"], deleteBeforeReplace: true });
      const host = server.ipv4Address;
      const internal = server.networks.apply((nets) => {
        const ip = nets?.[0]?.ip;
        if (!ip) throw new Error(`Hetzner server ${hetznerServerName(prefix, n.name)} has no private network address`);
        return ip;
      });
      const connection = { host, user: n.pool.image?.user ?? "root", ...login };
      const ready = waitForNode(`${name}-${n.name}-wait-ssh`, n.name, connection, server.id, parent);
      return {
        name: n.name,
        role: n.role,
        arch: n.arch,
        connection,
        internalAddress: internal,
        externalAddress: host,
        flannelIface: h.privateInterface ?? HETZNER_PRIVATE_NIC,
        labels: n.labels,
        taints: n.taints,
        allowReboot: true,
        fixCgroups: false,
        dependsOn: [server, ready],
        machine: server.id,
      };
    });

    if (config.apiLoadBalancer) this.apiEndpoint = this.loadBalancer(name, prefix, h.loadBalancerType, h.location, network, subnet, labels);
    this.registerOutputs({ apiEndpoint: this.apiEndpoint, nodeNames: this.nodes.map((n) => n.name) });
  }

  /** TCP 6443 load balancer targeting the servers' private addresses by label. */
  private loadBalancer(name: string, prefix: string, type: string, location: string, network: hcloud.Network, subnet: hcloud.NetworkSubnet, labels: Record<string, string>): pulumi.Output<string> {
    const parent = { parent: this };
    const lb = new hcloud.LoadBalancer(`${name}-api`, { name: `${prefix}-api`, loadBalancerType: type, location, labels }, parent);
    const attach = new hcloud.LoadBalancerNetwork(`${name}-api-net`, { loadBalancerId: toId(lb.id), subnetId: subnet.id }, { ...parent, dependsOn: [network] });
    new hcloud.LoadBalancerService(`${name}-api-6443`, {
      loadBalancerId: lb.id,
      protocol: "tcp",
      listenPort: 6443,
      destinationPort: 6443,
      healthCheck: { protocol: "tcp", port: 6443, interval: 10, timeout: 5, retries: 3 },
    }, parent);
    const selector = `k3s-stacks-cluster=${prefix},role=server`;
    new hcloud.LoadBalancerTarget(`${name}-api-servers`, { loadBalancerId: toId(lb.id), type: "label_selector", labelSelector: selector, usePrivateIp: true }, { ...parent, dependsOn: [attach] });
    return lb.ipv4;
  }
}
