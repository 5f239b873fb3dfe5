// serverConfig/agentConfig as users write them after reading k3s docs and old issues: flag values
// from a fixed set, flags newer than the pinned release, the command line's spelling of a flag,
// flags k3s removed, and flags that would break what k3s-stacks runs.
import { flagValueProblems } from "../../components/rules/flag-values";
import { credentialFlagProblems } from "../../components/rules/credential-flags";
import { configProblems } from "../../components/rules/flags";
import { parseClusterConfig } from "../../components/k3s/settings";
import { problem, problemsOf } from "../support/config";

const where = (flag: string) => `k3s-stacks:cluster.serverConfig.${flag}`;
const V = "v1.36.3+k3s1";

describe("values k3s takes from a fixed set (egress-selector-mode, secrets-encryption-provider)", () => {
  test.each([["egress-selector-mode", "podd", "'pod'"], ["egress-selector-mode", "Disabled", "'disabled'"], ["secrets-encryption-provider", "aesgcm", "one of aescbc, secretbox"]])("%s: %s is refused", (flag, value, fix) => {
    expect(flagValueProblems({ [flag]: value }, V, where)).toEqual([problem(where(flag), `'${value}' is not a value k3s takes`, fix)]);
  });

  test.each([["egress-selector-mode", "agent"], ["egress-selector-mode", "cluster"], ["egress-selector-mode", "pod"], ["egress-selector-mode", "disabled"], ["secrets-encryption-provider", "aescbc"], ["snapshotter", "stargz"]])("%s: %s is accepted", (flag, value) => {
    expect(flagValueProblems({ [flag]: value }, V, where)).toEqual([]);
  });
});

describe("secrets-encryption-provider came with the April 2025 releases (k3s docs, Secrets Encryption)", () => {
  test.each([["v1.30.11+k3s1", "v1.30.12+k3s1"], ["v1.31.7+k3s1", "v1.31.8+k3s1"], ["v1.32.3+k3s2", "v1.32.4+k3s1"]])("%s does not know it: pin %s", (version, fix) => {
    expect(flagValueProblems({ "secrets-encryption-provider": "secretbox" }, version, where)).toEqual([problem(where("secrets-encryption-provider"), `k3s ${version} does not know`, `pin ${fix} or newer`)]);
  });

  test.each(["v1.30.12+k3s1", "v1.31.8+k3s1", "v1.32.4+k3s1", "v1.33.0+k3s1", "v1.33.0-rc1+k3s1", "v1.36.3+k3s1"])("%s takes it", (version) => {
    expect(flagValueProblems({ "secrets-encryption-provider": "secretbox" }, version, where)).toEqual([]);
  });

  test("through the stack's cluster settings", () => {
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: "v1.31.2+k3s1", serverConfig: { "secrets-encryption-provider": "secretbox" } }))).toEqual([
      problem("k3s-stacks:cluster.serverConfig.secrets-encryption-provider", "does not know", "pin v1.31.8+k3s1 or newer"),
    ]);
  });
});

describe("flag names k3s does not know, with the one meant", () => {
  const at = "k3s-stacks:cluster.serverConfig";
  test.each([
    ["--write-kubeconfig-mode", "0644", "write it without the dashes, as config.yaml keys are written: write-kubeconfig-mode"],
    ["no-deploy", ["traefik", "servicelb"], "disable: [traefik, servicelb] (k3s removed no-deploy in v1.25)"],
    ["disable-traefik", true, "disable: [traefik]"],
    ["kube-apiserver-args", ["x=y"], "did you mean 'kube-apiserver-arg'?"],
    ["etcd-expose-metric", true, "did you mean 'etcd-expose-metrics'?"],
    ["frobnicate", true, "remove it or use a flag from 'k3s server --help'"],
  ])("%s", (key, value, fix) => {
    expect(configProblems("server", { [key]: value }, at)).toEqual([problem(at, `'${key}' is not a k3s server flag`, fix)]);
  });

  test("a server-only flag in agentConfig names no near agent flag", () => {
    expect(configProblems("agent", { "cluster-init": true }, "k3s-stacks:cluster.agentConfig")).toEqual([problem("k3s-stacks:cluster.agentConfig", "server-only flag", "k3s agent --help")]);
  });
});

