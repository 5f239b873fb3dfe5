// Kubernetes 1.35+ kubelets refuse cgroup v1 hosts (failCgroupV1, KEP-5573): which nodes are checked,
// and the check itself in a real bash against a sandboxed host.
import { KUBELET_CONF_DIR, kubeletRefusesCgroupV1, kubeletRefusesCgroupV1ByDefault, renderCgroupV1Check } from "../../components/k3s/host/cgroup-v1";
import { prepBody, hostPrepFor } from "../../components/k3s/host-prep";
import { installFunctions } from "../../components/k3s/scripts";
import { parseClusterConfig } from "../../components/k3s/settings";
import { inventoryNodes, parseInventoryConfig } from "../../components/nodes/inventory";
import { CONFIG_FILE } from "../../components/k3s/node-config";
import { Sandbox, sandbox } from "./support/shell";
import { put } from "./support/host";

describe("kubeletRefusesCgroupV1", () => {
  test.each([
    ["v1.34.6+k3s1", false],
    ["v1.35.0-rc1+k3s1", true],
    ["v1.35.0+k3s1", true],
    ["v1.36.3+k3s1", true],
  ])("%s refuses cgroup v1 by default: %s", (version, refuses) => {
    expect(kubeletRefusesCgroupV1ByDefault(version)).toBe(refuses);
    expect(kubeletRefusesCgroupV1(version, {})).toBe(refuses);
  });

  test.each([
    [["fail-cgroupv1=false"], false],
    [["--fail-cgroupv1=False"], false],
    [["fail-cgroupv1=0"], false],
    [["fail-cgroupv1=true"], true],
    [["fail-cgroupv1"], true],
    [["max-pods=200"], true],
    // The kubelet keeps the last value of a repeated flag.
    [["fail-cgroupv1=false", "fail-cgroupv1=true"], true],
  ])("kubelet-arg %j: refuses %s", (args, refuses) => {
    expect(kubeletRefusesCgroupV1("v1.36.3+k3s1", { "kubelet-arg": args })).toBe(refuses);
  });

  test("kubelet-arg+ entries count after kubelet-arg", () => {
    expect(kubeletRefusesCgroupV1("v1.36.3+k3s1", { "kubelet-arg": ["fail-cgroupv1=true"], "kubelet-arg+": ["fail-cgroupv1=false"] })).toBe(false);
  });

  test("host preparation checks a node only when its kubelet would refuse cgroup v1", () => {
    const [node] = inventoryNodes(parseInventoryConfig({ hosts: [{ name: "pi-1", address: "10.0.0.1", role: "server", arch: "arm64" }] }), {});
    const none = { server: {}, all: {}, disable: [] };
    const prep = (version: string, config: Record<string, string[]>) => hostPrepFor(node, parseClusterConfig({ k3sVersion: version }), none, config);
    expect(prep("v1.36.3+k3s1", {}).requireCgroupV2).toBe(true);
    expect(prepBody(prep("v1.36.3+k3s1", {}))).toContain("stat -fc %T /sys/fs/cgroup");
    expect(prep("v1.34.6+k3s1", {}).requireCgroupV2).toBeUndefined();
    expect(prepBody(prep("v1.34.6+k3s1", {}))).not.toContain("stat -fc %T /sys/fs/cgroup");
    expect(prep("v1.36.3+k3s1", { "kubelet-arg": ["fail-cgroupv1=false"] }).requireCgroupV2).toBeUndefined();
  });

  test("install and upgrade check before fetching install.sh, from 1.35 on", () => {
    const spec = (version: string) => ({ node: "n1", role: "server" as const, version, installScriptUrl: "https://get.k3s.io" });
    const fetch = installFunctions(spec("v1.36.3+k3s1")).split("fetch_install() {")[1];
    expect(fetch.indexOf("stat -fc %T /sys/fs/cgroup")).toBeGreaterThan(-1);
    expect(fetch.indexOf("stat -fc %T /sys/fs/cgroup")).toBeLessThan(fetch.indexOf("curl"));
    expect(installFunctions(spec("v1.34.6+k3s1"))).not.toContain("/sys/fs/cgroup");
  });
});

