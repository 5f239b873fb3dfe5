import { ConfigError } from "../../components/rules/errors";
import { parseClusterConfig } from "../../components/k3s/settings";
import { checkFixedSettings, fixedSettings, parseFixedSettings } from "../../components/day-two/fixed-settings";

const V = "v1.36.3+k3s1";
const settings = (over: Record<string, unknown> = {}) => parseClusterConfig({ k3sVersion: V, ...over });
const problems = (previous: Record<string, unknown>, next: Record<string, unknown>): string[] => {
  try {
    checkFixedSettings(parseFixedSettings(fixedSettings(settings(previous)) as unknown as Record<string, unknown>), fixedSettings(settings(next)));
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems;
  }
};

describe("fixedSettings: the effective values k3s fixes at creation", () => {
  it("fills in k3s's defaults, cluster-dns from the service range (index 10, per family)", () => {
    expect(fixedSettings(settings())).toEqual({
      clusterCidr: "10.42.0.0/16", serviceCidr: "10.43.0.0/16", clusterDomain: "cluster.local", flannelBackend: "vxlan", clusterDns: "10.43.0.10", secretsEncryption: true,
    });
    const dual = fixedSettings(settings({ clusterCidr: "10.42.0.0/16,fd00:42::/56", serviceCidr: "10.96.0.0/16,fd00:43::/112" }));
    expect(dual.clusterDns).toBe("10.96.0.10,fd00:43::a");
    expect(fixedSettings(settings({ serviceCidr: "10.43.0.240/28" })).clusterDns).toBe("10.43.0.250");
  });

  it("takes cluster-dns from serverConfig (a list; k3s also splits commas)", () => {
    expect(fixedSettings(settings({ serverConfig: { "cluster-dns": ["10.43.0.53"] } })).clusterDns).toBe("10.43.0.53");
    const dual = { clusterCidr: "10.42.0.0/16,fd00:42::/56", serviceCidr: "10.43.0.0/16,fd00:43::/112" };
    expect(fixedSettings(settings({ ...dual, serverConfig: { "cluster-dns": ["10.43.0.53", "fd00:43::53"] } })).clusterDns).toBe("10.43.0.53,fd00:43::53");
    expect(fixedSettings(settings({ ...dual, serverConfig: { "cluster-dns": ["10.43.0.53,fd00:43::53"] } })).clusterDns).toBe("10.43.0.53,fd00:43::53");
  });
});

describe("checkFixedSettings: refuses what k3s cannot change on a running cluster", () => {
  it.each([
    ["clusterCidr", { clusterCidr: "10.52.0.0/16" }, "k3s-stacks:cluster.clusterCidr: changes from 10.42.0.0/16 to 10.52.0.0/16", "k3s-io/k3s#3967", "put back clusterCidr: 10.42.0.0/16"],
    ["clusterCidr to dual-stack", { clusterCidr: "10.42.0.0/16,fd00:42::/56", serviceCidr: "10.43.0.0/16,fd00:43::/112" }, "k3s-stacks:cluster.clusterCidr: changes from 10.42.0.0/16 to 10.42.0.0/16,fd00:42::/56", "dual-stack", "put back clusterCidr: 10.42.0.0/16"],
    ["serviceCidr", { serviceCidr: "10.96.0.0/16" }, "k3s-stacks:cluster.serviceCidr: changes from 10.43.0.0/16 to 10.96.0.0/16", "k3s-io/k3s#3489", "put back serviceCidr: 10.43.0.0/16"],
    ["clusterDomain", { clusterDomain: "k3s.internal" }, "k3s-stacks:cluster.clusterDomain: changes from cluster.local to k3s.internal", "CoreDNS", "put back clusterDomain: cluster.local"],
    ["flannelBackend", { flannelBackend: "wireguard-native" }, "k3s-stacks:cluster.flannelBackend: changes from vxlan to wireguard-native", "k3s-io/k3s#5011", "put back flannelBackend: vxlan"],
    ["cluster-dns", { serverConfig: { "cluster-dns": ["10.43.0.53"] } }, "k3s-stacks:cluster.serverConfig.cluster-dns: changes from 10.43.0.10 to 10.43.0.53", "resolv.conf", "put back cluster-dns: 10.43.0.10"],
    ["secretsEncryption off", { secretsEncryption: false }, "k3s-stacks:cluster.secretsEncryption: changes from true to false", "unreadable", "k3s secrets-encrypt disable"],
  ])("%s", (_what, change, head, why, fix) => {
    const found = problems({}, change);
    expect(found).toContainEqual(expect.stringContaining(head));
    const line = found.find((p) => p.startsWith(head))!;
    expect(line).toContain(why);
    expect(line).toMatch(new RegExp(`\\. Fix: .*${fix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  });

  it("refuses enabling secrets encryption on a cluster created without it (k3s does not support it)", () => {
    expect(problems({ secretsEncryption: false }, {})).toEqual([expect.stringMatching(/^k3s-stacks:cluster\.secretsEncryption: changes from false to true .*not support.*Fix: put back secretsEncryption: false/)]);
  });

  it("accepts the same ranges and addresses written another way, in either direction (IPv6 spelling, case)", () => {
    const dual = { clusterCidr: "10.42.0.0/16,fd00:42::/56", serviceCidr: "10.43.0.0/16,fd00:43::/112", serverConfig: { "cluster-dns": ["10.43.0.10", "fd00:43::a"] } };
    const respelled = { clusterCidr: "10.42.0.0/16,fd00:0042:0::/56", serviceCidr: "10.43.0.0/16,FD00:43:0:0::/112", serverConfig: { "cluster-dns": ["10.43.0.10", "fd00:43:0:0::a"] } };
    expect(problems(dual, respelled)).toEqual([]);
    expect(problems(respelled, dual)).toEqual([]);
    // Exported by an older release in the user's spelling, read back as written.
    expect(() => checkFixedSettings({ clusterCidr: "10.42.0.0/16,FD00:0042::/56" }, fixedSettings(settings(dual)))).not.toThrow();
  });

  it("reports a new service range once: the default cluster-dns that moves with it is not a second problem", () => {
    expect(problems({}, { serviceCidr: "10.96.0.0/16" })).toHaveLength(1);
    // An explicit cluster-dns equal to the default is no change.
    expect(problems({}, { serverConfig: { "cluster-dns": ["10.43.0.10"] } })).toEqual([]);
  });

  it("reports every change at once", () => {
    expect(problems({}, { clusterCidr: "10.52.0.0/16", flannelBackend: "host-gw", secretsEncryption: false })).toHaveLength(3);
  });

  it("lets settings that k3s reads on each start change (they roll): disable-network-policy, egress-selector-mode, flannel-ipv6-masq", () => {
    expect(problems({}, { serverConfig: { "disable-network-policy": true, "egress-selector-mode": "pod", "flannel-ipv6-masq": true } })).toEqual([]);
  });

  it("does not check what an older stack did not export (missing previous value = no check)", () => {
    expect(() => checkFixedSettings({}, fixedSettings(settings({ clusterCidr: "10.52.0.0/16", secretsEncryption: false })))).not.toThrow();
    expect(() => checkFixedSettings({ secretsEncryption: true }, fixedSettings(settings({ clusterCidr: "10.52.0.0/16" })))).not.toThrow();
  });

  it("reads outputs of another type as absent", () => {
    expect(parseFixedSettings({ clusterCidr: 3, secretsEncryption: "true", serviceCidr: "10.43.0.0/16" })).toEqual({ serviceCidr: "10.43.0.0/16" });
  });
});