describe("flags that would break what k3s-stacks runs are refused with the reason", () => {
  test.each([
    ["disable-agent", true, "membership step waits for the Node"],
    ["disable-apiserver", true, "no server would run the API server"],
    ["disable-etcd", true, "none would hold the datastore"],
    ["disable-scheduler", true, "no server would schedule pods"],
    ["disable-controller-manager", true, "no server would run kube-controller-manager"],
    ["disable-kube-proxy", true, "installs nothing that replaces kube-proxy"],
    ["agent-token", "K10abc", "plain text"],
    ["agent-token-file", "/etc/k3s/agent-token", "nothing writes this file"],
  ])("%s", (key, value, why) => {
    const problems = problemsOf(() => parseClusterConfig({ k3sVersion: V, serverConfig: { [key]: value } }));
    expect(problems).toEqual([problem(`k3s-stacks:cluster.serverConfig.${key}`, "is managed by k3s-stacks", why)]);
    expect(problems.join("\n")).not.toContain("K10abc");
  });
});

describe("flags of one datastore, which k3s ignores with another (k3s docs, Cluster Datastore)", () => {
  test.each([
    ["sqlite", "etcd-expose-metrics", true, "datastore: etcd"],
    ["postgres", "etcd-arg", ["quota-backend-bytes=8589934592"], "datastore: etcd"],
    ["sqlite", "etcd-disable-snapshots", true, "datastore: etcd"],
    ["etcd", "datastore-cafile", "/etc/ssl/db-ca.pem", "datastore: postgres"],
  ])("datastore %s with %s is refused", (datastore, flag, value, fix) => {
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: V, datastore, serverConfig: { [flag]: value } }))).toEqual([
      problem(`k3s-stacks:cluster.serverConfig.${flag}`, `acts only on ${fix}, but k3s-stacks:cluster.datastore is ${datastore}`, `set k3s-stacks:cluster.datastore: ${fix.split(": ")[1]}`),
    ]);
  });

  test.each([["etcd", "etcd-expose-metrics", true], ["etcd", "etcd-arg", ["quota-backend-bytes=8589934592"]], ["postgres", "datastore-cafile", "/etc/ssl/db-ca.pem"]])("datastore %s with %s is accepted", (datastore, flag, value) => {
    expect(parseClusterConfig({ k3sVersion: V, datastore, serverConfig: { [flag]: value } }).serverConfig[flag]).toEqual(value);
  });
});

describe("credentials in serverConfig/agentConfig (plain settings) are refused, naming the file flag k3s reads instead", () => {
  const KEY = "name=tailscale,joinKey=tskey-auth-kXYZ";
  test.each(["serverConfig", "agentConfig"])("vpn-auth in %s", (field) => {
    const problems = problemsOf(() => parseClusterConfig({ k3sVersion: V, [field]: { "vpn-auth": KEY } }));
    expect(problems).toEqual([problem(`k3s-stacks:cluster.${field}.vpn-auth`, "holds the VPN's join key (joinKey) in clear text, so it would be stored unencrypted in the stack file", "set vpn-auth-file: /etc/rancher/k3s/vpn-auth here instead")]);
    expect(problems.join("\n")).not.toContain("tskey");
  });

  test("for a library user the fix is a secret contribution or a secret node file", () => {
    const problems = problemsOf(() => parseClusterConfig({ k3sVersion: V, agentConfig: { "vpn-auth": KEY } }));
    expect(problems).toHaveLength(1);
    expect(credentialFlagProblems({ "vpn-auth": KEY }, { arg: "K3sCluster.args" }, (k) => `K3sCluster.args.agentConfig.${k}`)).toEqual([
      problem("K3sCluster.args.agentConfig.vpn-auth", "stored unencrypted in the Pulumi state", "a contribution with secret: true (`contributions` in K3sCluster's args)"),
    ]);
  });

  test("vpn-auth-file (a path) is accepted", () => {
    expect(parseClusterConfig({ k3sVersion: V, agentConfig: { "vpn-auth-file": "/etc/rancher/k3s/vpn-auth" } }).agentConfig["vpn-auth-file"]).toBe("/etc/rancher/k3s/vpn-auth");
  });
});

