import * as pulumi from "@pulumi/pulumi";
import { ScriptCommand, remoteScript } from "../remote/command";
import { scriptFrame, shq } from "../remote/shell";
import { NodeSpec } from "../nodes/types";
import { ConfigRoot, keyPath } from "../rules/key-path";
import { AddonsConfig } from "./config";
import { HostDaemonSet, daemonSetNodes } from "./daemonsets";
import { checkRowsTail } from "./node-check";

/** One port a layer's host-network pod binds on its node, with the chart value that sets it. */
export interface HostPortClaim {
  port: number;
  protocol: "tcp" | "udp";
  /** The pod that binds it, as a message names it. */
  pod: string;
  /** The chart value that sets the port. */
  value: string;
  /** The addons setting that brings the pod (named in the message's fix). */
  layer: Array<string | number>;
}

/** The releases that bring host-network pods. */
export type HostPortLayer = "metallb" | "kube-prometheus-stack";

interface HostNetworkPod {
  release: HostPortLayer;
  daemonSet: HostDaemonSet;
  layer: Array<string | number>;
  claims: Omit<HostPortClaim, "layer">[];
}

/**
 * The layers' pods that run in the host's network namespace on every node they are placed on, and the
 * ports they bind there (chart values at the pinned versions): MetalLB's speaker (metallb 0.16.1
 * templates/speaker.yaml: metrics on prometheus.metricsPort 7472, memberlist on
 * speaker.memberlist.mlBindPort 7946 over TCP and UDP) and kube-prometheus-stack's node exporter
 * (prometheus-node-exporter 4.56.1: hostNetwork true, service.port 9100). A port another process of
 * the host already holds fails the pod with "bind: address already in use" on every restart.
 */
function hostNetworkPods(cfg: AddonsConfig): HostNetworkPod[] {
  const pods: HostNetworkPod[] = [];
  if (cfg.loadBalancer.type === "metallb") {
    const speaker = "MetalLB's speaker (chart metallb)";
    pods.push({
      release: "metallb",
      daemonSet: "speaker",
      layer: ["loadBalancer", "type"],
      claims: [
        { port: 7472, protocol: "tcp", pod: speaker, value: "prometheus.metricsPort" },
        { port: 7946, protocol: "tcp", pod: speaker, value: "speaker.memberlist.mlBindPort" },
        { port: 7946, protocol: "udp", pod: speaker, value: "speaker.memberlist.mlBindPort" },
      ],
    });
  }
  if (cfg.monitoring.enabled) {
    pods.push({
      release: "kube-prometheus-stack",
      daemonSet: "nodeExporter",
      layer: ["monitoring", "enabled"],
      claims: [{ port: 9100, protocol: "tcp", pod: "the node exporter (chart kube-prometheus-stack)", value: "prometheus-node-exporter.service.port" }],
    });
  }
  return pods;
}

/** Per release and node, the host ports the release's pods bind there; a node without its pod is left out. */
export function hostPortClaims<N extends Pick<NodeSpec, "name" | "taints">>(cfg: AddonsConfig, nodes: N[]): Array<{ release: HostPortLayer; node: N; claims: HostPortClaim[] }> {
  return hostNetworkPods(cfg).flatMap((pod) =>
    daemonSetNodes(pod.daemonSet, nodes).map((node) => ({ release: pod.release, node, claims: pod.claims.map((c) => ({ ...c, layer: pod.layer })) })),
  );
}

/**
 * Bash that checks, changing nothing, that no process of the host holds a port a layer's host-network
 * pod binds on this node. Such a pod crash-loops ("listen tcp :9100: bind: address already in use",
 * prometheus-community/helm-charts#2248, prometheus-operator/prometheus-operator#1612: a node exporter
 * installed on the host, as Raspberry Pi and Debian hosts often have from the prometheus-node-exporter
 * package), so its DaemonSet never becomes ready and the release waits out its timeout and is rolled
 * back. Listeners come from `ss` (iproute2); a listener in a pod's cgroup (`kubepods`) is Kubernetes'
 * own, such as the layer's pod from an earlier run, and passes. A host without `ss` is not judged.
 * `root` prefixes /proc (tests only). `$1` is the phase: create|update check; anything else does nothing.
 */
