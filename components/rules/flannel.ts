import { z } from "zod";

/** The flannel backends a cluster built by k3s-stacks can run on (see K3sCluster's `flannelBackend`). */
export const FLANNEL_BACKENDS = ["vxlan", "host-gw", "wireguard-native"] as const;

function flannelBackendMessage(value: unknown): string {
  const supported = "use vxlan (k3s's default; or remove the key), host-gw (all nodes on one LAN segment) or wireguard-native (encrypted).";
  if (value === "none") return `is 'none', which starts k3s without a CNI; k3s-stacks installs none, so every node would stay NotReady and the first server's membership check would fail after its timeout. Fix: ${supported}`;
  // Other capitals or '_' for '-' (VXLAN, wireguard_native): the backend meant.
  const near = typeof value === "string" ? FLANNEL_BACKENDS.find((b) => b === value.trim().toLowerCase().replace(/_/g, "-")) : undefined;
  if (near) return `${JSON.stringify(value)} is not a flannel backend k3s knows: backend names are lowercase with '-'. Fix: write ${near}.`;
  return `${JSON.stringify(value)} is not a flannel backend k3s-stacks supports. Fix: ${supported}`;
}

/** k3s flannel-backend, one rule for the cluster settings and for the node sources whose firewalls depend on it. */
export const flannelBackendSchema = z.enum(FLANNEL_BACKENDS, { error: (iss) => (iss.code === "invalid_value" ? flannelBackendMessage(iss.input) : undefined) });
