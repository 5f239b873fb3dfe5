/**
 * Host OS families over real SSH with the real engine: a mixed cluster of a Debian server, a
 * Rocky-flavored server reached as a non-root sudo user (RHEL secure_path, SELinux enforcing,
 * NetworkManager with nm-cloud-setup enabled), a second Debian server (etcd needs an odd count), a
 * SUSE agent with firewalld on, an Arch agent and an Ubuntu Raspberry Pi agent without the vxlan
 * module (ufw on). The families' tools are stand-ins (standins/hostos.py). Then a host whose kernel
 * ignores the cgroup arguments, in a stack of its own: it is rebooted once, never twice. Last, a host
 * that boots cgroup v1, which the kubelet of k3s 1.35 and later refuses.
 */
import { startLab, TestLab } from "../hosts";
import { InvHost, V1, V2, clusterConfig } from "./fixture";
import { E2eStack } from "./stack";

jest.setTimeout(900_000);

let lab: TestLab;
let e2e: E2eStack;

const PI: InvHost = { name: "pi1", role: "agent", arch: "arm64" };
const CLUSTER: InvHost[] = [
  { name: "deb1", role: "server", arch: "amd64" },
  { name: "rocky1", role: "server", arch: "amd64" },
  { name: "deb2", role: "server", arch: "amd64" },
  { name: "suse1", role: "agent", arch: "amd64" },
  { name: "arch1", role: "agent", arch: "amd64" },
];

beforeAll(async () => {
  lab = startLab([
    { name: "deb1" },
    { name: "rocky1", user: "nopasswd", flavor: "rocky", selinux: "enforcing" },
    { name: "deb2" },
    { name: "suse1", flavor: "suse", firewall: "firewalld" },
    { name: "arch1", flavor: "arch" },
    { name: "pi1", flavor: "ubuntu-pi", arch: "aarch64", missingModules: ["vxlan"], firewall: "ufw" },
    { name: "oldpi", memoryCgroup: "ignored" },
    { name: "oldrhel", cgroupV1: true },
  ], { versions: [V1, V2] });
  e2e = await E2eStack.create(lab, "families");
}, 3_600_000);

afterAll(() => {
  e2e?.cleanup();
  lab?.down();
});

const read = (host: string, file: string) => lab.readFile(host, file);
const lines = (host: string, file: string) => (read(host, file) ?? "").split("\n").filter((l) => l !== "");
const nodes = () => Object.fromEntries(lab.nodes("deb1").map((n) => [n.name, `${n.ready ? "Ready" : "NotReady"} ${n.version}`]));
const lastLog = () => e2e.logs.filter((l) => !l.label.includes("(")).pop()?.text ?? "";

