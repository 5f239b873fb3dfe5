import * as k8s from "@pulumi/kubernetes";
import { installMocks, MockState, settle } from "../support/mocks";
import { SERVER_HANDOVER_SECONDS, agentPlanSpec, serverPlanSpec } from "../../components/day-two/suc-plans";
import { renderSucEtcdGate } from "../../components/day-two/suc-etcd-gate";
import { SystemUpgradePlans } from "../../components/day-two/suc";

let mocks: MockState;

/** Loosely typed view of a registered Kubernetes object's inputs. */
type Obj = { metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec: Record<string, unknown> };
const obj = (r: { inputs: Record<string, unknown> }) => r.inputs as unknown as Obj;
beforeAll(async () => {
  mocks = await installMocks();
});

const opts = { version: "v1.37.0+k3s1", agentConcurrency: 2, servers: 3, drain: true, drainTimeout: "5m", upgradeImage: "rancher/k3s-upgrade", etcd: false };

describe("k3s Plans", () => {
  it("upgrades servers one at a time, selected by the control-plane label", () => {
    expect(serverPlanSpec(opts)).toEqual({
      concurrency: 1,
      nodeSelector: { matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "In", values: ["true"] }] },
      version: "v1.37.0+k3s1",
      serviceAccountName: "system-upgrade",
      cordon: true,
      jobActiveDeadlineSecs: 1200,
      tolerations: [{ operator: "Exists" }],
      drain: { timeout: "5m", ignoreDaemonSets: true, deleteEmptydirData: true },
      upgrade: { image: "rancher/k3s-upgrade" },
    });
  });

  // k3s-upgrade's Job completes as soon as it has sent k3s SIGTERM, and the controller starts the next
  // server's Job at once: without a gate the next server could stop while the previous member is down.
  it("with etcd, gates each server Job on etcd keeping quorum without that server, in the host's root", () => {
    const spec = serverPlanSpec({ ...opts, etcd: true });
    expect(spec.prepare).toEqual({
      image: "rancher/k3s-upgrade",
      command: ["chroot", "/host", "bash", "-c", renderSucEtcdGate(), "k3s-stacks-etcd-gate"],
      securityContext: { privileged: true },
    });
    expect(renderSucEtcdGate()).toContain("https://127.0.0.1:2379/v3/cluster/member/list");
    expect(serverPlanSpec(opts)).not.toHaveProperty("prepare");
  });

  it("upgrades agents in batches after the server plan", () => {
    const spec = agentPlanSpec(opts);
    expect(spec).toMatchObject({
      concurrency: 2,
      nodeSelector: { matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "DoesNotExist" }] },
      prepare: { image: "rancher/k3s-upgrade", args: ["prepare", "server-plan"] },
      version: "v1.37.0+k3s1",
      cordon: true,
      upgrade: { image: "rancher/k3s-upgrade" },
    });
  });

  // The drain runs inside the upgrade Job, under its deadline: a 30m drain under the controller's 900s
  // default was killed mid-drain and left the node cordoned.
  it.each([["30m", 900 + 1800], ["1h30m", 900 + 5400], ["90.5s", 900 + 91]])("gives a %s drain its time inside the Job deadline", (drainTimeout, deadline) => {
    expect(serverPlanSpec({ ...opts, drainTimeout }).jobActiveDeadlineSecs).toBe(deadline);
    // The agent Job has the same time for itself after its wait for the servers (next test).
    expect(agentPlanSpec({ ...opts, drainTimeout }).jobActiveDeadlineSecs).toBe(deadline + opts.servers * (deadline + SERVER_HANDOVER_SECONDS));
    expect(serverPlanSpec({ ...opts, drain: false, drainTimeout }).jobActiveDeadlineSecs).toBe(900);
  });

  // system-upgrade-controller creates the agent Jobs when it syncs the agent plan, not after the
  // server plan (pkg/upgrade/handle_upgrade.go), and runs `prepare` as an init container of that Job
  // (pkg/upgrade/job/job.go): the wait for the servers is spent from the agent Job's deadline. With
  // the servers' deadline alone, an agent Job was killed while three slow servers still upgraded.
  it.each([[1, false], [3, true], [5, true]])("lets an agent Job wait for %i server Jobs that each use their whole deadline", (servers, drain) => {
    const o = { ...opts, servers, drain };
    const server = serverPlanSpec(o).jobActiveDeadlineSecs as number;
    const agent = agentPlanSpec(o).jobActiveDeadlineSecs as number;
    // Servers upgrade one at a time, each until its deadline; then the agent needs its own full time.
    expect(agent).toBeGreaterThanOrEqual(servers * server + server);
    expect(agent).toBe(server + servers * (server + SERVER_HANDOVER_SECONDS));
  });

  it("cordons only when drain is off, and refuses bad input", () => {
    expect(agentPlanSpec({ ...opts, drain: false })).not.toHaveProperty("drain");
    expect(() => serverPlanSpec({ ...opts, version: "stable" })).toThrow(/not a k3s release tag/);
    expect(() => agentPlanSpec({ ...opts, agentConcurrency: 0 })).toThrow(/at least 1/);
    expect(() => agentPlanSpec({ ...opts, servers: 0 })).toThrow(/servers must be a whole number of at least 1/);
  });
});

