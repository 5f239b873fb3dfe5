import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { MULTIPATH_BLOCK, PrereqMode, renderLonghornPrereqScript } from "../../components/addons/longhorn-prereq";

function hasShellcheck(): boolean {
  return spawnSync("shellcheck", ["--version"]).status === 0;
}

/** The real tools the script uses besides the ones under test; everything else is a fake or absent. */
const REAL_TOOLS = ["awk", "grep", "sort", "head", "mktemp", "install", "tr", "cat", "mkdir", "rm", "basename", "dirname", "chmod"];
/** Tools a fully prepared Debian node has. */
const PRESENT = ["iscsiadm", "cryptsetup", "dmsetup", "findmnt", "lsblk", "blkid", "curl"];

interface Host {
  root: string;
  bin: string;
  calls: string;
  run(phase: string, mode: PrereqMode, env?: Record<string, string>): { status: number | null; stdout: string; stderr: string };
  fake(name: string, body: string): void;
  log(): string[];
}

/**
 * A scratch host: `root` holds its files (/etc, /sbin, /sys/module), `bin` is its whole PATH.
 * Fakes log their calls; systemctl answers is-active for the units in $ACTIVE; uname -r says $KERNEL.
 */
function host(opts: { present?: string[]; nfs?: boolean } = {}): Host {
  const dir = fs.mkdtempSync(path.join(tmpdir(), "longhorn-prereq-"));
  const root = path.join(dir, "root");
  const bin = path.join(dir, "bin");
  const calls = path.join(dir, "calls.log");
  fs.mkdirSync(bin);
  fs.mkdirSync(path.join(root, "sbin"), { recursive: true });
  for (const t of REAL_TOOLS) fs.symlinkSync(execFileSync("bash", ["-c", `command -v ${t}`], { encoding: "utf8" }).trim(), path.join(bin, t));
  const fake = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/bash\necho "${name} $*" >> "$CALLS"\n${body}\n`, { mode: 0o755 });
  for (const t of opts.present ?? PRESENT) fake(t, t === "findmnt" ? 'echo "${PROPAGATION-shared}"' : "exit 0");
  if (opts.nfs ?? true) fs.writeFileSync(path.join(root, "sbin", "mount.nfs4"), "", { mode: 0o755 });
  fake("systemctl", 'if [ "$1" = is-active ]; then for u in $ACTIVE; do [ "${!#}" = "$u" ] && exit 0; done; exit 3; fi; exit 0');
  fake("modprobe", "exit 0");
  fake("uname", 'echo "${KERNEL:-6.1.0-18-arm64}"');
  const scripts: Partial<Record<PrereqMode, string>> = {};
  return {
    root,
    bin,
    calls,
    fake,
    run(phase, mode, env = {}) {
      const file = (scripts[mode] ??= path.join(dir, `${mode}.sh`));
      fs.writeFileSync(file, renderLonghornPrereqScript({ nodeName: "pi-1", mode, root }));
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

  it("names the node, the packages and the fix when no package manager can install them", () => {
    const r = host({ present: [], nfs: false }).run("create", "prepare");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^longhorn prerequisites on node pi-1: no supported package manager .* to install open-iscsi nfs-client cryptsetup device-mapper util-linux curl\. Fix: install/m);
  });

  it("installs exactly the missing Debian packages with apt-get, and reports a failed install", () => {
    const h = host({ present: ["iscsiadm", "findmnt", "lsblk", "blkid", "curl"] });
    h.fake("apt-get", 'if [ "$1" = install ]; then for t in cryptsetup dmsetup; do printf "#!/bin/bash\\nexit 0\\n" > "$(dirname "$0")/$t"; chmod +x "$(dirname "$0")/$t"; done; fi');
    const r = h.run("create", "prepare");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(h.log().filter((l) => l.startsWith("apt-get"))).toEqual(["apt-get update -qq", "apt-get install -y -qq cryptsetup dmsetup"]);

    const broken = host({ present: [] });
    broken.fake("apt-get", "exit 100");
    const f = broken.run("create", "prepare");
    expect(f.status).toBe(1);
    expect(f.stderr).toMatch(/longhorn prerequisites on node pi-1: apt-get could not install open-iscsi cryptsetup dmsetup util-linux curl/);
  });

  it("prepare: loads iscsi_tcp and dm_crypt for good and starts iscsid", () => {
    const h = host();
    expect(h.run("create", "prepare").status).toBe(0);
    expect(h.log()).toEqual(expect.arrayContaining(["modprobe iscsi_tcp", "modprobe dm_crypt", "systemctl enable --now iscsid"]));
    expect(fs.readFileSync(path.join(h.root, "etc/modules-load.d/longhorn.conf"), "utf8")).toBe("iscsi_tcp\ndm_crypt\n");
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
      expect(h.log().filter((l) => !l.startsWith("systemctl is-active") && !l.startsWith("uname"))).toEqual([]);
    });
  });

  describe("check mode changes nothing and names the fix", () => {
    it("for missing packages", () => {
      const h = host({ present: ["iscsiadm", "findmnt", "lsblk", "blkid", "curl"] });
      h.fake("apt-get", "exit 0");
      const r = h.run("create", "check");
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/missing cryptsetup dmsetup \(prepareNodes is false, so nothing is installed\)\. Fix: install them \(apt-get install cryptsetup dmsetup\), or set k3s-stacks:addons\.storage\.prepareNodes: true/);
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
