import { replacedBinaryFunction } from "../k3s/replaced-binary";
import { NodeRole } from "../nodes/types";
import { InstallSpec, installFunctions, serviceName } from "../k3s/scripts";
import { waitReady } from "../k3s/wait-ready";
import { scriptFrame, shq } from "../remote/shell";
import { STARTED_CONFIG_CURRENT, STARTED_CONFIG_FILE, configHashFunction } from "../k3s/started-config";
import { versionGuardFunction } from "./node-scripts";
import { sqliteToEtcdFunctions } from "./sqlite-to-etcd";
import { renewCertificatesSnippet } from "./certificates";
import { etcdRestartGuardFunction } from "../k3s/etcd-quorum";
import { unitWatchFunctions } from "../k3s/unit-watch";
import { KUBELET_KUBECONFIG } from "../k3s/node-config";

/**
 * Per-node rollout scripts: cordon → restart (with its health gate) → uncordon. The engine runs the
 * steps node after node (servers one at a time, then agents in batches), so a node's restart starts
 * only after the previous node passed its gate. All run on `update` only: a first bring-up restarts
 * nothing and stays parallel.
 */

/** Where the cordon step notes that it cordoned a node, so uncordon never lifts a cordon a user set. */
const CORDONED_DIR = "/var/lib/rancher/k3s-stacks/rollout/cordoned";

/** What a node's restart step acts on. */
export interface RestartSpec {
  node: string;
  role: NodeRole;
  /** Moves the node to `install.version` first (ssh upgrades); undefined when versions are not ours to move. */
  install?: InstallSpec;
  /** Managed files whose on-disk content decides whether k3s must restart. */
  files: string[];
  /** Hash of the managed files as rendered (the step's trigger; shown in previews). */
  configHash: string;
  /** A server of an embedded-etcd cluster: the gate also waits for its etcd member. */
  etcd: boolean;
  /**
   * The server with `cluster-init` (the first server of an embedded-etcd cluster): while its state.db
   * is there, the cluster moves from sqlite to etcd, which this step guards (sqlite-to-etcd.ts).
   */
  sqliteToEtcd?: boolean;
  /** A certificate renewal this roll runs (certificates.ts certificateRenewal): the day the renewed certificates expire. */
  certificateRenewal?: string;
  /** How long the gate waits for the node to be healthy again. */
  timeoutSeconds: number;
  /** An etcd server's first node-ip in config.yaml, when written there: its member's peer address must match before a restart. */
  nodeIp?: string;
}

/** Short form of a configuration hash for messages and previews. */
export function shortHash(hash: string): string {
  return hash.slice(0, 12);
}

/**
 * Bash that waits until `node` is healthy after a restart, failing with what it waited for, and at
 * once when its unit is failed or crash-looping or k3s keeps refusing its join (needs unitWatchFunctions).
 *  - the unit is active (k3s units are Type=notify: systemd marks them active once k3s reports ready);
 *  - servers: `k3s kubectl get --raw=/readyz` on the server itself answers `ok`. The admin kubeconfig
 *    points at this server's own API server, whose readyz includes its etcd check: a linearizable read
 *    through its etcd member, which succeeds only while the etcd cluster has quorum
 *    (k8s.io/apiserver storagebackend/factory/etcd3.go; etcd API guarantees, linearizable reads);
 *  - embedded etcd: the node condition `EtcdIsVoter` that k3s maintains (pkg/etcd/etcd.go) is not
 *    False, i.e. the member is a voting member again, not a learner or missing;
 *  - the Node is Ready, with a heartbeat from after the restart (`since`, same clock: the kubelet on
 *    this node writes it) so a status from before the restart does not count, and on `version` when
 *    moving versions. Read with the kubelet's own credentials, which agents have too.
 */
