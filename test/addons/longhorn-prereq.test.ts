import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { MULTIPATH_BLOCK, PrereqMode, renderLonghornPrereqScript } from "../../components/addons/longhorn-prereq";
import { renderOsFacts } from "../../components/k3s/host/facts";
import { renderPackageInstall } from "../../components/k3s/host/packages";

const anyTimeout = (l: string) => l.replace(/DPkg::Lock::Timeout=\d+/, "DPkg::Lock::Timeout=N");
function hasShellcheck(): boolean {
  return spawnSync("shellcheck", ["--version"]).status === 0;
}

/** The real tools the script uses besides the ones under test; everything else is a fake or absent. */
const REAL_TOOLS = ["awk", "sed", "grep", "sleep", "sort", "head", "mktemp", "install", "tr", "cat", "mkdir", "rm", "basename", "dirname", "chmod", "stat", "find", "cut"];
/** Tools a fully prepared Debian node has. */
const PRESENT = ["iscsiadm", "cryptsetup", "dmsetup", "findmnt", "lsblk", "blkid", "curl"];

interface Host {
  root: string;
  bin: string;
  calls: string;
  run(phase: string, mode: PrereqMode, env?: Record<string, string>, allowReboot?: boolean, dataPath?: string): { status: number | null; stdout: string; stderr: string };
  fake(name: string, body: string): void;
  log(): string[];
}

/** /etc/os-release of each host the tests use (as the hosts ship it). */
const OS_RELEASE: Record<string, string> = {
  debian: 'ID=debian\nVERSION_ID="12"\n',
  ubuntu: 'ID=ubuntu\nID_LIKE=debian\nVERSION_ID="22.04"\n',
  rocky: 'ID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n',
  leap: 'ID="opensuse-leap"\nID_LIKE="suse opensuse"\nVERSION_ID="15.6"\n',
  microos: 'ID="opensuse-microos"\nID_LIKE="suse opensuse opensuse-tumbleweed microos sle-micro opensuse-microos"\nVERSION_ID="20261120"\n',
  slemicro: 'NAME="SLE Micro"\nID="sle-micro"\nID_LIKE="suse"\nVERSION_ID="5.5"\n',
  fcos: 'NAME="Fedora Linux"\nID=fedora\nVERSION_ID=41\nVARIANT_ID=coreos\n',
  r4e: 'NAME="Red Hat Enterprise Linux"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"\n',
  arch: "ID=arch\n",
  archarm: "ID=archarm\nID_LIKE=arch\n",
  nixos: "ID=nixos\n",
};

/**
 * A scratch host of `os` (default debian; none: no os-release): `root` holds its files (/etc, /sbin,
 * /sys/module, /run), `bin` is its whole PATH. Fakes log their calls; systemctl answers is-active for
 * the units in $ACTIVE (printing the state, as systemctl does without --quiet); uname -r says $KERNEL.
 */
