import { parseAddonsConfig } from "../../components/addons/config";
import { AddonsContext, checkAddons } from "../../components/addons/validate";
import { addonsProblems as problems, clusterCtx, mixedNodes, node } from "./fixtures";
import { problem, problemsOf } from "../support/config";


const metallb = (...addresses: string[]) => ({ loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses }] } });

describe("parseAddonsConfig", () => {
  it("defaults to k3s's own local-path and servicelb without monitoring", () => {
    expect(parseAddonsConfig(undefined)).toMatchObject({ storage: { type: "local-path" }, loadBalancer: { type: "servicelb" }, monitoring: { enabled: false }, charts: {} });
  });

  it("names typos and unknown chart keys with the key path", () => {
    expect(() => parseAddonsConfig({ storage: { type: "longhorn", replica: 2 }, charts: { traefik: {} } })).toThrow(
      /k3s-stacks:addons\.storage: unknown key\(s\) 'replica'[\s\S]*k3s-stacks:addons\.charts: unknown key\(s\) 'traefik'/,
    );
  });

  it("rejects unknown storage types with the allowed ones", () => {
    expect(() => parseAddonsConfig({ storage: { type: "nfs" } })).toThrow(/k3s-stacks:addons\.storage\.type/);
  });

  // A replica under /tmp is lost at the next reboot (defaultDataPath /tmp/longhorn, balchua/do-microk8s#2).
  it.each(["/tmp/longhorn", "/run/longhorn", "/var/tmp/longhorn/", "/dev/shm/longhorn", "/"])("refuses Longhorn's dataPath %s, which does not outlive a boot or is the root directory", (dataPath) => {
    expect(() => parseAddonsConfig({ storage: { type: "longhorn", dataPath } })).toThrow(/k3s-stacks:addons\.storage\.dataPath: .*(do not survive a reboot|root directory).*\. Fix: use a directory/);
  });

  it.each(["/var/lib/longhorn/", "/mnt/ssd/longhorn", "/data", "/tmpdata/longhorn", "/srv/run/longhorn"])("takes Longhorn's dataPath %s on a persistent disk", (dataPath) => {
    expect(parseAddonsConfig({ storage: { type: "longhorn", dataPath } }).storage).toMatchObject({ dataPath });
  });

  // Kubernetes quantities (apimachinery resource.Quantity): binary and decimal suffixes, plain bytes.
  // The grammar's other number forms too: decimal exponents (1e9), a fraction without digits on one side (.5Gi, 5.Gi), a '+'.
  it.each(["20G", "500M", "1Ti", "1.5Gi", "10737418240", "1e9", "15E8", "1E", ".5Gi", "5.Gi", "+10Gi"])("takes the volume size %s, a Kubernetes quantity", (size) => {
    expect(parseAddonsConfig({ monitoring: { enabled: true, storageSize: size, grafanaStorageSize: size } }).monitoring).toMatchObject({ storageSize: size, grafanaStorageSize: size });
  });

  it.each([
    ["10GB", /must be a size such as 10Gi/],
    ["10 Gi", /must be a size such as 10Gi/],
    ["10gi", /must be a size such as 10Gi/],
    ["0Gi", /is zero, and Kubernetes refuses a volume claim of zero bytes or less\. Fix: /],
    ["-10Gi", /is negative, and Kubernetes refuses a volume claim of zero bytes or less\. Fix: /],
    ["1e", /must be a size such as 10Gi/],
    ["500m", /must be a size such as 10Gi/],
  ])("refuses the volume size %s, naming the key", (size, message) => {
    expect(() => parseAddonsConfig({ monitoring: { enabled: true, storageSize: size } })).toThrow(new RegExp(`k3s-stacks:addons\\.monitoring\\.storageSize: ${message.source}`));
  });

  it("requires pools for MetalLB", () => {
    expect(() => parseAddonsConfig({ loadBalancer: { type: "metallb" } })).toThrow(/k3s-stacks:addons\.loadBalancer\.pools: is required/);
  });
});

