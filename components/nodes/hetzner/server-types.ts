import { Arch } from "../types";

/**
 * Hetzner Cloud locations and the network zone each belongs to (a private network spans one zone).
 * Source: docs.hetzner.com/cloud/networks/faq (network zone table), read 2026-08.
 */
export const HETZNER_LOCATIONS: Readonly<Record<string, string>> = {
  fsn1: "eu-central",
  nbg1: "eu-central",
  hel1: "eu-central",
  ash: "us-east",
  hil: "us-west",
  sin: "ap-southeast",
};

/**
 * What is wrong with `value` as a Hetzner Cloud location, or undefined: the API takes the location's
 * lowercase name (nbg1), not a datacenter's (nbg1-dc3, a location's building, taken by the separate
 * `datacenter` field) nor capitals as the console prints them.
 */
export function hetznerLocationProblem(value: string): string | undefined {
  if (HETZNER_LOCATIONS[value]) return undefined;
  const all = Object.keys(HETZNER_LOCATIONS).join(", ");
  const lower = value.toLowerCase();
  if (HETZNER_LOCATIONS[lower]) return `'${value}' is not a Hetzner Cloud location: location names are lowercase. Fix: write ${lower}.`;
  const datacenter = /^([a-z]+\d*)-dc\d+$/.exec(lower);
  if (datacenter && HETZNER_LOCATIONS[datacenter[1]]) return `'${value}' is a datacenter of location ${datacenter[1]}, not a location. Fix: write ${datacenter[1]}.`;
  return `'${value}' is not a Hetzner Cloud location. Fix: use one of ${all}.`;
}

const EU = ["fsn1", "nbg1", "hel1"];
const US_AP = ["ash", "hil", "sin"];
const ALL = [...EU, ...US_AP];

/** What a static table can know about a server type. */
export interface HetznerServerType {
  arch: Arch;
  /** Locations that offer the type (stock-outs are not modelled: the API reports those). */
  locations: string[];
}

/**
 * Types Hetzner no longer sells, with their successor (the current type of at least the memory), so a
 * stale example fails with the fix instead of the API's "server type cx21 not found" once the network
 * and firewalls exist (spigell/pulumi-hcloud-kube-hetzner#194). The Intel CX x1 line was retired in
 * 2024 (Hetzner Cloud changelog 2024-06-06, shared Intel vCPU types deprecated), the CX x2 line in
 * 2025/26 (changelog 2025-10-16; kube-hetzner PR #1991).
 */
export const RETIRED_HETZNER_TYPES: Readonly<Record<string, string>> = {
  cx11: "cx23",
  cx21: "cx23",
  cx31: "cx33",
  cx41: "cx43",
  cx51: "cx53",
  cx22: "cx23",
  cx32: "cx33",
  cx42: "cx43",
  cx52: "cx53",
};

function family(names: string[], arch: Arch, locations: string[]): Array<[string, HetznerServerType]> {
  return names.map((n) => [n, { arch, locations }]);
}

/**
 * Server types by name. Sources, read 2026-08: the plan table of hetzner.com/cloud (CX/CAX/CPX
 * x2 lines EU-only; CPX x1 line US; CCX everywhere), kube-hetzner PR #1991 (cx22→cx23 renames,
 * 2026-01) and hetzner-k3s #204 (CAX EU-only). Singapore is assumed to carry the CPX x1 and CCX
 * lines like the US sites; the table errs towards allowing a type where unsure.
 */
export const HETZNER_SERVER_TYPES: Readonly<Record<string, HetznerServerType>> = Object.fromEntries([
  ...family(["cx23", "cx33", "cx43", "cx53"], "amd64", EU),
  ...family(["cax11", "cax21", "cax31", "cax41"], "arm64", EU),
  ...family(["cpx12", "cpx22", "cpx32", "cpx42", "cpx52", "cpx62"], "amd64", EU),
  ...family(["cpx11", "cpx21", "cpx31", "cpx41", "cpx51"], "amd64", US_AP),
  ...family(["ccx13", "ccx23", "ccx33", "ccx43", "ccx53", "ccx63"], "amd64", ALL),
]);

/**
 * Servers one Hetzner private network takes: 100. The API refuses to attach more, so servers past the
 * 100th would fail after the network, firewalls and the first 100 exist (hetznercloud/hcloud-cloud-controller-manager#342,
 * kube-hetzner #1985, hetzner-k3s docs/Recommendations.md).
 */
export const HETZNER_NETWORK_MAX_SERVERS = 100;

/**
 * NIC name of the private network on current Hetzner images (x64 and Arm): the attached network is
 * the second virtio NIC, which systemd names enp7s0. Older Intel CX hosts used ens10; the setting
 * `hetzner.privateInterface` overrides it.
 */
export const HETZNER_PRIVATE_NIC = "enp7s0";
