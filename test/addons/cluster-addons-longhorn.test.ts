import { unpackScript } from "../../components/remote/packed-script";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, isSecret, MockState, settle, valueOf } from "../support/mocks";
import { CHART_CATALOG } from "../../components/addons/charts";
import { loadChartKeys, unknownPaths } from "./chart-keys";
import { mixedNodes } from "./fixtures";

const RELEASE = "kubernetes:helm.sh/v3:Release";
let mocks: MockState;
/** name → names of its explicit dependsOn, captured by a transformation (the mock monitor does not see them). */
const deps = new Map<string, pulumi.Resource[]>();
const props = new Map<string, Record<string, unknown>>();
let addons: import("../../components/addons/cluster-addons").ClusterAddons;
let contribution: import("../../components/k3s/types").ConfigContribution;

async function depNames(name: string): Promise<string[]> {
  const urns = await Promise.all((deps.get(name) ?? []).map((r) => valueOf(r.urn)));
  return urns.map((u) => u.split("::").pop()!).sort();
}

beforeAll(async () => {
  mocks = await installMocks({ outputs: (type) => (type === "random:index/randomPassword:RandomPassword" ? { result: "generated-password" } : {}) });
  const random = await import("@pulumi/random");
  const { ClusterAddons, parseAddonsConfig, addonK3sContribution } = await import("../../components/addons");
  const config = parseAddonsConfig({
    storage: { type: "longhorn", dataPath: "/mnt/ssd/longhorn" },
    loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["192.168.1.224/28"] }] },
    monitoring: { enabled: true },
  });
  contribution = addonK3sContribution(config, "etcd");
  const ready = new random.RandomId("cluster-ready", { byteLength: 4 });
  addons = new ClusterAddons(
    "addons",
    {
      kubeconfig: pulumi.secret("apiVersion: v1\nkind: Config\n"),
      nodes: mixedNodes,
      serverAddresses: pulumi.output(["192.168.1.10"]),
      datastore: "etcd",
      clusterCidr: "10.42.0.0/16",
      serviceCidr: "10.43.0.0/16",
      config,
    },
    {
      dependsOn: [ready],
      transformations: [
        (a) => {
          deps.set(a.name, ([] as pulumi.Resource[]).concat((a.opts.dependsOn as pulumi.Resource[] | undefined) ?? []));
          props.set(a.name, a.props);
          return undefined;
        },
      ],
    },
  );
  await valueOf(addons.storageClass);
  await settle();
});

function release(key: string) {
  return mocks.byType(RELEASE).find((r) => r.inputs.name === key)!;
}

