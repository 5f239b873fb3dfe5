// A Pulumi program of its own that uses k3s-stacks as a library: it creates its machines (Hetzner
// Cloud servers on a private network) and hands their addresses, still unknown Outputs, to
// K3sCluster; ClusterAddons then adds monitoring. Only the components' entry is imported.
import * as pulumi from "@pulumi/pulumi";
import * as hcloud from "@pulumi/hcloud";
import * as tls from "@pulumi/tls";
import { ClusterAddons, K3sCluster, NodeArgs, addonsK3sConfig } from "../../components";

const config = new pulumi.Config();
const serverCount = config.getNumber("servers") ?? 3;
const agentCount = config.getNumber("agents") ?? 2;
const serverType = config.get("serverType") ?? "cx23";
const location = config.get("location") ?? "nbg1";

// The machines: yours, made the way you like. The key pair is generated; its private half stays secret.
const key = new tls.PrivateKey("ssh", { algorithm: "ED25519" });
const sshKey = new hcloud.SshKey("ssh", { publicKey: key.publicKeyOpenssh });
const network = new hcloud.Network("net", { ipRange: "10.0.0.0/16" });
const subnet = new hcloud.NetworkSubnet("net", { networkId: network.id.apply(Number), type: "cloud", networkZone: "eu-central", ipRange: "10.0.1.0/24" });

const machine = (name: string, role: NodeArgs["role"], privateIp: string): NodeArgs => {
  const server = new hcloud.Server(name, {
    serverType,
    location,
    image: "ubuntu-24.04",
    sshKeys: [sshKey.id],
    networks: [{ networkId: network.id.apply(Number), ip: privateIp }],
  }, { dependsOn: [subnet] });
  return {
    name,
    role,
    arch: "amd64",
    // An Output: K3sCluster's steps wait for the server without an explicit dependsOn.
    connection: { host: server.ipv4Address, user: "root", privateKey: key.privateKeyOpenssh },
    internalAddress: privateIp,
    externalAddress: server.ipv4Address,
    // Hetzner's private network NIC on its current server types.
    flannelIface: "enp7s0",
    labels: { "example.com/pool": role },
  };
};
const nodes: NodeArgs[] = [
  ...Array.from({ length: serverCount }, (_, i) => machine(`cp-${i + 1}`, "server", `10.0.1.${10 + i}`)),
  ...Array.from({ length: agentCount }, (_, i) => machine(`worker-${i + 1}`, "agent", `10.0.1.${100 + i}`)),
];

const datastore = "etcd";
const addons = { monitoring: { enabled: true, retention: "7d" } };
const k3s = new K3sCluster("k3s", {
  nodes,
  version: "v1.33.4+k3s1",
  datastore,
  // The k3s keys monitoring needs (metrics endpoints beyond 127.0.0.1, etcd metrics).
  contributions: [addonsK3sConfig(addons, datastore)],
  rollout: { agentBatchSize: 1 },
});

const layers = new ClusterAddons("addons", {
  kubeconfig: k3s.kubeconfig,
  nodes,
  serverAddresses: k3s.serverAddresses,
  datastore,
  config: addons,
}, { dependsOn: k3s.ready });

export const kubeconfig = k3s.kubeconfig;
export const apiEndpoint = k3s.apiEndpoint;
export const nodeNames = k3s.nodeNames;
export const grafanaAdminPassword = layers.grafanaAdminPassword;
