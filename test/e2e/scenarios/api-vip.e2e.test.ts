/**
 * A managed API VIP (cluster.apiVip) with the real Pulumi engine against the k3s stand-ins: the VIP
 * is in every server's tls-san from the first start, kube-vip's manifests are in every server's
 * auto-deploy directory, the second and third servers and the agent join through the VIP, and the
 * kubeconfig output points at it. The stand-in k3s serves a cluster on every tls-san address it
 * starts with, which is what kube-vip does for real once a server holds the VIP (no kube-vip runs
 * here).
 */
import { parse } from "yaml";
import { startLab, TestLab } from "../hosts";
import { AG3, SERVERS, V1, clusterConfig, k3sLeftovers } from "./fixture";
import { E2eStack } from "./stack";
import { KUBE_VIP_DAEMONSET_FILE, KUBE_VIP_RBAC_FILE } from "../../../components/addons/kube-vip";

jest.setTimeout(900_000);

let lab: TestLab;
let e2e: E2eStack;
let vip: string;

beforeAll(async () => {
  lab = startLab([{ name: "srv1" }, { name: "srv2" }, { name: "srv3" }, { name: "ag3" }], { versions: [V1] });
  // A free host address on the servers' /24, as a user would pick one outside DHCP.
  vip = lab.host("srv1").address.replace(/\.\d+$/, ".250");
  e2e = await E2eStack.create(lab, "vip");
}, 3_600_000);

afterAll(() => {
  e2e?.cleanup();
  lab?.down();
});

const HOSTS = [...SERVERS, AG3];

test("create: the VIP is in tls-san and the manifests directory on the servers, and joins and the kubeconfig use it", async () => {
  await e2e.configure(HOSTS, V1, { cluster: { ...clusterConfig(lab, V1), apiVip: { address: vip } } });
  const r = await e2e.up("create");
  expect(r.summary.result).toBe("succeeded");
  expect(lab.nodes("srv1").map((n) => n.name).sort()).toEqual(["ag3", "srv1", "srv2", "srv3"]);

  for (const h of ["srv1", "srv2", "srv3"]) {
    const config = parse(lab.readFile(h, "/etc/rancher/k3s/config.yaml") ?? "") as Record<string, unknown>;
    expect({ h, sans: config["tls-san"] }).toEqual({ h, sans: [vip] });
    const ds = lab.readFile(h, KUBE_VIP_DAEMONSET_FILE) ?? "";
    expect(ds).toContain("kind: DaemonSet");
    expect(ds).toContain(`value: ${vip}`);
    expect(lab.readFile(h, KUBE_VIP_RBAC_FILE)).toContain("kind: ClusterRoleBinding");
  }
  for (const h of ["srv2", "srv3", "ag3"]) {
    const config = parse(lab.readFile(h, "/etc/rancher/k3s/config.yaml") ?? "") as Record<string, unknown>;
    expect({ h, server: config.server }).toEqual({ h, server: `https://${vip}:6443` });
  }
  expect(lab.readFile("ag3", KUBE_VIP_DAEMONSET_FILE)).toBeUndefined();
  expect(r.outputs.apiEndpoint.value).toBe(vip);
  expect(r.outputs.kubeconfig.secret).toBe(true);
  const kc = parse(r.outputs.kubeconfig.value as string) as { clusters: Array<{ cluster: { server: string } }> };
  expect(kc.clusters[0].cluster.server).toBe(`https://${vip}:6443`);
});

test("a second up changes nothing; destroy leaves every host clean", async () => {
  expect((await e2e.up("no-change", { expectNoChanges: true })).summary.result).toBe("succeeded");
  expect((await e2e.destroy("destroy")).summary.result).toBe("succeeded");
  for (const h of ["srv1", "srv2", "srv3", "ag3"]) expect({ h, left: k3sLeftovers(lab, h) }).toEqual({ h, left: [] });
});
