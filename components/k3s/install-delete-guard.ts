import { shq } from "../remote/shell";
import { KUBELET_KUBECONFIG } from "./node-config";

/**
 * Bash run by the install step's delete, before it uninstalls k3s from a node that is not the first
 * server: refuses while k3s runs there and its Node is Ready and not cordoned, i.e. nothing drained it.
 *
 * Every supported way to take k3s off such a node drains it first: removal, a role or architecture
 * change, a new cloud VM and `pulumi up --replace` of its leave step all replace or delete the
 * membership step, whose delete drains the node (kubectl drain cordons it first, and the cordon stays
 * even when the drain runs out of time: removal-scripts.ts drainSnippet), before the engine deletes the
 * install step, a dependency of it. `pulumi up --replace` of the install step alone does not: the
 * install step is replaced delete-before-replace, and the engine replaces with it only dependents whose
 * inputs depend on it or that name it in replaceWith; the membership step only dependsOn it and names
 * the leave step. So the engine ran the uninstall on a Ready node with its pods on it, then installed
 * again under the same name without waiting for Ready, and a server's etcd member stayed in the
 * cluster. Kubernetes' rule: drain a node before maintenance that takes its kubelet down ("Safely
 * Drain a Node", kubernetes.io/docs/tasks/administer-cluster/safely-drain-node).
 *
 * Read with the kubelet's credentials (agents have no others; the Node authorizer lets a kubelet read
 * its Node). When k3s is not running, or its Node cannot be read (a rebuilt or broken machine), there
 * is nothing to protect, and the uninstall goes ahead as before.
 */
export function renderInstallDeleteGuard(node: string, service: string, leaveStep: string): string {
  const n = shq(node);
  const read = (path: string) => `$(k3s kubectl --kubeconfig ${shq(KUBELET_KUBECONFIG)} get node ${n} -o jsonpath='{${path}}' 2>/dev/null || true)`;
  return `if systemctl is-active --quiet ${shq(service)}; then
  if [ "${read('.status.conditions[?(@.type=="Ready")].status')}" = True ] && [ "${read(".spec.unschedulable")}" != true ]; then
    # shellcheck disable=SC2016 # the command in the message is for the user to run, not expanded here
    echo ${shq(`k3s-stacks: ${node}: refusing to uninstall k3s: its Node is Ready and not cordoned, so nothing drained it. This is the install step's delete run alone, as 'pulumi up --replace' (or 'pulumi destroy --target') of the install step does; the drain is the membership step's delete, which that does not run. Nothing was changed. Fix: to reinstall k3s on ${node}, replace its leave step instead, which drains it, uninstalls k3s, deletes the Node (and an etcd member) and installs again: pulumi up --replace "$(pulumi stack --show-urns | grep -o 'urn:pulumi:[^ ]*::${leaveStep}')". To remove it, delete its inventory entry. To uninstall anyway, drain it first ('k3s kubectl drain ${node} --ignore-daemonsets --delete-emptydir-data', Kubernetes "Safely Drain a Node"), then run pulumi up again.`)} >&2
    exit 1
  fi
fi`;
}