export function renderHostPortsScript(opts: { nodeName: string; claims: HostPortClaim[]; configRoot?: ConfigRoot; root?: string }): string {
  const root = opts.configRoot ?? "addons";
  const rows = opts.claims.map((c) => `${c.port} ${c.protocol} ${shq(c.pod)} ${shq(c.value)} ${shq(keyPath(root, c.layer))}`);
  const body = `node=${shq(opts.nodeName)}
root=${shq(opts.root ?? "")}
problems=()
check_port() {
  local port=$1 proto=$2 pod=$3 value=$4 key=$5 flag pid cgroup comm unit holder stop
  case "$proto" in tcp) flag=t ;; *) flag=u ;; esac
  local listeners
  # No ss (no iproute2): nothing is listed, and the port is not judged.
  listeners=$(ss -lnp -"$flag" "sport = :$port" 2>/dev/null | tail -n +2 || true)
  [ -n "$listeners" ] || return 0
  local pids
  pids=$(grep -o 'pid=[0-9]*' <<<"$listeners" | cut -d= -f2 | sort -u || true)
  if [ -z "$pids" ]; then
    problems+=("$key: $pod binds $port/$proto in $node's network namespace ($value), but a socket without a process ss could name already holds it there, so the pod would fail with 'bind: address already in use' and the release would time out. Fix: find it with 'ss -lnp -$flag sport = :$port' on $node and free the port, then re-run pulumi up.")
    return 0
  fi
  for pid in $pids; do
    cgroup=$(cat "$root/proc/$pid/cgroup" 2>/dev/null || true)
    # A pod's listener (hostNetwork): Kubernetes places pods, so it is no host process.
    case "$cgroup" in *kubepods*) continue ;; esac
    comm=$(cat "$root/proc/$pid/comm" 2>/dev/null || echo "?")
    unit=$(sed -n 's#^.*/\\([^/]*\\.service\\)$#\\1#p' <<<"$cgroup" | head -n 1)
    if [ -n "$unit" ]; then
      holder="$comm (pid $pid, systemd unit $unit)"
      stop="stop and disable it on $node ('systemctl disable --now $unit')"
    else
      holder="$comm (pid $pid)"
      stop="stop $comm (pid $pid) on $node and keep it from starting again"
    fi
    problems+=("$key: $pod binds $port/$proto in $node's network namespace ($value), but $holder already holds it there, so the pod would fail with 'bind: address already in use' and the release would time out. Fix: $stop, then re-run pulumi up.")
  done
}
${checkRowsTail({ fn: "check_port", arity: 5, rows, prefix: "layer host ports on node $node", ok: "layer host ports free on node $node" })}`;
  return scriptFrame(`layer host ports on ${opts.nodeName} (read-only check)`, { "create|update": body });
}

/**
 * The read-only port checks, by release, of every node the release's host-network pod runs on, each
 * over the node's SSH connection; the release waits for its own. A check reruns when its claims (and
 * so its script) change.
 */
export function hostPortCommands(name: string, cfg: AddonsConfig, nodes: NodeSpec[], opts: pulumi.CustomResourceOptions, configRoot?: ConfigRoot): Record<HostPortLayer, ScriptCommand[]> {
  const out: Record<HostPortLayer, ScriptCommand[]> = { metallb: [], "kube-prometheus-stack": [] };
  for (const { release, node, claims } of hostPortClaims(cfg, nodes)) {
    const script = renderHostPortsScript({ nodeName: node.name, claims, configRoot });
    out[release].push(remoteScript(`${name}-${release}-host-ports-${node.name}`, { connection: node.connection, script, values: [node.name], phases: ["create", "update"] }, { ...opts, dependsOn: opts.dependsOn ?? node.dependsOn }));
  }
  return out;
}
