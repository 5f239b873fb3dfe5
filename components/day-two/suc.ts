import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { NodeSpec } from "../nodes/types";
import { remoteScript } from "../remote/command";
import { scriptFrame } from "../remote/shell";
import {
  AGENT_PLAN,
  JOB_ACTIVE_DEADLINE_SECONDS,
  PlanOptions,
  SERVER_PLAN,
  SUC_NAMESPACE,
  SUC_SERVICE_ACCOUNT,
  agentPlanSpec,
  serverPlanSpec,
} from "./suc-plans";
import { checkSystemUpgradePlansArgs } from "./suc-args";

/** system-upgrade-controller release whose manifest the resources below follow. */
export const SUC_VERSION = "v0.20.1";

/**
 * Inputs of SystemUpgradePlans, checked before anything is registered with the rules of the stack
 * keys they come from (day-two/suc-args.ts); a problem throws a ConfigError naming the argument
 * (`SystemUpgradePlans.args.drainTimeout`).
 */
export interface SystemUpgradePlansArgs {
  /** Provider for the k3s cluster (kubeconfig from K3sCluster). */
  provider: k8s.Provider;
  /** k3s release tag to move every node to. */
  version: string;
  /** Agents upgraded at once (k3s-stacks:upgrade.agentBatchSize). */
  agentConcurrency: number;
  /** Number of servers: the agent Jobs wait inside their deadline while these upgrade one by one. */
  servers: number;
  /**
   * The servers run embedded etcd (k3s-stacks:cluster.datastore etcd): each server Job waits until etcd
   * keeps quorum without that server before it cordons and upgrades it (suc-etcd-gate.ts). Default false.
   */
  etcd?: boolean;
  /** Drain nodes before upgrading (k3s-stacks:upgrade.drain). */
  drain: boolean;
  /** `kubectl drain --timeout`, e.g. "5m". */
  drainTimeout: string;
  /** Controller image; a private registry mirror for airgapped clusters. */
  controllerImage?: string;
  /** kubectl image the controller uses for cordon/drain jobs. */
  kubectlImage?: string;
  /** k3s upgrade image without tag (the controller adds the version). */
  upgradeImage?: string;
  /**
   * Runs on the first server before the Plans move to a new version (k3s-stacks:upgrade.preUpgradeSnapshot:
   * the etcd snapshot script, day-two/rollout.ts); the same step K3sCluster runs before an ssh rollout.
   */
  preUpgrade?: { node: NodeSpec; script: string; dependsOn?: pulumi.Input<pulumi.Resource>[] };
}

/**
 * In-cluster upgrades: installs system-upgrade-controller and the two k3s Plans.
 *
 * The controller is declared here as typed resources that follow the upstream v0.20.1 release
 * manifest (names, RBAC rules, controller settings), instead of a `yaml.ConfigFile` fetched from a
 * release URL: the program then needs no internet at preview time (airgapped homelabs, offline CI),
 * the preview shows every object, and the image is one overridable input. The Plan CRD is not
 * declared: the controller registers it itself at start-up (pkg/upgrade/controller.go), and the
 * Kubernetes provider retries creating the Plans until it exists.
 */
export class SystemUpgradePlans extends pulumi.ComponentResource {
  public readonly namespace: pulumi.Output<string>;
  public readonly serverPlan: k8s.apiextensions.CustomResource;
  public readonly agentPlan: k8s.apiextensions.CustomResource;

