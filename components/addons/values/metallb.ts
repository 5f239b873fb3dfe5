import { NodeSpec } from "../../nodes/types";
import { MetallbConfig } from "../config";
import { Values } from "./types";

/** BGP implementation the speaker uses. */
export type MetallbBackend = "frr-k8s" | "native";

/**
 * L2 needs no FRR, so it runs native. For BGP, `auto` picks native when armhf nodes exist: MetalLB
 * publishes arm/v7 images but whether frr-k8s does is unverified (k3s-reference.md §12).
 */
export function metallbBackend(lb: MetallbConfig, nodes: NodeSpec[]): MetallbBackend {
  if (!lb.bgp) return "native";
  if (lb.bgp.backend !== "auto") return lb.bgp.backend;
  return nodes.some((n) => n.arch === "arm") ? "native" : "frr-k8s";
}

/** Values for chart metallb 0.16.1. */
export function metallbValues(backend: MetallbBackend): Values {
  return {
    crds: { enabled: true },
    frrk8s: { enabled: backend === "frr-k8s" },
    speaker: { frr: { enabled: false } },
  };
}

/** A MetalLB custom resource to create once the release (and its CRDs and webhook) is up. */
export interface MetallbResource {
  apiVersion: string;
  kind: string;
  name: string;
  spec: Values;
}

/** IPAddressPools plus an L2Advertisement, or BGPPeers plus a BGPAdvertisement. */
export function metallbResources(lb: MetallbConfig): MetallbResource[] {
  const poolNames = lb.pools.map((p) => p.name);
  const pools = lb.pools.map((p) => ({
    apiVersion: "metallb.io/v1beta1",
    kind: "IPAddressPool",
    name: p.name,
    // avoidBuggyIPs only when set, so pools written before it existed keep the spec they were created with.
    spec: { addresses: p.addresses, autoAssign: p.autoAssign, ...(p.avoidBuggyIPs === undefined ? {} : { avoidBuggyIPs: p.avoidBuggyIPs }) },
  }));
  if (!lb.bgp) {
    // interfaces only when set: an advertisement made before it existed keeps its spec.
    const spec = { ipAddressPools: poolNames, ...(lb.interfaces ? { interfaces: lb.interfaces } : {}) };
    return [...pools, { apiVersion: "metallb.io/v1beta1", kind: "L2Advertisement", name: "k3s-stacks", spec }];
  }
  const myASN = lb.bgp.myASN;
  const peers = lb.bgp.peers.map((peer, i) => ({
    apiVersion: "metallb.io/v1beta2",
    kind: "BGPPeer",
    name: `peer-${i}`,
    spec: { myASN, peerASN: peer.asn, peerAddress: peer.address, ...(peer.port ? { peerPort: peer.port } : {}) },
  }));
  return [...pools, ...peers, { apiVersion: "metallb.io/v1beta1", kind: "BGPAdvertisement", name: "k3s-stacks", spec: { ipAddressPools: poolNames } }];
}
