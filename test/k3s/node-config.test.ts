import { parse } from "yaml";
import { parseClusterConfig } from "../../components/k3s/settings";
import { NodeConfigInput, ResolvedContributions, apiUrl, renderConfigYaml, renderNodeConfig } from "../../components/k3s/node-config";
import { loadReference, referenceProblems } from "./support/reference";
import { kubeletMaySet } from "../../components/rules/kubelet-labels";
import { renderMemberScript } from "../../components/k3s/scripts";

const ref = loadReference();
const JOIN = "https://10.0.0.11:6443";
const DB = "postgres://k3s:pw@db:5432/k3s";
const none: ResolvedContributions = { server: {}, all: {}, disable: [] };
const contrib: ResolvedContributions = {
  server: { "etcd-snapshot-schedule-cron": "0 */6 * * *", "kube-apiserver-arg": ["audit-log-maxage=7"] },
  all: { "kubelet-arg": ["max-pods=200"] },
  disable: ["servicelb", "traefik"],
};
const settings = (extra: Record<string, unknown> = {}) =>
  parseClusterConfig({ k3sVersion: "v1.36.3+k3s1", disable: ["traefik", "local-storage"], tlsSans: ["k3s.lan"], apiEndpoint: "10.0.0.100", clusterDomain: "cluster.lan", flannelBackend: "wireguard-native", serverConfig: extra.datastore === "etcd" ? { "etcd-expose-metrics": true } : {}, agentConfig: { "kubelet-arg": ["image-gc-high-threshold=90"], "disable-apiserver-lb": true }, ...extra });
const node = (o: Partial<NodeConfigInput>): NodeConfigInput => ({ name: "n1", role: "server", bootstrap: true, labels: { tier: "edge", "example.com/x": "y" }, taints: ["dedicated=db:NoSchedule"], internalAddress: "10.0.0.11", externalAddress: "203.0.113.11", flannelIface: "eth1", ...o });

const cases: Array<[string, "sqlite" | "etcd" | "postgres", Partial<NodeConfigInput>]> = [
  ["sqlite server", "sqlite", {}],
  ["etcd bootstrap", "etcd", {}],
  ["etcd joiner", "etcd", { bootstrap: false }],
  ["postgres first", "postgres", {}],
  ["postgres second", "postgres", { bootstrap: false }],
  ["agent", "etcd", { role: "agent", bootstrap: false }],
];

describe.each(cases)("%s", (_, datastore, n) => {
  const s = settings({ datastore });
  const plainCfg = renderNodeConfig(s, node(n), JOIN, none, datastore === "postgres" ? DB : undefined);
  const fullCfg = renderNodeConfig(s, node(n), JOIN, contrib, datastore === "postgres" ? DB : undefined);
  const role = n.role ?? "server";

  test("every key is a flag of the role, with the right type", () => {
    expect(referenceProblems(ref, role, plainCfg)).toEqual([]);
    expect(referenceProblems(ref, role, fullCfg)).toEqual([]);
  });

  test("node identity and the token file", () => {
    expect(plainCfg).toMatchObject({
      "token-file": "/etc/rancher/k3s/token",
      "node-name": "n1",
      "node-label": ["tier=edge", "example.com/x=y"],
      "node-taint": ["dedicated=db:NoSchedule"],
      "node-ip": ["10.0.0.11"],
      "node-external-ip": ["203.0.113.11"],
      "flannel-iface": "eth1",
    });
    expect(plainCfg).not.toHaveProperty("token");
  });

  test("the YAML text parses back to the same keys, sorted", () => {
    const text = renderConfigYaml(fullCfg);
    expect(text.startsWith("# Managed by k3s-stacks")).toBe(true);
    expect(parse(text)).toEqual(fullCfg);
    const keys = text.split("\n").filter((l) => /^[a-z]/.test(l)).map((l) => l.split(":")[0]);
    expect(keys).toEqual([...keys].sort());
  });
});

test("bootstrap/join keys per datastore", () => {
  const r = (datastore: string, n: Partial<NodeConfigInput>) => renderNodeConfig(settings({ datastore }), node(n), JOIN, none, datastore === "postgres" ? DB : undefined);
  const pick = (c: Record<string, unknown>) => ({ server: c.server, init: c["cluster-init"], db: c["datastore-endpoint"] });
  expect(pick(r("sqlite", {}))).toEqual({ server: undefined, init: undefined, db: undefined });
  expect(pick(r("etcd", {}))).toEqual({ server: undefined, init: true, db: undefined });
  expect(pick(r("etcd", { bootstrap: false }))).toEqual({ server: JOIN, init: undefined, db: undefined });
  expect(pick(r("postgres", {}))).toEqual({ server: undefined, init: undefined, db: DB });
  expect(pick(r("postgres", { bootstrap: false }))).toEqual({ server: undefined, init: undefined, db: DB });
  expect(pick(r("postgres", { role: "agent", bootstrap: false }))).toEqual({ server: JOIN, init: undefined, db: undefined });
});

test("postgres without an endpoint cannot render", () => {
  expect(() => renderNodeConfig(settings({ datastore: "postgres" }), node({}), JOIN, none)).toThrow(/without an endpoint/);
});