describe("ClusterAddons with Longhorn, MetalLB and monitoring", () => {
  it("installs exactly these releases, pinned, from the catalog", () => {
    expect(mocks.byType(RELEASE).map((r) => r.inputs.name).sort()).toEqual(["kube-prometheus-stack", "longhorn", "metallb"]);
    for (const key of ["longhorn", "metallb", "kube-prometheus-stack"]) {
      const c = CHART_CATALOG.find((e) => e.key === key)!;
      expect(release(key).inputs).toMatchObject({ chart: c.chart, version: c.version, repositoryOpts: { repo: c.repo }, namespace: c.namespace, atomic: true });
    }
  });

  it("sets only keys each chart knows", () => {
    for (const key of ["longhorn", "metallb", "kube-prometheus-stack"]) {
      const c = CHART_CATALOG.find((e) => e.key === key)!;
      expect(unknownPaths(release(key).inputs.values, loadChartKeys(c.chart, c.version))).toEqual([]);
    }
  });

  it("builds the provider from the secret kubeconfig, after the cluster is ready", async () => {
    expect(await depNames("addons-k8s")).toEqual(["cluster-ready"]);
    expect(await isSecret(props.get("addons-k8s")!.kubeconfig as pulumi.Input<string>)).toBe(true);
  });

  it("prepares each eligible node over SSH and labels it before Longhorn, skipping the armhf Pi", async () => {
    const prereqs = mocks.byType("command:remote:Command").map((r) => r.name).filter((n) => n.includes("prereq")).sort();
    expect(prereqs).toEqual(["a1", "a2", "a3", "s1"].map((n) => `addons-longhorn-prereq-${n}`));
    const patches = mocks.byType("kubernetes:core/v1:NodePatch");
    expect(patches.map((p) => (p.inputs.metadata as { name: string }).name).sort()).toEqual(["a1", "a2", "a3", "s1"]);
    const longhornDeps = await depNames("addons-longhorn");
    expect(longhornDeps).toEqual(expect.arrayContaining([...prereqs, "addons-longhorn-node-s1", "addons-ns-longhorn-system"]));
    const cmd = mocks.byName("addons-longhorn-prereq-a1").inputs;
    // The command provider marks `connection` secret, so the mock sees it wrapped.
    const conn = cmd.connection as { value?: unknown };
    expect(conn.value ?? conn).toMatchObject({ host: "192.168.1.11", user: "root" });
    expect(unpackScript(cmd.stdin as string)).toMatch(/node='a1'/);
    expect(unpackScript(cmd.stdin as string)).toMatch(/^mode=prepare$/m);
    // The data path's filesystem is checked where Longhorn will keep replicas.
    expect(unpackScript(cmd.stdin as string)).toMatch(/^data_path='?\/mnt\/ssd\/longhorn'?$/m);
    // A node's allowReboot decides whether an image-based node reboots into its new packages.
    expect(unpackScript(cmd.stdin as string)).toMatch(/^allow_reboot=0$/m);
    expect(unpackScript(mocks.byName("addons-longhorn-prereq-a3").inputs.stdin as string)).toMatch(/^allow_reboot=1$/m);
  });

  it("creates MetalLB's pool and advertisement after the release", async () => {
    const crs = mocks.resources.filter((r) => r.type.startsWith("kubernetes:metallb.io"));
    expect(crs.map((r) => `${r.type}/${(r.inputs.metadata as { name: string }).name}`).sort()).toEqual([
      "kubernetes:metallb.io/v1beta1:IPAddressPool/lan",
      "kubernetes:metallb.io/v1beta1:L2Advertisement/k3s-stacks",
    ]);
    for (const cr of crs) expect(await depNames(cr.name)).toEqual(["addons-metallb"]);
    expect(crs.find((r) => r.type.endsWith("IPAddressPool"))!.inputs).toMatchObject({ metadata: { namespace: "metallb-system" }, spec: { addresses: ["192.168.1.224/28"] } });
  });

  it("installs monitoring after storage, on the Longhorn class, scraping the k3s servers", async () => {
    // The node exporter binds 9100 on every node (none tainted here): each host's port is checked first (host-ports.ts).
    const portChecks = ["a1", "a2", "a3", "pi2", "s1"].map((n) => `addons-kube-prometheus-stack-host-ports-${n}`);
    expect(await depNames("addons-kube-prometheus-stack")).toEqual(["addons-grafana-admin", ...portChecks, "addons-longhorn", "addons-ns-monitoring"]);
    expect(release("kube-prometheus-stack").inputs.values).toMatchObject({
      kubeControllerManager: { endpoints: ["192.168.1.10"] },
      kubeEtcd: { enabled: true, endpoints: ["192.168.1.10"] },
      kubeProxy: { endpoints: ["192.168.1.10", "192.168.1.11", "192.168.1.12", "192.168.1.13", "192.168.1.14"] },
      grafana: { persistence: { storageClassName: "longhorn" } },
    });
  });

  it("ends with exactly one default StorageClass", async () => {
    const longhornDefault = (release("longhorn").inputs.values as { persistence: { defaultClass: boolean } }).persistence.defaultClass;
    const localPathStays = !(contribution.disable ?? []).includes("local-storage");
    expect([longhornDefault, localPathStays].filter(Boolean)).toHaveLength(1);
    expect(await valueOf(addons.storageClass)).toBe("longhorn");
  });

  it("keeps the generated Grafana password secret and out of the release values", async () => {
    expect(mocks.byType("random:index/randomPassword:RandomPassword")).toHaveLength(1);
    expect(await isSecret(addons.grafanaAdminPassword!)).toBe(true);
    const stringData = props.get("addons-grafana-admin")!.stringData as Record<string, pulumi.Input<string>>;
    expect(await isSecret(stringData["admin-password"])).toBe(true);
    expect(JSON.stringify(mocks.byType(RELEASE).map((r) => r.inputs))).not.toContain("generated-password");
  });

  it("labels every namespace for privileged pods", () => {
    const nss = mocks.byType("kubernetes:core/v1:Namespace");
    expect(nss.map((n) => (n.inputs.metadata as { name: string }).name).sort()).toEqual(["longhorn-system", "metallb-system", "monitoring"]);
    for (const n of nss) expect(n.inputs.metadata).toMatchObject({ labels: { "pod-security.kubernetes.io/enforce": "privileged" } });
  });
});
