import * as pulumi from "@pulumi/pulumi";
import { ScriptCommand, remoteScript } from "../remote/command";
import { healthGate } from "../day-two/rollout-scripts";
import { unitWatchFunctions } from "../k3s/unit-watch";
import { scriptFrame, shq } from "../remote/shell";
import { NodeSpec } from "../nodes/types";
import { etcdRestartGuardFunction } from "../k3s/etcd-quorum";

/**
 * Resources that exist only to put the layers' deletions in the right order. Pulumi deletes removed
 * resources after every create and update of a run, in reverse dependency order. A release that
 * replaced a packaged k3s component (MetalLB for servicelb, Longhorn/Rook for local-storage) must go
 * before the component comes back, but config.yaml (where `disable` lives) is updated early in the
 * same run. So each server also holds the `disable` in a config.yaml.d drop-in owned by a resource
 * the release depends on: the release is deleted first, then the drop-in, then k3s restarts.
 */

/** Drop-in directory k3s reads after config.yaml (reference §2); `disable+` appends to config.yaml's list. */
export const CONFIG_DROPIN_DIR = "/etc/rancher/k3s/config.yaml.d";

export function disableDropinPath(component: string): string {
  return `${CONFIG_DROPIN_DIR}/50-k3s-stacks-disable-${component}.yaml`;
}

/** How long a restarted server may take to be healthy again before the next one restarts. */
const READY_TIMEOUT_SECONDS = 300;

/** What runs next to an addon when k3s still runs the packaged component it replaces. */
const BOTH_RUNNING: Record<string, string> = {
  servicelb: "k3s's ServiceLB and MetalLB would both answer LoadBalancer Services",
  "local-storage": "k3s's local-path would stay a default StorageClass next to the new one",
};

/**
 * Holds `disable: [component]` on one server while the release that replaces the component exists.
 * create/update write the drop-in without a restart: config.yaml disables the same component (the
 * addons' contribution to K3sCluster, addonsK3sConfig), so nothing changes for k3s. When no other
 * config file disables it, that contribution is missing (a program that left addonsK3sConfig out of
 * K3sCluster's contributions) and k3s runs the component next to the addon: the step fails naming
 * the fix, writing nothing. delete removes the drop-in and, when no other config file still disables
 * the component, restarts k3s and holds at the rollout's health gate: the component comes back only now.
 */
export function renderDisableHoldScript(opts: { node: string; component: string; etcd: boolean }): string {
  const file = disableDropinPath(opts.component);
  const component = shq(opts.component);
  const both = BOTH_RUNNING[opts.component] ?? `k3s's ${opts.component} would run next to the addon that replaces it`;
  const write = `if ! disabled_elsewhere; then
  echo ${shq(`k3s-stacks: k3s's configuration on ${opts.node} (/etc/rancher/k3s/config.yaml) does not disable ${opts.component}, so ${both}. Fix: disable ${opts.component} in the cluster's configuration (a program using K3sCluster passes addonsK3sConfig(config) in its contributions; the stack does this itself), then run pulumi up again.`)} >&2
  exit 1
fi
install -d -m 0755 ${shq(CONFIG_DROPIN_DIR)}
printf '%s\\n' '# Managed by k3s-stacks: kept while the addon that replaces ${opts.component} is installed.' 'disable+:' '  - ${opts.component}' > ${shq(`${file}.tmp`)}
chmod 0600 ${shq(`${file}.tmp`)}
mv -f ${shq(`${file}.tmp`)} ${shq(file)}`;
  // Disabled by config.yaml or a drop-in other than this hold's own.
  const disabledElsewhere = `disabled_elsewhere() {
  local f
  for f in /etc/rancher/k3s/config.yaml ${shq(CONFIG_DROPIN_DIR)}/*.yaml; do
    if [ ! -f "$f" ] || [ "$f" = ${shq(file)} ]; then continue; fi
    awk -v c=${component} '
      /^[^[:space:]#-]/ { inlist = ($0 ~ /^disable\\+?:[[:space:]]*$/); if ($0 ~ /^disable\\+?:[[:space:]]*\\[/ && index($0, c)) found = 1; next }
      inlist && $0 ~ "^[[:space:]]*-[[:space:]]*\\"?" c "\\"?[[:space:]]*$" { found = 1 }
      END { exit found ? 0 : 1 }' "$f" && return 0
  done
  return 1
}`;
  // Checked before the drop-in goes: a refusal leaves it, so the next run restarts.
  const guard = opts.etcd ? `# A restart stops this etcd member: the others must hold quorum meanwhile (etcd-quorum.ts).
${etcdRestartGuardFunction(opts.node, `k3s on ${opts.node} was not restarted to bring ${opts.component} back`, "the restart runs then")}
if ! disabled_elsewhere && systemctl is-active --quiet k3s; then etcd_quorum_before_restart; fi
` : "";
  const remove = `[ -f ${shq(file)} ] || exit 0
${guard}rm -f ${shq(file)}
# Still disabled by config.yaml or another drop-in (destroy, or the component stays off): no restart.
if disabled_elsewhere || ! systemctl is-active --quiet k3s; then exit 0; fi
echo "k3s-stacks: ${opts.component} is no longer replaced by an addon; restarting k3s on ${opts.node}"
since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
${unitWatchFunctions(opts.node, "k3s")}
unit_queue restart || { echo "k3s-stacks: 'systemctl restart k3s' failed on ${opts.node}. Fix: check 'journalctl -u k3s' on it, then run pulumi up again." >&2; exit 1; }
# The rollout's own health gate: unit active, /readyz, a Ready heartbeat from after the restart, etcd voter.
${healthGate({ node: opts.node, role: "server", files: [], configHash: "", etcd: opts.etcd, timeoutSeconds: READY_TIMEOUT_SECONDS }, undefined)}`;
  return scriptFrame(`keep ${opts.component} disabled on ${opts.node} while its replacement is installed`, { "create|update": `${disabledElsewhere}
${write}`, delete: `${disabledElsewhere}
${remove}` });
}

