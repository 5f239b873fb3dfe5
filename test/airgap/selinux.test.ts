// k3s-selinux in airgap: which build each family takes (install.sh's rules), what the bundle carries,
// what each node gets (mocks), and what the node does with it (real bash, fake rpm/dnf/zypper).
import { unpackScript } from "../../components/remote/packed-script";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, MockState, settle } from "../support/mocks";
import { loadBundle } from "../../components/airgap/bundle";
import { airgapStager } from "../../components/airgap/stager";
import { OsRelease, renderSelinuxPreInstall, selinuxRpmUrl, selinuxTargetFor } from "../../components/airgap/selinux";
import { connectionArgs } from "../../components/remote/command";
import { StagedInstall } from "../../components/k3s/types";
import { parseBuildArgs } from "../../tools/airgap/args";
import { scriptFrame } from "../../components/remote/shell";
import { spawnSync } from "child_process";
import { LOG_CALL, sandbox } from "../k3s/support/shell";
import { node, tmpDir, VERSION, writeBundle } from "./fixture";

const OS: Record<string, OsRelease> = {
  "CentOS 7": { id: "centos", idLike: "rhel fedora", versionId: "7" },
  "Rocky 8.10": { id: "rocky", idLike: "rhel centos fedora", versionId: "8.10" },
  "Alma 9.4": { id: "almalinux", idLike: "rhel centos fedora", versionId: "9.4" },
  "RHEL 10.0": { id: "rhel", idLike: "fedora", versionId: "10.0" },
  "Oracle 9": { id: "ol", idLike: "fedora", versionId: "9.4" },
  "Fedora 41": { id: "fedora", versionId: "41" },
  "SLES 15.6": { id: "sles", idLike: "suse", versionId: "15.6" },
  "Leap 15.6": { id: "opensuse-leap", idLike: "suse opensuse", versionId: "15.6" },
  "SLE Micro 6": { id: "sle-micro", idLike: "suse", versionId: "6.0" },
  "Debian 12": { id: "debian", versionId: "12" },
  "Arch": { id: "arch" },
};

test.each([
  ["CentOS 7", "el7"], ["Rocky 8.10", "el8"], ["Alma 9.4", "el9"], ["RHEL 10.0", "el9"], ["Oracle 9", "el9"], ["Fedora 41", "el8"],
  ["SLES 15.6", "sle"], ["Leap 15.6", "sle"], ["SLE Micro 6", "slemicro"], ["Debian 12", undefined], ["Arch", undefined],
])("%s takes the k3s-selinux build %s", (os, target) => {
  expect(selinuxTargetFor(OS[os])).toBe(target);
});

test("repository URLs follow install.sh's layout (k3s/<channel>/common/<folder>/noarch)", () => {
  expect(selinuxRpmUrl("https://rpm.rancher.io/", "stable", "1.6-1", "el9")).toBe("https://rpm.rancher.io/k3s/stable/common/centos/9/noarch/k3s-selinux-1.6-1.el9.noarch.rpm");
  expect(selinuxRpmUrl("https://rpm.rancher.io", "stable", "1.6-1", "sle")).toBe("https://rpm.rancher.io/k3s/stable/common/microos/noarch/k3s-selinux-1.6-1.sle.noarch.rpm");
});

describe("bundle CLI", () => {
  test("--selinux-rpms needs a version and known builds", () => {
    const parsed = parseBuildArgs(["--version", VERSION, "--arch", "amd64,arm64", "--charts", "none", "--selinux-rpms", "el8,el9,sle", "--selinux-rpm-version", "1.6-1"], []);
    expect(parsed !== "help" && parsed.selinux).toEqual({ version: "1.6-1", targets: ["el8", "el9", "sle"], repo: "https://rpm.rancher.io", channel: "stable" });
    expect(() => parseBuildArgs(["--version", VERSION, "--arch", "amd64", "--selinux-rpms", "el9,ubuntu"], [])).toThrow(/--selinux-rpms: 'ubuntu' is not a k3s-selinux build[^]*--selinux-rpm-version: '' is not/);
    expect(() => parseBuildArgs(["--version", VERSION, "--arch", "amd64", "--selinux-rpm-version", "1.6-1"], [])).toThrow(/only with --selinux-rpms/);
  });
});

