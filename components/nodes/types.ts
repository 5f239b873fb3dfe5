import * as pulumi from "@pulumi/pulumi";
import { SshConnection } from "../remote/types";

export type { SshConnection, SshEndpoint } from "../remote/types";

/** CPU architecture as k3s names its release assets (x64 → amd64, armhf → arm). */
export type Arch = "amd64" | "arm64" | "arm";

/**
 * Every spelling of an arch k3s-stacks takes (inventory `arch`, the airgap tool's --arch): k3s's asset
 * names, `uname -m`'s x86_64 and aarch64, and the Debian names x64/armhf, as install.sh maps them
 * (amd64|x86_64 → amd64, arm64|aarch64 → arm64, arm* → arm).
 */
export const ARCH_SPELLINGS = { x64: "amd64", amd64: "amd64", x86_64: "amd64", arm64: "arm64", aarch64: "arm64", armhf: "arm", arm: "arm" } as const satisfies Record<string, Arch>;

/** What a node does in the cluster. */
export type NodeRole = "server" | "agent";

/**
 * What the config checks read of a node: identity, placement and the addresses known before the
 * machine exists. A NodeSpec is one; so is a planned node (components/plan), whose cloud addresses
 * are still unknown (then `connection.host` is undefined and address checks skip it).
 */
export interface NodeFacts {
  name: string;
  role: NodeRole;
  arch: Arch;
  labels: Record<string, string>;
  taints: string[];
  connection: { host?: pulumi.Input<string> };
  internalAddress?: pulumi.Input<string>;
  externalAddress?: pulumi.Input<string>;
}

/**
 * One machine that will run k3s, whatever created it: an SSH inventory entry, a Hetzner VM or an
 * EC2 instance, with every default applied. Node sources produce these; the k3s layer consumes
 * nothing else. A library user writes the lighter {@link NodeArgs}; a NodeSpec is also a NodeArgs.
 */
export interface NodeSpec {
  /** Kubernetes node name; unique in the cluster, stable across runs (resource names derive from it). */
  name: string;
  role: NodeRole;
  arch: Arch;
  connection: SshConnection;
  /**
   * Address other nodes reach this one on (k3s `node-ip`); SSH host when omitted. A dual-stack node
   * has an IPv4 and an IPv6 address in one string, `10.0.10.7,2001:db8::7`, primary family first.
   */
  internalAddress?: pulumi.Input<string>;
  /** Public address, when it differs from the internal one (k3s `node-external-ip`): one, or a pair as above. */
  externalAddress?: pulumi.Input<string>;
  /** Interface flannel uses (k3s `flannel-iface`), e.g. the private network's NIC on a cloud VM. */
  flannelIface?: string;
  /** Kubernetes node labels. */
  labels: Record<string, string>;
  /** Kubernetes node taints, `key=value:Effect` or `key:Effect`. */
  taints: string[];
  /** May host preparation reboot this node (e.g. after enabling the memory cgroup)? */
  allowReboot: boolean;
  /** May host preparation edit the boot cmdline to enable the memory cgroup? */
  fixCgroups: boolean;
  /** May host preparation install the distribution's package for missing kernel modules? Default false. */
  installPackages?: boolean;
  /** An active firewalld/ufw: `open` adds exactly the k3s rules (default), `keep` fails naming them. */
  firewall?: "open" | "keep";
  /** Resources that must exist before anything runs on the node (e.g. the cloud VM). */
  dependsOn?: pulumi.Resource[];
}

/** The fields of a NodeSpec that have defaults (see {@link NodeArgs}). */
type Defaulted = "labels" | "taints" | "allowReboot" | "fixCgroups";

/**
 * One machine as a library user describes it to `K3sCluster` and `ClusterAddons` (checked by
 * components/nodes/spec.ts). Shape: `{ name, role, arch, connection: { host, port?, user?,
 * privateKey?, privateKeyPassword?, bastion?, sudoPassword? }, internalAddress?, externalAddress? (an IP, or an IPv4,IPv6 pair as a
 * comma string or a list), flannelIface?, labels?,
 * taints?, allowReboot?, fixCgroups?, installPackages?, firewall? }`. Defaults, the same as an
 * inventory host's: labels `{}`, taints `[]`, allowReboot, fixCgroups and installPackages false,
 * firewall `open`. Addresses and keys may be Inputs (a VM's address Output, a secret key).
 */
export type NodeArgs = Omit<NodeSpec, Defaulted | "internalAddress" | "externalAddress"> & Partial<Pick<NodeSpec, Defaulted>> & {
  /** As NodeSpec's, or a list of one or two addresses (`["10.0.10.7", "2001:db8::7"]`). */
  internalAddress?: pulumi.Input<string> | string[];
  externalAddress?: pulumi.Input<string> | string[];
};
