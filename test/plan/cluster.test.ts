import { parseClusterConfig } from "../../components/k3s/settings";
import { ConfigError } from "../../components/rules/errors";
import { problem, problemsOf } from "../support/config";

const V = "v1.36.3+k3s1";

describe("k3s-stacks:cluster", () => {
  // k3s's disable takes only packaged components; controllers have flags of their own (disable-helm-controller, ...).
  test("a controller in disable gets its own disable-<name> flag as the fix, or why k3s-stacks refuses that flag", () => {
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: V, disable: "traefik,helm-controller" }))).toEqual([
      problem("k3s-stacks:cluster.disable[1]", "is not one of the packaged components disable takes", "set serverConfig: { disable-helm-controller: true }"),
    ]);
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: V, disable: ["network-policy"] }))).toEqual([problem("k3s-stacks:cluster.disable[0]", "its own flag disable-network-policy", "disable-network-policy: true")]);
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: V, disable: ["kube-proxy"] }))).toEqual([problem("k3s-stacks:cluster.disable[0]", "which k3s-stacks refuses: k3s-stacks installs nothing that replaces kube-proxy", "remove 'kube-proxy' from disable")]);
  });

  test("a minimal config gets the documented defaults", () => {
    const s = parseClusterConfig({ k3sVersion: V });
    expect(s).toMatchObject({ datastore: "sqlite", disable: [], tlsSans: [], clusterCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", secretsEncryption: true, installScriptUrl: "https://get.k3s.io", drainTimeout: "5m" });
  });

  test("an unknown datastore names the key and the valid choices", () => {
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: V, datastore: "mysql" }))).toEqual([
      problem("k3s-stacks:cluster.datastore", "", /"sqlite", "etcd", "postgres"/),
    ]);
  });

  test.each(["stable", "latest", "1.36.3", "v1.36.3", "v1.36.3+k3s", "v1.36+k3s1", "1.36.3+k3s1"])("version %s is not a k3s release tag", (v) => {
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: v }))).toEqual([
      problem("k3s-stacks:cluster.k3sVersion", "is not a k3s release tag", "v1.36.3+k3s1"),
    ]);
  });

  test.each(["v1.36.3+k3s1", "v1.33.10+k3s2", "v1.37.0-rc1+k3s1"])("version %s is a release tag", (v) => {
    expect(parseClusterConfig({ k3sVersion: v }).k3sVersion).toBe(v);
  });

  test("a missing version is required, a number is the wrong type", () => {
    expect(problemsOf(() => parseClusterConfig({}))).toEqual([problem("k3s-stacks:cluster.k3sVersion", "is required", "set it")]);
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: 1.36 }))).toEqual([problem("k3s-stacks:cluster.k3sVersion", "is the number 1.36, as YAML reads an unquoted version", /starts with 'v'.*v1\.36\.3\+k3s1/)]);
  });

  test("a typo at the top level is an unknown key, not silently ignored", () => {
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: V, datastor: "etcd" }))).toEqual([
      problem("k3s-stacks:cluster", "unknown key(s) 'datastor'", "correct the spelling"),
    ]);
  });

  test("a datastore URL inside the cluster object is refused with the secret fix", () => {
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: V, datastore: "postgres", datastoreEndpoint: "postgres://u:p@h/k3s" }))).toEqual([
      problem("k3s-stacks:cluster.datastoreEndpoint", "must not be plain config", "pulumi config set --secret k3s-stacks:datastoreEndpoint"),
    ]);
  });

  test("serverConfig keys that are no k3s server flag are refused", () => {
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: V, serverConfig: { "kube-apiserver-args": ["x=y"] } }))).toEqual([
      problem("k3s-stacks:cluster.serverConfig", "'kube-apiserver-args' is not a k3s server flag", "did you mean 'kube-apiserver-arg'?"),
    ]);
  });

  test("a server-only key in agentConfig is refused and called server-only", () => {
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: V, agentConfig: { "kube-apiserver-arg": ["x=y"] } }))).toEqual([
      problem("k3s-stacks:cluster.agentConfig", "'kube-apiserver-arg' is not a k3s agent flag (it is a server-only flag)", "k3s agent --help"),
    ]);
  });

  test.each([
    ["serverConfig", "cluster-init", true],
    ["serverConfig", "datastore-endpoint", "postgres://x"],
    ["serverConfig", "tls-san+", ["a"]],
    ["agentConfig", "node-label", ["a=b"]],
    ["agentConfig", "server", "https://x:6443"],
    ["agentConfig", "token", "t"],
  ])("%s.%s is managed by k3s-stacks", (field, key, value) => {
    const problems = problemsOf(() => parseClusterConfig({ k3sVersion: V, [field]: { [key]: value } }));
    expect(problems).toContainEqual(problem(`k3s-stacks:cluster.${field}.${key}`, "is managed by k3s-stacks", "remove it here"));
  });

  test.each([
    ["serverConfig", "cluster-cidr", ["192.168.0.0/16"], "set clusterCidr"],
    ["serverConfig", "service-cidr", ["10.0.0.0/8"], "set serviceCidr"],
    ["serverConfig", "flannel-backend", "host-gw", "set flannelBackend"],
    ["serverConfig", "secrets-encryption", false, "set secretsEncryption"],
    ["serverConfig", "cluster-reset", true, "scripts/etcd-restore.sh"],
    ["serverConfig", "etcd-snapshot-schedule-cron", "0 * * * *", "k3s-stacks:snapshots"],
    ["serverConfig", "etcd-s3-bucket", "b", "k3s-stacks:snapshots.s3"],
    ["agentConfig", "with-node-id", true, "host names must be unique"],
    ["agentConfig", "node-external-ip", ["1.2.3.4"], "externalAddress"],
  ])("%s.%s would override a setting k3s-stacks checks, or stop k3s: refused naming the setting", (field, key, value, fix) => {
    const problems = problemsOf(() => parseClusterConfig({ k3sVersion: V, [field]: { [key]: value } }));
    expect(problems).toContainEqual(problem(`k3s-stacks:cluster.${field}.${key}`, "is managed by k3s-stacks", fix));
  });

  test("flag values of the wrong type are refused with an example", () => {
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: V, serverConfig: { debug: "yes", "kubelet-arg": 50, v: 1.5, "servicelb-namespace": 5 } }))).toEqual([
      problem("k3s-stacks:cluster.serverConfig", "'debug' must be true or false", "debug: true"),
      problem("k3s-stacks:cluster.serverConfig", "'kubelet-arg' must be a string or a list of strings", "kubelet-arg: [value1, value2]"),
      problem("k3s-stacks:cluster.serverConfig", "'v' must be a whole number", "v: 10"),
      problem("k3s-stacks:cluster.serverConfig", "'servicelb-namespace' must be a string", "value"),
    ]);
  });

  test("valid extra flags are kept as given", () => {
    const s = parseClusterConfig({ k3sVersion: V, serverConfig: { "kube-apiserver-arg": ["audit-log-maxage=7"], v: 2 }, agentConfig: { "kubelet-arg+": ["max-pods=50"] } });
    expect(s.serverConfig).toEqual({ "kube-apiserver-arg": ["audit-log-maxage=7"], v: 2 });
    expect(s.agentConfig).toEqual({ "kubelet-arg+": ["max-pods=50"] });
  });

  test("every bad field is reported together in one error", () => {
    let err: unknown;
    try {
      parseClusterConfig({ k3sVersion: "latest", datastore: "mysql", disable: ["nginx"], tlsSans: { host: "k3s.lan" }, clusterCidr: "10.42.0.0", drainTimeout: "5 minutes", installScriptUrl: "get.k3s.io", secretsEncryption: "yes" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems).toEqual(expect.arrayContaining([
      problem("k3s-stacks:cluster.k3sVersion", "release tag", "v1.36.3+k3s1"),
      problem("k3s-stacks:cluster.datastore", "", "sqlite"),
      problem("k3s-stacks:cluster.disable[0]", "", "traefik"),
      problem("k3s-stacks:cluster.tlsSans", "must be a list, not a mapping", "write its values as a list: [ k3s.lan ]"),
      problem("k3s-stacks:cluster.clusterCidr", "not a valid CIDR", "10.42.0.0/16"),
      problem("k3s-stacks:cluster.drainTimeout", "not a duration", "5m"),
      problem("k3s-stacks:cluster.installScriptUrl", "is not a URL", "https://"),
      problem("k3s-stacks:cluster.secretsEncryption", "must be true or false", "write true, without quotes"),
    ]));
    expect(problems).toHaveLength(8);
    // One message lists them all, one line each.
    for (const p of problems) expect((err as Error).message).toContain(`  - ${p}`);
  });

  // k3s splits disable and tls-san on commas itself, so its one-string form is taken as k3s takes it.
  test("disable and tlsSans as one string, comma-separated as k3s reads them; a space after a comma in tlsSans is named", () => {
    const s = parseClusterConfig({ k3sVersion: V, disable: "traefik,servicelb", tlsSans: "k3s.lan" });
    expect(s.disable).toEqual(["traefik", "servicelb"]);
    expect(s.tlsSans).toEqual(["k3s.lan"]);
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: V, tlsSans: "k3s.lan, 10.0.0.1" }))).toEqual([problem("k3s-stacks:cluster.tlsSans[1]", "' 10.0.0.1' has spaces around it", "write '10.0.0.1'")]);
  });

  // k3s trims each disable entry after splitting (pkg/cli/server/server.go strings.TrimSpace), so these are valid.
  test.each([["traefik, servicelb"], [" traefik , metrics-server "], [["traefik", " servicelb"]]])("disable %j is taken trimmed, as k3s trims it", (disable) => {
    expect(parseClusterConfig({ k3sVersion: V, disable }).disable).toEqual(expect.arrayContaining(["traefik"]));
    expect(parseClusterConfig({ k3sVersion: V, disable }).disable.every((d: string) => d === d.trim())).toBe(true);
  });
});
