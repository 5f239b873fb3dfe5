// Addresses and host names: the shapes k3s, the kubelet and OpenSSH refuse or misread are refused
// up front, each naming what to write instead (components/rules/address.ts).
import * as pulumi from "@pulumi/pulumi";
import { parseNodes } from "../../components/nodes/spec";
import { parseRegistriesConfig } from "../../components/registries/config";
import { addressProblem, dnsNameProblem, isDnsName, isIp, parseIp, sameIp } from "../../components/rules/address";
import { parseClusterConfig } from "../../components/k3s/settings";
import { parseAddonsConfig } from "../../components/addons/config";
import { parseInventoryConfig } from "../../components/nodes/inventory";
import { problem, problemsOf } from "../support/config";

const host = { accepts: "host", portKey: "port", userKey: "user", example: "192.168.1.11" } as const;
const ip = { accepts: "ip", why: "it becomes k3s node-ip", example: "192.168.1.11" } as const;

describe("IP addresses as Go's net.ParseIP reads them", () => {
  test.each(["10.0.0.5", "0.0.0.0", "255.255.255.255", "fd00::5", "::1", "2001:db8::1", "::ffff:10.0.0.1"])("%s is an IP", (v) => {
    expect(isIp(v)).toBe(true);
  });
  // ipaddr.js alone takes the short, hex and single-number IPv4 forms; Go (and so k3s) does not.
  test.each(["10.0.0.256", "10.1", "0xa.0.0.1", "167772161", "010.0.0.1", "fe80::1%eth0", "10.0.0.5 ", "[fd00::5]", ""])("%j is not", (v) => {
    expect(isIp(v)).toBe(false);
  });
  test("the same address in two spellings", () => {
    expect(sameIp("fd00::1", "fd00:0:0::1")).toBe(true);
    expect(sameIp("10.0.0.1", "10.0.0.2")).toBe(false);
    expect(parseIp("fd00::1")?.kind()).toBe("ipv6");
  });
});

describe("DNS names (RFC 1123)", () => {
  test.each(["pi", "pi-1.lan", "k3s.home.arpa", "A1.example.com", "1pi.lan", `${"a".repeat(63)}.lan`])("%s is a DNS name", (v) => {
    expect(isDnsName(v)).toBe(true);
  });
  test.each([
    [`${"a".repeat(64)}.lan`, "at most 63"],
    [Array(64).fill("abc").join("."), "at most 253"],
    ["-pi.lan", "starts or ends with '-'"],
    ["pi-.lan", "starts or ends with '-'"],
    ["pi_1.lan", "other than letters, digits and '-'"],
    ["pi..lan", "empty label"],
    ["pi.lan.", "empty label"],
    ["10.0.0.256", "all-numeric"],
  ])("%s is not: %s", (v, why) => {
    expect(dnsNameProblem(v)).toContain(why);
  });
  test("a wildcard only where allowed (certificate SANs)", () => {
    expect(isDnsName("*.k3s.lan")).toBe(false);
    expect(isDnsName("*.k3s.lan", { wildcard: true })).toBe(true);
  });
});

describe("what people write instead of an address, and the fix named", () => {
  test.each([
    ["10.0.0.5:22", host, "carries a port", "write '10.0.0.5' here and 22 in port"],
    ["[fd00::5]:2222", host, "carries a port", "write 'fd00::5' here and 2222 in port"],
    ["[fd00::5]", host, "brackets", "write 'fd00::5'"],
    ["ssh://pi@10.0.0.5:2222", host, "is a URL (ssh://)", "write only the host, '10.0.0.5', and the user pi in user and 2222 in port"],
    ["https://k3s.lan", host, "is a URL", "'k3s.lan'"],
    ["pi@10.0.0.5", host, "carries a user name", "write '10.0.0.5' here and 'pi' in user"],
    ["10.0.0.256", host, "each of its four numbers must be 0-255", "correct it"],
    [" 10.0.0.5", host, "spaces around it", "write '10.0.0.5'"],
    ["10.0.0.5 10.0.0.6", host, "contains whitespace", "single value"],
    ["fe80::1%eth0", ip, "IPv6 zone", "without the zone"],
    ["pi-1.lan", ip, "not an IP address but a host name (it becomes k3s node-ip)", "192.168.1.11"],
    ["pi_1", host, "neither an IP address nor a DNS name", "192.168.1.11"],
  ] as const)("%j", (value, use, what, fix) => {
    const message = addressProblem(value, use);
    expect(message).toContain(what);
    expect(message?.slice(message.indexOf("Fix:"))).toContain(fix);
  });
  test("good values pass", () => {
    expect(addressProblem("pi-1.lan", host)).toBeUndefined();
    expect(addressProblem("fd00::5", ip)).toBeUndefined();
  });
});