export function healthGate(spec: RestartSpec, version: string | undefined): string {
  const service = serviceName(spec.role);
  const n = shq(spec.node);
  const kubelet = `k3s kubectl --kubeconfig ${shq(KUBELET_KUBECONFIG)}`;
  const cond = (type: string, field: string) => `${kubelet} get node ${n} -o jsonpath='{.status.conditions[?(@.type=="${type}")].${field}}' 2>/dev/null || true`;
  const checks = [
    // Not active and crash-looping, failed or refused its join again and again: no point waiting out the timeout (unit-watch.ts).
    `if ! systemctl is-active --quiet ${service}; then waiting="${service} to be active"; if join_refused; then echo ${shq(`k3s-stacks: the rolling restart stopped at ${spec.node}; nodes after it were not restarted, and it resumes at ${spec.node} when pulumi up runs again.`)} >&2; exit 1; fi; if unit_broken; then echo ${shq(`k3s-stacks: the rolling restart stopped at ${spec.node}: ${service} does not start. Nodes after it were not restarted. Fix: find the cause in the log lines above, then run pulumi up again; it resumes at ${spec.node}.`)} >&2; exit 1; fi`,
    ...(spec.role === "server"
      ? [`elif [ "$(k3s kubectl get --raw=/readyz 2>/dev/null || true)" != ok ]; then waiting="the API server on ${spec.node} to answer /readyz (it checks its etcd member and quorum)"`]
      : []),
    `elif [ "$(${cond("Ready", "status")})" != True ]; then waiting="node ${spec.node} to be Ready"`,
    `elif [ -n "$since" ] && [[ "$(${cond("Ready", "lastHeartbeatTime")})" < "$since" ]]; then waiting="a Ready heartbeat of ${spec.node} from after its restart at $since"`,
    // After Ready, so the API answered for this node: an empty answer means k3s sets no such condition.
    ...(spec.etcd ? [`elif [ "$(${cond("EtcdIsVoter", "status")})" = False ]; then waiting="the etcd member of ${spec.node} to be a voting member (node condition EtcdIsVoter)"`] : []),
    ...(version
      ? [`elif [ "$(${kubelet} get node ${n} -o jsonpath='{.status.nodeInfo.kubeletVersion}' 2>/dev/null || true)" != ${shq(version)} ]; then waiting="node ${spec.node} to run ${version}"`]
      : []),
    `else waiting=""; fi`,
  ];
  return `waiting="the first check"
unit_watch_begin
for _ in $(seq 1 ${Math.ceil(spec.timeoutSeconds / 2)}); do
  ${checks.join("\n  ")}
  [ -z "$waiting" ] && break
  sleep 2
done
if [ -n "$waiting" ]; then
  echo "k3s-stacks: the rolling restart stopped at ${spec.node}: waited ${spec.timeoutSeconds}s for $waiting. Nodes after it were not restarted. Fix: check 'journalctl -u ${service}' on ${spec.node}, then run pulumi up again; it resumes at ${spec.node}." >&2
  exit 1
fi
echo "k3s-stacks: ${spec.node} is healthy"`;
}

/**
 * The node's restart step, run on the node. With `install`, a node not yet on that version is
 * upgraded (install.sh restarts k3s). Otherwise k3s restarts when the managed files on disk differ
 * from those it last started with, or starts when it is not running. Then the health gate. A node
 * already restarted (a resumed roll) is only checked. The configuration hash in the header is what
 * makes the engine update this step, and what a preview's diff shows.
 */