describe("kube-proxy's proxy-mode (kube-proxy-arg)", () => {
  const at = (field: string) => `k3s-stacks:cluster.${field}.kube-proxy-arg[0]`;
  test.each([["ipsv", "proxy-mode=ipvs"], ["IPVS", "proxy-mode=ipvs"], ["userspace", "one of iptables, ipvs, nftables"]])("proxy-mode=%s is refused: kube-proxy has no such mode", (mode, fix) => {
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: V, agentConfig: { "kube-proxy-arg": [`proxy-mode=${mode}`] } }))).toEqual([problem(at("agentConfig"), `proxy-mode=${mode} is not a kube-proxy mode`, fix)]);
  });

  test("nftables before Kubernetes 1.31 needs its feature gate; from 1.31 it is on", () => {
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: "v1.30.14+k3s1", serverConfig: { "kube-proxy-arg": ["proxy-mode=nftables"] } }))).toEqual([
      problem(at("serverConfig"), "needs kube-proxy's NFTablesProxyMode feature gate before Kubernetes 1.31", "pin k3s v1.31 or newer, or add feature-gates=NFTablesProxyMode=true"),
    ]);
    expect(parseClusterConfig({ k3sVersion: "v1.30.14+k3s1", serverConfig: { "kube-proxy-arg": ["proxy-mode=nftables", "feature-gates=NFTablesProxyMode=true"] } }).serverConfig["kube-proxy-arg"]).toHaveLength(2);
    expect(parseClusterConfig({ k3sVersion: "v1.31.14+k3s1", serverConfig: { "kube-proxy-arg": "proxy-mode=nftables" } }).serverConfig["kube-proxy-arg"]).toEqual(["proxy-mode=nftables"]);
  });

  test.each(["iptables", "ipvs", "nftables"])("proxy-mode=%s is accepted", (mode) => {
    expect(parseClusterConfig({ k3sVersion: V, agentConfig: { "kube-proxy-arg": [`--proxy-mode=${mode}`] } }).agentConfig["kube-proxy-arg"]).toEqual([`--proxy-mode=${mode}`]);
  });
});

describe("system-default-registry is a registry host[:port] k3s writes before its system images (<registry>/<image>)", () => {
  test.each([
    ["https://registry.example.com", "is a URL (https://)", "'registry.example.com'"],
    ["reg.local:5000/", "ends in '/'", "'reg.local:5000'"],
    ["reg.local:70000", "outside 1-65535", "such as reg.local:5000"],
  ])("%s is refused", (value, why, fix) => {
    expect(flagValueProblems({ "system-default-registry": value }, V, where)).toEqual([problem(where("system-default-registry"), why, `write the registry as host[:port], ${fix}`)]);
  });

  test.each(["reg.local:5000", "registry.example.com/mirror", "10.0.0.5:5000", "[fd00::5]:5000"])("%s is accepted", (value) => {
    expect(flagValueProblems({ "system-default-registry": value }, V, where)).toEqual([]);
  });
});

test("secrets-encryption-provider with secretsEncryption off, which k3s ignores", () => {
  expect(problemsOf(() => parseClusterConfig({ k3sVersion: V, secretsEncryption: false, serverConfig: { "secrets-encryption-provider": "secretbox" } }))).toEqual([
    problem("k3s-stacks:cluster.serverConfig.secrets-encryption-provider", "secretsEncryption is false, so k3s would ignore it", "remove it, or set secretsEncryption: true"),
  ]);
  expect(parseClusterConfig({ k3sVersion: V, serverConfig: { "secrets-encryption-provider": "secretbox" } }).secretsEncryption).toBe(true);
});

describe("service-node-port-range as k3s parses it at start (apimachinery PortRange: low-high, low+offset or one port, at most 65535)", () => {
  test.each([
    ["30000-29000", "ends below its start", "'29000-30000'"],
    ["30000:32767", "is not a port range", "'30000-32767'"],
    ["30000 - 32767", "is not a port range", "'30000-32767'"],
    ["30000-70000", "goes past 65535", "65535 or below"],
    ["65000+1000", "goes past 65535", "65535 or below"],
    ["nodeports", "is not a port range", "'30000-32767'"],
  ])("%s is refused", (value, what, fix) => {
    expect(flagValueProblems({ "service-node-port-range": value }, V, where)).toEqual([problem(where("service-node-port-range"), new RegExp(`'${value.replace(/[+]/g, "\\+")}' ${what}.*stops at start`), fix)]);
  });

  test.each(["30000-32767", " 20000-22767 ", "30000+2767", "32000"])("%s is accepted", (value) => {
    expect(flagValueProblems({ "service-node-port-range": value }, V, where)).toEqual([]);
  });

  test("kube-apiserver's own flag through kube-apiserver-arg is held to the same parser", () => {
    expect(flagValueProblems({ "kube-apiserver-arg": ["v=2", "service-node-port-range=32767-30000"] }, V, where)).toEqual([
      problem(where("kube-apiserver-arg[1]"), /'32767-30000' ends below its start; kube-apiserver .* exits at start/, "'30000-32767'"),
    ]);
  });
});
