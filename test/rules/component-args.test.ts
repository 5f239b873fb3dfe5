import { argEntries, componentArgProblem, lastArgValue, passedArgument } from "../../components/rules/component-args";
import { configProblems } from "../../components/rules/flags";

describe("k3s *-arg entries become one component argument each (k3s pkg/util/args.go GetArgs)", () => {
  test.each([
    ["max-pods=150", "--max-pods=150"],
    ["--max-pods=150", "--max-pods=150"],
    ["fail-swap-on", "--fail-swap-on=true"],
    ["feature-gates+=Foo=true", "--feature-gates=Foo=true"],
    ["max-pods 200", "--max-pods 200=true"],
    ["-v=2", "---v=2"],
  ])("%s is passed as %s", (entry, arg) => {
    expect(passedArgument(entry)).toBe(arg);
  });

  test.each([
    "max-pods=150",
    "--max-pods=150",
    "fail-swap-on",
    "eviction-hard=memory.available<100Mi,nodefs.available<10%",
    "feature-gates=Foo=true,Bar=false",
    "enable-admission-plugins=NodeRestriction,PodSecurity",
    "feature-gates+=Foo=true",
    "v=2",
    "audit-log-path=/var/log/k3s audit.log",
  ])("%s names its flag: accepted", (entry) => {
    expect(componentArgProblem(entry)).toBeUndefined();
  });

  test.each([
    ["max-pods 200", "a space does not separate", "write 'max-pods=200'"],
    ["--max-pods 200", "a space does not separate", "write 'max-pods=200'"],
    ["-v=2", "extra dashes", "write 'v=2'"],
    ["---v=2", "extra dashes", "write 'v=2'"],
    [" max-pods=200", "spaces around it", "write 'max-pods=200'"],
    ["max-pods=200 ", "spaces around it", "write 'max-pods=200'"],
    ["=200", "names no flag", "write it as name=value"],
    ["", "names no flag", "write it as name=value"],
  ])("%j is refused: %s", (entry, why, fix) => {
    const problem = componentArgProblem(entry);
    expect(problem).toContain(why);
    expect(problem).toContain(`passes each entry as one argument, here '${passedArgument(entry)}'`);
    expect(problem).toMatch(new RegExp(`Fix: ${fix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  });

  test("serverConfig/agentConfig report the entry by its index, every *-arg list, a scalar as the key itself", () => {
    expect(configProblems("agent", { "kubelet-arg": ["max-pods=150", "max-pods 200"], "kube-proxy-arg": "-v=2" }, "k3s-stacks:cluster.agentConfig")).toEqual([
      expect.stringMatching(/^k3s-stacks:cluster\.agentConfig\.kubelet-arg\[1\]: 'max-pods 200' is not name=value.*Fix: write 'max-pods=200'\.$/),
      expect.stringMatching(/^k3s-stacks:cluster\.agentConfig\.kube-proxy-arg: '-v=2' is not name=value.*Fix: write 'v=2'\.$/),
    ]);
    expect(configProblems("server", { "etcd-arg": ["quota-backend-bytes 8589934592"] }, "k3s-stacks:cluster.serverConfig")).toEqual([
      expect.stringMatching(/^k3s-stacks:cluster\.serverConfig\.etcd-arg\[0\]: .*Fix: write 'quota-backend-bytes=8589934592'\.$/),
    ]);
  });
});

describe("argEntries and lastArgValue: the value k3s passes for a component argument", () => {
  test("entries of the list, then of list+ (k3s appends them); a single string is one entry; other values are none", () => {
    expect(argEntries({ "kubelet-arg": ["a=1", 7, "b"], "kubelet-arg+": "c=3" }, "kubelet-arg")).toEqual(["a=1", "b", "c=3"]);
    expect(argEntries({ "kube-proxy-arg": true }, "kube-proxy-arg")).toEqual([]);
  });
  test("the last entry naming the argument wins, leading dashes ignored, a bare name is true", () => {
    expect(lastArgValue(["max-pods=110", "--max-pods=200"], "max-pods")).toBe("200");
    expect(lastArgValue(["fail-cgroupv1"], "fail-cgroupv1")).toBe("true");
    expect(lastArgValue(["max-pods=110"], "fail-cgroupv1")).toBeUndefined();
  });
});