export function renderRestartScript(spec: RestartSpec): string {
  const service = serviceName(spec.role);
  const version = spec.install?.version;
  // An etcd server restarting a running k3s first checks the other members keep quorum (etcd-quorum.ts).
  const guard = spec.etcd ? "etcd_quorum_before_restart\n    " : "";
  const guardRunning = spec.etcd ? `if systemctl is-active --quiet ${service}; then etcd_quorum_before_restart; fi\n` : "";
  const upgrade = spec.install
    ? `${installFunctions(spec.install)}
${versionGuardFunction(spec.install.version, spec.etcd)}
current=$(installed_version)
if [ "$current" != ${shq(spec.install.version)} ]; then
  refuse_version_skew "$current"
${spec.sqliteToEtcd ? `  if [ -n "$current" ] && sqlite_to_etcd_pending; then refuse_upgrade_while_converting "$current" ${shq(spec.install.version)}; fi\n` : ""}  echo "k3s-stacks: upgrading ${spec.node} from \${current:-nothing} to ${spec.install.version}"
${guardRunning.replace(/^/, "  ")}  since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  # In a subshell so that the ERR trap (not inherited there) reports the failure once, with errexit intact.
  trap ${shq(`echo "k3s-stacks: the rolling restart stopped at ${spec.node}: its upgrade from \${current:-nothing} to ${spec.install.version} failed (see above); its cordon stays until it runs ${spec.install.version}. Nodes after it were not upgraded. Fix: find the cause in that output and in 'journalctl -u ${service}' on ${spec.node}, then run pulumi up again; it resumes at ${spec.node}." >&2`)} ERR
  ( run_install )
  trap - ERR
fi
`
    : "";
  // Checked before anything changes, the upgrade's refusal included.
  const convert = spec.sqliteToEtcd ? `${sqliteToEtcdFunctions(spec.node)}
if sqlite_to_etcd_pending; then refuse_stale_etcd_dir; fi
` : "";
  // Before an upgrade: the rotated certificates are issued by the release that runs now, as on any restart.
  // Not while sqlite moves to etcd: that start must go through its guard (it renews what is due itself).
  const rotate = spec.certificateRenewal ? renewCertificatesSnippet(spec.node, service, spec.certificateRenewal) : "";
  const renew = rotate && convert ? `if ! sqlite_to_etcd_pending; then
${rotate}fi
` : rotate;
  const fail = `{ echo "k3s-stacks: the rolling restart stopped at ${spec.node}: 'systemctl RESTART ${service}' failed. Fix: check 'journalctl -u ${service}' on ${spec.node}, then run pulumi up again; it resumes at ${spec.node}." >&2; exit 1; }`;
  const renewal = spec.certificateRenewal ? `, certificates renewed before ${spec.certificateRenewal}` : "";
  return scriptFrame(`restart ${spec.node}${version ? ` on k3s ${version}` : ""}, configuration ${shortHash(spec.configHash)}${renewal}`, {
    update: `since=""
${configHashFunction(spec.files)}
${STARTED_CONFIG_CURRENT}
${spec.install ? "" : `${replacedBinaryFunction(service)}\n${unitWatchFunctions(spec.node, service)}\n`}${spec.etcd ? `${etcdRestartGuardFunction(spec.node, undefined, undefined, spec.nodeIp)}\n` : ""}${convert}${renew}${upgrade}if [ -z "$since" ]; then
  ${convert ? `if sqlite_to_etcd_pending; then
    since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    convert_sqlite_to_etcd
  elif` : "if"} ! systemctl is-active --quiet ${service}; then
    echo "k3s-stacks: ${service} is not running on ${spec.node}; starting it"
    since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    unit_queue start || ${fail.replace("RESTART", "start")}
  elif ! started_config_current; then
    ${guard}echo "k3s-stacks: restarting ${service} on ${spec.node}: its configuration changed (${shortHash(spec.configHash)})"
    since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    unit_queue restart || ${fail.replace("RESTART", "restart")}
  elif k3s_binary_replaced; then
    ${guard}echo "k3s-stacks: restarting ${service} on ${spec.node}: it still runs a k3s binary that was replaced on disk"
    since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    unit_queue restart || ${fail.replace("RESTART", "restart")}
  else
    echo "k3s-stacks: ${spec.node} already runs with this configuration"
  fi
fi
install -d -m 0700 ${shq(STARTED_CONFIG_FILE.replace(/\/[^/]*$/, ""))}
config_hash > ${shq(STARTED_CONFIG_FILE)}
${healthGate(spec, version)}`,
  });
}

/**
 * Runs on the first server before `node` moves to `version`: cordon, and drain when asked; notes
 * that it did, for the uncordon step. Skips nodes already on `version` (a resumed rollout). Config-only
 * restarts do not cordon: restarting k3s leaves the node's containers running (k3s-killall.sh exists
 * to stop them), so there is nothing to evict.
 */
export function renderCordonScript(opts: { node: string; version: string; drain: boolean; drainTimeout: string }): string {
  const n = shq(opts.node);
  const drain = opts.drain
    ? `\n  k3s kubectl drain ${n} --ignore-daemonsets --delete-emptydir-data --force --timeout=${opts.drainTimeout} || { echo "k3s-stacks: draining ${opts.node} failed; it stays cordoned. Fix: see which pods block it (PodDisruptionBudgets; Longhorn's instance-manager waits while it moves or rebuilds a volume's last healthy replica), raise k3s-stacks:upgrade.drainTimeout (now ${opts.drainTimeout}) if it only needs longer, then run pulumi up again." >&2; exit 1; }`
    : "";
  return scriptFrame(`cordon ${opts.node} for ${opts.version}`, {
    update: `if [ "$(k3s kubectl get node ${n} -o jsonpath='{.status.nodeInfo.kubeletVersion}')" != ${shq(opts.version)} ]; then
  if [ "$(k3s kubectl get node ${n} -o jsonpath='{.spec.unschedulable}')" != true ]; then
    install -d -m 0700 ${shq(CORDONED_DIR)}
    touch ${shq(`${CORDONED_DIR}/${opts.node}`)}
  fi
  k3s kubectl cordon ${n}${drain}
fi`,
  });
}

/**
 * Runs on the first server after `node` moved to `version`: waits until the cluster sees it Ready on
 * that version, then lifts the cordon the cordon step set (and only that one).
 */
export function renderUncordonScript(opts: { node: string; version: string; timeoutSeconds: number }): string {
  const mark = shq(`${CORDONED_DIR}/${opts.node}`);
  return scriptFrame(`uncordon ${opts.node} on ${opts.version}`, {
    update: `${waitReady(opts.node, opts.timeoutSeconds, opts.version)}
if [ -f ${mark} ]; then
  k3s kubectl uncordon ${shq(opts.node)}
  rm -f ${mark}
fi`,
  });
}