describe("MetalLB pools", () => {
  it("accepts CIDRs and ranges on the LAN", () => {
    expect(problems(metallb("192.168.1.224/28", "192.168.1.200-192.168.1.210"))).toEqual([]);
  });

  it.each([
    ["192.168.1.300/28", /'192\.168\.1\.300\/28' is neither a CIDR/],
    ["192.168.1.250-192.168.1.240", /runs backwards.*Fix: write it as 192\.168\.1\.240-192\.168\.1\.250\./],
    ["192.168.1.240-fd00::1", /is neither a CIDR/],
    ["10.42.5.0/24", /overlaps the cluster CIDR 10\.42\.0\.0\/16/],
    ["10.43.0.100-10.43.0.120", /overlaps the service CIDR 10\.43\.0\.0\/16/],
    ["192.168.1.8-192.168.1.12", /contains 192\.168\.1\.10, the address of node 's1'/],
  ])("rejects %s", (entry, message) => {
    const p = problems(metallb(entry));
    expect(p[0]).toMatch(/^k3s-stacks:addons\.loadBalancer\.pools\[0\]\.addresses\[0\]: /);
    expect(p.join("\n")).toMatch(message);
    expect(p.join("\n")).toMatch(/Fix: /);
  });

  // A client ARPs only for addresses on its own subnet (MetalLB FAQ), so a layer-2 pool off the nodes' LAN is unreachable.
  it("in layer 2, refuses a pool off the nodes' LAN, with a free range on it; a wider LAN is given as loadBalancer.subnet", () => {
    expect(problems(metallb("10.10.10.0/28"))).toEqual([
      problem("k3s-stacks:addons.loadBalancer.pools[0].addresses[0]", "'10.10.10.0/28' is not inside the nodes' LAN 192.168.1.0/24 (taken as /24 around each node's address)", "such as 192.168.1.240-192.168.1.250; set k3s-stacks:addons.loadBalancer.subnet"),
    ]);
    // Partly off the segment is off it too.
    expect(problems(metallb("192.168.1.250-192.168.2.5")).join("\n")).toMatch(/is not inside the nodes' LAN/);
    expect(problems(metallb("192.168.1.224/28", "192.168.1.200-192.168.1.210"))).toEqual([]);
    expect(problems({ loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["192.168.7.240/28"] }], subnet: "192.168.0.0/16" } })).toEqual([]);
    expect(problems({ loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["10.1.0.240/28"] }], subnet: "192.168.0.0/16" } }).join("\n")).toMatch(/not inside k3s-stacks:addons\.loadBalancer\.subnet 192\.168\.0\.0\/16/);
    // Over BGP the routers carry the addresses anywhere.
    expect(problems({ loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["10.10.10.0/28"] }], bgp: { myASN: 64512, peers: [{ address: "192.168.1.1", asn: 64513 }] } } })).toEqual([]);
    // Nodes known only by DNS names are not judged.
    const named = [{ ...node("s1", 10, { role: "server" }), connection: { host: "s1.lan", user: "root" }, internalAddress: undefined }];
    expect(problems(metallb("10.10.10.0/28"), {}, named)).toEqual([]);
  });

  it("checks every address of a node, not only the last one known (internal, external, SSH)", () => {
    const named = { ...node("s1", 10, { role: "server" }), connection: { host: "s1.lan", user: "root" }, externalAddress: "203.0.113.10" };
    // Announced over BGP: a public range off the LAN is fine there (layer 2 would refuse it, below).
    const bgp = { myASN: 64512, peers: [{ address: "192.168.1.1", asn: 64513 }] };
    const p = problems({ loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["192.168.1.8-192.168.1.12", "203.0.113.0/28"] }], bgp } }, {}, [named]);
    expect(p).toEqual([
      problem("k3s-stacks:addons.loadBalancer.pools[0].addresses[0]", "contains 192.168.1.10, the address of node 's1'", "exclude node addresses"),
      problem("k3s-stacks:addons.loadBalancer.pools[0].addresses[1]", "contains 203.0.113.10, the address of node 's1'", "exclude node addresses"),
    ]);
  });

  it("checks each range of a dual-stack cluster, and refuses host bits in a pool CIDR", () => {
    const dual = { clusterCidr: "10.42.0.0/16,fd00:42::/56", serviceCidr: "10.43.0.0/16,fd00:43::/112" };
    expect(problems(metallb("fd00:43::100-fd00:43::1ff"), dual)).toEqual([
      problem("k3s-stacks:addons.loadBalancer.pools[0].addresses[0]", "overlaps the service CIDR fd00:43::/112", "outside the pod and service networks"),
    ]);
    expect(problems(metallb("192.168.1.241/28"))).toEqual([
      // The network form, 192.168.1.240/28, would hold the LAN's broadcast address: the fix leaves it out.
      problem("k3s-stacks:addons.loadBalancer.pools[0].addresses[0]", "host bits are set", "write it as 192.168.1.240-192.168.1.254."),
    ]);
  });

  // MetalLB allocates by the Service's family: an IPv6 pool on an IPv4-only cluster left every
  // LoadBalancer Service <pending>.
  it("refuses a pool range of a family the cluster's Services do not have, and takes it on a dual-stack cluster", () => {
    expect(problems(metallb("192.168.1.224/28", "2001:db8:1::240/124"))).toEqual([
      problem("k3s-stacks:addons.loadBalancer.pools[0].addresses[1]", "is an IPv6 range, but the cluster's Services are IPv4 only (k3s-stacks:cluster.serviceCidr: 10.43.0.0/16)", "build the cluster dual-stack"),
    ]);
    expect(problems(metallb("192.168.1.240-192.168.1.250"), { clusterCidr: "fd00:42::/56", serviceCidr: "fd00:43::/112" })).toEqual([
      problem("k3s-stacks:addons.loadBalancer.pools[0].addresses[0]", "is an IPv4 range, but the cluster's Services are IPv6 only", "use IPv6 addresses"),
    ]);
    expect(problems(metallb("192.168.1.224/28", "2001:db8:1::240/124"), { clusterCidr: "10.42.0.0/16,fd00:42::/56", serviceCidr: "10.43.0.0/16,fd00:43::/112" })).toEqual([]);
  });

  it("rejects overlapping pools, duplicate names and bad BGP peers", () => {
    const p = problems({
      loadBalancer: {
        type: "metallb",
        pools: [{ name: "a", addresses: ["192.168.1.224/28"] }, { name: "a", addresses: ["192.168.1.230-192.168.1.231"] }],
        bgp: { myASN: 64512, peers: [{ address: "router.lan", asn: 64513 }] },
      },
    });
    expect(p.join("\n")).toMatch(/pools\[1\]\.name: pool name 'a' is used twice/);
    expect(p.join("\n")).toMatch(/pools\[1\]\.addresses\[0\]: '192\.168\.1\.230-192\.168\.1\.231' overlaps '192\.168\.1\.224\/28'/);
    expect(p.join("\n")).toMatch(/bgp\.peers\[0\]\.address: 'router\.lan' is not an IP address/);
  });

  it("refuses speakers that announce from no node: every node labelled exclude-from-external-load-balancers or tainted past the speaker's tolerations", () => {
    const exclude = { "node.kubernetes.io/exclude-from-external-load-balancers": "true" };
    const servers = [1, 2, 3].map((i) => ({ ...node(`cp-${i}`, 10 + i, { role: "server" }), labels: exclude }));
    // Three labelled servers, as kubeadm labels control planes: MetalLB announces nothing (metallb/metallb#2274).
    expect(problems(metallb("192.168.1.224/28"), {}, servers)).toEqual([
      "k3s-stacks:addons.loadBalancer: MetalLB's speakers would announce the pool addresses from no node: cp-1 (label node.kubernetes.io/exclude-from-external-load-balancers), cp-2 (label node.kubernetes.io/exclude-from-external-load-balancers), cp-3 (label node.kubernetes.io/exclude-from-external-load-balancers). A speaker announces nothing from a node labelled node.kubernetes.io/exclude-from-external-load-balancers (MetalLB 0.14 and later) and none runs on a node with a taint it does not tolerate, so every LoadBalancer Service would get an address no client reaches. Fix: remove the label node.kubernetes.io/exclude-from-external-load-balancers from the labels of at least one of cp-1, cp-2, cp-3 (MetalLB reads the key, so a value of \"false\" does not help).",
    ]);
    // A labelled server and an agent whose taint the speaker does not tolerate (it tolerates control-plane NoSchedule only), over BGP too.
    const edge = node("edge", 21, { taints: ["CriticalAddonsOnly=true:NoExecute"] });
    const bgp = { loadBalancer: { type: "metallb", pools: [{ name: "lan", addresses: ["10.20.0.0/28"] }], bgp: { myASN: 64512, peers: [{ address: "192.168.1.1", asn: 64513 }] } } };
    expect(problems(bgp, {}, [servers[0], edge]).join("\n")).toContain("from no node: cp-1 (label node.kubernetes.io/exclude-from-external-load-balancers), edge (taint CriticalAddonsOnly=true:NoExecute, which the speaker does not tolerate).");
    // One node left to announce from is enough; a control-plane NoSchedule server runs a speaker.
    const tainted = node("cp-4", 14, { role: "server", taints: ["node-role.kubernetes.io/control-plane:NoSchedule"] });
    expect(problems(metallb("192.168.1.224/28"), {}, [...servers, tainted])).toEqual([]);
    expect(problems({ loadBalancer: { type: "servicelb" } }, {}, servers)).toEqual([]);
  });
});

