import { parse } from "yaml";
import { rewriteKubeconfig } from "../../components/k3s/kubeconfig";
import { K3S_YAML } from "../stack/support/harness";

interface Kubeconfig {
  clusters: Array<{ name: string; cluster: Record<string, string> }>;
  users: Array<{ name: string; user: Record<string, string> }>;
  contexts: Array<{ name: string; context: { cluster: string; user: string } }>;
  "current-context": string;
}

test("points the server at the host and renames cluster, user and context", () => {
  const kc = parse(rewriteKubeconfig(K3S_YAML, "192.168.1.11", "k3s-homelab")) as Kubeconfig;
  expect(kc.clusters).toEqual([{ name: "k3s-homelab", cluster: { "certificate-authority-data": "Q0EK", server: "https://192.168.1.11:6443" } }]);
  expect(kc.users).toEqual([{ name: "k3s-homelab", user: { "client-certificate-data": "Q0VSVAo=", "client-key-data": "KUBE-SENTINEL-0a9d13" } }]);
  expect(kc.contexts).toEqual([{ name: "k3s-homelab", context: { cluster: "k3s-homelab", user: "k3s-homelab" } }]);
  expect(kc["current-context"]).toBe("k3s-homelab");
});

test("DNS names and IPv6 addresses", () => {
  expect((parse(rewriteKubeconfig(K3S_YAML, "k3s.home.arpa", "x")) as Kubeconfig).clusters[0].cluster.server).toBe("https://k3s.home.arpa:6443");
  expect((parse(rewriteKubeconfig(K3S_YAML, "fd00::11", "x")) as Kubeconfig).clusters[0].cluster.server).toBe("https://[fd00::11]:6443");
});

test("something that is not a kubeconfig is an error, not an empty output", () => {
  expect(() => rewriteKubeconfig("", "h", "x")).toThrow(/not a kubeconfig/);
  expect(() => rewriteKubeconfig("clusters: []\n", "h", "x")).toThrow(/not a kubeconfig/);
});
