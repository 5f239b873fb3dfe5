import local from "../../components/rules/k3s-flags.json";
import { DISABLE_VALUES, configProblems, flagType } from "../../components/rules/flags";
import { loadReference } from "./support/reference";

const ref = loadReference();
const table = local as unknown as { disable: string[]; server: Record<string, { type: string }>; agent: Record<string, { type: string }> };
const types = (flags: Record<string, { type: string }>) => Object.fromEntries(Object.entries(flags).map(([k, v]) => [k, v.type]));

describe("components/rules/k3s-flags.json matches the k3s reference (test/fixtures/reference)", () => {
  test.each(["server", "agent"] as const)("%s: same keys, same types", (role) => {
    expect(types(table[role])).toEqual(types(ref[role]));
    expect(Object.keys(table[role]).length).toBeGreaterThan(40);
  });

  test("the disable list is the full (staged) build's", () => {
    expect([...table.disable].sort()).toEqual([...(ref.disableValues["full build (stage.go, !no_stage)"] as string[])].sort());
    expect(DISABLE_VALUES).toEqual(table.disable);
  });
});

describe("flag checks", () => {
  test("flagType knows roles apart", () => {
    expect(flagType("server", "cluster-init")).toBe("bool");
    expect(flagType("agent", "cluster-init")).toBeUndefined();
    expect(flagType("agent", "node-label")).toBe("stringSlice");
    expect(flagType("server", "no-such-flag")).toBeUndefined();
  });

  test("configProblems accepts valid values and '+' append keys", () => {
    expect(configProblems("agent", { "kubelet-arg+": ["a=b"], "node-name": "x", "disable-apiserver-lb": true }, "w")).toEqual([]);
    expect(configProblems("server", { "etcd-snapshot-retention": 5, "etcd-s3-timeout": "5m30s" }, "w")).toEqual([]);
  });

  test("configProblems names each bad key with a fix", () => {
    expect(configProblems("server", { "etcd-s3-timeout": "five minutes", "etcd-snapshot-retention": "5", "no-flag": 1 }, "where")).toEqual([
      "where: 'etcd-s3-timeout' must be a duration such as 30s, 5m or 1h30m (k3s flag type duration). Fix: write it like etcd-s3-timeout: 30s.",
      "where: 'etcd-snapshot-retention' must be a whole number (k3s flag type int). Fix: write it like etcd-snapshot-retention: 10.",
      "where: 'no-flag' is not a k3s server flag. Fix: remove it or use a flag from 'k3s server --help'.",
    ]);
  });

  test("a flag naming a path on the node is refused when relative or under ~: k3s opens it from its own working directory, not the project", () => {
    const p = configProblems("server", { "datastore-cafile": "./ca.pem", "datastore-keyfile": "~/certs/key.pem", "default-local-storage-path": "data/storage", "datastore-certfile": "/etc/rancher/k3s/c.pem", "flannel-conf": "" }, "k3s-stacks:cluster.serverConfig");
    expect(p).toEqual([
      expect.stringMatching(/^k3s-stacks:cluster\.serverConfig\.datastore-cafile: '\.\/ca\.pem' is not an absolute path.*relative path against its working directory.*Fix: write the absolute path on the node, such as datastore-cafile: \/etc\/rancher\/k3s\/ca\.pem, and put the file there/),
      expect.stringMatching(/^k3s-stacks:cluster\.serverConfig\.datastore-keyfile: '~\/certs\/key\.pem' .*k3s does not expand '~'.*Fix: .*datastore-keyfile: \/etc\/rancher\/k3s\/key\.pem/),
      expect.stringMatching(/^k3s-stacks:cluster\.serverConfig\.default-local-storage-path: 'data\/storage' .*Fix: .*default-local-storage-path: \/var\/lib\/rancher\/k3s\/storage\.$/),
    ]);
    expect(configProblems("agent", { "resolv-conf": "resolv.conf", "private-registry": "/etc/rancher/k3s/registries.yaml" }, "w")).toEqual([expect.stringMatching(/^w\.resolv-conf: .*Fix: .*resolv-conf: \/etc\/rancher\/k3s\/resolv\.conf/)]);
  });
});