describe("storage eligibility", () => {
  it("refuses more Longhorn replicas than amd64/arm64 nodes, naming the armhf node", () => {
    const nodes = [node("s1", 10, { role: "server" }), node("pi1", 11, { arch: "arm" }), node("pi2", 12, { arch: "arm" })];
    const p = problems({ storage: { type: "longhorn", replicas: 2 } }, {}, nodes);
    expect(p).toEqual([expect.stringMatching(/^k3s-stacks:addons\.storage\.replicas: 2 replicas need 2 eligible nodes, but only 1 .*\(s1\); not eligible: pi1 \(arch armhf:.*pi2 .*Fix: set replicas to at most 1/)]);
  });

  it("fails clearly when no node can run Longhorn", () => {
    const nodes = [node("pi1", 11, { arch: "arm", role: "server" })];
    expect(problems({ storage: { type: "longhorn" } }, {}, nodes)).toEqual([expect.stringMatching(/no node can hold Longhorn data; not eligible: pi1 \(arch armhf:.*Fix: add an amd64 or arm64 node, or use storage type local-path/)]);
  });

  it("leaves NoSchedule-tainted servers out unless listed", () => {
    const nodes = [node("s1", 10, { role: "server", taints: ["CriticalAddonsOnly=true:NoExecute"] }), node("a1", 11)];
    expect(problems({ storage: { type: "longhorn", replicas: 2 } }, {}, nodes).join()).toMatch(/s1 \(tainted CriticalAddonsOnly=true:NoExecute\)/);
    expect(problems({ storage: { type: "longhorn", replicas: 2, nodes: ["s1", "a1"] } }, {}, nodes)).toEqual([]);
  });

  it("rejects listed nodes that do not exist or are armhf", () => {
    const p = problems({ storage: { type: "longhorn", nodes: ["a1", "nope", "pi2"] } });
    expect(p).toEqual([
      expect.stringMatching(/storage\.nodes\[1\]: no node named 'nope'/),
      expect.stringMatching(/storage\.nodes\[2\]: node 'pi2' is armhf; Longhorn ships amd64 and arm64 images only/),
    ]);
  });

  it("requires three Rook nodes for the default layout and accepts an explicit smaller one", () => {
    const two = [{ name: "a1", devices: ["sdb"] }, { name: "a2", devices: ["sdb"] }];
    expect(problems({ storage: { type: "rook-ceph", nodes: two } })).toEqual([
      expect.stringMatching(/storage\.nodes: the default layout \(3 replicas on separate hosts, 3 monitors\) needs 3 nodes with an empty disk, but 2 are listed \(a1, a2\)\. Fix: .*set storage\.replicas to 2/),
    ]);
    expect(problems({ storage: { type: "rook-ceph", nodes: two, replicas: 2 } })).toEqual([]);
    expect(problems({ storage: { type: "rook-ceph", nodes: [{ name: "pi2", devices: ["sda"] }], replicas: 1 } }).join()).toMatch(/node 'pi2' is armhf; Rook-Ceph ships/);
  });

  it("refuses a Rook device listed twice on a node, also as sdb and /dev/sdb (one device, one OSD)", () => {
    const rook = (devices: string[]) => problems({ storage: { type: "rook-ceph", nodes: [{ name: "a1", devices }], replicas: 1 } });
    expect(rook(["sdb", "sdb"])).toEqual([expect.stringMatching(/^k3s-stacks:addons\.storage\.nodes\[0\]\.devices\[1\]: \/dev\/sdb on node 'a1' is already listed at devices\[0\], and Rook makes one OSD of a device.*Fix: remove devices\[1\]/)]);
    expect(rook(["sdb", "sdc", "/dev/sdb"])).toEqual([expect.stringMatching(/^k3s-stacks:addons\.storage\.nodes\[0\]\.devices\[2\]: \/dev\/sdb .*\('sdb' and '\/dev\/sdb' both name \/dev\/sdb: Rook reads a bare name as \/dev\/<name>\).*Fix: remove devices\[2\]/)]);
    expect(rook(["/dev//sdb", "/dev/sdb"])).toHaveLength(1);
    // The same name on two nodes is two devices.
    expect(problems({ storage: { type: "rook-ceph", nodes: [{ name: "a1", devices: ["sdb", "sdc"] }, { name: "a2", devices: ["sdb"] }], replicas: 2 } })).toEqual([]);
  });
});

describe("Rook CephFS and external Ceph", () => {
  const osd = (...names: string[]) => names.map((name) => ({ name, devices: ["sdb"] }));
  const ext = { fsid: "68945eb2-536b-11f0-8b39-b578895a0c19", rbdPool: "k8s" };

  it("checks the filesystem's replicas against the OSD nodes and its MDS count against the nodes", () => {
    expect(problems({ storage: { type: "rook-ceph", nodes: osd("a1", "a2"), replicas: 2, filesystem: { replicas: 3 } } })).toEqual([
      problem("k3s-stacks:addons.storage.filesystem.replicas", "3 copies on separate hosts need 3 OSD nodes, but 2 are listed (a1, a2)", "at most 2"),
    ]);
    expect(problems({ storage: { type: "rook-ceph", nodes: osd("a1", "a2", "a3"), filesystem: { activeMDS: 4 } } }, {}, [node("s1", 10, { role: "server" }), node("a1", 11), node("a2", 12), node("a3", 13, { arch: "arm" })])).toEqual([
      problem("k3s-stacks:addons.storage.nodes[2].name", "node 'a3' is armhf;", "remove it"),
    ]);
    expect(problems({ storage: { type: "rook-ceph", nodes: osd("a1", "a2", "a3"), filesystem: { activeMDS: 4 } } }, {}, [node("a1", 11), node("a2", 12), node("a3", 13)])).toEqual([
      problem("k3s-stacks:addons.storage.filesystem.activeMDS", "4 active metadata servers need as many amd64/arm64 nodes, but there are 3", "lower activeMDS"),
    ]);
    expect(problems({ storage: { type: "rook-ceph", nodes: osd("a1", "a2", "a3"), filesystem: {} } })).toEqual([]);
  });

  it("names the filesystem keys' own mistakes", () => {
    expect(() => parseAddonsConfig({ storage: { type: "rook-ceph", nodes: osd("a1"), filesystem: { name: "Shared_FS", replicas: 4 } } })).toThrow(
      /storage\.filesystem\.name: must be a DNS label[\s\S]*storage\.filesystem\.replicas/,
    );
  });

  it("needs nodes without external mode, and refuses nodes, replicas and filesystem with it", () => {
    expect(problems({ storage: { type: "rook-ceph" } })).toEqual([problem("k3s-stacks:addons.storage.nodes", "is required", "set storage.external")]);
    expect(problems({ storage: { type: "rook-ceph", external: ext, nodes: osd("a1"), replicas: 1, filesystem: {} } })).toEqual([
      problem("k3s-stacks:addons.storage.nodes", "external mode creates no OSDs", "remove storage.nodes"),
      problem("k3s-stacks:addons.storage.replicas", "the external cluster's pool setting", "remove storage.replicas"),
      problem("k3s-stacks:addons.storage.filesystem", "uses an existing CephFS", "storage.external.cephfs"),
    ]);
    expect(problems({ storage: { type: "rook-ceph", external: ext } })).toEqual([]);
  });

  it("checks the fsid and user shapes", () => {
    expect(() => parseAddonsConfig({ storage: { type: "rook-ceph", external: { ...ext, fsid: "abc", user: "healthchecker" } } })).toThrow(
      /storage\.external\.fsid: is not a Ceph fsid[\s\S]*Fix: copy it from 'ceph fsid'[\s\S]*storage\.external\.user: must be a Ceph client name/,
    );
  });

  it("needs an amd64 or arm64 node for the operator, even in external mode", () => {
    expect(problems({ storage: { type: "rook-ceph", external: ext } }, {}, [node("pi", 14, { role: "server", arch: "arm" })])).toEqual([
      problem("k3s-stacks:addons.storage", "no node is amd64 or arm64", "local-path"),
    ]);
  });
});

describe("consistency with k3s-stacks:cluster", () => {
  it("refuses servicelb when the cluster disables it", () => {
    expect(problems({}, { disable: ["servicelb"] })).toEqual([expect.stringMatching(/loadBalancer\.type: servicelb is chosen but k3s-stacks:cluster\.disable turns it off/)]);
  });

  it("refuses a cluster without local-storage when nothing replaces it", () => {
    expect(problems({}, { disable: ["local-storage"] })).toEqual([expect.stringMatching(/no other default StorageClass/)]);
    expect(problems({ storage: { type: "longhorn" } }, { disable: ["local-storage"] })).toEqual([]);
  });

  it("lists every problem at once", () => {
    expect(problems({ ...metallb("10.42.0.1/32"), storage: { type: "rook-ceph", nodes: [{ name: "a1", devices: ["sdb"] }] } })).toHaveLength(2);
  });
});

describe("monitoring's k3s keys against the user's serverConfig/agentConfig", () => {
  const monitoring = { monitoring: { enabled: true } };

  it("refuses an argument or key the user sets to another value than monitoring needs, naming both and the fix", () => {
    const p = problems(monitoring, {
      datastore: "etcd",
      serverConfig: { "kube-scheduler-arg": ["--bind-address=127.0.0.1", "v=2"], "etcd-expose-metrics": false },
      agentConfig: { "kube-proxy-arg+": ["metrics-bind-address=127.0.0.1:10249"] },
    });
    expect(p).toEqual([
      expect.stringMatching(/^k3s-stacks:cluster\.serverConfig\.kube-scheduler-arg\[0\]: '--bind-address=127\.0\.0\.1' passes --bind-address with another value than k3s-stacks:addons\.monitoring \(Prometheus scrapes these metrics from other nodes\) passes \('bind-address=0\.0\.0\.0'\), and k3s keeps only one of them\. Fix: remove it here, or set k3s-stacks:addons\.monitoring\.enabled: false\.$/),
      expect.stringMatching(/^k3s-stacks:cluster\.serverConfig\.etcd-expose-metrics: is false, but k3s-stacks:addons\.monitoring .* sets it to true\. Fix: /),
      expect.stringMatching(/^k3s-stacks:cluster\.agentConfig\.kube-proxy-arg\+\[0\]: 'metrics-bind-address=127\.0\.0\.1:10249' passes --metrics-bind-address .*Fix: remove it here/),
    ]);
  });

  it("accepts other arguments in the same lists, and the same value written with dashes", () => {
    expect(problems(monitoring, { datastore: "etcd", serverConfig: { "kube-controller-manager-arg": ["terminated-pod-gc-threshold=100", "--bind-address=0.0.0.0"], "etcd-expose-metrics": true }, agentConfig: { "kube-proxy-arg": ["proxy-mode=ipvs"] } })).toEqual([]);
    expect(problems({}, { serverConfig: { "kube-scheduler-arg": ["bind-address=127.0.0.1"] } })).toEqual([]);
  });
});

describe("MetalLB layer 2 with kube-proxy in IPVS mode", () => {
  const l2 = metallb("192.168.1.224/28");
  const bgp = { loadBalancer: { ...l2.loadBalancer, bgp: { myASN: 64512, peers: [{ address: "192.168.1.1", asn: 64513 }] } } };

  it("refuses IPVS without strict ARP on servers and agents, naming the entry and the fix", () => {
    expect(problems(l2, { serverConfig: { "kube-proxy-arg": ["v=2", "--proxy-mode=ipvs"] }, agentConfig: { "kube-proxy-arg": "proxy-mode=ipvs" } })).toEqual([
      expect.stringMatching(/^k3s-stacks:cluster\.serverConfig\.kube-proxy-arg\[1\]: '--proxy-mode=ipvs' runs kube-proxy in IPVS mode, .*every node answers ARP for the addresses MetalLB announces in layer 2 \(k3s-stacks:addons\.loadBalancer\).*\. Fix: add ipvs-strict-arp=true to k3s-stacks:cluster\.serverConfig\.kube-proxy-arg, or announce the pools over BGP\.$/),
      expect.stringMatching(/^k3s-stacks:cluster\.agentConfig\.kube-proxy-arg: 'proxy-mode=ipvs' runs kube-proxy in IPVS mode, .*Fix: add ipvs-strict-arp=true to k3s-stacks:cluster\.agentConfig\.kube-proxy-arg, /),
    ]);
    // A later entry wins, as k3s passes them: strict ARP turned off again is refused too.
    expect(problems(l2, { serverConfig: { "kube-proxy-arg": ["proxy-mode=ipvs", "ipvs-strict-arp=true", "ipvs-strict-arp=false"] } })).toHaveLength(1);
  });

  it("reads a server's kube-proxy arguments as k3s does: agentConfig's unless serverConfig sets the key", () => {
    const servers = mixedNodes.filter((n) => n.role === "server");
    expect(problems(l2, { agentConfig: { "kube-proxy-arg": ["proxy-mode=ipvs"] } }, servers)).toEqual([expect.stringMatching(/^k3s-stacks:cluster\.agentConfig\.kube-proxy-arg\[0\]: 'proxy-mode=ipvs' runs kube-proxy in IPVS mode/)]);
    // One line for the one entry both roles read.
    expect(problems(l2, { agentConfig: { "kube-proxy-arg": ["proxy-mode=ipvs"] } })).toHaveLength(1);
    expect(problems(l2, { serverConfig: { "kube-proxy-arg": ["proxy-mode=iptables"] }, agentConfig: { "kube-proxy-arg": ["proxy-mode=ipvs"] } }, servers)).toEqual([]);
    expect(problems(l2, { serverConfig: { "kube-proxy-arg+": ["ipvs-strict-arp=true"] }, agentConfig: { "kube-proxy-arg": ["proxy-mode=ipvs"] } })).toEqual([
      expect.stringMatching(/^k3s-stacks:cluster\.agentConfig\.kube-proxy-arg\[0\]: .*Fix: add ipvs-strict-arp=true to k3s-stacks:cluster\.agentConfig\.kube-proxy-arg, /),
    ]);
  });

  it("accepts strict ARP (a bare flag means true), iptables or nftables, and BGP", () => {
    expect(problems(l2, { serverConfig: { "kube-proxy-arg": ["proxy-mode=ipvs", "ipvs-strict-arp"] }, agentConfig: { "kube-proxy-arg": ["proxy-mode=ipvs", "--ipvs-strict-arp=true"] } })).toEqual([]);
    expect(problems(l2, { serverConfig: { "kube-proxy-arg": ["proxy-mode=ipvs", "proxy-mode=nftables"] }, agentConfig: { "kube-proxy-arg": ["proxy-mode=iptables"] } })).toEqual([]);
    expect(problems(bgp, { serverConfig: { "kube-proxy-arg": ["proxy-mode=ipvs"] }, agentConfig: { "kube-proxy-arg": ["proxy-mode=ipvs"] } })).toEqual([]);
    expect(problems({}, { serverConfig: { "kube-proxy-arg": ["proxy-mode=ipvs"] } })).toEqual([]);
  });
});

// A kubelet-arg root-dir left the CSI plugins registering under /var/lib/kubelet, where the kubelet
// no longer looks: every Longhorn or Ceph volume failed to mount.
describe("a moved kubelet root directory", () => {
  const check = (raw: object, ctx: Partial<AddonsContext>) => checkAddons(parseAddonsConfig(raw), { ...clusterCtx, nodes: mixedNodes, ...ctx });
  const longhorn = { storage: { type: "longhorn" } };

  it("reaches Longhorn's values when servers and agents share it (agentConfig applies to servers)", () => {
    expect(check(longhorn, { agentConfig: { "kubelet-arg": ["max-pods=150", "--root-dir=/data/kubelet/"] } }).kubeletRootDir).toBe("/data/kubelet");
    expect(check(longhorn, { agentConfig: { "kubelet-arg": ["max-pods=150"] } }).kubeletRootDir).toBeUndefined();
  });

  it("is refused with Longhorn when servers and agents differ, naming the key", () => {
    expect(problems(longhorn, { serverConfig: { "kubelet-arg": ["root-dir=/srv/kubelet"] }, agentConfig: { "kubelet-arg": ["root-dir=/data/kubelet"] } })).toEqual([
      expect.stringMatching(/^k3s-stacks:cluster\.agentConfig\.kubelet-arg\[0\]: servers' kubelets use \/srv\/kubelet and agents' \/data\/kubelet, but Longhorn's CSI plugin takes one .*Fix: give servers and agents the same root-dir/),
    ]);
  });

  it("is refused with Rook, whose chart cannot be told", () => {
    expect(problems({ storage: { type: "rook-ceph", nodes: [{ name: "s1", devices: ["sdb"] }, { name: "a1", devices: ["sdb"] }, { name: "a2", devices: ["sdb"] }] } }, { serverConfig: { "kubelet-arg+": ["root-dir=/data/kubelet"] } })).toEqual([
      expect.stringMatching(/^k3s-stacks:cluster\.serverConfig\.kubelet-arg\+\[0\]: 'root-dir=\/data\/kubelet' moves the kubelet's root directory, but Rook's Ceph CSI driver registers under \/var\/lib\/kubelet .*Fix: remove root-dir here/),
    ]);
  });

  it("is no concern of local-path storage", () => {
    expect(problems({}, { agentConfig: { "kubelet-arg": ["root-dir=/data/kubelet"] } })).toEqual([]);
  });
});

// A host given by name was found only when the release was registered, after the cluster's steps had
// started on the machines: now with the config, before anything runs.
describe("monitoring's scrape addresses", () => {
  const named = (n: ReturnType<typeof node>, host: string) => ({ ...n, connection: { host, user: "root" }, internalAddress: undefined });

  it("refuses a node whose only address is a host name, naming the node and the fix", () => {
    const nodes = [named(node("s1", 10, { role: "server" }), "s1.lan"), named(node("a1", 11), "a1.lan"), node("a2", 12)];
    expect(problems({ monitoring: { enabled: true } }, {}, nodes)).toEqual([
      problem("k3s-stacks:addons.monitoring", "controller-manager, scheduler and etcd metrics on node 's1' are scraped at its address, but 's1.lan' is not an IP", "internalAddress that is an IP"),
      problem("k3s-stacks:addons.monitoring", "kube-proxy metrics on node 'a1' are scraped at its address, but 'a1.lan' is not an IP", "internalAddress that is an IP"),
    ]);
  });

  it("takes the internalAddress when the SSH address is a name, and asks nothing without monitoring", () => {
    const nodes = [{ ...node("s1", 10, { role: "server" }), connection: { host: "s1.lan", user: "root" } }];
    expect(problems({ monitoring: { enabled: true } }, {}, nodes)).toEqual([]);
    expect(problems({}, {}, [named(node("s1", 10, { role: "server" }), "s1.lan")])).toEqual([]);
    // A dual-stack node is scraped at its primary (first) node-ip.
    const dual = [{ ...node("s1", 10, { role: "server" }), internalAddress: "192.168.1.10,2001:db8::10" }];
    expect(problems({ monitoring: { enabled: true } }, { clusterCidr: "10.42.0.0/16,fd00:42::/56", serviceCidr: "10.43.0.0/16,fd00:43::/112" }, dual)).toEqual([]);
  });
});

test("a chart version Helm cannot read as a version or range is refused; versions and ranges are kept", () => {
  expect(problemsOf(() => parseAddonsConfig({ charts: { longhorn: { version: "latest" } } }))).toEqual([
    problem("k3s-stacks:addons.charts.longhorn.version", "is not a chart version or version range Helm takes", "give a version, such as 1.7.2"),
  ]);
  for (const version of ["1.7.2", "v1.20.6", "~1.7.0", ">=1.7 <2", ">=1.7.0, <2.0.0", "!=1.7.3", "=>1.7", "1.2 - 1.4", "^1.2 || ^2"]) expect(parseAddonsConfig({ charts: { longhorn: { version } } }).charts.longhorn?.version).toBe(version);
});
