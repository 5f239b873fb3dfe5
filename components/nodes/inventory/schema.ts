import { z } from "zod";
import { ARCH_SPELLINGS, archSpellingProblem } from "../types";
import { addressSchema, userSchema } from "../../rules/address";
import { nodeIpListSchema } from "../../rules/node-ips";
import { filled } from "../../rules/issues";
import { labelsSchema } from "../../rules/labels";
import { taintsSchema } from "../../rules/taints";
import { nodeNameSchema } from "../../rules/node-name";
import { required } from "../../rules/required";
import { interfaceName } from "../../rules/interface-name";

/** Arch spellings users write (one table with the airgap tool's); normalised to k3s asset names. */
export const ARCH_ALIASES = ARCH_SPELLINGS;

const labels = labelsSchema.default({});
const taints = taintsSchema.default([]);
const port = z.number().int().min(1).max(65535);
const firewall = z.enum(["open", "keep"], { message: "must be 'open' (add exactly the rules k3s needs to firewalld/ufw) or 'keep' (change nothing; fail naming the commands)" });

/** Where SSH connects: an IP address or a DNS name, the port and user in their own keys. */
const sshHost = (key: string) => addressSchema({ accepts: "host", portKey: `${key}port`, userKey: `${key}user`, dial: "SSH", example: "192.168.1.11 or pi-1.lan" });
/**
 * Addresses k3s puts in node-ip / node-external-ip, which the kubelet parses as IPs (no names): one,
 * or an IPv4,IPv6 pair (a string with a comma, or a YAML list) for a dual-stack node (rules/node-ips.ts).
 */
const nodeIp = (flag: string) => nodeIpListSchema({ accepts: "ip", why: `it becomes k3s ${flag}`, portNote: "k3s picks its ports itself", example: "192.168.1.11" });

/** A jump host, either another inventory host by name or an address. */
const bastion = z.union([
  filled("the name of another inventory host, or an address"),
  z.object({ address: sshHost("bastion."), port: port.optional(), user: userSchema("bastion.address").optional() }).strict(),
]);

export const hostSchema = z
  .object({
    name: required(nodeNameSchema, { description: "the node's name (its Kubernetes Node)", examples: ["pi-1"] }),
    /** Address SSH connects to: an IP address or a DNS name (port and user go in their own keys). */
    address: sshHost(""),
    role: z.enum(["server", "agent"]),
    arch: z.enum(Object.keys(ARCH_ALIASES) as [keyof typeof ARCH_ALIASES, ...(keyof typeof ARCH_ALIASES)[]], {
      error: (iss) => (iss.code === "invalid_value" && typeof iss.input === "string" ? archSpellingProblem(iss.input) : undefined),
    }),
    /** IP address k3s uses between nodes (node-ip), when it differs from `address`; `ipv4,ipv6` (primary family first) on a dual-stack node. */
    internalAddress: nodeIp("node-ip").optional(),
    /** Public IP address (node-external-ip); one per family at most, primary family first. */
    externalAddress: nodeIp("node-external-ip").optional(),
    flannelIface: interfaceName("the network interface flannel uses", "eth1").optional(),
    port: port.optional(),
    user: userSchema("address").optional(),
    bastion: bastion.optional(),
    labels,
    taints,
    fixCgroups: z.boolean().optional(),
    allowReboot: z.boolean().optional(),
    installPackages: z.boolean().optional(),
    firewall: firewall.optional(),
    /**
     * The machine is gone for good: the next `pulumi up` removes it from the cluster from the first
     * server (bounded forced drain, delete the Node and with it its etcd member) and never dials it.
     */
    gone: z.boolean().default(false),
  })
  .strict();

export const inventorySchema = z
  .object({
    /** Default SSH user; non-root users need sudo. */
    user: userSchema("each host's address").default("root"),
    port: port.default(22),
    /** Private key file; alternatively the secret k3s-stacks:sshPrivateKey, else the SSH agent. */
    privateKeyPath: filled("the private key file, such as ~/.ssh/id_ed25519, or remove the key to use the SSH agent").optional(),
    /** Let host preparation add the memory cgroup to the Pi boot cmdline. */
    fixCgroups: z.boolean().default(false),
    /** Let host preparation reboot nodes: after the cgroup fix, or after installing a package on an image-based system (MicroOS, SLE Micro: transactional-update; Fedora CoreOS/IoT, RHEL for Edge: rpm-ostree). Never a node where k3s runs (host preparation is not rolled): the run asks for that reboot instead. */
    allowReboot: z.boolean().default(false),
    /** Let host preparation install the distribution's package for missing kernel modules (apt-get, dnf, zypper; transactional-update or rpm-ostree on image-based systems, then a reboot). */
    installPackages: z.boolean().default(false),
    /** An active firewalld or ufw: `open` adds exactly the rules k3s needs; `keep` changes nothing and fails naming the commands. */
    firewall: firewall.default("open"),
    /**
     * Seconds each host (through its bastion) may take to answer SSH before `pulumi up` fails naming it,
     * checked before anything runs (components/remote/reachability.ts); 0 skips the check.
     */
    reachabilityTimeout: required(z.number().int().min(0).max(600), { description: "in seconds (0 turns the check off)", examples: [20] }).default(20),
    hosts: required(z.array(hostSchema).min(1, { message: "lists no hosts. Fix: add at least one host with role: server, such as - { name: pi-1, address: 192.168.1.11, role: server, arch: arm64 }" }), {
      description: "the machines, the first server first",
      examples: [[{ name: "pi-1", address: "192.168.1.11", role: "server", arch: "arm64" }]],
    }),
  })
  .strict();

export type InventoryConfig = z.output<typeof inventorySchema>;
export type HostConfig = z.output<typeof hostSchema>;
