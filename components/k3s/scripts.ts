import { parse } from "yaml";
import { replacedBinaryFunction } from "./replaced-binary";
import { NodeRole } from "../nodes/types";
import { scriptFrame, shq, writeFileSnippet } from "../remote/shell";
import { tokenGuard } from "./token-guard";
import { CONFIG_FILE, STATE_DIR, TOKEN_FILE } from "./node-config";
import { ConfigValue } from "./types";
import { preferBundledBin, protectedKeys, renderForeignDropInCheck } from "./host/dropins";
import { renderIptablesCheck } from "./host/iptables";
import { renderSnapshotterCheck, snapshotterOf } from "./host/snapshotter";
import { renderResolvConfCheck, setsResolvConf } from "./host/resolv";
import { HostPrep, prepBody } from "./host-prep";
import { firewallRules } from "./host/network";
import { renderPrepUndo } from "./host/undo";
import { SELINUX_DROPIN, renderSelinuxSnapshotCheck } from "./host/services";
import { renderOstreeSelinuxCheck, renderOstreeSelinuxLabel } from "./host/ostree";
import { renderPackageShims } from "./host/install-lock";
import { systemctlShimFunction } from "./unit-queue";
import { drainSnippet, removingMarker, takeBack, uninstallSnippet } from "./removal-scripts";
import { renderLostNodePasswordNote, renderNodeNameGuard } from "./node-guard";
import { READ_NODE_TABLE } from "./node-table";
import { RECORD_STARTED_CONFIG, STARTED_CONFIG_FILE, configHashFunction } from "./started-config";
import { kubeletRefusesCgroupV1ByDefault, renderCgroupV1Check } from "./host/cgroup-v1";
import { ACTIVE_WAIT_SECONDS, BROKEN_FIX, unitWatchFunctions, waitActive } from "./unit-watch";
import { renderInstallDeleteGuard } from "./install-delete-guard";
import { renderJoinReachCheck } from "./join-reach";
import { waitReady } from "./wait-ready";

/** systemd unit the install script creates for a role. */
export function serviceName(role: NodeRole): "k3s" | "k3s-agent" {
  return role === "server" ? "k3s" : "k3s-agent";
}

/** A file the config step owns. */
export interface ManagedFile {
  path: string;
  content: string;
  mode: string;
}

/**
 * Prepares the host, then writes config.yaml and other managed files. It does not restart a running
 * k3s for them: a change reaches k3s through the node's restart step, which the rollout runs one
 * server at a time, then agents in batches (rollout-scripts.ts). When k3s is not running, k3s will
 * start with these files, so they are recorded as its started configuration. A file host preparation
 * wrote for k3s from this host's own facts (the SELinux drop-in) does not restart a running k3s here
 * either: config steps of different nodes run at the same time, so a restart here would restart every
 * such node at once. Its record stays as it was, so the node's next restart step restarts k3s with it
 * (the drop-ins count in the record's hash, started-config.ts); until then the step says so and names
 * the manual restart.
 * One script (one SSH session, one resource) because preparation is idempotent and cheap to repeat.
 * The state before the first preparation is recorded; delete (after the uninstall) puts it back.
 * Before anything changes, a machine running k3s as another node fails the step (node-guard.ts).
 */