describe("the fields that hold addresses", () => {
  const hostOf = (extra: object) => ({ name: "pi-1", address: "192.168.1.11", role: "server", arch: "arm64", ...extra });

  test("inventory: address, internalAddress, externalAddress, bastion and user, all reported together", () => {
    const problems = problemsOf(() => parseInventoryConfig({
      user: "pi@192.168.1.11",
      hosts: [
        hostOf({ address: "192.168.1.11:22" }),
        hostOf({ name: "pi-2", address: "ssh://pi-2.lan", internalAddress: "pi-2.lan", externalAddress: "203.0.113.300", user: "root@pi-2" }),
        hostOf({ name: "pi-3", address: "pi-3", bastion: { address: "jump@203.0.113.1" } }),
      ],
    }));
    expect(problems).toEqual([
      problem("k3s-stacks:inventory.user", "'pi@192.168.1.11' carries a host", "write 'pi' here and '192.168.1.11' in each host's address"),
      problem("k3s-stacks:inventory.hosts[0].address", "carries a port", "write '192.168.1.11' here and 22 in port"),
      problem("k3s-stacks:inventory.hosts[1].address", "is a URL (ssh://)", "'pi-2.lan'"),
      problem("k3s-stacks:inventory.hosts[1].internalAddress", "host name (it becomes k3s node-ip)", "IP address"),
      problem("k3s-stacks:inventory.hosts[1].externalAddress", "four numbers must be 0-255", "correct it"),
      problem("k3s-stacks:inventory.hosts[1].user", "carries a host", "write 'root' here and 'pi-2' in address"),
      problem("k3s-stacks:inventory.hosts[2].bastion.address", "carries a user name", "'jump' in bastion.user"),
    ]);
  });

  test("inventory: an SSH address no connection reaches (0.0.0.0 dials this machine itself; multicast, broadcast), a bastion's too", () => {
    const problems = problemsOf(() => parseInventoryConfig({
      hosts: [
        hostOf({ address: "0.0.0.0" }),
        hostOf({ name: "pi-2", address: "::" }),
        hostOf({ name: "pi-3", address: "224.0.0.1" }),
        hostOf({ name: "pi-4", address: "192.168.1.14", bastion: { address: "255.255.255.255" } }),
      ],
    }));
    expect(problems).toEqual([
      problem("k3s-stacks:inventory.hosts[0].address", "the unspecified address, which a connection takes as this machine itself, so SSH would never reach the machine", "the machine's own address"),
      problem("k3s-stacks:inventory.hosts[1].address", "the unspecified address", "the machine's own address"),
      problem("k3s-stacks:inventory.hosts[2].address", "a multicast address", "the machine's own address"),
      problem("k3s-stacks:inventory.hosts[3].bastion.address", "the broadcast address", "the machine's own address"),
    ]);
    // Loopback stays valid: an SSH tunnel (ssh -L 2222:pi:22) is dialled on 127.0.0.1.
    expect(parseInventoryConfig({ hosts: [hostOf({ address: "127.0.0.1", port: 2222 })] }).hosts[0].address).toBe("127.0.0.1");
  });

  test("cluster: an apiEndpoint no node can join", () => {
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: "v1.36.3+k3s1", apiEndpoint: "0.0.0.0" }))).toEqual([
      problem("k3s-stacks:cluster.apiEndpoint", "unspecified address", "k3s.example.com"),
    ]);
  });

  test("inventory: duplicate internalAddress (in any spelling) and duplicate address:port", () => {
    const problems = problemsOf(() => parseInventoryConfig({
      hosts: [
        hostOf({ internalAddress: "fd00::11" }),
        hostOf({ name: "pi-2", address: "192.168.1.12", internalAddress: "fd00:0::11" }),
        hostOf({ name: "pi-3", address: "192.168.1.11" }),
      ],
    }));
    expect(problems).toEqual([
      problem("k3s-stacks:inventory.hosts[2].address", "'192.168.1.11' is also used by hosts[0]", "its own address"),
      problem("k3s-stacks:inventory.hosts[1].internalAddress", "'fd00:0::11' is also used by hosts[0]", "its own internalAddress"),
    ]);
  });

  test("cluster: apiEndpoint, tlsSans and apiVip.address", () => {
    const problems = problemsOf(() => parseClusterConfig({
      k3sVersion: "v1.36.3+k3s1",
      apiEndpoint: "https://k3s.lan:6443",
      tlsSans: ["k3s.lan:6443", "*.k3s.lan", "10.0.0.300"],
    }));
    expect(problems).toEqual([
      problem("k3s-stacks:cluster.tlsSans[0]", "carries a port", "write 'k3s.lan' without the port; a certificate names hosts"),
      problem("k3s-stacks:cluster.tlsSans[2]", "0-255", "correct it"),
      problem("k3s-stacks:cluster.apiEndpoint", "is a URL (https://)", "write only the host, 'k3s.lan'"),
    ]);
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: "v1.36.3+k3s1", apiVip: { address: "192.168.1.250:6443" } }))).toEqual([
      problem("k3s-stacks:cluster.apiVip.address", "carries a port", "the API port 6443"),
    ]);
  });
});

