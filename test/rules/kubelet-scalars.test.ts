// Single-valued kubelet flags in kubelet-arg: values the kubelet cannot parse, or its configuration
// validation refuses, make it exit at start (rules/kubelet-scalars.ts).
import { parseClusterConfig } from "../../components/k3s/settings";
import { problem, problemsOf } from "../support/config";

const V = "v1.36.3+k3s1";
const agent = (...args: string[]) => ({ k3sVersion: V, agentConfig: { "kubelet-arg": args } });
const KEY = "k3s-stacks:cluster.agentConfig.kubelet-arg";

test.each([
  ["max-pods=lots", "is not a whole number", "max-pods=110"],
  ["max-pods=-5", "max-pods must be 0 or more, not -5", "max-pods=110"],
  ["max-pods=99999999999", "past the flag's int32 range", "max-pods=110"],
  ["max-open-files=9223372036854775808", "past the flag's int64 range", "max-open-files=1000000"],
  ["max-pods=08", "is not a whole number", "max-pods=110"],
  ["serialize-image-pulls=no", "'no' is not a boolean", "serialize-image-pulls=true or serialize-image-pulls=false"],
  ["image-gc-high-threshold=110", "image-gc-high-threshold must be 0-100, not 110", "image-gc-high-threshold=85"],
  ["node-status-update-frequency=10", "'10' is not a duration with a unit", "node-status-update-frequency=10s"],
  ["container-log-max-files=1", "container-log-max-files must be 2 or more", "container-log-max-files=5"],
  ["cpu-manager-policy=Static", "'Static' is not one of none, static", "cpu-manager-policy=none"],
])("%s is refused, with the value the kubelet takes", (entry, what, fix) => {
  expect(problemsOf(() => parseClusterConfig(agent(entry)))).toEqual([problem(`${KEY}[0]`, what, fix)]);
});

test("image-gc-low-threshold must stay below the high one, or its default 85", () => {
  expect(problemsOf(() => parseClusterConfig(agent("image-gc-low-threshold=90")))).toEqual([problem(`${KEY}[0]`, "image-gc-low-threshold (90) is not below image-gc-high-threshold (85, the default)", "image-gc-low-threshold=80")]);
  expect(problemsOf(() => parseClusterConfig(agent("image-gc-high-threshold=70", "image-gc-low-threshold=75")))).toEqual([problem(`${KEY}[1]`, "(75) is not below image-gc-high-threshold (70)", "such as image-gc-low-threshold=65")]);
  expect(parseClusterConfig(agent("image-gc-high-threshold=90", "image-gc-low-threshold=85")).agentConfig).toBeDefined();
});

test("a high threshold no low one can be below gets a fix that raises it; a kubelet config file may set the other one", () => {
  expect(problemsOf(() => parseClusterConfig(agent("image-gc-high-threshold=0")))).toEqual([problem(`${KEY}[0]`, "is not below image-gc-high-threshold (0)", "set image-gc-high-threshold above 80, such as image-gc-high-threshold=85")]);
  expect(parseClusterConfig(agent("config=/etc/rancher/k3s/kubelet.yaml", "image-gc-low-threshold=90")).agentConfig).toBeDefined();
  expect(problemsOf(() => parseClusterConfig(agent("config-dir=/etc/rancher/k3s/kubelet.d", "image-gc-high-threshold=70", "image-gc-low-threshold=75")))).toEqual([problem(`${KEY}[2]`, "(75) is not below", "image-gc-low-threshold=65")]);
});

test("values the kubelet takes are accepted, as are flags not in the table", () => {
  const ok = ["max-pods=250", "serialize-image-pulls=false", "fail-swap-on=False", "node-status-update-frequency=4s", "volume-stats-agg-period=-1s", "oom-score-adj=-999", "cpu-manager-policy=static", "pod-max-pids=-1", "container-log-max-size=50Mi",
    // A name alone is true (k3s passes --<name>=true); strconv.ParseInt base 0 forms; pod-max-pids has no lower bound in validation.
    "protect-kernel-defaults", "--cgroups-per-qos", "kube-api-qps=0x32", "event-qps=0o62", "registry-burst=1_0", "pod-max-pids=-2", "max-open-files=9223372036854775807"];
  expect(parseClusterConfig({ ...agent(...ok), serverConfig: { "kube-controller-manager-arg": ["node-cidr-mask-size-ipv4=23"] } }).agentConfig).toEqual({ "kubelet-arg": ok });
});