describe("staging per node (mocks)", () => {
  let mocks: MockState;
  beforeAll(async () => {
    mocks = await installMocks();
  });
  class Parent extends pulumi.ComponentResource {
    constructor(name: string) {
      super("test:airgap:Parent", name, {});
    }
  }
  const nodes = [node("rocky-x64", "amd64", "server"), node("suse-arm64", "arm64"), node("alma-armhf", "arm")];

  test("every arch gets the same noarch builds, checksummed, and a preInstall that picks the node's family", async () => {
    const dir = tmpDir();
    const manifest = writeBundle(dir, { selinux: ["el8", "el9", "sle"] });
    const bundle = loadBundle(dir, VERSION, nodes);
    mocks.resources.length = 0;
    const parent = new Parent("p");
    const staged: Record<string, StagedInstall> = {};
    for (const n of nodes) staged[n.name] = airgapStager(bundle).stage(n, connectionArgs(n.connection), parent);
    await settle();
    const copies = mocks.byType("command:remote:CopyToRemote");
    for (const n of nodes) {
      const rpms = copies.filter((c) => c.name.startsWith(`${n.name}-`) && c.name.includes("-selinux-"));
      expect(rpms.map((c) => [c.name, c.inputs.remotePath, c.inputs.triggers])).toEqual((["el8", "el9", "sle"] as const).map((t) => [
        `${n.name}-airgap-${n.arch}-selinux-${t}-v1.36.3-k3s1`,
        `/var/lib/rancher/k3s-stacks/airgap/v1.36.3-k3s1/upload/k3s-selinux-1.6-1.${t}.noarch.rpm`,
        [manifest.selinux?.files[t]?.sha256],
      ]));
      expect(staged[n.name].preInstall).toContain("k3s-selinux-1.6-1.el9.noarch.rpm");
    }
    // The verify step checks each build's SHA-256 before it is used.
    const verify = mocks.byType("command:remote:Command").find((c) => c.name === "suse-arm64-airgap-arm64-verify-v1.36.3-k3s1");
    expect(unpackScript(String(verify?.inputs.stdin))).toContain(manifest.selinux?.files.sle?.sha256);
  });

  test("a bundle without builds stages none and installs none, but checks", async () => {
    const dir = tmpDir();
    writeBundle(dir);
    const bundle = loadBundle(dir, VERSION, nodes);
    mocks.resources.length = 0;
    const staged = airgapStager(bundle).stage(nodes[0], connectionArgs(nodes[0].connection), new Parent("q"));
    await settle();
    expect(mocks.byType("command:remote:CopyToRemote").filter((c) => c.name.includes("selinux"))).toEqual([]);
    // An SELinux host still gets the check, which can only fail naming the rebuild.
    expect(staged.preInstall).not.toContain(".noarch.rpm");
    expect(staged.preInstall).toContain("which the airgap bundle does not carry");
  });

  test("a corrupt build fails the load, naming it", () => {
    const dir = tmpDir();
    writeBundle(dir, { selinux: ["el9"] });
    fs.appendFileSync(path.join(dir, "selinux/k3s-selinux-1.6-1.el9.noarch.rpm"), "x");
    expect(() => loadBundle(dir, VERSION, nodes)).toThrow(/k3s-selinux el9 RPM .* has sha256 .*, the manifest says/);
  });
});

