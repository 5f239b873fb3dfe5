import { exitingFlagProblems, featureGateProblems, kubeletFlagProblems } from "../../components/rules/kubernetes-flags";
import data from "../../components/rules/kubernetes-flag-table.json";

const table = data as { minors: string[]; kubeletFlags: Record<string, string>; featureGates: Record<string, string> };

const where = (key: string) => `k3s-stacks:cluster.agentConfig.${key}`;
const kubelet = (version: string, entries: unknown) => kubeletFlagProblems({ "kubelet-arg": entries }, version, where);
const gates = (version: string, config: Record<string, unknown>) => featureGateProblems(config, version, where);

describe("kubelet-arg names against the kubelet of the pinned release", () => {
  it("accepts the kubelet's flags, in any spelling pflag reads as the flag", () => {
    expect(kubelet("v1.35.4+k3s1", ["max-pods=150", "--eviction-hard=memory.available<100Mi", "system_reserved=cpu=500m", "v=2", "feature-gates=NodeSwap=true", "fail-cgroupv1=false"])).toEqual([]);
    expect(kubeletFlagProblems({ "kubelet-arg+": "image-gc-high-threshold=80" }, "v1.32.13+k3s1", where)).toEqual([]);
  });

  it("refuses a KubeletConfiguration field written as a flag, naming the flag meant", () => {
    const [problem] = kubelet("v1.36.3+k3s1", ["max-pods=110", "maxPods=110"]);
    expect(problem).toContain("k3s-stacks:cluster.agentConfig.kubelet-arg[1]: 'maxPods=110'");
    expect(problem).toContain("has no flag --maxPods");
    expect(problem).toContain("unknown flag");
    expect(problem).toContain("Fix: write 'max-pods=110'");
  });

  it("refuses a misspelt flag with the nearest one, but guesses nothing for a name of a few letters", () => {
    expect(kubelet("v1.34.4+k3s1", ["evictoin-hard=memory.available<5%"])[0]).toContain("Fix: write 'eviction-hard=memory.available<5%'");
    expect(kubelet("v1.34.4+k3s1", ["h=true"])[0]).toContain("Fix: remove the entry, or use a flag from 'kubelet --help'");
  });

  it("refuses a flag the release dropped, so an upgrade to it stops before any node restarts", () => {
    expect(kubelet("v1.34.4+k3s1", ["pod-infra-container-image=registry.lan/pause:3.10"])).toEqual([]);
    const [problem] = kubelet("v1.35.4+k3s1", ["pod-infra-container-image=registry.lan/pause:3.10"]);
    expect(problem).toContain("no longer has the flag --pod-infra-container-image");
    expect(problem).toContain("(the last release line with it: 1.34)");
    expect(problem).toContain("pause-image");
  });

  it("refuses the cAdvisor flags the kubelet of 1.37 dropped, and a flag of a later release", () => {
    expect(kubelet("v1.36.3+k3s1", ["housekeeping-interval=15s", "global-housekeeping-interval=2m"])).toEqual([]);
    const [problem] = kubelet("v1.37.2+k3s1", ["housekeeping-interval=15s", "global-housekeeping-interval=2m"]);
    expect(problem).toContain("kubelet-arg[1]: 'global-housekeeping-interval=2m': the kubelet of Kubernetes 1.37 (k3s v1.37.2+k3s1) no longer has the flag --global-housekeeping-interval (the last release line with it: 1.36)");
    expect(kubelet("v1.33.13+k3s1", ["register-schedulable=true"])).toEqual([]);
    expect(kubelet("v1.34.4+k3s1", ["register-schedulable=true"])[0]).toContain("(the last release line with it: 1.33)");
  });

  it("leaves entries that are not name=value to the syntax check, and release lines the table does not cover", () => {
    expect(kubelet("v1.35.4+k3s1", ["max pods=110", " max-pods=110"])).toEqual([]);
    expect(kubelet("v1.99.0+k3s1", ["made-up-flag=1"])).toEqual([]);
  });

  it("covers consecutive release lines, each row one mark per line", () => {
    const minors = table.minors.map((m) => Number(m.split(".")[1]));
    expect(minors).toEqual(minors.map((_, i) => minors[0] + i));
    expect(table.minors).toEqual(["1.30", "1.31", "1.32", "1.33", "1.34", "1.35", "1.36", "1.37"]);
    for (const row of Object.values(table.kubeletFlags)) expect(row).toHaveLength(table.minors.length);
    expect(table.kubeletFlags["max-pods"]).toBe("+".repeat(table.minors.length));
  });
});