export function renderConfigScript(opts: { host: HostPrep; role: NodeRole; files: ManagedFile[]; config?: Record<string, ConfigValue> }): string {
  const service = serviceName(opts.role);
  const writes = opts.files.map((f) => writeFileSnippet(f.path, f.content, f.mode)).join("\n");
  // A drop-in of another installer or image would override what config.yaml says (host/dropins.ts).
  const configYaml = opts.files.find((f) => f.path === CONFIG_FILE)?.content;
  // The values config.yaml was rendered from when the caller has them: parsing its text again cost
  // a 300-node evaluation about a tenth of a second (bench/cluster-eval.ts).
  const config = configYaml === undefined ? undefined : (opts.config ?? (parse(configYaml) as Record<string, unknown> | null) ?? {});
  const dropIns = config === undefined ? "" : `${renderForeignDropInCheck(opts.host.node, protectedKeys(config))}\n`;
  const iptables = config === undefined ? "" : renderIptablesCheck(opts.host.node, preferBundledBin(config));
  const snapshotter = config === undefined ? "" : renderSnapshotterCheck(opts.host.node, snapshotterOf(config));
  const resolv = config === undefined ? "" : renderResolvConfCheck(opts.host.node, setsResolvConf(config));
  const body = `${renderNodeNameGuard(opts.host.node)}
${dropIns}${[iptables, snapshotter, resolv].filter((s) => s.length > 0).map((s) => `${s}\n`).join("")}${prepBody(opts.host)}
changed=0
${writes}
${configHashFunction(opts.files.map((f) => f.path))}
if [ "$changed" = 1 ] || [ "$k3s_prep_changed" = 1 ] || [ ! -f ${shq(STARTED_CONFIG_FILE)} ]; then
  if systemctl is-active --quiet ${service} 2>/dev/null; then
    if [ "$changed" = 1 ]; then
      echo "k3s-stacks: configuration of ${opts.host.node} changed; ${service} restarts when the rolling restart reaches it"
    fi
    if [ "$k3s_prep_changed" = 1 ]; then
      echo "k3s-stacks: host preparation changed a file k3s reads on ${opts.host.node} (${SELINUX_DROPIN}: SELinux was turned on or off on this host); ${service} is not restarted here, so that nodes restart one at a time. It starts with the file at its next restart: the rolling restart of this run when ${opts.host.node}'s configuration or k3s version changed, otherwise the next one. Fix, to apply it now: run 'systemctl restart ${service}' on ${opts.host.node}, one node at a time, each once its Node is Ready again."
    fi
  else
${indentLines(RECORD_STARTED_CONFIG, 4)}
  fi
fi`;
  const rules = opts.host.network ? firewallRules(opts.host.network) : undefined;
  return scriptFrame(`prepare ${opts.host.node} and write its ${opts.role} configuration`, {
    "create|update": body,
    // Runs after install's delete uninstalled k3s (install depends on this step).
    delete: renderPrepUndo(opts.host.node, rules),
  });
}

function indentLines(text: string, n: number): string {
  return text.split("\n").map((l) => " ".repeat(n) + l).join("\n");
}

/** Everything install.sh needs, identical on first install and upgrades (it rebuilds the unit from it). */
export interface InstallSpec {
  node: string;
  role: NodeRole;
  version: string;
  installScriptUrl: string;
  artifactUrl?: string;
  /** Staged (airgap) install script on the node; downloads are skipped. */
  stagedScript?: string;
  stagedEnv?: Record<string, string>;
  /** Shell run right before install.sh (airgap: put the staged binary in place). */
  preInstall?: string;
}

function installEnv(spec: InstallSpec): string {
  const env: Record<string, string> = {
    INSTALL_K3S_VERSION: spec.version,
    INSTALL_K3S_EXEC: spec.role,
    ...(spec.artifactUrl ? { INSTALL_K3S_ARTIFACT_URL: spec.artifactUrl } : {}),
    ...(spec.stagedEnv ?? {}),
  };
  return Object.entries(env).map(([k, v]) => `${k}=${shq(v)}`).join(" ");
}

/**
 * Shell functions shared by install and upgrade: fetch or use the install script and run it.
 * run_install waits until the service is active, or fails once systemd shows it broken (unit-watch.ts);
 * start_install (an agent's first install) only queues the start: its member step waits until the
 * Node is Ready.
 */
