import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { NodeRole, NodeSpec } from "../nodes/types";

/** A value a k3s config.yaml key can take. */
export type ConfigValue = string | boolean | number | string[];

/**
 * Inbound ports a layer's components need from the other nodes, as `port/proto` (`7946/udp`,
 * `2379-2380/tcp`): on servers only, or on every node. Host preparation opens them in an active
 * firewalld or ufw together with k3s's own (components/k3s/host/network.ts).
 */
export interface LayerPorts {
  server: string[];
  all: string[];
}

/** k3s config.yaml keys a layer adds; checked against the k3s flag table per role. */
export interface ConfigContribution {
  /** Keys for servers only. */
  server?: Record<string, pulumi.Input<ConfigValue>>;
  /** Keys for every node; they must be agent flags too. */
  all?: Record<string, pulumi.Input<ConfigValue>>;
  /** Packaged components to merge into the servers' `disable` list. */
  disable?: string[];
  /** Some value is a secret (e.g. an S3 key): config.yaml is then kept secret as a whole. */
  secret?: boolean;
  /**
   * Longhorn storage the cluster will carry, as ClusterAddons places it (`nodes`: its
   * `config.storage.nodes`, every amd64/arm64 node without a NoSchedule/NoExecute taint when absent;
   * `replicas`: its `config.storage.replicas`); `addonsK3sConfig` sets it. Not a config.yaml key:
   * K3sCluster checks with it, before registering anything, that the placement fits its nodes and that
   * its rollout never drains every Longhorn data node at once (day-two/longhorn-drain.ts).
   */
  longhorn?: { nodes?: string[]; replicas?: number };
  /** Not a config.yaml key: inbound ports the layer needs between nodes (see LayerPorts). */
  ports?: Partial<LayerPorts>;
}

/** A file written on nodes before k3s starts; a change restarts k3s on that node. */
export interface NodeFile {
  path: string;
  content: pulumi.Input<string>;
  /** Octal mode; 0600 when omitted. */
  mode?: string;
  /** Limit to these roles; every node when omitted. */
  roles?: NodeRole[];
  /** Holds a credential: the step that writes it is kept out of logs. */
  secret?: boolean;
}

/** What an install stager (airgap) prepared on one node. */
export interface StagedInstall {
  /** Resources the install must wait for. */
  ready: pulumi.Resource[];
  /** Path of the install script on the node. */
  scriptPath: string;
  /** Extra install environment, e.g. INSTALL_K3S_SKIP_DOWNLOAD=true. */
  env: Record<string, string>;
  /** Changes when the staged files change, so the install can react. */
  trigger: pulumi.Input<string>;
  /**
   * Shell run as root right before install.sh, on first install and on upgrade (e.g. put the staged
   * binary in place). Staging must not replace /usr/local/bin/k3s itself: a version bump stages on
   * every node at once, while the binary may only change when the rollout reaches the node.
   */
  preInstall?: string;
}

/** Stages an install on a node instead of downloading (airgap). */
export interface InstallStager {
  stage(node: NodeSpec, conn: command.types.input.remote.ConnectionArgs, parent: pulumi.Resource): StagedInstall;
}

/** How a version change rolls through the cluster. */
export interface RolloutSettings {
  /** Agents upgraded at once, after all servers. */
  agentBatchSize: number;
  /** Drain (not only cordon) each node before its upgrade. */
  drain: boolean;
  /** `kubectl drain --timeout`. */
  drainTimeout: string;
  /** Script run on the first server before it upgrades (e.g. an etcd snapshot); none when undefined. */
  preUpgradeScript?: string;
}