describe("renderCgroupV1Check on a host", () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = sandbox();
    put(sb, "proc/filesystems", "nodev\tcgroup\nnodev\tcgroup2\n\text4\n");
    put(sb, "proc/cmdline", "console=ttyS0 root=/dev/vda1\n");
    sb.fake("uname", "echo 5.4.0-216-generic");
  });
  afterEach(() => sb.cleanup());

  const paths = ["/proc/filesystems", "/proc/cmdline", CONFIG_FILE, KUBELET_CONF_DIR];
  const run = (cgroupFs: string) => {
    const script = paths.reduce((s, p) => s.split(p).join(sb.dir + p), renderCgroupV1Check("n1"));
    return sb.run(["bash", "-c", `set -euo pipefail\n${script}\necho passed`], { env: { CGROUP_FS: cgroupFs } });
  };

  test("a cgroup v2 host passes", () => {
    expect(run("cgroup2fs")).toMatchObject({ status: 0, stdout: "passed\n" });
  });

  test("a cgroup v1 (or hybrid) host fails, naming the kernel argument that boots cgroup v2", () => {
    const r = run("tmpfs");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("n1 runs cgroup v1 (/sys/fs/cgroup is tmpfs, not cgroup2fs)");
    expect(r.stderr).toContain("the kubelet of k3s v1.35 and later refuses to start there");
    expect(r.stderr).toContain("add systemd.unified_cgroup_hierarchy=1 to its kernel command line");
    expect(r.stderr).toContain("grubby --update-kernel=ALL --args=systemd.unified_cgroup_hierarchy=1");
    expect(r.stderr).toContain("fail-cgroupv1=false");
    expect(r.stdout).toBe("");
  });

  test("a kernel command line that turns cgroup v2 off is named", () => {
    put(sb, "proc/cmdline", "console=serial0,115200 root=PARTUUID=0 systemd.unified_cgroup_hierarchy=0\n");
    expect(run("tmpfs").stderr).toContain("remove systemd.unified_cgroup_hierarchy=0 from its kernel command line");
  });

  test("a kernel without cgroup v2 is named, with the release that has it", () => {
    put(sb, "proc/filesystems", "nodev\tcgroup\n\text4\n");
    const r = run("tmpfs");
    expect(r.stderr).toContain("its kernel (5.4.0-216-generic) has no cgroup v2");
    expect(r.stderr).toContain("Amazon Linux 2023");
  });

  test.each([
    ["config.yaml, plain", CONFIG_FILE, "kubelet-arg:\n  - fail-cgroupv1=false\n"],
    ["config.yaml, quoted", CONFIG_FILE, 'kubelet-arg:\n  - "fail-cgroupv1=false"\n'],
    ["config.yaml, flow style", CONFIG_FILE, "kubelet-arg: [max-pods=200,fail-cgroupv1=false]\n"],
    ["a kubelet config drop-in", `${KUBELET_CONF_DIR}/50-cgroup.conf`, "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nfailCgroupV1: false\n"],
    ["a kubelet config drop-in, False with a comment", `${KUBELET_CONF_DIR}/50-cgroup.conf`, "kind: KubeletConfiguration\nfailCgroupV1: False  # until the reboot\n"],
    ["a kubelet config drop-in in JSON", `${KUBELET_CONF_DIR}/50-cgroup.conf`, '{"apiVersion":"kubelet.config.k8s.io/v1beta1","kind":"KubeletConfiguration","failCgroupV1":false}\n'],
  ])("the opt-out in %s passes a cgroup v1 host", (_what, file, content) => {
    put(sb, file.slice(1), content);
    expect(run("tmpfs")).toMatchObject({ status: 0, stdout: "passed\n" });
  });

  test("fail-cgroupv1=true is no opt-out", () => {
    put(sb, CONFIG_FILE.slice(1), "kubelet-arg:\n  - fail-cgroupv1=true\n");
    expect(run("tmpfs").status).toBe(1);
  });

  test.each([
    ["a commented-out entry in a config drop-in", `${CONFIG_FILE}.d/90-old.yaml`, "# kubelet-arg: [fail-cgroupv1=false]\n"],
    ["a commented-out kubelet setting", `${KUBELET_CONF_DIR}/50-cgroup.conf`, "# failCgroupV1: false\n"],
    ["a value the kubelet cannot read as a bool", `${KUBELET_CONF_DIR}/50-cgroup.conf`, "failCgroupV1: falsey\n"],
  ])("%s is no opt-out", (_what, file, content) => {
    put(sb, file.slice(1), content);
    expect(run("tmpfs").status).toBe(1);
  });
});