test("1. first up: every family is prepared; the Pi without vxlan fails naming linux-modules-extra-raspi, with nothing done on it", async () => {
  await e2e.configure([...CLUSTER, PI], V1);
  await expect(e2e.up("create")).rejects.toThrow(/pi1 lacks kernel modules vxlan \(kernel 6\.5\.0-1015-raspi\), which k3s needs\. Fix: install the package linux-modules-extra-raspi on pi1 \(or set installPackages: true for this host\)/);
  // The engine starts no new step after a failure; the other hosts' preparation finished.
  expect(["deb1", "rocky1", "deb2", "suse1", "arch1"].map((h) => read(h, "/etc/modules-load.d/k3s.conf"))).toEqual(Array(5).fill("br_netfilter\noverlay\nvxlan\n"));
  // Nothing half-done on the Pi: no k3s files, no modules file, no firewall rule, no package.
  for (const f of ["/etc/rancher/k3s/config.yaml", "/etc/rancher/k3s/token", "/usr/local/bin/k3s", "/etc/modules-load.d/k3s.conf", "/var/lib/k3s-standin/os/ufw-rules", "/var/lib/k3s-standin/os/installed-packages"]) {
    expect({ f, there: read("pi1", f) !== undefined }).toEqual({ f, there: false });
  }
  // Each family was recognised from its os-release.
  const log = lastLog();
  expect(log).toMatch(/rocky1: rocky 9\.4 \(family rhel\), x86_64, kernel 5\.14\.0-427\.13\.1\.el9_4\.x86_64, init systemd, firewall none, SELinux enforcing/);
  expect(log).toMatch(/suse1: opensuse-leap 15\.6 \(family suse\), x86_64, .*firewall firewalld/);
  expect(log).toMatch(/arch1: arch  \(family arch\)/);
  expect(log).toMatch(/deb1: debian 12 \(family debian\)/);
  // Rocky: sudo's secure_path had no /usr/local/bin; SELinux on → selinux: true for k3s; NetworkManager and nm-cloud-setup handled.
  expect(log).toMatch(/rocky1: .*PATH given \/sbin:\/bin:\/usr\/sbin:\/usr\/bin/);
  expect(read("rocky1", "/etc/rancher/k3s/config.yaml.d/50-k3s-stacks-selinux.yaml")).toContain("selinux: true");
  expect(read("rocky1", "/etc/NetworkManager/conf.d/k3s-stacks.conf")).toContain("unmanaged-devices=interface-name:cni0;interface-name:flannel*");
  expect(lab.exec("rocky1", "systemctl is-enabled nm-cloud-setup.service").stdout.trim()).toBe("disabled");
  // SUSE agent: exactly the agent's rules, permanent and loaded.
  const suseRules = ["public port 10250/tcp", "public port 8472/udp", "trusted source 10.42.0.0/16", "trusted source 10.43.0.0/16"];
  expect(lines("suse1", "/var/lib/k3s-standin/os/firewalld-permanent")).toEqual(suseRules);
  expect(lines("suse1", "/var/lib/k3s-standin/os/firewalld-runtime")).toEqual(suseRules);
  expect(lines("deb1", "/etc/modules-load.d/k3s.conf")).toEqual(["br_netfilter", "overlay", "vxlan"]);
});

test("2. installPackages on the Pi: the package is installed, the Pi joins, only its steps run", async () => {
  await e2e.configure([...CLUSTER, { ...PI, extra: { installPackages: true } }], V1);
  const r = await e2e.up("pi packages");
  expect(r.summary.result).toBe("succeeded");
  // The other hosts' installs were never reached in the first run; the Pi's config step now succeeds.
  expect(e2e.steps.filter((s) => s.name.endsWith("-config")).map((s) => s.name)).toEqual(["k3s-pi1-config"]);
  expect(nodes()).toEqual({ deb1: `Ready ${V1}`, rocky1: `Ready ${V1}`, deb2: `Ready ${V1}`, suse1: `Ready ${V1}`, arch1: `Ready ${V1}`, pi1: `Ready ${V1}` });
  expect(lines("pi1", "/var/lib/k3s-standin/os/installed-packages")).toEqual(["linux-modules-extra-raspi"]);
  // Online, install.sh installs the k3s-selinux policy on the SELinux host itself (its RPM path; the repository is a stand-in).
  expect(lines("rocky1", "/var/lib/k3s-standin/os/installed-packages")).toEqual(["k3s-selinux"]);
  expect(lab.readFile("rocky1", "/etc/rancher/k3s/config.yaml.d/50-k3s-stacks-selinux.yaml")).toContain("selinux: true");
  expect(lines("pi1", "/var/lib/k3s-standin/os/ufw-rules")).toEqual(["allow 10250/tcp", "allow 8472/udp", "allow from 10.42.0.0/16", "allow from 10.43.0.0/16"]);
  expect(lab.nodes("deb1").find((n) => n.name === "pi1")?.labels["kubernetes.io/arch"]).toBe("arm64");
});

test("3. a re-run changes nothing and runs nothing", async () => {
  const r = await e2e.up("no-change", { expectNoChanges: true });
  expect(r.summary.result).toBe("succeeded");
  expect(e2e.steps).toEqual([]);
});

