// K3sCluster's contributions and files reach config.yaml as the user's serverConfig/agentConfig do, so
// they are held to checkClusterSettings's rules on the merged config each role's nodes receive: an
// entry the kubelet or another component exits on, a proxy-mode kube-proxy refuses, a flag of another
// datastore, and a file that is or adds to k3s's configuration. Each refusal names the contribution's
// key (or the file's path), says what is wrong and a fix, and nothing is registered.
import { refusalProblems } from "./support/refusal";
import { installMocks, MockState } from "../support/mocks";
import { drain, mockOutputs } from "../stack/support/harness";
import { K3sCluster, NodeArgs } from "../../components";

const VERSION = "v1.35.4+k3s1";
const node = (name: string, host: string, role: NodeArgs["role"] = "server"): NodeArgs => ({ name, role, arch: "arm64", connection: { host } });
const nodes = [node("s1", "192.168.1.11"), node("a1", "192.168.1.21", "agent")];
type Args = Partial<ConstructorParameters<typeof K3sCluster>[1]>;

let state: MockState;
beforeAll(async () => {
  state = await installMocks({ outputs: (type, name) => mockOutputs(type, name) });
});

const problemsOf = (args: Args): Promise<string[]> => refusalProblems(state, () => new K3sCluster("bad", { version: VERSION, nodes, ...args }));
const accepted = async (args: Args) => {
  expect(() => new K3sCluster(`ok-${Math.random().toString(36).slice(2, 8)}`, { version: VERSION, nodes, ...args })).not.toThrow();
  await drain();
};
const C = "K3sCluster.args.contributions";

