import { execFileSync } from "child_process";
import { parse } from "yaml";
import { adminSources, k3sFirewallRules, portRange } from "../../components/nodes/cloud/firewall";
import { BASE_PACKAGES, CLOUD_INIT_MARKER, renderCloudInit } from "../../components/nodes/cloud/cloud-init";
import { renderWaitScript } from "../../components/nodes/cloud/ssh";
import { amiLoginUser, amiQuery } from "../../components/nodes/aws/ami";

const summary = (opts: Parameters<typeof k3sFirewallRules>[0]) =>
  k3sFirewallRules(opts).map((r) => `${r.protocol}/${portRange(r)} ${r.source}->${r.target}`);

describe("k3s firewall rule table", () => {
  test("opens exactly SSH and the API to admins, and k3s ports between nodes", () => {
    expect(summary({})).toEqual([
      "tcp/22 admin->all",
      "tcp/6443 admin->servers",
      "tcp/6443 network->servers",
      "tcp/10250 network->all",
      "tcp/2379-2380 servers->servers",
      "udp/8472 network->all",
    ]);
  });

  test("the embedded registry adds 5001 and the supervisor port on every node", () => {
    expect(summary({ embeddedRegistry: true })).toEqual([
      "tcp/22 admin->all",
      "tcp/6443 admin->servers",
      "tcp/6443 network->all",
      "tcp/10250 network->all",
      "tcp/2379-2380 servers->servers",
      "udp/8472 network->all",
      "tcp/5001 network->all",
    ]);
  });

  test("layers' ports open between nodes on their targets, a port listed for both roles once, ranges kept whole", () => {
    const layer = summary({ layerPorts: { all: ["7946/tcp", "7946/udp", "9100/tcp"], server: ["10257-10259/tcp", "9100/tcp"] } }).slice(summary({}).length);
    expect(layer).toEqual(["tcp/7946 network->all", "udp/7946 network->all", "tcp/9100 network->all", "tcp/10257-10259 network->servers"]);
    expect(new Set(k3sFirewallRules({ layerPorts: { all: ["7946/tcp", "7946/udp"] } }).map((r) => r.id)).size).toBe(summary({}).length + 2);
  });

  test("etcd's ports open between servers only with embedded etcd (requirements table: 2379-2380 for embedded etcd only)", () => {
    expect(summary({ datastore: "etcd" })).toContain("tcp/2379-2380 servers->servers");
    expect(summary({ datastore: "sqlite" }).filter((r) => r.startsWith("tcp/2379"))).toEqual([]);
    expect(summary({ datastore: "postgres" }).filter((r) => r.startsWith("tcp/2379"))).toEqual([]);
  });

  test("the flannel backend decides the overlay port", () => {
    expect(summary({ flannelBackend: "wireguard-native" })).toContain("udp/51820-51821 network->all");
    expect(summary({ flannelBackend: "wireguard-native" })).not.toContain("udp/8472 network->all");
    expect(summary({ flannelBackend: "host-gw" }).some((r) => r.startsWith("udp/"))).toBe(false);
  });

  test("admin sources are the admin CIDRs; the world only when asked for", () => {
    expect(adminSources(["198.51.100.0/24"], true)).toEqual(["198.51.100.0/24"]);
    expect(adminSources([], true)).toEqual(["0.0.0.0/0", "::/0"]);
    expect(adminSources([], false)).toEqual([]);
  });
});

describe("cloud-init", () => {
  test("is a #cloud-config document that installs packages, loads modules and writes the marker", () => {
    const text = renderCloudInit(["open-iscsi", "curl"]);
    expect(text.startsWith("#cloud-config\n")).toBe(true);
    const doc = parse(text);
    expect(doc.packages).toEqual([...BASE_PACKAGES, "open-iscsi"]);
    expect(doc.package_update).toBe(true);
    expect(doc.write_files.map((f: { path: string }) => f.path)).toEqual(["/etc/modules-load.d/k3s.conf", "/etc/sysctl.d/90-k3s.conf"]);
    expect(doc.runcmd[doc.runcmd.length - 1]).toEqual(["touch", CLOUD_INIT_MARKER]);
  });
});

describe("SSH wait script", () => {
  const script = renderWaitScript("server-0", "203.0.113.10");

  test("names the node and host in every failure", () => {
    const failures = script.split("\n").filter((l) => l.includes("exit 1"));
    expect(failures).toHaveLength(3);
    for (const line of failures) expect(line).toContain("server-0 (203.0.113.10)");
  });

  test("passes shellcheck as POSIX sh (the login shell runs it)", () => {
    execFileSync("shellcheck", ["-s", "sh", "-"], { input: script });
    expect(script).toContain(`test -f ${CLOUD_INIT_MARKER}`);
  });
});

describe("AMI lookup", () => {
  test("asks for the official image of the node's architecture", () => {
    expect(amiQuery("ubuntu-24.04", "arm64")).toEqual({ owners: ["099720109477"], namePattern: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-*", architecture: "arm64" });
    expect(amiQuery("debian-12", "amd64")).toEqual({ owners: ["136693071363"], namePattern: "debian-12-amd64-*", architecture: "x86_64" });
    expect(amiLoginUser("ubuntu-22.04")).toBe("ubuntu");
    expect(amiLoginUser("debian-13")).toBe("admin");
  });
});