describe("a library user's nodes (K3sCluster.args.nodes) under the same rules", () => {
  test("plain strings are checked; Outputs resolve later and pass", () => {
    const problems = problemsOf(() => parseNodes([{ root: { arg: "K3sCluster.args.nodes" }, nodes: [
      { name: "s1", role: "server", arch: "arm64", connection: { host: "root@192.168.1.11" }, internalAddress: "s1.lan" },
      { name: "s2", role: "agent", arch: "arm64", connection: { host: pulumi.output("anything") }, internalAddress: pulumi.output("later") },
    ] }]));
    expect(problems).toEqual([
      problem("K3sCluster.args.nodes[0].connection.host", "carries a user name", "'root' in user"),
      problem("K3sCluster.args.nodes[0].internalAddress", "host name (it becomes k3s node-ip)", "IP address"),
    ]);
  });
});

describe("registries.yaml keys and mirror endpoints", () => {
  const refused = (raw: object) => problemsOf(() => parseRegistriesConfig(raw, undefined, false, "."));
  test("keys are *, _default or host[:port]", () => {
    expect(parseRegistriesConfig({ mirrors: { "*": {}, "docker.io": {}, "reg.lan:5000": {}, "[fd00::5]:5000": {}, "10.0.0.5": {} } }, undefined, false, ".").config.mirrors).toHaveProperty(["[fd00::5]:5000"]);
    expect(refused({ mirrors: { "https://reg.lan": {} }, configs: { "reg.lan:99999": {}, "10.0.0.256:5000": {} } })).toEqual([
      problem("k3s-stacks:registries.mirrors.https://reg.lan", "is a URL; a registry is keyed by its host[:port], e.g. reg.lan", "host[:port] without a scheme"),
      problem("k3s-stacks:registries.configs.reg.lan:99999", "outside 1-65535", "host[:port]"),
      problem("k3s-stacks:registries.configs.10.0.0.256:5000", "0-255", "host[:port]"),
    ]);
  });
  test("endpoints are http(s) URLs with a valid host, and never echo credentials", () => {
    const p = refused({ mirrors: { "docker.io": { endpoint: ["reg.lan:5000", "ftp://reg.lan", "https://ci:s3cret@reg.lan", "https://reg_lan:5000", "http://[fd00::5]:5000/v2"] } } });
    expect(p).toEqual([
      problem("k3s-stacks:registries.mirrors.docker.io.endpoint[0]", "not a URL with a scheme", "https://reg.lan:5000"),
      problem("k3s-stacks:registries.mirrors.docker.io.endpoint[1]", "uses ftp://", "https://reg.lan"),
      problem("k3s-stacks:registries.mirrors.docker.io.endpoint[2]", "credentials in the URL", "k3s-stacks:registryPasswords"),
      problem("k3s-stacks:registries.mirrors.docker.io.endpoint[3]", "its host: 'reg_lan' is neither", "https://reg.local:5000"),
    ]);
    expect(p.join("\n")).not.toContain("s3cret");
  });
  test("a fix built from the value never writes a scheme twice", () => {
    const endpoints = ["https://reg.lan:70000", "http://[fd00::5]:99999", "https://reg.lan:abc", "https://", "https:/reg.lan:5000", "https//reg.lan:5000", "https:reg.lan", "//reg.lan:5000", "https://reg lan:5000"];
    const p = refused({ mirrors: { "docker.io": { endpoint: endpoints } } });
    expect(p).toEqual([
      problem("k3s-stacks:registries.mirrors.docker.io.endpoint[0]", "has port 70000, outside 1-65535", "such as https://reg.lan:5000"),
      problem("k3s-stacks:registries.mirrors.docker.io.endpoint[1]", "has port 99999", "such as http://[fd00::5]:5000"),
      problem("k3s-stacks:registries.mirrors.docker.io.endpoint[2]", "'abc' where the port belongs", "https://reg.lan:5000"),
      problem("k3s-stacks:registries.mirrors.docker.io.endpoint[3]", "not a valid URL", "https://reg.local:5000"),
      problem("k3s-stacks:registries.mirrors.docker.io.endpoint[4]", "not a URL with a scheme", "write it like https://reg.lan:5000."),
      problem("k3s-stacks:registries.mirrors.docker.io.endpoint[5]", "not a URL with a scheme", "write it like https://reg.lan:5000."),
      problem("k3s-stacks:registries.mirrors.docker.io.endpoint[6]", "not a URL with a scheme", "write it like https://reg.lan."),
      problem("k3s-stacks:registries.mirrors.docker.io.endpoint[7]", "not a URL with a scheme", "write it like https://reg.lan:5000."),
      problem("k3s-stacks:registries.mirrors.docker.io.endpoint[8]", "not a valid URL", "https://reg.local:5000"),
    ]);
    for (const line of p) expect(line.slice(line.indexOf("Fix:"))).not.toMatch(/[a-z]+:\/\/[a-z]*:?\/?\/|https?:\/[^/]|https?\/\//i);
  });
  test("with disableDefaultEndpoint and no embedded mirror, a mirror without endpoints is refused: its images would come from nowhere", () => {
    expect(refused({ disableDefaultEndpoint: true, mirrors: { "docker.io": {}, "ghcr.io": { endpoint: [] }, "quay.io": { endpoint: ["https://reg.lan"] } } })).toEqual([
      problem("k3s-stacks:registries.mirrors.docker.io", /has no endpoint.*k3s's own \(pause, CoreDNS\) included/, "set k3s-stacks:registries.embeddedMirror: true"),
      problem("k3s-stacks:registries.mirrors.ghcr.io", /has no endpoint.*ghcr\.io's images from nowhere\./, "or remove the entry"),
    ]);
    for (const ok of [{ disableDefaultEndpoint: true, embeddedMirror: true, mirrors: { "docker.io": {} } }, { embeddedMirror: true, mirrors: { "docker.io": {} } }]) {
      expect(parseRegistriesConfig(ok, undefined, false, ".").config.mirrors).toHaveProperty(["docker.io"]);
    }
    // The embedded registry turned on through serverConfig (embedded-registry: true) is a source too.
    expect(parseRegistriesConfig({ disableDefaultEndpoint: true, mirrors: { "docker.io": {} } }, undefined, false, ".", true).config.mirrors).toHaveProperty(["docker.io"]);
  });
  test("an IPv6 address without brackets is named as such, with the bracketed URL (RFC 3986 §3.2.2), not as a bad port", () => {
    const p = refused({ mirrors: { "docker.io": { endpoint: ["https://2001:db8::5:5000/v2", "http://fd00::5"] } } });
    expect(p).toEqual([
      problem("k3s-stacks:registries.mirrors.docker.io.endpoint[0]", "an IPv6 address without brackets", "write https://[2001:db8::5]:5000/v2 (or https://[2001:db8::5:5000]/v2 if the last group is part of the address, not the port)."),
      problem("k3s-stacks:registries.mirrors.docker.io.endpoint[1]", "an IPv6 address without brackets", "write http://[fd00::5]."),
    ]);
    expect(p.join("\n")).not.toContain("where the port belongs");
  });
  test("a URL that does not parse never echoes the credentials before '@'", () => {
    const p = refused({ mirrors: { "docker.io": { endpoint: ["https://ci:s3cret@reg.lan:abc", "https://ci:s3cret@2001:db8::5:5000", "https://ci:s3cret@reg lan"] } } });
    expect(p).toHaveLength(3);
    expect(p.join("\n")).not.toContain("s3cret");
  });
});

describe("every URL setting words a bad URL without writing a scheme twice", () => {
  const base = { k3sVersion: "v1.36.3+k3s1" };
  test.each([
    [() => parseClusterConfig({ ...base, installScriptUrl: "https://mirror.lan:70000/install.sh" }), "k3s-stacks:cluster.installScriptUrl", "port 70000, outside 1-65535", "such as https://mirror.lan:443"],
    [() => parseClusterConfig({ ...base, artifactUrl: "mirror.lan/k3s" }), "k3s-stacks:cluster.artifactUrl", "not a URL with a scheme", "write it like https://mirror.lan/k3s."],
    [() => parseClusterConfig({ ...base, artifactUrl: "https://mirror lan/k3s" }), "k3s-stacks:cluster.artifactUrl", "not a valid URL", "https://example.com/path."],
    [() => parseAddonsConfig({ charts: { metallb: { repo: "http://charts.lan:99999" } } }), "k3s-stacks:addons.charts.metallb.repo", "port 99999", "such as http://charts.lan:443"],
  ])("%#: %s", (check, key, what, fix) => {
    const p = problemsOf(check);
    expect(p).toEqual([problem(key, what, fix)]);
    expect(p[0].slice(p[0].indexOf("Fix:"))).not.toMatch(/:\/\/[a-z]*:\/\//i);
  });
});
