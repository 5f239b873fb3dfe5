import { primaryServiceRange, serviceRangeProblems } from "../../components/rules/service-cidr";
import { parseClusterConfig } from "../../components/k3s/settings";
import { problem, problemsOf } from "../support/config";

const SVC = "k3s-stacks:cluster.serviceCidr";
const DNS = "k3s-stacks:cluster.serverConfig.cluster-dns";
const check = (serviceCidr: string, clusterDns?: unknown) => serviceRangeProblems(serviceCidr, clusterDns, SVC, DNS);

describe("the service range holds the addresses k3s takes from it (k3s pkg/cli/server: cluster-dns = network + 10)", () => {
  test.each(["10.43.0.0/28", "10.43.0.0/16", "fd00:43::/124", "fd00:43::/112"])("%s has room for network + 10", (cidr) => {
    expect(check(cidr)).toEqual([]);
  });
  test.each([["10.43.0.0/29", "/28"], ["10.43.0.0/32", "/28"], ["fd00:43::/125", "/124"], ["fd00:43::/128", "/124"]])("%s is refused, naming %s", (cidr, largest) => {
    expect(check(cidr)).toEqual([problem(SVC, "cluster-dns default", `${largest} or larger`)]);
  });

  test("dual-stack: the default comes from the IPv4 range, as k3s's GetFirstNet picks it", () => {
    expect(primaryServiceRange("fd00:43::/112,10.43.0.0/16")).toBe("10.43.0.0/16");
    expect(primaryServiceRange("fd00:43::/112")).toBe("fd00:43::/112");
    expect(check("10.43.0.0/29,fd00:43::/112")).toEqual([problem(SVC, "10.43.0.0/29", "/28 or larger")]);
  });

  test("an explicit cluster-dns inside a small range lifts the .10 rule", () => {
    expect(check("10.43.0.0/29", ["10.43.0.2"])).toEqual([]);
    expect(check("10.43.0.0/16", ["10.43.0.10,10.43.0.11"])).toEqual([]);
  });

  test.each([
    ["10.44.0.10", "outside serviceCidr", "inside the service range"],
    ["10.43.0.0", "network address", "another free address"],
    ["10.43.0.1", "API server's kubernetes Service", "another free address"],
    ["10.43.255.255", "broadcast address", "another free address"],
    ["dns.lan", "not an IP address", "remove cluster-dns"],
  ])("cluster-dns %s is refused (%s)", (address, what, fix) => {
    expect(check("10.43.0.0/16", [address])).toEqual([problem(DNS, what, fix)]);
  });

  test("IPv6 has no broadcast address: the last address of the range is a Service address", () => {
    expect(check("fd00:43::/112", ["fd00:43::ffff"])).toEqual([]);
  });

  test("a cluster-dns of the wrong shape is left to the flag type check; a string is a one-entry list, as k3s reads it", () => {
    expect(check("10.43.0.0/16", [5])).toEqual([]);
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: "v1.36.3+k3s1", serverConfig: { "cluster-dns": "10.43.0.1" } }))).toEqual([problem(DNS, "API server's kubernetes Service", "another free address")]);
  });

  test("parseClusterConfig runs the check on the stack's serviceCidr and serverConfig", () => {
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: "v1.36.3+k3s1", serviceCidr: "10.43.0.0/30" }))).toEqual([problem(SVC, "holds 4 addresses", "/28 or larger")]);
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: "v1.36.3+k3s1", serverConfig: { "cluster-dns+": ["10.42.0.10"] } }))).toEqual([problem("k3s-stacks:cluster.serverConfig.cluster-dns+", "outside serviceCidr", "inside the service range")]);
  });
});