export function installFunctions(spec: InstallSpec): string {
  const fetch = spec.stagedScript
    ? `script=${shq(spec.stagedScript)}
  [ -f "$script" ] || { echo "k3s-stacks: staged install script $script is missing on ${spec.node}" >&2; exit 1; }`
    : `script=$(mktemp)
  trap 'rm -f "$script"' EXIT
  url=${shq(spec.installScriptUrl)}
  if command -v curl >/dev/null 2>&1; then
    curl -sfL --retry 3 --max-time 120 "$url" -o "$script"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -T 120 -O "$script" "$url"
  else
    echo "k3s-stacks: ${spec.node} has neither curl nor wget to fetch $url. Fix: install curl." >&2
    exit 1
  fi`;
  const service = serviceName(spec.role);
  const snapshotCheck = indentLines(renderSelinuxSnapshotCheck(spec.node), 2).trimStart();
  // Not re-indented: a heredoc in the snippet must keep its terminator at the start of a line.
  const pre = spec.preInstall ? `\n${spec.preInstall.trim()}` : "";
  const ostreeCheck = indentLines(renderOstreeSelinuxCheck(spec.node), 2).trimStart();
  // Before install.sh puts a kubelet that would not start on the node (config.yaml is written by now).
  const cgroupCheck = kubeletRefusesCgroupV1ByDefault(spec.version) ? `${indentLines(renderCgroupV1Check(spec.node), 2).trimStart()}\n  ` : "";
  return `${unitWatchFunctions(spec.node, service)}
installed_version() { if command -v k3s >/dev/null 2>&1; then k3s --version 2>/dev/null | awk 'NR == 1 { print $3 }'; fi; }
${replacedBinaryFunction(service)}
${renderOstreeSelinuxLabel(service, spec.stagedEnv?.INSTALL_K3S_BIN_DIR)}
${renderPackageShims(spec.node)}
${systemctlShimFunction(service)}
fetch_install() {
  ${cgroupCheck}${fetch}${pre}
  ${ostreeCheck}
  ostree_before=$(ostree_state)
}
# install.sh, its package managers waiting for locks (host/install-lock.ts) and its start of k3s queued
# (unit-queue.ts), or on an rpm-ostree host it cannot prepare for SELinux, install.sh without its RPM step and
# the start, then the binary's label (host/ostree.ts).
install_sh() {
  if [ "$ostree_selinux" = 1 ]; then
    INSTALL_K3S_SKIP_SELINUX_RPM=true INSTALL_K3S_SKIP_START=true "$@" sh "$script"
    ostree_selinux_label
  else
    package_shims; systemctl_shim; rc=0; PATH="$package_shim_dir:$PATH" "$@" sh "$script" || rc=$?
    rm -rf "$package_shim_dir"; return "$rc"
  fi
}
run_install() {
  fetch_install
  install_sh env ${installEnv(spec)}
  ${snapshotCheck}
  # install.sh skips the start when nothing changed, e.g. on a re-run after a failed start.
  systemctl is-active --quiet ${service} || unit_queue start || true
  # ... and the restart when the new binary was in place before it ran (airgap): replacedBinaryFunction.
  if k3s_binary_replaced; then
    echo "k3s-stacks: ${service} on ${spec.node} still runs the k3s binary that was replaced; restarting it"
    unit_queue restart || { echo "k3s-stacks: 'systemctl restart ${service}' failed on ${spec.node}. Fix: check 'journalctl -u ${service}' there, then run pulumi up again." >&2; exit 1; }
  fi
  ${indentLines(waitActive({ node: spec.node, service, seconds: ACTIVE_WAIT_SECONDS, fix: BROKEN_FIX, otherwise: `{ echo "k3s-stacks: ${service} did not become active on ${spec.node} within ${ACTIVE_WAIT_SECONDS}s. Fix: check 'journalctl -u ${service}' there." >&2; exit 1; }` }), 2).trimStart()}
}
start_install() {
  fetch_install
  install_sh env INSTALL_K3S_SKIP_START=true ${installEnv(spec)}
  ${snapshotCheck}
  unit_queue start
  echo "k3s-stacks: ${service} starting on ${spec.node}; its membership step waits until the node is Ready"
}`;
}

/**
 * Writes the join token to a root-only file (stdin, never argv, never printed), then installs k3s on
 * create. On update it only reinstalls when k3s is missing: moving versions is the rollout's job.
 * Delete uninstalls; with `leaveStep` (every node but the first server has one) only once the node
 * was drained (install-delete-guard.ts). Servers wait here until k3s is active: the next one joins
 * them. An agent's first install only queues k3s-agent's start: a waiting step holds one of the
 * engine's few parallel slots (4 x CPUs steps at once), so a bring-up's agents would start in waves
 * (bench/e2e-bringup.ts: 2.09x the critical path at the default parallelism when each waited until
 * k3s-agent was active, 1.28x without). The member step (renderMemberScript, replaced with the
 * install) is the gate: the Node Ready. The script is the same whether the agent joins a bring-up or
 * a running cluster: a flag for the second would change it once the node is known (an update).
 */
export function renderInstallScript(spec: InstallSpec, token: string, leaveStep?: string, joinWaitSeconds?: number): string {
  const writeToken = `changed=0\n${writeFileSnippet(TOKEN_FILE, token, "0600")}\nif [ "$changed" = 1 ]; then echo "k3s-stacks: join token written to ${TOKEN_FILE}"; fi`;
  // A joining node (joinWaitSeconds set) first checks that its join URL answers (join-reach.ts).
  const [functions, reach] = joinWaitSeconds === undefined ? [installFunctions(spec), ""] : [`${installFunctions(spec)}\n${renderJoinReachCheck(spec.node, joinWaitSeconds)}`, "join_reachable\n"];
  return scriptFrame(`install k3s ${spec.version} (${spec.role}) on ${spec.node}`, {
    create: `${writeToken}\n${functions}\n${reach}${spec.role === "agent" ? "start_install" : "run_install"}`,
    update: `${functions}\n${tokenGuard(spec.node, token)}\n${writeToken}\nif [ -z "$(installed_version)" ]; then\n${renderLostNodePasswordNote(spec.node)}\n${reach}run_install\nfi`,
    delete: `${leaveStep ? `${renderInstallDeleteGuard(spec.node, serviceName(spec.role), leaveStep)}\n` : ""}${uninstallSnippet(spec.node)}`,
  });
}

