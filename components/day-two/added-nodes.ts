import { ConfigError, PROJECT } from "../rules/errors";
import { compareK3sVersions, parseK3sVersion } from "./skew";

/**
 * Refuses nodes added in the update that moves k3s to a newer version through the
 * system-upgrade-controller. Its Plans upgrade the servers in the cluster after this update, while a
 * new node installs the new version at once: its kubelet would be newer than the API servers, which
 * the Kubernetes version skew policy forbids (k3s upgrades servers first). With ssh upgrades the new
 * nodes wait for the servers' roll instead (cluster/k3s-cluster.ts). Nodes are new when the last
 * update's `nodeIdentities` output lacks them; without that output (older stacks) nothing is checked.
 * `nodesKey`: where the stack lists its nodes (inventory.hosts, cloud.pools).
 */
export function checkAddedDuringUpgrade(
  previous: { k3sVersion?: string; nodeIdentities?: Record<string, string> },
  next: { k3sVersion: string; mode: string; nodes: string[]; nodesKey: string },
): void {
  if (next.mode === "ssh" || !previous.k3sVersion || !previous.nodeIdentities) return;
  const from = parseK3sVersion(previous.k3sVersion);
  const to = parseK3sVersion(next.k3sVersion);
  if (!from || !to || compareK3sVersions(from, to) >= 0) return;
  const added = next.nodes.filter((n) => previous.nodeIdentities![n] === undefined);
  if (added.length === 0) return;
  const names = added.map((n) => `'${n}'`).join(", ");
  throw new ConfigError([
    `${PROJECT}:${next.nodesKey}: adds ${names} while k3s moves from ${previous.k3sVersion} to ${next.k3sVersion} through the system-upgrade-controller, which upgrades the servers only after this update; ` +
      `the new node(s) would install ${next.k3sVersion} at once and run a kubelet newer than the API servers (Kubernetes version skew policy; k3s upgrades servers first). ` +
      `Fix: change one thing per update: keep k3sVersion at ${previous.k3sVersion} while adding ${names}, then change the version; or change the version first and add the node(s) once the upgrade Plans finished (kubectl -n system-upgrade get plans).`,
  ]);
}
