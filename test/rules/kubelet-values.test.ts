import { kubeletValueProblems } from "../../components/rules/kubelet-values";
import { parseClusterConfig } from "../../components/k3s/settings";
import { ConfigError } from "../../components/rules/errors";

const where = (key: string) => `agentConfig.${key}`;
const problems = (...entries: string[]) => kubeletValueProblems({ "kubelet-arg": entries }, where);

describe("kubelet reservation and eviction values (cmd/kubelet/app/server.go parseResourceList, eviction/helpers.go)", () => {
  test.each([
    "kube-reserved=cpu=250m,memory=256Mi,ephemeral-storage=1Gi,pid=1000",
    "system-reserved=memory=0.5Gi",
    "eviction-hard=memory.available<100Mi,nodefs.available<10%,imagefs.available<15%,nodefs.inodesFree<5%",
    "eviction-hard=imagefs.available<0%",
    "eviction-minimum-reclaim=memory.available=0Mi,nodefs.available=500Mi",
    "max-pods=150",
  ])("%s is what the kubelet takes", (entry) => {
    expect(problems(entry)).toEqual([]);
  });

  test.each([
    ["kube-reserved=cpu:500m,memory:1Gi", "'cpu:500m' is not name=value"],
    ["system-reserved=memory=1GB", "or m for millicores: '1G')"],
    ["kube-reserved=memory=1gi", "or m for millicores: '1Gi')"],
    ["kube-reserved=gpu=1", "cannot reserve 'gpu'"],
    ["kube-reserved=memory=-1Gi", "is negative"],
    ["eviction-hard=memory.available=100Mi", "'memory.available=100Mi' is not name<value"],
    ["eviction-hard=memory.availible<100Mi", "'memory.availible' is not an eviction signal"],
    ["eviction-hard=nodefs.available<110%", "outside 0% to 100%"],
    ["eviction-hard=memory.available<0", "is zero"],
    ["eviction-minimum-reclaim=memory.available=0%", "more than 0%"],
  ])("%s is refused: %s", (entry, why) => {
    const [p, ...rest] = problems(entry);
    expect(rest).toEqual([]);
    expect(p).toMatch(/^agentConfig\.kubelet-arg\[0\]: '.*': .*the kubelet refuses it and exits at start.*\. Fix: write it like /);
    expect(p).toContain(why);
  });

  test("eviction-soft needs a grace period for each of its signals, from any entry", () => {
    expect(problems("eviction-soft=memory.available<300Mi,nodefs.available<15%", "eviction-soft-grace-period=nodefs.available=2m")).toEqual([
      expect.stringMatching(/^agentConfig\.kubelet-arg\[0\]: eviction-soft sets memory.available without a grace period.*Fix: add the entry eviction-soft-grace-period=memory.available=1m30s/),
    ]);
    expect(problems("eviction-soft-grace-period=memory.available=1m30s", "eviction-soft=memory.available<300Mi")).toEqual([]);
    expect(problems("eviction-soft-grace-period=memory.available=soon")[0]).toContain("'soon' is not a duration");
  });

  test("the cluster settings refuse them before anything is registered, naming serverConfig or agentConfig", () => {
    const parse = () => parseClusterConfig({ k3sVersion: "v1.36.3+k3s1", agentConfig: { "kubelet-arg": ["system-reserved=memory=1GB"] }, serverConfig: { "kubelet-arg": "eviction-soft=memory.available<300Mi" } });
    expect(parse).toThrow(ConfigError);
    try { parse(); } catch (e) {
      expect((e as ConfigError).problems).toEqual(expect.arrayContaining([
        expect.stringMatching(/^k3s-stacks:cluster\.agentConfig\.kubelet-arg\[0\]: 'system-reserved=memory=1GB'/),
        expect.stringMatching(/^k3s-stacks:cluster\.serverConfig\.kubelet-arg\[0\]: eviction-soft sets memory.available/),
      ]));
    }
  });
});
