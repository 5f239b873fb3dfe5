// k3s reads a scalar for a list flag as one value (pkg/configfilearg/parser.go: a non-list YAML value
// becomes one `--flag value`), so a string is accepted where k3s takes a list, normalized to a
// one-entry list that every later check and the rendered config.yaml see.
import { parse } from "yaml";
import { parseClusterConfig } from "../../components/k3s/settings";
import { renderConfigYaml, renderNodeConfig } from "../../components/k3s/node-config";
import { configProblems, normalizeSliceFlags } from "../../components/rules/flags";

const V = "v1.36.3+k3s1";

test("kube-apiserver-arg and cluster-dns as a single string are accepted and become one-entry lists", () => {
  const s = parseClusterConfig({ k3sVersion: V, serverConfig: { "kube-apiserver-arg": "audit-log-maxage=30", "cluster-dns": "10.43.0.10" }, agentConfig: { "kubelet-arg+": "max-pods=50" } });
  expect(s.serverConfig).toEqual({ "kube-apiserver-arg": ["audit-log-maxage=30"], "cluster-dns": ["10.43.0.10"] });
  expect(s.agentConfig).toEqual({ "kubelet-arg+": ["max-pods=50"] });
});

test("the rendered config.yaml carries the list form", () => {
  const s = parseClusterConfig({ k3sVersion: V, serverConfig: { "kube-apiserver-arg": "audit-log-maxage=30" } });
  const cfg = parse(renderConfigYaml(renderNodeConfig(s, { name: "s1", role: "server", bootstrap: true, labels: {}, taints: [] }, "https://10.0.0.1:6443", { server: {}, all: {}, disable: [] }, undefined)));
  expect(cfg["kube-apiserver-arg"]).toEqual(["audit-log-maxage=30"]);
});

test("only list flags are normalized; scalars of other types stay and other types are still refused", () => {
  expect(normalizeSliceFlags("server", { "servicelb-namespace": "lb", debug: true, "no-such-flag": "x" })).toEqual({ "servicelb-namespace": "lb", debug: true, "no-such-flag": "x" });
  expect(configProblems("server", { "kube-apiserver-arg": "a=b" }, "k")).toEqual([]);
  expect(configProblems("server", { "kube-apiserver-arg": [1] }, "k")).toEqual([expect.stringContaining("'kube-apiserver-arg' must be a string or a list of strings")]);
});

test("checks of list flags see the normalized value: a scalar cluster-dns outside the service range is refused", () => {
  expect(() => parseClusterConfig({ k3sVersion: V, serverConfig: { "cluster-dns": "10.50.0.10" } })).toThrow(/cluster\.serverConfig\.cluster-dns: 10\.50\.0\.10 is outside serviceCidr/);
});