describe("the kubelet's flags and the feature gates of the pinned Kubernetes release", () => {
  test("a contribution's unknown or dropped kubelet flag and unknown gate name its own entry, once for an `all` entry both roles receive", async () => {
    expect(await problemsOf({
      agentConfig: { "kubelet-arg": ["max-pods=110"] },
      contributions: [
        { all: { "kubelet-arg": ["max-pods=110", "maxPods=110"] } },
        { server: { "kubelet-arg": ["pod-infra-container-image=registry.lan/pause:3.10"], "kube-apiserver-arg": ["feature-gates=NoSuchGate=true"] } },
      ],
    })).toEqual([
      expect.stringMatching(new RegExp(`^${C.replace(/\./g, "\\.")}\\[0\\]\\.all\\.kubelet-arg\\[1\\]: 'maxPods=110': the kubelet of Kubernetes 1\\.35 .* has no flag --maxPods.*Fix: write 'max-pods=110'\\.$`)),
      expect.stringMatching(/^K3sCluster\.args\.contributions\[1\]\.server\.kubelet-arg\[0\]: 'pod-infra-container-image=registry\.lan\/pause:3\.10': .* no longer has the flag .*Fix: remove the entry; use k3s's own pause-image setting/),
      expect.stringMatching(/^K3sCluster\.args\.contributions\[1\]\.server\.kube-apiserver-arg\[0\]: 'feature-gates=NoSuchGate=true': Kubernetes 1\.35 has no feature gate NoSuchGate; .*Fix: /),
    ]);
  });

  test("the user's own bad entry is reported once, by the serverConfig/agentConfig check, not again for the merged config", async () => {
    expect(await problemsOf({ agentConfig: { "kubelet-arg": ["maxPods=110"] }, contributions: [{ all: { "kube-proxy-arg": ["metrics-bind-address=0.0.0.0:10249"] } }] })).toEqual([
      expect.stringMatching(/^K3sCluster\.args\.agentConfig\.kubelet-arg\[0\]: 'maxPods=110': .*Fix: write 'max-pods=110'\.$/),
    ]);
  });

  test("known flags and gates in a contribution, and values not known yet, are accepted", async () => {
    await accepted({ contributions: [{ all: { "kubelet-arg": ["max-pods=150", "feature-gates=NodeSwap=true"] }, server: { "kube-apiserver-arg": ["audit-log-maxage=30"] } }] });
  });
});

describe("entries that stop a component instead of running it", () => {
  test("version and help in a contribution or in the user's settings name the entry and the fix; version=false is a no-op and passes", async () => {
    expect(await problemsOf({
      serverConfig: { "kube-apiserver-arg": ["help"] },
      contributions: [{ all: { "kubelet-arg": ["version"] } }, { server: { "kube-scheduler-arg": ["--version=raw"], "kube-controller-manager-arg": ["version=false"] } }],
    })).toEqual([
      "K3sCluster.args.serverConfig.kube-apiserver-arg[0]: 'help' makes the kube-apiserver print its usage and stop instead of running (k3s passes it as --help=true), so k3s never gets Ready on the node. Fix: remove the entry.",
      "K3sCluster.args.contributions[0].all.kubelet-arg[0]: 'version' makes the kubelet print its version and exit instead of running (k3s passes it as --version=true), so k3s never gets Ready on the node. Fix: remove the entry ('k3s --version' on a node prints the version it runs).",
      expect.stringMatching(/^K3sCluster\.args\.contributions\[1\]\.server\.kube-scheduler-arg\[0\]: '--version=raw' makes the kube-scheduler print its version and exit .*Fix: remove the entry/),
    ]);
  });
});

describe("kube-proxy's proxy-mode on the merged list", () => {
  test("a mode kube-proxy does not have, from a contribution, names the contribution's entry", async () => {
    expect(await problemsOf({ contributions: [{ all: { "kube-proxy-arg": ["metrics-bind-address=0.0.0.0:10249", "proxy-mode=ipsv"] } }] })).toEqual([
      expect.stringMatching(/^K3sCluster\.args\.contributions\[0\]\.all\.kube-proxy-arg\[1\]: proxy-mode=ipsv is not a kube-proxy mode; .*Fix: use proxy-mode=ipvs/),
    ]);
  });

  test("nftables before Kubernetes 1.31 needs its gate, which may come from the user's list: judged on what the node receives", async () => {
    const contributions = [{ all: { "kube-proxy-arg": ["proxy-mode=nftables"] } }];
    await accepted({ version: "v1.32.13+k3s1", contributions });
    expect(await problemsOf({ version: "v1.30.14+k3s1", contributions })).toEqual([
      expect.stringMatching(/^K3sCluster\.args\.contributions\[0\]\.all\.kube-proxy-arg\[0\]: proxy-mode=nftables needs kube-proxy's NFTablesProxyMode feature gate before Kubernetes 1\.31 .*Fix: pin k3s v1\.31 or newer, or add feature-gates=NFTablesProxyMode=true/),
    ]);
    await accepted({ version: "v1.30.14+k3s1", agentConfig: { "kube-proxy-arg": ["feature-gates=NFTablesProxyMode=true"] }, contributions });
  });
});

describe("flags of a datastore the cluster does not use", () => {
  test("embedded etcd's flags from a contribution on sqlite name the contribution and the datastore argument", async () => {
    expect(await problemsOf({ contributions: [{ server: { "etcd-expose-metrics": true, "etcd-arg": ["quota-backend-bytes=8589934592"] } }] })).toEqual([
      "K3sCluster.args.contributions[0].server.etcd-expose-metrics: acts only on datastore: etcd, but K3sCluster.args.datastore is sqlite, so k3s would ignore it. Fix: remove it, or set K3sCluster.args.datastore: etcd.",
      "K3sCluster.args.contributions[0].server.etcd-arg: acts only on datastore: etcd, but K3sCluster.args.datastore is sqlite, so k3s would ignore it. Fix: remove it, or set K3sCluster.args.datastore: etcd.",
    ]);
    await accepted({ datastore: "etcd", nodes: [node("s1", "192.168.1.11")], contributions: [{ server: { "etcd-expose-metrics": true } }] });
  });
});

describe("kubelet max-pods against each node's pod range", () => {
  test("a contribution's max-pods above a /24's addresses names its entry; one a contribution's node-cidr-mask-size leaves too large names the user's", async () => {
    expect(await problemsOf({ contributions: [{ all: { "kubelet-arg": ["max-pods=400"] } }] })).toEqual([
      expect.stringMatching(/^K3sCluster\.args\.contributions\[0\]\.all\.kubelet-arg\[0\]: max-pods=400 is more than the 253 pod addresses in each node's \/24 pod range .*Fix: use max-pods=253 or less/),
    ]);
    expect(await problemsOf({ agentConfig: { "kubelet-arg": ["max-pods=110"] }, contributions: [{ server: { "kube-controller-manager-arg": ["node-cidr-mask-size-ipv4=26"] } }] })).toEqual([
      expect.stringMatching(/^K3sCluster\.args\.agentConfig\.kubelet-arg\[0\]: max-pods=110 is more than the 61 pod addresses in each node's \/26 pod range .*Fix: use max-pods=61 or less/),
    ]);
    await accepted({ contributions: [{ server: { "kube-controller-manager-arg": ["node-cidr-mask-size-ipv4=23"] }, all: { "kubelet-arg": ["max-pods=400"] } }] });
  });
});

describe("files that are, or add to, k3s's configuration", () => {
  test("config.yaml, a config.yaml.d drop-in in any spelling, the token file and k3s-stacks' records are refused naming the entry", async () => {
    const files = ["/etc/rancher/k3s/config.yaml", "/etc/rancher/k3s//config.yaml.d/./90-mine.yml", "/etc/rancher/k3s/config.yaml.d/50-k3s-stacks-x.yaml", "/etc/rancher/k3s/token", "/var/lib/rancher/k3s-stacks/rollout/x"].map((path) => ({ path, content: "kubelet-arg: [version]\n" }));
    const problems = await problemsOf({ files });
    expect(problems).toEqual([
      expect.stringMatching(/^K3sCluster\.args\.files\[0\]\.path: '\/etc\/rancher\/k3s\/config\.yaml' is k3s's configuration file, .*Fix: pass its keys in `serverConfig` in K3sCluster's args or `agentConfig` in K3sCluster's args, or in a contribution \(`contributions` in K3sCluster's args\), where they are checked/),
      expect.stringMatching(/^K3sCluster\.args\.files\[1\]\.path: '\/etc\/rancher\/k3s\/\/config\.yaml\.d\/\.\/90-mine\.yml' is a drop-in k3s reads after \/etc\/rancher\/k3s\/config\.yaml, .*Fix: pass its keys in /),
      expect.stringMatching(/^K3sCluster\.args\.files\[2\]\.path: .* is a drop-in k3s reads after /),
      expect.stringMatching(/^K3sCluster\.args\.files\[3\]\.path: '\/etc\/rancher\/k3s\/token' holds the join token .*Fix: remove this entry\.$/),
      expect.stringMatching(/^K3sCluster\.args\.files\[4\]\.path: .* is in \/var\/lib\/rancher\/k3s-stacks, .*Fix: write the file elsewhere\.$/),
    ]);
  });

  test("a drop-in suffix in capitals is a drop-in too (k3s matches .yaml/.yml in any case); a file where a needed directory must be is refused", async () => {
    const files = ["/etc/rancher/k3s/config.yaml.d/x.YAML", "/etc/rancher/k3s/config.yaml.d/y.Yml", "/etc/rancher/k3s/config.yaml.d", "/etc/rancher/k3s/", "/var/lib/rancher"].map((path) => ({ path, content: "x: 1\n" }));
    expect(await problemsOf({ files })).toEqual([
      expect.stringMatching(/^K3sCluster\.args\.files\[0\]\.path: .* is a drop-in k3s reads after /),
      expect.stringMatching(/^K3sCluster\.args\.files\[1\]\.path: .* is a drop-in k3s reads after /),
      expect.stringMatching(/^K3sCluster\.args\.files\[2\]\.path: '\/etc\/rancher\/k3s\/config\.yaml\.d' is where a directory .*holds the drop-ins k3s reads after .*Fix: write the file elsewhere\.$/),
      expect.stringMatching(/^K3sCluster\.args\.files\[3\]\.path: '\/etc\/rancher\/k3s\/' is where a directory .*holds \/etc\/rancher\/k3s\/config\.yaml\).*Fix: write the file elsewhere\.$/),
      expect.stringMatching(/^K3sCluster\.args\.files\[4\]\.path: '\/var\/lib\/rancher' is where a directory .*holds \/var\/lib\/rancher\/k3s-stacks\).*Fix: write the file elsewhere\.$/),
    ]);
  });

  test("other files under /etc/rancher/k3s (registries.yaml, a note in config.yaml.d k3s does not read) are accepted", async () => {
    await accepted({ files: [{ path: "/etc/rancher/k3s/registries.yaml", content: "mirrors: {}\n" }, { path: "/etc/rancher/k3s/config.yaml.d/README", content: "notes\n" }] });
  });
});
