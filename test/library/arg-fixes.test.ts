// The checks beyond the schemas, through both faces: the same bad input through the stack's parsers
// keeps the stack's wording (keys `k3s-stacks:…`, fixes `pulumi config …`), and through the library's
// entry points names the argument with a fix for code. One rule, two roots, no rewriting of text.
jest.mock("os", () => {
  const actual = jest.requireActual<typeof import("os")>("os");
  return { ...actual, hostname: jest.fn(actual.hostname), arch: jest.fn(actual.arch) };
});
import * as os from "os";
import { resolveK3sClusterArgs } from "../../components/cluster/args";
import { resolveClusterAddonsArgs } from "../../components/addons/args";
import { parseAddonsConfig } from "../../components/addons/config";
import { checkAddons } from "../../components/addons/validate";
import { parseClusterConfig } from "../../components/k3s/settings";
import { validateTopology } from "../../components/k3s/topology";
import { inventoryNodes, parseInventoryConfig } from "../../components/nodes/inventory";
import { parseLocalConfig } from "../../components/nodes/local";
import { parseCloudConfig } from "../../components/nodes/cloud/validate";
import { inventoryNodeSpecs, localNodeSpecs, parseCloudArgs } from "../../components/nodes/sources";
import { problemsOf } from "../support/config";
import { STACK_WORDS } from "./support/words";
import { keyDir, sshKeygen } from "../support/ssh-keys";