function host(opts: { present?: string[]; nfs?: boolean; os?: string | null } = {}): Host {
  const dir = fs.mkdtempSync(path.join(tmpdir(), "longhorn-prereq-"));
  const root = path.join(dir, "root");
  const bin = path.join(dir, "bin");
  const calls = path.join(dir, "calls.log");
  fs.mkdirSync(bin);
  fs.mkdirSync(path.join(root, "sbin"), { recursive: true });
  for (const t of REAL_TOOLS) fs.symlinkSync(execFileSync("bash", ["-c", `command -v ${t}`], { encoding: "utf8" }).trim(), path.join(bin, t));
  const fake = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/bash\necho "${name} $*" >> "$CALLS"\n${body}\n`, { mode: 0o755 });
  // findmnt answers / 's propagation, or the filesystem type ($FSTYPE, ext4 by default) of a path.
  for (const t of opts.present ?? PRESENT) fake(t, t === "findmnt" ? 'case "$*" in *FSTYPE*) echo "${FSTYPE-ext4}" ;; *) echo "${PROPAGATION-shared}" ;; esac' : "exit 0");
  if (opts.nfs ?? true) fs.writeFileSync(path.join(root, "sbin", "mount.nfs4"), "", { mode: 0o755 });
  const os = opts.os === undefined ? "debian" : opts.os;
  if (os !== null) {
    fs.mkdirSync(path.join(root, "etc"), { recursive: true });
    fs.writeFileSync(path.join(root, "etc/os-release"), OS_RELEASE[os]);
  }
  fake("systemctl", 'if [ "$1" = is-active ]; then for u in $ACTIVE; do if [ "${!#}" = "$u" ]; then [ "$2" = --quiet ] || echo active; exit 0; fi; done; [ "$2" = --quiet ] || echo inactive; exit 3; fi; exit 0');
  fake("modprobe", "exit 0");
  fake("uname", 'echo "${KERNEL:-6.1.0-18-arm64}"');
  const scripts: Partial<Record<PrereqMode, string>> = {};
  return {
    root,
    bin,
    calls,
    fake,
    run(phase, mode, env = {}, allowReboot = false, dataPath = undefined) {
      const file = (scripts[mode] ??= path.join(dir, `${mode}.sh`));
      fs.writeFileSync(file, renderLonghornPrereqScript({ nodeName: "pi-1", mode, root, allowReboot, dataPath }));
      const r = spawnSync("/bin/bash", [file, phase], { env: { PATH: bin, CALLS: calls, ACTIVE: "iscsid", ...env }, encoding: "utf8" });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    log() {
      if (!fs.existsSync(calls)) return [];
      const lines = fs.readFileSync(calls, "utf8").split("\n").filter(Boolean);
      fs.rmSync(calls);
      return lines;
    },
  };
}

describe("renderLonghornPrereqScript", () => {
  it("passes shellcheck in both modes (install it: apt-get install -y shellcheck)", () => {
    if (!hasShellcheck() && !process.env.CI) {
      console.warn("shellcheck not installed: skipped locally; CI fails here");
      return;
    }
    const dir = fs.mkdtempSync(path.join(tmpdir(), "longhorn-prereq-lint-"));
    for (const [i, opts] of [{ nodeName: "pi-1" }, { mode: "check" as const }].entries()) {
      const file = path.join(dir, `s${i}.sh`);
      fs.writeFileSync(file, renderLonghornPrereqScript(opts));
      expect(() => execFileSync("shellcheck", ["-s", "bash", file], { encoding: "utf8" })).not.toThrow();
    }
  });

  it("does nothing on delete: the packages stay for whatever else uses them", () => {
    const h = host({ present: [] });
    const r = h.run("delete", "prepare");
    expect(r).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(h.log()).toEqual([]);
  });

  it.each([["nixos", "ID=nixos ID_LIKE=?"], [null, "ID=? ID_LIKE=?"]])("names the node, what is missing and the fix on a host of no family it installs on (os-release %s)", (os, ids) => {
    const h = host({ present: ["findmnt", "lsblk", "blkid", "curl"], nfs: false, os });
    for (const pm of ["apt-get", "dnf", "zypper", "pacman"]) h.fake(pm, "exit 0");
    const r = h.run("create", "prepare");
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`longhorn prerequisites on node pi-1: missing an iSCSI initiator (iscsiadm), an NFSv4 client (mount.nfs4), cryptsetup, device-mapper (dmsetup), and ${h.root}/etc/os-release names ${ids}, not a family k3s-stacks installs packages on (Debian, RHEL, SUSE, Arch). Fix: install them with your distribution's package manager, then re-run pulumi up.\n`);
    // A package manager that happens to be on PATH is not taken for the host's.
    expect(h.log()).toEqual([]);
  });

  it("installs exactly the missing Debian packages with apt-get, and reports a failed install", () => {
    const h = host({ present: ["iscsiadm", "findmnt", "lsblk", "blkid", "curl"] });
    h.fake("apt-get", 'if [[ " $* " = *" install "* ]]; then for t in cryptsetup dmsetup; do printf "#!/bin/bash\\nexit 0\\n" > "$(dirname "$0")/$t"; chmod +x "$(dirname "$0")/$t"; done; fi');
    const r = h.run("create", "prepare");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    // Each call waits for the dpkg lock within what is left of the bound (host/package-lock.ts).
    expect(h.log().filter((l) => l.startsWith("apt-get")).map(anyTimeout)).toEqual(["apt-get -o DPkg::Lock::Timeout=N update -qq", "apt-get -o DPkg::Lock::Timeout=N install -y -qq --no-install-recommends cryptsetup dmsetup"]);

    const broken = host({ present: [] });
    broken.fake("apt-get", "exit 100");
    const f = broken.run("create", "prepare");
    expect(f.status).toBe(1);
    expect(f.stderr).toMatch(/longhorn prerequisites on node pi-1: could not install open-iscsi cryptsetup dmsetup util-linux curl \('apt-get install -y -qq --no-install-recommends open-iscsi cryptsetup dmsetup util-linux curl' failed\)\. Fix: /);
  });

  it("prepare: loads iscsi_tcp and dm_crypt for good and starts iscsid", () => {
    const h = host();
    expect(h.run("create", "prepare").status).toBe(0);
    expect(h.log()).toEqual(expect.arrayContaining(["modprobe iscsi_tcp", "modprobe dm_crypt", "systemctl enable --now iscsid"]));
    expect(fs.readFileSync(path.join(h.root, "etc/modules-load.d/longhorn.conf"), "utf8")).toBe("iscsi_tcp\ndm_crypt\n");
  });

  it.each([
    ["ubuntu", "5.15.0-1034-raspi", "Fix: run 'apt-get install -y -qq --no-install-recommends linux-modules-extra-5.15.0-1034-raspi' on pi-1, then re-run pulumi up."],
    ["arch", "6.12.1-arch1-1", "Fix: pacman replaced the running kernel 6.12.1-arch1-1 and its modules: reboot pi-1 into the installed kernel, then re-run pulumi up."],
    ["rocky", "5.14.0-427.el9.x86_64", "Fix: iscsi_tcp is in kernel-modules-5.14.0-427.el9.x86_64, which images with kernel-core alone lack: run 'dnf install -y -q kernel-modules-5.14.0-427.el9.x86_64' on pi-1, then re-run pulumi up."],
    ["rocky", "5.15.0-209.161.7.2.el9uek.x86_64", "Fix: iscsi_tcp is in kernel-uek-modules-5.15.0-209.161.7.2.el9uek.x86_64: run 'dnf install -y -q kernel-uek-modules-5.15.0-209.161.7.2.el9uek.x86_64' on pi-1, then re-run pulumi up."],
    ["leap", "6.4.0-150600.23.25-default", "Fix: on SUSE iscsi_tcp is only in kernel-default, not in the minimal kernel-default-base (Longhorn's install guide): replace kernel-default-base with kernel-default on pi-1 ('zypper --non-interactive --quiet install kernel-default'), reboot pi-1 into it, then re-run pulumi up."],
    ["microos", "6.11.8-1-default", "Fix: on SUSE iscsi_tcp is only in kernel-default, not in the minimal kernel-default-base (Longhorn's install guide): replace kernel-default-base with kernel-default on pi-1 ('transactional-update --non-interactive pkg install kernel-default'), reboot pi-1 into it, then re-run pulumi up."],
    ["nixos", "6.6.63", "Fix: install the package of your distribution that carries iscsi_tcp for kernel 6.6.63 (or use a kernel built with CONFIG_ISCSI_TCP), then re-run pulumi up."],
  ])("prepare: an iscsi_tcp that will not load on %s (kernel %s) names the package of that host's family", (os, kernel, fix) => {
    const h = host({ os });
    h.fake("modprobe", '[ "$1" != iscsi_tcp ]');
    if (os === "microos") h.fake("transactional-update", "exit 0");
    if (os === "rocky") h.fake("dnf", "exit 0");
    const r = h.run("create", "prepare", { KERNEL: kernel });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`longhorn prerequisites on node pi-1: cannot load kernel module iscsi_tcp (kernel ${kernel}). ${fix}\n`);
  });

  it("check: a kernel without iscsi_tcp names its package, not a modprobe that would fail, and loads nothing", () => {
    const h = host({ os: "leap" });
    h.fake("modprobe", '[ "$1" = -n ] && [ "$3" != iscsi_tcp ]');
    const r = h.run("create", "check", { KERNEL: "6.4.0-150600.23.25-default" });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("longhorn prerequisites on node pi-1: kernel module iscsi_tcp is not loaded, and kernel 6.4.0-150600.23.25-default has none. Fix: on SUSE iscsi_tcp is only in kernel-default, not in the minimal kernel-default-base (Longhorn's install guide): replace kernel-default-base with kernel-default on pi-1 ('zypper --non-interactive --quiet install kernel-default'), reboot pi-1 into it, then re-run pulumi up.\n");
    expect(h.log().filter((l) => l.startsWith("modprobe"))).toEqual(["modprobe -n -q iscsi_tcp"]);
  });

  describe("multipathd", () => {
    const conf = (h: Host) => path.join(h.root, "etc/multipath.conf");

    it("prepare: blacklists Longhorn's disks in /etc/multipath.conf once, keeps the rest of the file, and reloads", () => {
      const h = host();
      fs.mkdirSync(path.join(h.root, "etc"), { recursive: true });
      fs.writeFileSync(conf(h), 'defaults {\n    user_friendly_names yes\n}\n');
      const env = { ACTIVE: "iscsid multipathd" };
      const first = h.run("create", "prepare", env);
      expect(first.status).toBe(0);
      expect(first.stdout).toContain("blacklisted Longhorn's disks in /etc/multipath.conf and reloaded multipathd");
      expect(fs.readFileSync(conf(h), "utf8")).toBe(`defaults {\n    user_friendly_names yes\n}\n${MULTIPATH_BLOCK}\n`);
      expect(h.log()).toContain("systemctl reload multipathd");
      // Idempotent: a second run writes nothing and reloads nothing.
      const second = h.run("update", "prepare", env);
      expect(second.status).toBe(0);
      expect(second.stdout).not.toContain("blacklisted");
      expect(fs.readFileSync(conf(h), "utf8").split("# BEGIN k3s-stacks longhorn").length).toBe(2);
      expect(h.log().filter((l) => l.includes("multipathd") && !l.includes("is-active"))).toEqual([]);
    });

    it("prepare: creates the file when there is none and falls back to a restart when reload fails", () => {
      const h = host();
      h.fake("systemctl", 'if [ "$1" = is-active ]; then exit 0; fi; [ "$1" = reload ] && exit 1; exit 0');
      expect(h.run("create", "prepare").status).toBe(0);
      expect(fs.readFileSync(conf(h), "utf8")).toBe(`${MULTIPATH_BLOCK}\n`);
      expect(h.log()).toEqual(expect.arrayContaining(["systemctl reload multipathd", "systemctl restart multipathd"]));
    });

    it("leaves multipath.conf alone when multipathd is not running or the user blacklisted the disks already", () => {
      const idle = host();
      expect(idle.run("create", "prepare").status).toBe(0);
      expect(fs.existsSync(conf(idle))).toBe(false);

      const own = host();
      fs.mkdirSync(path.join(own.root, "etc"), { recursive: true });
      fs.writeFileSync(conf(own), 'blacklist {\n    devnode "^sd[a-z0-9]+"\n}\n');
      for (const m of ["iscsi_tcp", "dm_crypt"]) fs.mkdirSync(path.join(own.root, "sys/module", m), { recursive: true });
      expect(own.run("create", "check", { ACTIVE: "iscsid multipathd" }).status).toBe(0);
      expect(fs.readFileSync(conf(own), "utf8")).toBe('blacklist {\n    devnode "^sd[a-z0-9]+"\n}\n');
    });

    it("check (prepareNodes: false): fails with the blacklist and the reload as the fix, writing nothing", () => {
      const h = host();
      fs.mkdirSync(path.join(h.root, "sys/module/iscsi_tcp"), { recursive: true });
      fs.mkdirSync(path.join(h.root, "sys/module/dm_crypt"), { recursive: true });
      const r = h.run("create", "check", { ACTIVE: "iscsid multipathd" });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^longhorn prerequisites on node pi-1: multipathd is running without a blacklist .* Fix: add this to \/etc\/multipath\.conf and run 'systemctl reload multipathd': # BEGIN k3s-stacks longhorn blacklist \{.*vendor "IET".*— or set k3s-stacks:addons\.storage\.prepareNodes: true/m);
      expect(fs.existsSync(conf(h))).toBe(false);
      // Only reads: unit states, the kernel release, open-iscsi's version.
      expect(h.log().filter((l) => !l.startsWith("systemctl is-active") && !l.startsWith("uname") && l !== "iscsiadm --version")).toEqual([]);
    });
  });

  describe("check mode changes nothing and names the fix", () => {
    it("for missing packages", () => {
      const h = host({ present: ["iscsiadm", "findmnt", "lsblk", "blkid", "curl"] });
      h.fake("apt-get", "exit 0");
      const r = h.run("create", "check");
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/missing cryptsetup dmsetup \(prepareNodes is false, so nothing is installed\)\. Fix: run 'apt-get install -y -qq --no-install-recommends cryptsetup dmsetup' on pi-1, or set k3s-stacks:addons\.storage\.prepareNodes: true/);
      expect(h.log().filter((l) => l.startsWith("apt-get"))).toEqual([]);
    });

    it("for an unloaded iscsi_tcp and a stopped iscsid", () => {
      const h = host();
      const r = h.run("create", "check");
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/kernel module iscsi_tcp is not loaded\. Fix: modprobe iscsi_tcp/);
      fs.mkdirSync(path.join(h.root, "sys/module/iscsi_tcp"), { recursive: true });
      const stopped = h.run("create", "check", { ACTIVE: "" });
      expect(stopped.status).toBe(1);
      expect(stopped.stderr).toMatch(/neither iscsid\.service nor iscsid\.socket is running\. Fix: systemctl enable --now iscsid/);
      expect(h.run("create", "check", { ACTIVE: "iscsid.socket" }).status).toBe(0);
    });
  });

  it.each([
    ["5.4.0-150-generic", /kernel 5\.4\.0-150-generic is older than 5\.8/],
    ["5.15.0-97-generic", /kernel 5\.15\.0-97-generic has a known breakage of Longhorn RWX volumes.*upgrade to 5\.15\.0-100/],
    ["6.5.6", /kernel 6\.5\.6 has a known breakage/],
  ])("warns about kernel %s as Longhorn's check does, without failing", (kernel, warning) => {
    const r = host().run("create", "prepare", { KERNEL: kernel });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(warning);
  });

  it.each(["5.15.0-100-generic", "6.5.7", "6.1.0-18-arm64"])("does not warn about kernel %s", (kernel) => {
    expect(host().run("create", "prepare", { KERNEL: kernel }).stderr).toBe("");
  });

  it.each(["prepare", "check"] as const)("%s: refuses open-iscsi 2.1.12, whose configuration change breaks Longhorn's attachments, and takes its neighbours", (mode) => {
    const h = host();
    for (const m of ["iscsi_tcp", "dm_crypt"]) fs.mkdirSync(path.join(h.root, "sys/module", m), { recursive: true });
    h.fake("iscsiadm", 'echo "iscsiadm version ${ISCSI_VERSION:-2.1.8}"');
    const r = h.run("create", mode, { ISCSI_VERSION: "2.1.12" });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("longhorn prerequisites on node pi-1: open-iscsi 2.1.12 is installed, whose configuration change makes Longhorn's volumes fail to attach (Longhorn's install guide, longhorn/longhorn#13733). Fix: install open-iscsi 2.1.13 or newer (or 2.1.11) on pi-1 with your distribution's package manager (open-iscsi), then re-run pulumi up.\n");
    for (const v of ["2.1.11", "2.1.13", "6.2.1.9"]) expect(h.run("create", mode, { ISCSI_VERSION: v }).status).toBe(0);
  });

  describe("the data path", () => {
    it.each(["prepare", "check"] as const)("%s: fails when Longhorn's data path is on a tmpfs, naming the key and the fix", (mode) => {
      const h = host();
      for (const m of ["iscsi_tcp", "dm_crypt"]) fs.mkdirSync(path.join(h.root, "sys/module", m), { recursive: true });
      const r = h.run("create", mode, { FSTYPE: "tmpfs" });
      expect(r.status).toBe(1);
      expect(r.stderr).toBe("longhorn prerequisites on node pi-1: Longhorn's data path /var/lib/longhorn/ is on tmpfs, which is emptied at every reboot, with every replica on it. Fix: mount a disk (ext4 or XFS) at /var/lib/longhorn/, or set k3s-stacks:addons.storage.dataPath to a directory on one.\n");
    });

    it("reads the filesystem of the nearest directory that exists, and warns about one Longhorn does not support", () => {
      const h = host();
      fs.mkdirSync(path.join(h.root, "mnt/ssd"), { recursive: true });
      const r = h.run("create", "prepare", { FSTYPE: "btrfs" }, false, "/mnt/ssd/longhorn");
      expect(r.status).toBe(0);
      expect(r.stderr).toBe("longhorn prerequisites on node pi-1: warning: Longhorn's data path /mnt/ssd/longhorn is on btrfs; Longhorn's install guide supports ext4 and XFS.\n");
      expect(h.log()).toContain(`findmnt -no FSTYPE -T ${h.root}/mnt/ssd`);
      expect(h.run("create", "prepare", { FSTYPE: "xfs" }, false, "/mnt/ssd/longhorn").stderr).toBe("");
    });
  });

  it("fails on a private / (no shared mount propagation for the CSI plugin), warns when it cannot tell", () => {
    const r = host().run("create", "prepare", { PROPAGATION: "private" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\/ is mounted private, but Longhorn's CSI plugin needs shared mount propagation\. Fix: run 'mount --make-rshared \/'/);
    expect(host().run("create", "prepare", { PROPAGATION: "shared,slave" }).status).toBe(0);
    const unknown = host().run("create", "prepare", { PROPAGATION: "" });
    expect(unknown.status).toBe(0);
    expect(unknown.stderr).toMatch(/could not read the propagation of \//);
  });

  it("warns when the kernel config has no NFSv4 client", () => {
    const h = host();
    fs.mkdirSync(path.join(h.root, "boot"));
    fs.writeFileSync(path.join(h.root, "boot/config-6.1.0-18-arm64"), "CONFIG_NFS_FS=m\n# CONFIG_NFS_V4 is not set\n");
    expect(h.run("create", "prepare").stderr).toMatch(/no NFSv4 client \(CONFIG_NFS_V4\*\)/);
    fs.writeFileSync(path.join(h.root, "boot/config-6.1.0-18-arm64"), "CONFIG_NFS_V4=m\n");
    expect(h.run("create", "prepare").stderr).toBe("");
  });

  it("quotes the node name", () => {
    expect(renderLonghornPrereqScript({ nodeName: "a'b" })).toContain(`node='a'\\''b'`);
  });
});

describe("packages as the host takes them (host preparation's detection and install path)", () => {
  /** A fake package manager that "installs" the tools the packages carry and logs its call. */
  const installs = (h: Host, tool: string) =>
    h.fake(tool, `case "$*" in *install*|-S*) for t in iscsiadm cryptsetup dmsetup; do printf '#!/bin/bash\\nexit 0\\n' > "${h.bin}/$t"; chmod +x "${h.bin}/$t"; done ;; esac`);
  const ARCH_PKGS = "open-iscsi cryptsetup device-mapper";

  it("shares host preparation's facts and install snippets, so the two cannot tell a host apart differently", () => {
    const script = renderLonghornPrereqScript({ nodeName: "pi-1" });
    expect(script).toContain(renderOsFacts('"$root"'));
    expect(script).toContain(renderPackageInstall('"$root"', "longhorn prerequisites on node $node:"));
  });

  it.each([
    ["debian", "apt-get", "apt-get install -y -qq --no-install-recommends open-iscsi cryptsetup dmsetup"],
    ["rocky", "dnf", "dnf install -y -q iscsi-initiator-utils cryptsetup device-mapper"],
    ["leap", "zypper", "zypper --non-interactive --quiet install open-iscsi cryptsetup device-mapper"],
    ["arch", "pacman", `pacman -S --noconfirm --needed ${ARCH_PKGS}`],
    ["archarm", "pacman", `pacman -S --noconfirm --needed ${ARCH_PKGS}`],
  ])("%s: check names '%s' with the family's packages; prepare installs with it and goes on", (os, tool, command) => {
    const h = host({ present: ["findmnt", "lsblk", "blkid", "curl"], os });
    installs(h, tool);
    const check = h.run("create", "check");
    expect(check.status).toBe(1);
    expect(check.stderr).toContain(`(prepareNodes is false, so nothing is installed). Fix: run '${command}' on pi-1, or set k3s-stacks:addons.storage.prepareNodes: true`);
    expect(h.log().filter((l) => l.startsWith(tool))).toEqual([]);

    const r = h.run("create", "prepare");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    // As run: apt-get with its lock wait, dnf told to stop rather than wait without end (host/package-lock.ts).
    const ran = command.replace(/^apt-get /, "apt-get -o DPkg::Lock::Timeout=N ").replace(/^dnf /, "dnf --setopt=exit_on_lock=1 ");
    expect(h.log().map(anyTimeout)).toEqual(expect.arrayContaining([ran, "systemctl enable --now iscsid"]));
  });

  it("rhel without dnf installs with yum; Arch's NFS client is nfs-utils (Longhorn's environment_check.sh)", () => {
    const rhel = host({ present: ["findmnt", "lsblk", "blkid", "curl", "iscsiadm", "cryptsetup", "dmsetup"], os: "rocky", nfs: false });
    rhel.fake("yum", "exit 0");
    expect(rhel.run("create", "check").stderr).toContain("Fix: run 'yum install -y -q nfs-utils' on pi-1");
    const arch = host({ present: ["findmnt", "lsblk", "blkid", "curl", "iscsiadm", "cryptsetup", "dmsetup"], os: "arch", nfs: false });
    expect(arch.run("create", "check").stderr).toContain("Fix: run 'pacman -S --noconfirm --needed nfs-utils' on pi-1");
  });

  describe.each([
    ["microos", "snapshot", "transactional-update --non-interactive pkg install open-iscsi cryptsetup device-mapper", "transactional-update", "zypper"],
    ["slemicro", "snapshot", "transactional-update --non-interactive pkg install open-iscsi cryptsetup device-mapper", "transactional-update", "zypper"],
    ["fcos", "deployment", "rpm-ostree install --idempotent -y iscsi-initiator-utils cryptsetup device-mapper", "rpm-ostree", "dnf"],
    ["r4e", "deployment", "rpm-ostree install --idempotent -y iscsi-initiator-utils cryptsetup device-mapper", "rpm-ostree", "dnf"],
  ])("image-based %s: packages go into the next %s", (os, image, command, tool, readOnlyTool) => {
    const PKGS = command.split(" ").slice(-3).join(" ");
    /** The image-based host: its tool logs only (the packages run from the next boot), the family's usual one fails on the read-only /usr. */
    const imageHost = () => {
      const h = host({ present: ["findmnt", "lsblk", "blkid", "curl"], os });
      h.fake(tool, "exit 0");
      h.fake(readOnlyTool, 'echo "read-only file system" >&2; exit 1');
      if (tool === "rpm-ostree") {
        fs.mkdirSync(path.join(h.root, "run"), { recursive: true });
        fs.writeFileSync(path.join(h.root, "run/ostree-booted"), "");
      }
      return h;
    };
    const changes = (h: Host) => h.log().filter((l) => !/^(systemctl is-active|uname)/.test(l));

    it("check names the image tool and the reboot, one node at a time, and changes nothing", () => {
      const h = imageHost();
      const r = h.run("create", "check");
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`longhorn prerequisites on node pi-1: missing ${PKGS} (prepareNodes is false, so nothing is installed). Fix: run '${command}' on pi-1, then drain and reboot it ('systemctl reboot'), one node at a time, or set k3s-stacks:addons.storage.prepareNodes: true to let k3s-stacks do it.\n`);
      expect(changes(h)).toEqual([]);
    });

    it(`prepare installs with ${tool}, never ${readOnlyTool}, asks for the reboot and configures nothing as if installed`, () => {
      const h = imageHost();
      const r = h.run("create", "prepare");
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`longhorn prerequisites on node pi-1: ${PKGS} are in a new ${image}, which runs from the next boot. Fix: reboot pi-1 ('systemctl reboot', or set allowReboot: true for this host), then run pulumi up again.\n`);
      expect(changes(h)).toEqual([command]);
      expect(fs.existsSync(path.join(h.root, "etc/modules-load.d"))).toBe(false);
    });

    it("allowReboot: never reboots a node where k3s runs (asks: drain, one node at a time); one without k3s reboots", () => {
      const h = imageHost();
      const busy = h.run("create", "prepare", { ACTIVE: "k3s" }, true);
      expect(busy.status).toBe(1);
      expect(busy.stderr).toBe(`longhorn prerequisites on node pi-1: ${PKGS} are in a new ${image}, which runs from the next boot; k3s runs on pi-1, so it is not rebooted from here (Longhorn's node preparation runs on every data node at once). Fix: drain and reboot pi-1, one node at a time, then run pulumi up again.\n`);
      expect(changes(h)).toEqual([command]);

      const idle = h.run("create", "prepare", { ACTIVE: "" }, true);
      expect(idle.status).toBe(1);
      expect(idle.stderr).toBe(`longhorn prerequisites on node pi-1: ${PKGS} are in a new ${image}; pi-1 reboots now to run it. Fix: run pulumi up again once it is back.\n`);
      // The reboot runs in the background, after the step has said why.
      execFileSync("bash", ["-c", `for _ in $(seq 50); do grep -qx 'systemctl reboot' "${h.calls}" && exit 0; sleep 0.1; done; exit 1`]);
      expect(changes(h)).toEqual([command, "systemctl reboot"]);
    });

    it("once booted into it, the node is prepared as any other", () => {
      const h = imageHost();
      for (const t of ["iscsiadm", "cryptsetup", "dmsetup"]) h.fake(t, "exit 0");
      const r = h.run("create", "prepare");
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(h.log()).toContain("systemctl enable --now iscsid");
    });
  });

  it("an ostree image without rpm-ostree cannot take packages: fails naming them to build into the image, installing nothing", () => {
    const h = host({ present: ["findmnt", "lsblk", "blkid", "curl"], os: "fcos" });
    h.fake("dnf", "exit 1");
    fs.mkdirSync(path.join(h.root, "run"), { recursive: true });
    fs.writeFileSync(path.join(h.root, "run/ostree-booted"), "");
    for (const mode of ["prepare", "check"] as const) {
      const r = h.run("create", mode, {}, true);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`longhorn prerequisites on node pi-1: missing iscsi-initiator-utils cryptsetup device-mapper; pi-1 boots an ostree image (${h.root}/run/ostree-booted) whose /usr is read-only, and has no rpm-ostree to add packages to it. Fix: build iscsi-initiator-utils cryptsetup device-mapper into pi-1's image, boot it, then re-run pulumi up.\n`);
    }
    expect(h.log().filter((l) => !/^(systemctl is-active|uname)/.test(l))).toEqual([]);
  });
});