describe("SystemUpgradePlans", () => {
  beforeAll(async () => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    new SystemUpgradePlans("upgrades", { provider, version: "v1.37.0+k3s1", agentConcurrency: 3, servers: 3, drain: false, drainTimeout: "5m" });
    await settle();
  });

  it("registers the component, the controller and both Plans in system-upgrade", () => {
    expect(mocks.byType("k3s:upgrade:SystemUpgradePlans")).toHaveLength(1);
    const ns = mocks.byType("kubernetes:core/v1:Namespace")[0];
    expect(ns.inputs.metadata).toMatchObject({ name: "system-upgrade", labels: { "pod-security.kubernetes.io/enforce": "privileged" } });
    const deployment = mocks.byType("kubernetes:apps/v1:Deployment")[0];
    const pod = (obj(deployment).spec as { template: { spec: { serviceAccountName: string; containers: { image: string }[] } } }).template.spec;
    expect(pod.containers[0].image).toBe("rancher/system-upgrade-controller:v0.20.1");
    expect(pod.serviceAccountName).toBe("system-upgrade");
    const plans = mocks.byType("kubernetes:upgrade.cattle.io/v1:Plan");
    expect(plans.map((p) => obj(p).metadata.name).sort()).toEqual(["agent-plan", "server-plan"]);
    for (const p of plans) expect(obj(p).metadata.namespace).toBe("system-upgrade");
    const agent = plans.find((p) => obj(p).metadata.name === "agent-plan")!;
    expect(agent.inputs.spec).toMatchObject({ concurrency: 3, version: "v1.37.0+k3s1", cordon: true });
    expect(agent.inputs.spec).not.toHaveProperty("drain");
    // Three servers, no drain: 900 s own time after three server Jobs of 900 s and their handovers.
    expect(agent.inputs.spec).toMatchObject({ jobActiveDeadlineSecs: 900 + 3 * (900 + SERVER_HANDOVER_SECONDS) });
  });

  it("binds the controller and drainer roles to the service account", () => {
    const bindings = mocks.byType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding");
    expect(bindings.map((b) => obj(b).metadata.name).sort()).toEqual(["system-upgrade", "system-upgrade-drainer"]);
    for (const b of bindings) expect(b.inputs.subjects).toEqual([{ kind: "ServiceAccount", name: "system-upgrade", namespace: "system-upgrade" }]);
    const roles = mocks.byType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole").map((r) => obj(r).metadata.name).sort();
    expect(roles).toEqual(["system-upgrade-controller", "system-upgrade-controller-drainer"]);
  });
});
