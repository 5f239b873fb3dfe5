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

/**
 * The arch as messages name it: the README's and the airgap tool's spelling, which for 32-bit Arm is
 * armhf (k3s's asset suffix, k3s-armhf), not the internal `arm` a user never writes.
 */
export function archName(arch: Arch): string {
  return arch === "arm" ? "armhf" : arch;
}

/** A `role/arch` install identity (day-two/replace-chain.ts) as messages show it: the arch as archName names it. */
export function identityName(identity: string): string {
  const [role, arch] = identity.split("/");
  return arch === "arm" ? `${role}/${archName(arch)}` : identity;
}

/**
 * What is wrong with an arch spelt as `uname -m` or a distribution names a machine k3s-stacks does
 * not take under that name, with the spelling meant; undefined for any other unknown word. k3s
 * publishes amd64, arm64 and arm (armhf, built for ARMv7 and later) assets; install.sh maps every
 * arm* machine to arm. ARMv6 boards (Raspberry Pi 1, Zero/Zero W) die with "Illegal instruction"
 * (k3s-io/k3s#2699) and 32-bit x86 has no k3s build at all, so those are refused by name rather than
 * offered the nearest spelling (armv6l is a few letters from arm64, which would not boot either).
 */
export function archSpellingProblem(arch: string): string | undefined {
  const a = arch.trim().toLowerCase();
  if (/^armv7/.test(a)) return `'${arch}' is what uname -m prints on a 32-bit ARMv7 system; k3s runs its arm (armhf) build there. Fix: write armhf`;
  if (a === "armv8l" || a === "armv8") return `'${arch}' is what uname -m prints for a 32-bit OS on a 64-bit Arm CPU; k3s runs its arm (armhf) build there. Fix: write armhf, or install a 64-bit OS (Raspberry Pi OS 64-bit) and write arm64`;
  if (/^armv[4-6]/.test(a) || a === "armel") return `'${arch}' is an ARMv6 or older machine (Raspberry Pi 1, Zero/Zero W), and k3s's 32-bit Arm build needs ARMv7 or later: k3s dies there with 'Illegal instruction' (k3s-io/k3s#2699). Fix: remove the host, or use an ARMv7 or 64-bit board (Raspberry Pi 2 or later, Zero 2 W) with arch armhf or arm64`;
  if (/^(i[3-6]86|x86|386|ia32)$/.test(a)) return `'${arch}' is 32-bit x86, for which k3s publishes no build (its assets are amd64, arm64 and arm). Fix: install a 64-bit OS on the host and write amd64, or remove the host`;
  return undefined;
}

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
  connection: { host?: pulumi.Input<string>; bastion?: { host?: pulumi.Input<string> } };
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
  /**
   * The machine under the name, when a program creates it (a cloud VM's ID): a new machine under the same
   * name replaces the node's k3s chain (drain, etcd quorum guard, uninstall, delete the Node, install on the
   * new one), as a role change does (day-two/replace-chain.ts machineTrigger). Absent for machines the user lists.
   */
  machine?: pulumi.Input<string>;
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