test("4. an upgrade reaches every family, the Rocky server through sudo's secure_path", async () => {
  await e2e.configure([...CLUSTER, { ...PI, extra: { installPackages: true } }], V2);
  const r = await e2e.up("upgrade");
  expect(r.summary.result).toBe("succeeded");
  expect(new Set(Object.values(nodes()))).toEqual(new Set([`Ready ${V2}`]));
  expect(Object.keys(nodes()).sort()).toEqual(["arch1", "deb1", "deb2", "pi1", "rocky1", "suse1"]);
  // The Rocky server's upgrade step read the installed version (an empty one would mean k3s was not found).
  expect(lastLog()).toContain(`upgrading rocky1 from ${V1} to ${V2}`);
  const again = await e2e.up("no-change after upgrade", { expectNoChanges: true });
  expect(again.summary.result).toBe("succeeded");
});

test("5. a kernel that ignores cgroup_enable=memory is rebooted once, then the run fails saying so, never rebooting again", async () => {
  const solo = await E2eStack.create(lab, "cgroup");
  try {
    await solo.configure([{ name: "oldpi", role: "server", arch: "amd64", extra: { fixCgroups: true, allowReboot: true } }], V1);
    const reboots = () => lab.invocations().filter((i) => i.host === "oldpi" && (i.tool as string) === "reboot").length;
    await expect(solo.up("cgroup fix")).rejects.toThrow(/oldpi reboots now to enable the memory cgroup/);
    // The reboot is detached (2 s later), and the stand-in applies the new cmdline in the background:
    // wait for both, as long as a loaded machine needs, before the next run checks the kernel.
    const booted = () => reboots() > 0 && (lab.exec("oldpi", "cat /proc/cmdline").stdout.includes("cgroup_enable=memory"));
    for (const deadline = Date.now() + 120_000; !booted() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 200));
    expect(reboots()).toBe(1);
    expect(booted()).toBe(true);
    expect(read("oldpi", "/boot/firmware/cmdline.txt")).toContain("cgroup_memory=1 cgroup_enable=memory");
    for (const label of ["after reboot", "again"]) {
      await expect(solo.up(label)).rejects.toThrow(/oldpi has no memory cgroup although its running kernel was booted with cgroup_enable=memory .*This kernel ignores the argument, so a reboot would not help and none is done/s);
    }
    await new Promise((r) => setTimeout(r, 3500));
    expect(reboots()).toBe(1);
    expect(read("oldpi", "/etc/rancher/k3s/config.yaml")).toBeUndefined();
  } finally {
    solo.cleanup();
  }
});

test("6. a cgroup v1 host is refused before anything is written, naming the kernel argument; fail-cgroupv1=false installs it", async () => {
  const solo = await E2eStack.create(lab, "cgroupv1");
  try {
    const host: InvHost = { name: "oldrhel", role: "server", arch: "amd64" };
    await solo.configure([host], V1);
    await expect(solo.up("cgroup v1")).rejects.toThrow(/oldrhel runs cgroup v1 .*the kubelet of k3s v1\.35 and later refuses to start there.*systemd\.unified_cgroup_hierarchy=1/s);
    expect(read("oldrhel", "/etc/rancher/k3s/config.yaml")).toBeUndefined();
    expect(lab.invocations().filter((i) => i.host === "oldrhel" && (i.tool as string) === "install.sh")).toEqual([]);
    // The documented opt-out: the k3s stand-in, like real k3s, starts with it and refuses without it.
    await solo.configure([host], V1, { cluster: { ...clusterConfig(lab, V1), serverConfig: { "kubelet-arg": ["fail-cgroupv1=false"] } } });
    const r = await solo.up("opted out");
    expect(r.summary.result).toBe("succeeded");
    expect(lab.nodes("oldrhel").map((n) => `${n.name} ${n.ready ? "Ready" : "NotReady"}`)).toEqual(["oldrhel Ready"]);
  } finally {
    solo.cleanup();
  }
});