describe("feature-gates entries against the gates of the pinned release", () => {
  it("accepts known gates in every component's list, several per entry", () => {
    expect(gates("v1.35.4+k3s1", { "kube-apiserver-arg": ["feature-gates=AllAlpha=false,AllBeta=false"], "kubelet-arg": "feature-gates=NodeSwap=true", "kube-proxy-arg+": ["feature-gates=TopologyAwareHints=true"] })).toEqual([]);
  });

  it("refuses an unknown gate with the nearest name", () => {
    const [problem] = gates("v1.35.4+k3s1", { "kube-proxy-arg": ["feature-gates=NodeSwapp=true"] });
    expect(problem).toContain("k3s-stacks:cluster.agentConfig.kube-proxy-arg[0]: 'feature-gates=NodeSwapp=true'");
    expect(problem).toContain("unrecognized feature gate");
    expect(problem).toContain("did you mean NodeSwap?");
  });

  it("refuses a gate the release removed, so an upgrade to it stops before any node restarts", () => {
    const [problem] = gates("v1.36.3+k3s1", { "kube-controller-manager-arg+": ["feature-gates=TopologyAwareHints=true"] });
    expect(problem).toContain("kube-controller-manager-arg+[0]");
    expect(problem).toContain("Kubernetes 1.36 no longer has the feature gate TopologyAwareHints (the last release line with it: 1.35)");
    expect(problem).toContain("Fix: remove TopologyAwareHints from the entry");
  });

  it("refuses a gate of a newer release, naming the release that has it", () => {
    expect(gates("v1.35.4+k3s1", { "kube-apiserver-arg": ["feature-gates=AllowServiceExternalIPs=true"] })[0]).toContain("has no feature gate AllowServiceExternalIPs yet (it arrives in 1.36); every component exits at start (\"unrecognized feature gate\"). Fix: pin k3s 1.36 or newer (such as v1.36.0+k3s1)");
  });

  it("refuses a gate set against its lock, and accepts it set to the locked value", () => {
    expect(gates("v1.35.4+k3s1", { "kubelet-arg": ["feature-gates=NodeSwap=true"] })).toEqual([]);
    expect(gates("v1.35.4+k3s1", { "kubelet-arg": ["feature-gates=NodeSwap=false"] })[0]).toContain("the feature gate NodeSwap is locked to true in Kubernetes 1.35");
    expect(gates("v1.36.3+k3s1", { "kubelet-arg": ["feature-gates=GitRepoVolumeDriver=true"] })[0]).toContain("locked to false");
    expect(gates("v1.36.3+k3s1", { "kubelet-arg": ["feature-gates=GitRepoVolumeDriver=false"] })).toEqual([]);
  });

  it("checks feature_gates as the flag parser reads it, and refuses an entry or a part that names no gate", () => {
    expect(gates("v1.35.4+k3s1", { "kubelet-arg": ["feature_gates=Bogus=true"] })[0]).toContain("has no feature gate Bogus");
    expect(gates("v1.35.4+k3s1", { "kubelet-arg": ["feature-gates"] })[0]).toContain("'feature-gates' sets no gate; k3s passes it as --feature-gates=true");
    expect(gates("v1.35.4+k3s1", { "kube-apiserver-arg": ["feature-gates=AllAlpha=false, ,AllBeta=false"] })[0]).toContain("Fix: remove the blank part");
    expect(gates("v1.35.4+k3s1", { "kube-apiserver-arg": ["feature-gates=AllAlpha=false,,AllBeta=false"] })).toEqual([]);
  });

  it("refuses a value that is not a boolean", () => {
    expect(gates("v1.35.4+k3s1", { "kube-scheduler-arg": ["feature-gates=NodeSwap=yes"] })[0]).toContain("Fix: write NodeSwap=true or NodeSwap=false");
  });

  it("checks k3s's older list name kube-controller-arg as kube-controller-manager-arg", () => {
    expect(gates("v1.35.4+k3s1", { "kube-controller-arg": ["feature-gates=Bogus=true"] })[0]).toContain("kube-controller-arg[0]: 'feature-gates=Bogus=true': Kubernetes 1.35 has no feature gate Bogus");
  });
});

