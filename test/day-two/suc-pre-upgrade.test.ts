// With system-upgrade-controller, the pre-upgrade etcd snapshot (upgrade.preUpgradeSnapshot, default
// with etcd) was never taken: only the ssh rollout ran it. Now the Plans wait for it.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { installMocks, MockState, settle, valueOf } from "../support/mocks";
import { SystemUpgradePlans } from "../../components/day-two/suc";
import { renderPreUpgradeSnapshotScript } from "../../components/day-two/node-scripts";
import { unpackScript } from "../../components/remote/packed-script";
import { NodeSpec } from "../../components/nodes/types";

let mocks: MockState;
const deps = new Map<string, pulumi.Resource[]>();
const server: NodeSpec = { name: "s1", role: "server", arch: "amd64", connection: { host: "192.168.1.11", user: "root" }, labels: {}, taints: [], allowReboot: false, fixCgroups: false };

beforeAll(async () => {
  mocks = await installMocks();
  const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
  const capture = { transformations: [(a: pulumi.ResourceTransformationArgs) => { deps.set(a.name, ([] as pulumi.Resource[]).concat((a.opts.dependsOn as pulumi.Resource[] | undefined) ?? [])); return undefined; }] };
  new SystemUpgradePlans("snap", { provider, version: "v1.37.0+k3s1", agentConcurrency: 1, servers: 1, drain: true, drainTimeout: "5m", preUpgrade: { node: server, script: renderPreUpgradeSnapshotScript("v1.37.0+k3s1") } }, capture);
  new SystemUpgradePlans("nosnap", { provider, version: "v1.37.0+k3s1", agentConcurrency: 1, servers: 1, drain: true, drainTimeout: "5m" }, capture);
  await settle();
});

const names = async (rs: pulumi.Resource[]) => (await Promise.all(rs.map((r) => valueOf(r.urn)))).map((u) => u.split("::").pop()!);

test("the snapshot step runs on the first server on update only, and both Plans wait for it", async () => {
  const step = mocks.byName("snap-pre-upgrade");
  expect(step.inputs.create).toBeUndefined();
  expect(step.inputs.update).toEqual(expect.any(String));
  // Secret inputs arrive wrapped ({ <signature>: ..., value }).
  const plain = (v: unknown) => (v !== null && typeof v === "object" && "value" in v ? (v as { value: unknown }).value : v);
  expect(plain(step.inputs.connection)).toMatchObject({ host: "192.168.1.11" });
  expect(unpackScript(plain(step.inputs.stdin) as string)).toContain("etcd-snapshot save");
  expect(await names(deps.get("snap-server-plan")!)).toContain("snap-pre-upgrade");
  expect(await names(deps.get("snap-agent-plan")!)).toContain("snap-pre-upgrade");
});

test("without preUpgrade no step is registered", () => {
  expect(mocks.resources.filter((r) => r.name === "nosnap-pre-upgrade")).toEqual([]);
});