/**
 * One hold per server, chained so that their deletions (reverse order) restart one server at a
 * time. Returns the holds; the release depends on all of them.
 */
export function disableHolds(name: string, component: string, nodes: NodeSpec[], opts: { parent: pulumi.Resource; after: pulumi.Resource[]; etcd: boolean }): ScriptCommand[] {
  const holds: ScriptCommand[] = [];
  for (const server of nodes.filter((n) => n.role === "server")) {
    const after = holds.length ? [holds[holds.length - 1]] : [];
    holds.push(
      remoteScript(
        `${name}-hold-${component}-${server.name}`,
        { connection: server.connection, script: renderDisableHoldScript({ node: server.name, component, etcd: opts.etcd }), values: [server.name], phases: ["create", "update", "delete"] },
        { parent: opts.parent, dependsOn: [...opts.after, ...after] },
      ),
    );
  }
  return holds;
}

/** How long Rook may take to remove the CephCluster (and wipe its hosts) before destroy gives up. */
const CEPH_DELETE_TIMEOUT_SECONDS = 900;

/**
 * Runs on the first server when the Rook layer is deleted, between the cluster release (deleted
 * first) and the operator release: waits until the operator has finished the CephCluster, so its
 * finalizer is handled before the operator and its CRDs go. With `confirmCleanup`, the delete first
 * sets `cleanupPolicy.confirmation` (Rook wipes dataDirHostPath and the OSD disks, so the devices can
 * be used again); Rook stops managing a cluster as soon as that is set, so it is set only here, by
 * a step that depends on the cluster release and so is deleted just before it.
 */
export function renderRookTeardownScript(opts: { namespace: string; step: "confirm-cleanup" | "wait-gone"; storageClasses: string[] }): string {
  const ns = shq(opts.namespace);
  const kubectl = `k3s kubectl -n ${ns}`;
  const body =
    opts.step === "confirm-cleanup"
      ? `if ! k3s kubectl get crd cephclusters.ceph.rook.io >/dev/null 2>&1; then exit 0; fi
for c in $(${kubectl} get cephcluster -o name); do
  ${kubectl} patch "$c" --type merge -p '{"spec":{"cleanupPolicy":{"confirmation":"yes-really-destroy-data"}}}'
done`
      : `if ! k3s kubectl get crd cephclusters.ceph.rook.io >/dev/null 2>&1; then exit 0; fi
deadline=$((SECONDS + ${CEPH_DELETE_TIMEOUT_SECONDS}))
while [ -n "$(${kubectl} get cephcluster -o name 2>/dev/null)" ]; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "k3s-stacks: the CephCluster in ${opts.namespace} is still being deleted after ${CEPH_DELETE_TIMEOUT_SECONDS}s:" >&2
    ${kubectl} get cephcluster -o jsonpath='{range .items[*]}{.metadata.name}: {.status.phase} {.status.message}{"\\n"}{end}' >&2 || true
    echo "Volumes still using Ceph (Rook keeps the cluster while they exist):" >&2
    k3s kubectl get pvc -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name} {.spec.storageClassName}{"\\n"}{end}' | grep -E ' (${opts.storageClasses.join("|")})$' >&2 || true
    echo "Fix: delete those PersistentVolumeClaims (their data is lost), then run pulumi up or pulumi destroy again." >&2
    exit 1
  fi
  sleep 5
done`;
  return scriptFrame(`${opts.step} of the Rook CephCluster in ${opts.namespace}`, { delete: body });
}

/** A delete-only step of the Rook teardown on the first server. */
export function rookTeardownStep(
  name: string,
  server: NodeSpec,
  script: string,
  opts: pulumi.CustomResourceOptions,
): ScriptCommand {
  return remoteScript(name, { connection: server.connection, script, phases: ["delete"] }, opts);
}