// The opt-out is read from the config k3s and the kubelet end up with, not found by grep: k3s merges
// config.yaml.d after config.yaml (a key replaces, key+ appends), the kubelet keeps a flag's last value,
// and its flags override its config drop-ins, read in name order.
describe("renderCgroupV1Check reads the merged settings", () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = sandbox();
    put(sb, "proc/filesystems", "nodev\tcgroup\nnodev\tcgroup2\n");
    put(sb, "proc/cmdline", "root=/dev/vda1\n");
  });
  afterEach(() => sb.cleanup());

  const DROP_INS = `${CONFIG_FILE}.d`;
  const run = (files: Record<string, string>) => {
    for (const [file, content] of Object.entries(files)) put(sb, file.slice(1), content);
    const script = ["/proc/filesystems", "/proc/cmdline", CONFIG_FILE, KUBELET_CONF_DIR].reduce((s, p) => s.split(p).join(sb.dir + p), renderCgroupV1Check("n1"));
    return sb.run(["bash", "-c", `set -euo pipefail\n${script}\necho passed`], { env: { CGROUP_FS: "tmpfs" } }).status;
  };

  test.each([
    ["another key's value", { [CONFIG_FILE]: "node-label: [fail-cgroupv1=false]\nkube-proxy-arg:\n  - fail-cgroupv1=false\n" }],
    ["a drop-in's kubelet-arg, which replaces config.yaml's", { [CONFIG_FILE]: "kubelet-arg: [fail-cgroupv1=false]\n", [`${DROP_INS}/50-pods.yaml`]: "kubelet-arg:\n- max-pods=110\n" }],
    ["a later kubelet-arg+ entry setting it true", { [CONFIG_FILE]: "kubelet-arg: [fail-cgroupv1=false]\n", [`${DROP_INS}/60-strict.yaml`]: "'kubelet-arg+': ['--fail-cgroupv1=true']\n" }],
    ["a .yml drop-in read before a later .yaml one", { [`${DROP_INS}/10-old.yml`]: "kubelet-arg: [fail-cgroupv1=false]\n", [`${DROP_INS}/20-new.yaml`]: "kubelet-arg: max-pods=110\n" }],
    ["a commented-out entry after the list", { [CONFIG_FILE]: "kubelet-arg:\n  - max-pods=110 # fail-cgroupv1=false\n#  - fail-cgroupv1=false\n" }],
    ["a kubelet drop-in, when kubelet-arg sets it true (flags win)", { [CONFIG_FILE]: "kubelet-arg: [fail-cgroupv1=true]\n", [`${KUBELET_CONF_DIR}/50-cgroup.conf`]: "failCgroupV1: false\n" }],
    ["a kubelet drop-in a later one overrides", { [`${KUBELET_CONF_DIR}/10-a.conf`]: "failCgroupV1: false\n", [`${KUBELET_CONF_DIR}/20-b.conf`]: "failCgroupV1: true\n" }],
  ])("%s is no opt-out", (_what, files) => {
    expect(run(files)).toBe(1);
  });

  test.each([
    ["a kubelet-arg+ drop-in adding it", { [CONFIG_FILE]: "kubelet-arg: [max-pods=110]\n", [`${DROP_INS}/70-cgroup.yaml`]: '"kubelet-arg+":\n  - "fail-cgroupv1=false"  # until the reboot\n' }],
    ["a drop-in's kubelet-arg replacing config.yaml's true", { [CONFIG_FILE]: "kubelet-arg: [fail-cgroupv1=true]\n", [`${DROP_INS}/70-cgroup.yaml`]: "kubelet-arg: fail-cgroupv1=0\n" }],
    ["the last of repeated entries", { [CONFIG_FILE]: "kubelet-arg:\n  - fail-cgroupv1=true\n  - --fail-cgroupv1=F\n" }],
  ])("%s is the opt-out", (_what, files) => {
    expect(run(files)).toBe(0);
  });
});