describe("entries that stop a component: --version and --help", () => {
  it("are real kubelet flags, so the flag-name check passes them, and are refused on their own", () => {
    expect(kubelet("v1.36.3+k3s1", ["version", "help"])).toEqual([]);
    expect(exitingFlagProblems({ "kubelet-arg": ["max-pods=110", "version"], "kubelet-arg+": ["--help=true"] }, where)).toEqual([
      "k3s-stacks:cluster.agentConfig.kubelet-arg[1]: 'version' makes the kubelet print its version and exit instead of running (k3s passes it as --version=true), so k3s never gets Ready on the node. Fix: remove the entry ('k3s --version' on a node prints the version it runs).",
      "k3s-stacks:cluster.agentConfig.kubelet-arg+[0]: '--help=true' makes the kubelet print its usage and stop instead of running (k3s passes it as --help=true), so k3s never gets Ready on the node. Fix: remove the entry.",
    ]);
  });

  it("in every Kubernetes component's list, k3s's older names too, with the value verflag reads (raw prints too, false does nothing)", () => {
    const config = { "kube-apiserver-arg": "version=raw", "kube-controller-arg": ["help"], "kube-proxy-arg": ["version=false"], "kube-scheduler-arg": ["help=0"], "kube-cloud-controller-manager-arg": ["v=2", "help"] };
    expect(exitingFlagProblems(config, where).map((p) => p.slice(0, p.indexOf(" makes the ")))).toEqual([
      "k3s-stacks:cluster.agentConfig.kube-apiserver-arg: 'version=raw'",
      "k3s-stacks:cluster.agentConfig.kube-controller-arg[0]: 'help'",
      "k3s-stacks:cluster.agentConfig.kube-cloud-controller-manager-arg[1]: 'help'",
    ]);
  });

  it("leaves etcd-arg alone: its entries become keys of etcd's config file, not flags", () => {
    expect(exitingFlagProblems({ "etcd-arg": ["version"] }, where)).toEqual([]);
  });
});

test("1.30 and 1.31 are checked too: flags the 1.31 kubelet dropped are refused on the way from 1.30, and fail-cgroupv1 before 1.31", () => {
  const row = (flag: string) => table.kubeletFlags[flag];
  expect(row("keep-terminated-pod-volumes").slice(0, 2)).toBe("+-");
  expect(row("fail-cgroupv1").slice(0, 2)).toBe("-+");
  expect(kubeletFlagProblems({ "kubelet-arg": ["keep-terminated-pod-volumes=true"] }, "v1.31.14+k3s1", (k) => `cluster.agentConfig.${k}`).join("\n")).toMatch(/keep-terminated-pod-volumes/);
  expect(kubeletFlagProblems({ "kubelet-arg": ["keep-terminated-pod-volumes=true"] }, "v1.30.14+k3s1", (k) => `cluster.agentConfig.${k}`)).toEqual([]);
  expect(kubeletFlagProblems({ "kubelet-arg": ["fail-cgroupv1=false"] }, "v1.30.14+k3s1", (k) => `cluster.agentConfig.${k}`).join("\n")).toMatch(/fail-cgroupv1.*1\.31/);
});