test("server settings: SANs include the API endpoint, disable merges contributions, cluster network", () => {
  const c = renderNodeConfig(settings({ datastore: "etcd" }), node({}), JOIN, contrib);
  expect(c["tls-san"]).toEqual(["k3s.lan", "10.0.0.100"]);
  expect(c.disable).toEqual(["local-storage", "servicelb", "traefik"]);
  expect(c["cluster-cidr"]).toEqual(["10.42.0.0/16"]);
  expect(c["service-cidr"]).toEqual(["10.43.0.0/16"]);
  expect(c["cluster-domain"]).toBe("cluster.lan");
  expect(c["flannel-backend"]).toBe("wireguard-native");
  expect(c["secrets-encryption"]).toBe(true);
  expect(c["write-kubeconfig-mode"]).toBe("0600");
  expect(c["etcd-expose-metrics"]).toBe(true);
  expect(c["etcd-snapshot-schedule-cron"]).toBe("0 */6 * * *");
  // contributions add to the user's lists (k3s passes every entry): the user's agentConfig entry stays
  expect(c["kubelet-arg"]).toEqual(["image-gc-high-threshold=90", "max-pods=200"]);
  // agent-only flags from agentConfig stay off servers
  expect(c).not.toHaveProperty("disable-apiserver-lb");
});

test("agents get agentConfig and contributions for all, nothing server-only", () => {
  const c = renderNodeConfig(settings({ datastore: "etcd" }), node({ role: "agent", bootstrap: false }), JOIN, contrib);
  expect(c["disable-apiserver-lb"]).toBe(true);
  expect(c["kubelet-arg"]).toEqual(["image-gc-high-threshold=90", "max-pods=200"]);
  for (const key of ["tls-san", "disable", "cluster-cidr", "service-cidr", "secrets-encryption", "etcd-expose-metrics", "etcd-snapshot-schedule-cron", "kube-apiserver-arg", "write-kubeconfig-mode", "cluster-domain", "flannel-backend"]) {
    expect(c).not.toHaveProperty(key);
  }
});

// Monitoring's bind addresses once replaced the user's whole lists: proxy-mode=ipvs and the
// controller-manager's own arguments were dropped on every node when monitoring was turned on.
test("a layer's list entries join the user's serverConfig and agentConfig lists instead of replacing them", () => {
  const s = settings({ datastore: "etcd", serverConfig: { "kube-controller-manager-arg": ["terminated-pod-gc-threshold=100"] }, agentConfig: { "kube-proxy-arg": ["proxy-mode=ipvs"] } });
  const monitoring: ResolvedContributions = {
    server: { "kube-controller-manager-arg": ["bind-address=0.0.0.0"], "tls-san": ["lb.example.com", "k3s.lan"] },
    all: { "kube-proxy-arg": ["metrics-bind-address=0.0.0.0:10249"] },
    disable: [],
  };
  const server = renderNodeConfig(s, node({}), JOIN, monitoring);
  expect(server["kube-controller-manager-arg"]).toEqual(["terminated-pod-gc-threshold=100", "bind-address=0.0.0.0"]);
  expect(server["kube-proxy-arg"]).toEqual(["proxy-mode=ipvs", "metrics-bind-address=0.0.0.0:10249"]);
  expect(server["tls-san"]).toEqual(["k3s.lan", "10.0.0.100", "lb.example.com"]);
  const agent = renderNodeConfig(s, node({ role: "agent", bootstrap: false }), JOIN, monitoring);
  expect(agent["kube-proxy-arg"]).toEqual(["proxy-mode=ipvs", "metrics-bind-address=0.0.0.0:10249"]);
  expect(referenceProblems(ref, "server", server)).toEqual([]);
  expect(referenceProblems(ref, "agent", agent)).toEqual([]);
});

test("optional keys are left out when unset", () => {
  const c = renderNodeConfig(parseClusterConfig({ k3sVersion: "v1.36.3+k3s1", secretsEncryption: false }), { name: "x", role: "server", bootstrap: true, labels: {}, taints: [] }, JOIN, none);
  expect(Object.keys(c).sort()).toEqual(["cluster-cidr", "node-name", "service-cidr", "token-file", "write-kubeconfig-mode"]);
});

test("apiUrl brackets IPv6 literals", () => {
  expect(apiUrl("10.0.0.1")).toBe("https://10.0.0.1:6443");
  expect(apiUrl("k3s.lan")).toBe("https://k3s.lan:6443");
  expect(apiUrl("fd00::11")).toBe("https://[fd00::11]:6443");
});

describe("labels the kubelet may not set itself", () => {
  test.each([
    ["node-role.kubernetes.io/worker", false],
    ["kubernetes.io/foo", false],
    ["foo.k8s.io/bar", false],
    ["k8s.io/x", false],
    ["node.kubernetes.io/instance-type", true],
    ["kubelet.kubernetes.io/x", true],
    ["sub.node.kubernetes.io/x", true],
    ["topology.kubernetes.io/zone", true],
    ["kubernetes.io/arch", true],
    ["notkubernetes.io/x", true],
    ["example.com/role", true],
    ["tier", true],
  ])("%s: kubelet may set it: %s", (key, ok) => {
    expect(kubeletMaySet(key)).toBe(ok);
  });

  test("stay out of node-label (k3s would not start) and are left to the member step", () => {
    const labels = { "node-role.kubernetes.io/worker": "true", "node.kubernetes.io/pool": "a", tier: "edge" };
    const c = renderNodeConfig(parseClusterConfig({ k3sVersion: "v1.36.3+k3s1" }), node({ role: "agent", bootstrap: false, labels }), JOIN, none);
    expect(c["node-label"]).toEqual(["node.kubernetes.io/pool=a", "tier=edge"]);
    const member = renderMemberScript({ node: "n1", bootstrap: false, labels, taints: [], drainTimeout: "5m", readyTimeoutSeconds: 60 });
    expect(member).toContain("'node-role.kubernetes.io/worker=true'");
  });
});