  constructor(name: string, args: SystemUpgradePlansArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Checked before super(): a bad argument registers nothing, not even this component.
    const { preUpgradeNode } = checkSystemUpgradePlansArgs(args);
    super("k3s:upgrade:SystemUpgradePlans", name, {}, opts);
    const plan: PlanOptions = {
      version: args.version,
      agentConcurrency: args.agentConcurrency,
      servers: args.servers,
      drain: args.drain,
      drainTimeout: args.drainTimeout,
      upgradeImage: args.upgradeImage ?? "rancher/k3s-upgrade",
      etcd: args.etcd ?? false,
    };
    // Render (and validate) the specs before creating anything.
    const serverSpec = serverPlanSpec(plan);
    const agentSpec = agentPlanSpec(plan);
    const o = { parent: this, provider: args.provider };
    const ns = SUC_NAMESPACE;
    const sa = SUC_SERVICE_ACCOUNT;

    const namespace = new k8s.core.v1.Namespace(`${name}-ns`, {
      metadata: { name: ns, labels: { "pod-security.kubernetes.io/enforce": "privileged" } },
    }, o);
    const inNs = { ...o, dependsOn: [namespace] };
    const account = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: { name: sa, namespace: ns } }, inNs);
    const env = new k8s.core.v1.ConfigMap(`${name}-env`, {
      metadata: { name: "default-controller-env", namespace: ns },
      data: {
        SYSTEM_UPGRADE_CONTROLLER_DEBUG: "false",
        SYSTEM_UPGRADE_CONTROLLER_THREADS: "2",
        SYSTEM_UPGRADE_CONTROLLER_LEADER_ELECT: "true",
        SYSTEM_UPGRADE_JOB_ACTIVE_DEADLINE_SECONDS: String(JOB_ACTIVE_DEADLINE_SECONDS),
        SYSTEM_UPGRADE_JOB_BACKOFF_LIMIT: "99",
        SYSTEM_UPGRADE_JOB_IMAGE_PULL_POLICY: "Always",
        SYSTEM_UPGRADE_JOB_KUBECTL_IMAGE: args.kubectlImage ?? "rancher/kubectl:v1.30.3",
        SYSTEM_UPGRADE_JOB_PRIVILEGED: "true",
        SYSTEM_UPGRADE_JOB_TTL_SECONDS_AFTER_FINISH: "900",
        SYSTEM_UPGRADE_PLAN_POLLING_INTERVAL: "15m",
      },
    }, inNs);
    const rbac = this.rbac(name, o, inNs);

    const controller = new k8s.apps.v1.Deployment(`${name}-controller`, {
      metadata: { name: "system-upgrade-controller", namespace: ns },
      spec: {
        strategy: { type: "Recreate" },
        selector: { matchLabels: { "upgrade.cattle.io/controller": "system-upgrade-controller" } },
        template: {
          metadata: {
            labels: {
              "app.kubernetes.io/component": "controller",
              "app.kubernetes.io/name": "system-upgrade-controller",
              // Its own drain skips pods with this label.
              "upgrade.cattle.io/controller": "system-upgrade-controller",
            },
          },
          spec: {
            serviceAccountName: sa,
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [{
                    matchExpressions: [
                      { key: "node-role.kubernetes.io/control-plane", operator: "Exists" },
                      { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
                    ],
                  }],
                },
              },
            },
            tolerations: [
              { key: "CriticalAddonsOnly", operator: "Exists" },
              { key: "node-role.kubernetes.io/master", operator: "Exists", effect: "NoSchedule" },
              { key: "node-role.kubernetes.io/controlplane", operator: "Exists", effect: "NoSchedule" },
              { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
              { key: "node-role.kubernetes.io/etcd", operator: "Exists", effect: "NoExecute" },
            ],
            containers: [{
              name: "system-upgrade-controller",
              image: args.controllerImage ?? `rancher/system-upgrade-controller:${SUC_VERSION}`,
              imagePullPolicy: "IfNotPresent",
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 65534,
                runAsGroup: 65534,
                allowPrivilegeEscalation: false,
                seccompProfile: { type: "RuntimeDefault" },
                capabilities: { drop: ["ALL"] },
              },
              envFrom: [{ configMapRef: { name: "default-controller-env" } }],
              env: [
                { name: "SYSTEM_UPGRADE_CONTROLLER_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.labels['upgrade.cattle.io/controller']" } } },
                { name: "SYSTEM_UPGRADE_CONTROLLER_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                { name: "SYSTEM_UPGRADE_CONTROLLER_NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
              ],
              volumeMounts: [
                { name: "etc-ssl", mountPath: "/etc/ssl", readOnly: true },
                { name: "etc-pki", mountPath: "/etc/pki", readOnly: true },
                { name: "etc-ca-certificates", mountPath: "/etc/ca-certificates", readOnly: true },
                { name: "tmp", mountPath: "/tmp" },
              ],
            }],
            volumes: [
              { name: "etc-ssl", hostPath: { path: "/etc/ssl", type: "DirectoryOrCreate" } },
              { name: "etc-pki", hostPath: { path: "/etc/pki", type: "DirectoryOrCreate" } },
              { name: "etc-ca-certificates", hostPath: { path: "/etc/ca-certificates", type: "DirectoryOrCreate" } },
              { name: "tmp", emptyDir: {} },
            ],
          },
        },
      },
    }, { ...o, dependsOn: [account, env, ...rbac] });

    // Updated (and so run) only when the version in its script changes; the Plans wait for it, so the
    // snapshot is taken before the controller starts the first server's upgrade.
    const pre = args.preUpgrade
      ? [remoteScript(`${name}-pre-upgrade`, {
        connection: preUpgradeNode!.connection,
        script: scriptFrame(`before upgrading to ${args.version}`, { update: args.preUpgrade.script }),
        phases: ["update"],
      }, { parent: this, dependsOn: args.preUpgrade.dependsOn })]
      : [];
    const planOpts = { ...o, dependsOn: [controller, ...pre] };
    this.serverPlan = new k8s.apiextensions.CustomResource(`${name}-${SERVER_PLAN}`, {
      apiVersion: "upgrade.cattle.io/v1",
      kind: "Plan",
      metadata: { name: SERVER_PLAN, namespace: ns },
      spec: serverSpec,
    }, planOpts);
    this.agentPlan = new k8s.apiextensions.CustomResource(`${name}-${AGENT_PLAN}`, {
      apiVersion: "upgrade.cattle.io/v1",
      kind: "Plan",
      metadata: { name: AGENT_PLAN, namespace: ns },
      spec: agentSpec,
    }, { ...o, dependsOn: [controller, ...pre, this.serverPlan] });

    this.namespace = namespace.metadata.name;
    this.registerOutputs({ namespace: this.namespace });
  }

  /** The controller's RBAC, as in the upstream manifests/clusterrole.yaml and clusterrolebinding.yaml. */
  private rbac(name: string, o: pulumi.CustomResourceOptions, inNs: pulumi.CustomResourceOptions): pulumi.Resource[] {
    const ns = SUC_NAMESPACE;
    const subjects = [{ kind: "ServiceAccount", name: SUC_SERVICE_ACCOUNT, namespace: ns }];
    const controllerRole = new k8s.rbac.v1.ClusterRole(`${name}-controller-role`, {
      metadata: { name: "system-upgrade-controller" },
      rules: [
        { apiGroups: ["batch"], resources: ["jobs"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], verbs: ["get", "list", "watch", "create", "patch", "update"] },
        { apiGroups: [""], resources: ["namespaces", "nodes"], verbs: ["get", "list", "watch"] },
        { apiGroups: [""], resources: ["nodes"], verbs: ["update"] },
        { apiGroups: [""], resources: ["events"], verbs: ["get", "create", "patch", "update"] },
        { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
        { apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: ["system-upgrade-controller"], verbs: ["get", "update"] },
        { apiGroups: ["upgrade.cattle.io"], resources: ["plans", "plans/status"], verbs: ["get", "list", "watch", "create", "patch", "update", "delete"] },
      ],
    }, o);
    const jobsRole = new k8s.rbac.v1.Role(`${name}-controller-ns-role`, {
      metadata: { name: "system-upgrade-controller", namespace: ns },
      rules: [
        { apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "delete", "deletecollection", "patch", "update", "get", "list", "watch"] },
        { apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch"] },
      ],
    }, inNs);
    const drainerRole = new k8s.rbac.v1.ClusterRole(`${name}-drainer-role`, {
      metadata: { name: "system-upgrade-controller-drainer" },
      rules: [
        { apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] },
        { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "delete"] },
        { apiGroups: [""], resources: ["nodes"], verbs: ["get", "patch"] },
        { apiGroups: ["apps"], resources: ["statefulsets", "daemonsets", "replicasets"], verbs: ["get", "list"] },
      ],
    }, o);
    const bind = (suffix: string, bindingName: string, role: k8s.rbac.v1.ClusterRole) =>
      new k8s.rbac.v1.ClusterRoleBinding(`${name}-${suffix}`, {
        metadata: { name: bindingName },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
        subjects,
      }, { ...o, dependsOn: [role] });
    const roleBinding = new k8s.rbac.v1.RoleBinding(`${name}-controller-ns-binding`, {
      metadata: { name: "system-upgrade", namespace: ns },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: jobsRole.metadata.name },
      subjects,
    }, inNs);
    return [
      controllerRole,
      jobsRole,
      drainerRole,
      bind("drainer-binding", "system-upgrade-drainer", drainerRole),
      bind("controller-binding", "system-upgrade", controllerRole),
      roleBinding,
    ];
  }
}