describe("on the node (renderSelinuxPreInstall in bash)", () => {
  const release: Record<string, string> = { rocky9: 'ID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n', leap: 'ID="opensuse-leap"\nID_LIKE="suse opensuse"\nVERSION_ID="15.6"\n', rocky8: 'ID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="8.10"\n',
    microos: 'ID="opensuse-microos"\nID_LIKE="suse opensuse opensuse-tumbleweed microos sle-micro opensuse-microos"\nVERSION_ID="20261120"\n',
    slmicro: 'ID="sl-micro"\nID_LIKE="suse"\nVARIANT_ID="sle-micro"\nVERSION_ID="6.1"\n',
    fcos: "ID=fedora\nVERSION_ID=41\nVARIANT_ID=coreos\nOSTREE_VERSION='41.20241109.3.0'\n",
    r4e: 'ID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"\n' };
  const run = (os: string, mode: string, installed = false, transactional = false, bundled = true, ostree = false) => {
    const sb = sandbox();
    try {
      fs.writeFileSync(path.join(sb.dir, "os-release"), release[os]);
      sb.fake("getenforce", `echo ${mode}`);
      sb.fake("rpm", installed ? "exit 0" : "exit 1");
      sb.fake("dnf", LOG_CALL);
      // zypper logs whether the policy's %pre would find /var/lib/rpm-state.
      sb.fake("zypper", `${LOG_CALL}; [ -d "${sb.dir}/var/lib/rpm-state" ] || echo "zypper without rpm-state" >> "$CALLS"`);
      if (transactional) sb.fake("transactional-update", LOG_CALL);
      if (ostree) fs.writeFileSync(path.join(sb.dir, "ostree-booted"), "");
      const script = renderSelinuxPreInstall(bundled ? { node: "n1", dir: "/stage", version: "1.6-1", targets: ["el9", "sle"] } : { node: "n1", dir: "/stage", targets: [] })
        .split("/etc/os-release").join(path.join(sb.dir, "os-release")).split("/stage").join(sb.dir)
        .split("/run/ostree-booted").join(path.join(sb.dir, "ostree-booted"))
        .split("/var/lib/rpm-state").join(path.join(sb.dir, "var/lib/rpm-state"));
      fs.mkdirSync(path.join(sb.dir, "selinux"));
      for (const t of ["el9", "sle"]) fs.writeFileSync(path.join(sb.dir, `selinux/k3s-selinux-1.6-1.${t}.noarch.rpm`), t);
      const r = sb.run(["bash", "-euo", "pipefail", "-s"], { input: script });
      return { ...r, calls: sb.calls().map((c) => c.replace(sb.dir, "")) };
    } finally {
      sb.cleanup();
    }
  };

  test("Rocky 9 enforcing: dnf installs the el9 build", () => {
    const r = run("rocky9", "Enforcing");
    expect(r.status).toBe(0);
    // Through the bounded wait for another manager's lock (host/package-lock.ts): dnf stops rather than wait without end.
    expect(r.calls).toEqual(["dnf --setopt=exit_on_lock=1 install -y -q /selinux/k3s-selinux-1.6-1.el9.noarch.rpm"]);
  });
  test("Leap permissive: zypper installs the sle build", () => {
    expect(run("leap", "Permissive").calls).toEqual(["zypper --non-interactive --quiet install /selinux/k3s-selinux-1.6-1.sle.noarch.rpm"]);
  });
  test("MicroOS (transactional): fails naming transactional-update, the repository and the reboot; zypper never runs", () => {
    const r = run("microos", "Enforcing", false, true);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("n1 is a transactional system (transactional-update: read-only root) running SELinux (Enforcing) without k3s-selinux");
    expect(r.stderr).toContain("Fix: on n1 run 'transactional-update --non-interactive pkg install k3s-selinux' with Rancher's RPM repository (https://rpm.rancher.io/k3s/stable/common/microos/noarch) or your mirror of it configured, reboot it, then run pulumi up again.");
    expect(r.calls).toEqual([]);
  });
  test.each([["fcos", "coreos"], ["r4e", "centos/9"]])("%s (rpm-ostree): fails naming rpm-ostree install, Rancher's %s folder and the reboot; dnf never runs on the read-only /usr", (os, folder) => {
    const r = run(os, "Enforcing", false, false, true, true);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("/ostree-booted: read-only /usr) running SELinux (Enforcing) without k3s-selinux");
    expect(r.stderr).toContain(`Fix: on n1 run 'rpm-ostree install --idempotent -y k3s-selinux' with Rancher's RPM repository (https://rpm.rancher.io/k3s/stable/common/${folder}/noarch) or your mirror of it configured, then 'systemctl reboot', then run pulumi up again.`);
    expect(r.calls).toEqual([]);
    expect(run(os, "Enforcing", true, false, true, true).status).toBe(0);
  });
  test("the build follows install.sh: MicroOS (sle-micro only in ID_LIKE) takes sle, SL Micro (VARIANT_ID=sle-micro) takes slemicro", () => {
    expect(run("microos", "Enforcing").calls).toEqual(["zypper --non-interactive --quiet install /selinux/k3s-selinux-1.6-1.sle.noarch.rpm"]);
    const sl = run("slmicro", "Enforcing");
    expect(sl.status).toBe(1);
    expect(sl.stderr).toContain("needs the k3s-selinux policy build 'slemicro', which the airgap bundle does not carry");
  });
  test("a bundle without any build: an SELinux host fails naming the rebuild (install.sh would only hint at an online install)", () => {
    const r = run("rocky9", "Enforcing", false, false, false);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("n1 runs SELinux (Enforcing) and needs the k3s-selinux policy build 'el9', which the airgap bundle does not carry. Fix: rebuild the bundle with --selinux-rpms el9 --selinux-rpm-version <k3s-selinux version-release, such as 1.6-1>");
    expect(r.calls).toEqual([]);
    expect(run("rocky9", "Disabled", false, false, false).status).toBe(0);
  });
  test("an install that fails (no repository for container-selinux) names the dependency and the mirror", () => {
    const sb = sandbox();
    try {
      fs.writeFileSync(path.join(sb.dir, "os-release"), release.rocky9);
      sb.fake("getenforce", "echo Enforcing");
      sb.fake("rpm", "exit 1");
      sb.fake("dnf", 'echo "Error: nothing provides container-selinux" >&2; exit 1');
      fs.mkdirSync(path.join(sb.dir, "selinux"));
      fs.writeFileSync(path.join(sb.dir, "selinux/k3s-selinux-1.6-1.el9.noarch.rpm"), "el9");
      const script = renderSelinuxPreInstall({ node: "n1", dir: "/stage", version: "1.6-1", targets: ["el9"] })
        .split("/etc/os-release").join(path.join(sb.dir, "os-release")).split("/stage").join(sb.dir);
      const r = sb.run(["bash", "-euo", "pipefail", "-s"], { input: script });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("k3s-stacks: n1: installing k3s-selinux-1.6-1.el9.noarch.rpm failed; it needs container-selinux and selinux-policy-base from n1's own package repositories");
      expect(r.stderr).toContain("Fix: make a mirror of the distribution's repositories reachable from n1");
    } finally {
      sb.cleanup();
    }
  });
  test("SELinux disabled, or the policy already installed: nothing", () => {
    expect(run("rocky9", "Disabled").calls).toEqual([]);
    expect(run("rocky9", "Enforcing", true).calls).toEqual([]);
  });
  test("a family whose build the bundle lacks fails naming the rebuild", () => {
    const r = run("rocky8", "Enforcing");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("n1 runs SELinux (Enforcing) and needs the k3s-selinux policy build 'el8', which the airgap bundle does not carry. Fix: rebuild the bundle with --selinux-rpms el9,sle,el8 --selinux-rpm-version 1.6-1");
    expect(r.calls).toEqual([]);
  });
});

test("the preInstall passes shellcheck inside the install script's frame", () => {
  const script = scriptFrame("selinux", { create: renderSelinuxPreInstall({ node: "n1", dir: "/var/lib/rancher/k3s-stacks/airgap/v1", version: "1.6-1", targets: ["el8", "el9", "sle", "slemicro"] }) });
  const r = spawnSync("shellcheck", ["-s", "bash", "-f", "gcc", "-"], { input: script, encoding: "utf8" });
  expect(r.stdout + r.stderr).toBe("");
});