/**
 * Cluster membership of `node`, run on the first server: wait until it is Ready, reconcile the labels
 * and taints we manage (k3s applies node-label/node-taint only at registration), and on delete drain it
 * (the first step of a removal or replacement; see removal-scripts.ts).
 */
export function renderMemberScript(opts: {
  node: string;
  bootstrap: boolean;
  labels: Record<string, string>;
  taints: string[];
  drainTimeout: string;
  readyTimeoutSeconds: number;
  /**
   * Bash run once the node is Ready, before labels and taints (a check that may exit 1), with every
   * Node read once into `$nodes` (READ_NODE_TABLE) for it.
   */
  whenReady?: string;
  /** Bash run on delete before the drain (an etcd server's quorum guard, etcd-quorum.ts renderReplacementGuard). */
  beforeDrain?: string;
}): string {
  const n = shq(opts.node);
  const stateFile = shq(`${STATE_DIR}/managed/${opts.node}`);
  const labelArgs = Object.entries(opts.labels).map(([k, v]) => shq(`${k}=${v}`)).join(" ");
  // Taints are recorded as key:Effect (the value dropped): Kubernetes keeps one taint per key and effect,
  // and `kubectl taint --overwrite` replaces only the same pair, so a changed effect is a removal too.
  const taintPairs = opts.taints.map((t) => t.replace(/=[^:]*/, ""));
  const wanted = [...Object.keys(opts.labels).map((k) => `label ${k}`), ...taintPairs.map((k) => `taint ${k}`)];
  const reconcile = `install -d -m 0700 ${shq(`${STATE_DIR}/managed`)}
# Drop what we set before and no longer want; the state file lists it.
wanted=${shq(` ${wanted.map((w) => w.replace(/ /g, ":")).join(" ")} `)}
if [ -f ${stateFile} ]; then
  while read -r kind key; do
    case "$wanted" in *" $kind:$key "*) continue ;; esac
    case "$kind" in
      label) k3s kubectl label node ${n} "$key-" >/dev/null ;;
      # A taint is its key and effect (key:Effect): removing that pair leaves the key's other effects.
      # One already gone is fine; any other failure stops here and keeps the record for the next run.
      taint) if ! out=$(k3s kubectl taint node ${n} "$key-" 2>&1); then
          case "$out" in *"not found"*) ;; *) echo "k3s-stacks: could not remove taint $key from ${opts.node}: $out. Fix: check the API server (k3s kubectl get node ${opts.node}), then run pulumi up again." >&2; exit 1 ;; esac
        fi ;;
    esac
  done < ${stateFile}
fi
${labelArgs ? `k3s kubectl label node ${n} ${labelArgs} --overwrite >/dev/null` : ""}
${opts.taints.map((t) => `k3s kubectl taint node ${n} ${shq(t)} --overwrite >/dev/null`).join("\n")}
printf '%s\\n' ${wanted.length ? wanted.map(shq).join(" ") : "''"} | sed '/^$/d' > ${stateFile}`;
  // Removal starts here with the drain; the install step then uninstalls and the leave step deletes the Node.
  const remove = opts.bootstrap
    ? `echo "k3s-stacks: ${opts.node} is the bootstrap server; it leaves with the cluster"`
    : `${opts.beforeDrain ? `${opts.beforeDrain}\n` : ""}${drainSnippet(opts.node, opts.drainTimeout)}
rm -f ${stateFile}`;
  return scriptFrame(`membership of ${opts.node}`, {
    "create|update": `${takeBack(opts.node)}${waitReady(opts.node, opts.readyTimeoutSeconds)}\n${opts.whenReady ? `${READ_NODE_TABLE}\n${opts.whenReady}\n` : ""}${reconcile}
if [ "$removing" = 1 ]; then k3s kubectl uncordon ${n} >/dev/null; rm -f ${shq(removingMarker(opts.node))}; echo "k3s-stacks: ${opts.node} is back in the inventory: uncordoned"; fi`,
    delete: remove,
  });
}

/**
 * Prints the admin kubeconfig k3s wrote on a server. `restartKey` (the server's restart key,
 * day-two/restart-plan.ts) goes into the header, so the step runs again whenever that server restarts
 * and rewrites the file.
 */
export function renderKubeconfigScript(restartKey?: string): string {
  return scriptFrame(restartKey ? `read kubeconfig (written at the restart ${restartKey})` : "read kubeconfig", {
    "create|update": `for _ in $(seq 1 60); do [ -s /etc/rancher/k3s/k3s.yaml ] && break; sleep 2; done
cat /etc/rancher/k3s/k3s.yaml`,
  });
}
