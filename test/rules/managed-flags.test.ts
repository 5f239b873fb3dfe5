import { COMPONENT_ARGS, MANAGED_KEYS, argName, managedKeyProblems } from "../../components/rules/managed-flags";
import { parseClusterConfig } from "../../components/k3s/settings";
import { flagType } from "../../components/rules/flags";
import { problem, problemsOf } from "../support/config";

const VERSION = "v1.36.3+k3s1";
const where = (path: Array<string | number>) => `k3s-stacks:cluster.serverConfig${path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("")}`;

describe("managed settings through the components' argument lists (k3s server.go, agent_linux.go)", () => {
  test.each(["--node-ip=10.0.0.1", "-node-ip=10.0.0.1", "node-ip=10.0.0.1", " node-ip=10.0.0.1", "node-ip"])("%s names the kubelet's node-ip", (arg) => {
    expect(argName(arg)).toBe("node-ip");
  });

  test.each([
    ["kubelet-arg", "node-ip=10.0.0.1", "internalAddress"],
    ["kubelet-arg", "--hostname-override=db", "host's name"],
    ["kubelet-arg", "node-labels=a=b", "host's labels"],
    ["kubelet-arg", "register-with-taints=a=b:NoSchedule", "host's taints"],
    ["kubelet-arg", "cluster-domain=corp.local", "clusterDomain"],
    ["kubelet-arg", "cluster-dns=10.43.0.20", "set cluster-dns in serverConfig"],
    ["kube-proxy-arg", "cluster-cidr=10.88.0.0/16", "clusterCidr"],
    ["kube-proxy-arg", "hostname-override=db", "host's name"],
    ["kube-apiserver-arg", "--service-cluster-ip-range=10.96.0.0/12", "serviceCidr"],
    ["kube-apiserver-arg", "etcd-servers=http://db:2379", "datastore: postgres"],
    ["kube-apiserver-arg", "encryption-provider-config=/x.yaml", "secretsEncryption"],
    ["kube-apiserver-arg", "secure-port=7443", "6443"],
    ["kube-controller-manager-arg", "cluster-cidr=10.88.0.0/16", "clusterCidr"],
    ["kube-controller-manager-arg", "service-cluster-ip-range=10.96.0.0/12", "serviceCidr"],
    ["kube-controller-arg", "cluster-cidr=10.88.0.0/16", "clusterCidr"],
    ["kube-cloud-controller-manager-arg", "cluster-cidr=10.88.0.0/16", "clusterCidr"],
    ["kube-cloud-controller-arg", "cluster-cidr=10.88.0.0/16", "clusterCidr"],
    ["etcd-arg", "name=db-1", "host's name"],
    ["etcd-arg", "--advertise-client-urls=https://10.0.0.9:2379", "internalAddress"],
    ["etcd-arg", "listen-peer-urls=https://0.0.0.0:2380", "internalAddress"],
    ["etcd-arg", "initial-cluster=a=https://10.0.0.1:2380", "apiEndpoint"],
    ["etcd-arg", "initial-cluster-state=existing", "apiEndpoint"],
    ["etcd-arg", "data-dir=/mnt/etcd", "default data dir"],
    ["etcd-arg", "force-new-cluster=true", "etcd-restore.sh"],
    ["etcd-arg", "listen-metrics-urls=http://0.0.0.0:2381", "etcd-expose-metrics: true"],
  ])("%s: %s is refused, the fix naming %s", (key, arg, fix) => {
    const { problems } = managedKeyProblems({ [key]: ["v=2", arg] }, "cluster", where);
    expect(problems).toEqual([problem(where([key, 1]), `'${arg.trim()}' sets the`, fix)]);
  });

  test("the appending form (kubelet-arg+) and unrelated arguments", () => {
    expect(managedKeyProblems({ "kubelet-arg+": ["node-ip=10.0.0.1"] }, "cluster", where).problems).toEqual([problem(where(["kubelet-arg+", 0]), "node-ip", "internalAddress")]);
    expect(managedKeyProblems({ "kubelet-arg": ["max-pods=200", "feature-gates=X=true"], "kube-proxy-arg": ["metrics-bind-address=0.0.0.0:10249"] }, "cluster", where).problems).toEqual([]);
    // etcd tuning k3s leaves to the user (etcd configuration flags), and its own defaults it only presets.
    expect(managedKeyProblems({ "etcd-arg": ["quota-backend-bytes=8589934592", "election-timeout=10000", "heartbeat-interval=1000", "auto-compaction-retention=1h", "snapshot-count=5000"] }, "cluster", where).problems).toEqual([]);
  });

  test("every *-arg key mapped is a k3s flag", () => {
    for (const key of Object.keys(COMPONENT_ARGS)) expect(flagType("server", key)).toBe("stringSlice");
  });

  test("through parseClusterConfig: server and agent config alike", () => {
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: VERSION, agentConfig: { "kubelet-arg": ["node-ip=10.0.0.1"] } }))).toEqual([
      problem("k3s-stacks:cluster.agentConfig.kubelet-arg[0]", "kubelet's --node-ip", "set the host's internalAddress"),
    ]);
  });
});

describe("a managed key is reported once, as managed", () => {
  test.each([
    ["serverConfig", "node-name", 5],
    ["serverConfig", "cluster-cidr", 5],
    ["serverConfig", "token", ["a", "b"]],
    ["agentConfig", "cluster-cidr", "10.42.0.0/16"],
  ])("%s.%s: %j", (field, key, value) => {
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: VERSION, [field]: { [key]: value } }))).toEqual([problem(`k3s-stacks:cluster.${field}.${key}`, "is managed by k3s-stacks", "remove it here")]);
  });
});

describe("every managed key and every flag a component argument is mapped to is a k3s flag (shared/reference k3s-flags.json)", () => {
  const isFlag = (key: string) => flagType("server", key) !== undefined || flagType("agent", key) !== undefined;
  test.each(Object.keys(MANAGED_KEYS))("%s", (key) => {
    expect(isFlag(key)).toBe(true);
  });
  test.each([...new Set(Object.values(COMPONENT_ARGS).flatMap((c) => Object.values(c.args)))])("%s (mapped from a *-arg entry)", (flag) => {
    expect(isFlag(flag)).toBe(true);
  });
});