const VERSION = "v1.33.4+k3s1";
const node = { name: "s1", role: "server" as const, arch: "arm64" as const, connection: { host: "s1.lan" } };
const addonArgs = { kubeconfig: "apiVersion: v1", nodes: [node], serverAddresses: ["10.0.0.1"] };
const addonCtx = { nodes: [], datastore: "sqlite" as const, clusterCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", disable: [] as string[] };
const host = { name: "pi-1", address: "192.168.1.11", role: "server", arch: "arm64" };
const cloud = {
  provider: "hetzner" as const, hetzner: { location: "fsn1" }, adminCidrs: ["203.0.113.7/32"],
  network: { cidr: "10.42.0.0/15", subnets: ["10.42.1.0/24"] }, pools: [{ name: "cp", role: "server" as const, count: 1, type: "cx23" }],
};
const managed = { "datastore-endpoint": "postgres://db/k3s", "etcd-snapshot-retention": 3, "write-kubeconfig-mode": "0644" };
const machine = { hostname: "Bad_Box", arch: "riscv64", user: "ana" };
const MISSING_KEY = "/nonexistent/k3s-stacks-test/id_ed25519";
const KEYS = keyDir();
afterAll(() => KEYS.remove());
const ENCRYPTED_KEY = sshKeygen(KEYS.dir, "ed25519", "library-pass-1").file;

interface Rule {
  rule: string;
  stack: () => unknown;
  stackWants: string[];
  library: () => unknown;
  libraryWants: string[];
}

const rules: Rule[] = [
  {
    rule: "the addons against the cluster's disable list",
    stack: () => checkAddons(parseAddonsConfig({}), { ...addonCtx, disable: ["servicelb", "local-storage"] }),
    stackWants: [
      "k3s-stacks:addons.loadBalancer.type: servicelb is chosen but k3s-stacks:cluster.disable turns it off, so LoadBalancer services would never get an address. Fix: remove servicelb from cluster.disable or use type metallb with pools.",
      "k3s-stacks:addons.storage: k3s-stacks:cluster.disable turns off local-storage but no other default StorageClass is configured, so claims without a class stay Pending. Fix: remove local-storage from cluster.disable or choose longhorn/rook-ceph with default: true.",
    ],
    library: () => resolveClusterAddonsArgs({ ...addonArgs, clusterDisable: ["servicelb", "local-storage"] }),
    libraryWants: [
      "ClusterAddons.args.config.loadBalancer.type: servicelb is chosen but ClusterAddons.args.clusterDisable turns it off, so LoadBalancer services would never get an address. Fix: remove servicelb from `clusterDisable` in ClusterAddons's args or use type metallb with pools.",
      "ClusterAddons.args.config.storage: ClusterAddons.args.clusterDisable turns off local-storage but no other default StorageClass is configured, so claims without a class stay Pending. Fix: remove local-storage from `clusterDisable` in ClusterAddons's args or choose longhorn/rook-ceph with default: true.",
    ],
  },
  {
    rule: "MetalLB pools against the cluster's CIDRs",
    stack: () => checkAddons(parseAddonsConfig({ loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["10.42.0.0/24"] }] } }), addonCtx),
    stackWants: ["k3s-stacks:addons.loadBalancer.pools[0].addresses[0]: '10.42.0.0/24' overlaps the cluster CIDR 10.42.0.0/16 (k3s-stacks:cluster.clusterCidr). Fix: pick addresses outside the pod and service networks, on the nodes' LAN."],
    library: () => resolveClusterAddonsArgs({ ...addonArgs, config: { loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["10.42.0.0/24"] }] } } }),
    libraryWants: ["ClusterAddons.args.config.loadBalancer.pools[0].addresses[0]: '10.42.0.0/24' overlaps the cluster CIDR 10.42.0.0/16 (ClusterAddons.args.clusterCidr). Fix: pick addresses outside the pod and service networks, on the nodes' LAN."],
  },
  {
    rule: "flags the cluster settings manage, refused in serverConfig",
    stack: () => parseClusterConfig({ k3sVersion: VERSION, serverConfig: managed }),
    stackWants: [
      "k3s-stacks:cluster.serverConfig.datastore-endpoint: is managed by k3s-stacks. Fix: remove it here; set datastore: postgres and the secret k3s-stacks:datastoreEndpoint.",
      "k3s-stacks:cluster.serverConfig.etcd-snapshot-retention: is managed by k3s-stacks. Fix: remove it here; set k3s-stacks:snapshots (schedule, retention, dir, compress).",
      "k3s-stacks:cluster.serverConfig.write-kubeconfig-mode: is managed by k3s-stacks. Fix: remove it here; the kubeconfig stays 0600 (root only); the stack output kubeconfig gives you a copy.",
    ],
    library: () => resolveK3sClusterArgs({ version: VERSION, nodes: [node], serverConfig: managed }),
    libraryWants: [
      "K3sCluster.args.serverConfig.datastore-endpoint: is managed by k3s-stacks. Fix: remove it here; set datastore: postgres and pass `datastoreEndpoint` in K3sCluster's args (keep it a secret).",
      "K3sCluster.args.serverConfig.etcd-snapshot-retention: is managed by k3s-stacks. Fix: remove it here; pass the etcd-snapshot-* keys in a contribution (`contributions` in K3sCluster's args).",
      "K3sCluster.args.serverConfig.write-kubeconfig-mode: is managed by k3s-stacks. Fix: remove it here; the kubeconfig stays 0600 (root only); the component's kubeconfig output gives you a copy.",
    ],
  },
  {
    rule: "a datastore endpoint without datastore postgres",
    stack: () => validateTopology(parseClusterConfig({ k3sVersion: VERSION }), [{ name: "s1", role: "server" }], { present: true, scheme: "postgres" }, "inventory.hosts"),
    stackWants: ["k3s-stacks:datastoreEndpoint: is set but datastore is sqlite. Fix: set k3s-stacks:cluster.datastore: postgres, or 'pulumi config rm k3s-stacks:datastoreEndpoint'."],
    library: () => resolveK3sClusterArgs({ version: VERSION, nodes: [node], datastoreEndpoint: "postgres://db/k3s" }),
    libraryWants: ["K3sCluster.args.datastoreEndpoint: is set but datastore is sqlite. Fix: set K3sCluster.args.datastore: postgres, or leave K3sCluster.args.datastoreEndpoint out."],
  },
  {
    rule: "an SSH key file that cannot be read",
    stack: () => inventoryNodes(parseInventoryConfig({ privateKeyPath: MISSING_KEY, hosts: [host] }), {}),
    stackWants: [`k3s-stacks:inventory.privateKeyPath: cannot read ${MISSING_KEY} (ENOENT). Fix: point it at your SSH private key, or set the secret k3s-stacks:sshPrivateKey, or leave both unset to use the SSH agent.`],
    library: () => inventoryNodeSpecs({ privateKeyPath: MISSING_KEY, hosts: [host] } as never),
    libraryWants: [`inventoryNodeSpecs.inventory.privateKeyPath: cannot read ${MISSING_KEY} (ENOENT). Fix: point it at your SSH private key, or pass the key itself as \`privateKey\` in inventoryNodeSpecs's \`secrets\` argument, or leave both unset to use the SSH agent.`],
  },
  {
    rule: "a passphrase-protected SSH key file without its passphrase",
    stack: () => inventoryNodes(parseInventoryConfig({ privateKeyPath: ENCRYPTED_KEY, hosts: [host] }), {}),
    stackWants: [`k3s-stacks:inventory.privateKeyPath: ${ENCRYPTED_KEY} is protected by a passphrase and k3s-stacks:sshPrivateKeyPassword is not set, so the command provider cannot use it ("ssh: this private key is passphrase protected") and every SSH step would fail. Fix: run 'pulumi config set --secret k3s-stacks:sshPrivateKeyPassword <passphrase>', or remove privateKeyPath from k3s-stacks:inventory, add the key to the SSH agent with 'ssh-add ${ENCRYPTED_KEY}' and run pulumi with SSH_AUTH_SOCK set.`],
    library: () => inventoryNodeSpecs({ privateKeyPath: ENCRYPTED_KEY, hosts: [host] } as never),
    libraryWants: [`inventoryNodeSpecs.inventory.privateKeyPath: ${ENCRYPTED_KEY} is protected by a passphrase and \`privateKeyPassword\` in inventoryNodeSpecs's \`secrets\` argument is not set, so the command provider cannot use it ("ssh: this private key is passphrase protected") and every SSH step would fail. Fix: pass the key's passphrase as \`privateKeyPassword\` in inventoryNodeSpecs's \`secrets\` argument (a secret), or leave out \`privateKeyPath\` in inventoryNodeSpecs's \`inventory\` argument, add the key to the SSH agent with 'ssh-add ${ENCRYPTED_KEY}' and run pulumi with SSH_AUTH_SOCK set.`],
  },
  {
    rule: "this machine's host name and arch for a local node",
    stack: () => parseLocalConfig({}, machine),
    stackWants: [
      "k3s-stacks:local.name: this machine's host name 'Bad_Box' is not a valid Kubernetes node name. Fix: set k3s-stacks:local.name to a lowercase DNS name (a-z, 0-9, '-', '.').",
      "k3s-stacks:local: this machine is riscv64; k3s publishes binaries for amd64, arm64 and armhf only. Fix: use one of those machines, or another stack.",
    ],
    library: () => {
      jest.mocked(os.hostname).mockReturnValueOnce(machine.hostname);
      jest.mocked(os.arch).mockReturnValueOnce(machine.arch as NodeJS.Architecture);
      return localNodeSpecs({});
    },
    libraryWants: [
      "localNodeSpecs.local.name: this machine's host name 'Bad_Box' is not a valid Kubernetes node name. Fix: set `name` in localNodeSpecs's `local` argument to a lowercase DNS name (a-z, 0-9, '-', '.').",
      "localNodeSpecs.local: this machine is riscv64; k3s publishes binaries for amd64, arm64 and armhf only. Fix: use one of those machines, or another node source (inventoryNodeSpecs, cloudNodeSpecs).",
    ],
  },
  {
    rule: "a cloud network against the cluster's CIDRs",
    stack: () => parseCloudConfig(cloud, { clusterCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16" }),
    stackWants: [
      "k3s-stacks:cloud.network.cidr: 10.42.0.0/15 overlaps k3s-stacks:cluster.clusterCidr (pods) 10.42.0.0/16; nodes could not tell node and pod/service traffic apart. Fix: pick a private range outside it, e.g. 10.0.0.0/16 next to the k3s defaults 10.42.0.0/16 and 10.43.0.0/16.",
      "k3s-stacks:cloud.network.cidr: 10.42.0.0/15 overlaps k3s-stacks:cluster.serviceCidr 10.43.0.0/16; nodes could not tell node and pod/service traffic apart. Fix: pick a private range outside it, e.g. 10.0.0.0/16 next to the k3s defaults 10.42.0.0/16 and 10.43.0.0/16.",
      "k3s-stacks:cloud.network.subnets[0]: 10.42.1.0/24 overlaps k3s-stacks:cluster.clusterCidr (pods) 10.42.0.0/16; nodes could not tell node and pod/service traffic apart. Fix: pick a private range outside it, e.g. 10.0.0.0/16 next to the k3s defaults 10.42.0.0/16 and 10.43.0.0/16.",
    ],
    library: () => parseCloudArgs({ cloud }),
    libraryWants: [
      "cloudNodeSpecs.args.cloud.network.cidr: 10.42.0.0/15 overlaps cloudNodeSpecs.args.cluster.clusterCidr (pods) 10.42.0.0/16; nodes could not tell node and pod/service traffic apart. Fix: pick a private range outside it, e.g. 10.0.0.0/16 next to the k3s defaults 10.42.0.0/16 and 10.43.0.0/16.",
      "cloudNodeSpecs.args.cloud.network.cidr: 10.42.0.0/15 overlaps cloudNodeSpecs.args.cluster.serviceCidr 10.43.0.0/16; nodes could not tell node and pod/service traffic apart. Fix: pick a private range outside it, e.g. 10.0.0.0/16 next to the k3s defaults 10.42.0.0/16 and 10.43.0.0/16.",
      "cloudNodeSpecs.args.cloud.network.subnets[0]: 10.42.1.0/24 overlaps cloudNodeSpecs.args.cluster.clusterCidr (pods) 10.42.0.0/16; nodes could not tell node and pod/service traffic apart. Fix: pick a private range outside it, e.g. 10.0.0.0/16 next to the k3s defaults 10.42.0.0/16 and 10.43.0.0/16.",
    ],
  },
];

describe.each(rules)("$rule", ({ stack, stackWants, library, libraryWants }) => {
  test("a stack keeps its keys and its pulumi config fixes", () => {
    expect(problemsOf(stack)).toEqual(stackWants);
  });

  test("a library program gets the argument path and a fix for code", () => {
    const problems = problemsOf(library);
    expect(problems).toEqual(libraryWants);
    for (const p of problems) expect(p).not.toMatch(STACK_WORDS);
  });
});
