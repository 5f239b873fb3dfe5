import { ADDRESS_BITS, FAMILY_NAME, Family } from "./address";
import { cidrFamily, splitCidrs } from "./cidr";
import { DEFAULT_NODE_MASK, podAddressesPerNode } from "./cluster-network";

/** One node-cidr-mask-size entry of kube-controller-manager-arg: its key, the families it sets (both: the plain flag), its size. */
export interface NodeMaskFlag {
  key: string;
  families: Family[];
  size: number;
}

const flagName = (e: NodeMaskFlag): string => (e.families.length === 2 ? "node-cidr-mask-size" : `node-cidr-mask-size-${e.families[0]}`);

/**
 * Why kube-controller-manager would refuse the node-cidr-mask-size flags given for `clusterCidr`, as
 * "key: what is wrong. Fix: ..." lines (`where(key)` names an entry). Kubernetes
 * cmd/kube-controller-manager/app/core.go setNodeCIDRMaskSizes: 0 means unset (the default /24 or /64);
 * with dual-stack the plain flag is refused ("usage of --node-cidr-mask-size is not allowed with
 * dual-stack clusters"); single-stack, the plain flag and a family flag together are refused ("... is not
 * allowed if --node-cidr-mask-size is set"). A size past the family's bits is no mask, and one that
 * leaves a node no pod address gives it no pod (the allocator hands out ranges of that size).
 */
export function nodeMaskProblems(flags: NodeMaskFlag[], clusterCidr: string, where: (key: string) => string): string[] {
  const families = splitCidrs(clusterCidr).map(cidrFamily);
  const dual = families.length > 1;
  // kube-controller-manager keeps the last value of each flag: earlier entries of the same flag do not count.
  const last = new Map(flags.map((e) => [flagName(e), e]));
  const set = [...last.values()].filter((e) => e.size !== 0);
  const plain = set.filter((e) => e.families.length === 2);
  const own = set.filter((e) => e.families.length === 1);
  const problems: string[] = [];
  if (dual) {
    for (const e of plain) {
      problems.push(`${where(e.key)}: node-cidr-mask-size=${e.size} is not allowed on a dual-stack cluster (clusterCidr has an IPv4 and an IPv6 range): kube-controller-manager exits ("usage of --node-cidr-mask-size is not allowed with dual-stack clusters"). ` +
        `Fix: use node-cidr-mask-size-ipv4=${e.size <= ADDRESS_BITS.ipv4 ? e.size : DEFAULT_NODE_MASK.ipv4} for the IPv4 range and, if you need another than /${DEFAULT_NODE_MASK.ipv6}, node-cidr-mask-size-ipv6 for the IPv6 one.`);
    }
  } else if (plain.length && own.length) {
    for (const e of own) {
      problems.push(`${where(e.key)}: ${flagName(e)} is set together with node-cidr-mask-size (${where(plain[0].key)}): kube-controller-manager exits ("usage of --node-cidr-mask-size-ipv4 and --node-cidr-mask-size-ipv6 is not allowed if --node-cidr-mask-size is set"). Fix: keep one of them.`);
    }
  }
  for (const e of set) {
    // The plain flag sizes the single family of a single-stack cluster.
    for (const f of e.families.length === 2 ? (dual ? [] : families) : e.families) {
      if (e.size > ADDRESS_BITS[f]) {
        problems.push(`${where(e.key)}: ${flagName(e)}=${e.size} is no ${FAMILY_NAME[f]} prefix length (0-${ADDRESS_BITS[f]}). Fix: use a size such as ${DEFAULT_NODE_MASK[f]} (the default), or 0 for the default.`);
      } else if (podAddressesPerNode(f, e.size) < 1) {
        problems.push(`${where(e.key)}: ${flagName(e)}=${e.size} gives each node a /${e.size} ${FAMILY_NAME[f]} pod range with no address left for a pod. Fix: use a shorter size, such as ${DEFAULT_NODE_MASK[f]} (the default), or 0 for the default.`);
      }
    }
  }
  return problems;
}
