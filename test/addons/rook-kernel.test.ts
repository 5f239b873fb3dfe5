import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { cephClientNodes, cephKernelModules, renderCephKernelScript } from "../../components/addons/rook-kernel";
import { mixedNodes, node } from "./fixtures";

/** A scratch node whose modprobe knows only `modules` (loaded, loadable or built in) and whose kernel is 6.1.0-rockchip. */
function host(modules: string[]) {
  const dir = fs.mkdtempSync(path.join(tmpdir(), "rook-kernel-"));
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, "uname"), "#!/bin/bash\necho 6.1.0-rockchip\n", { mode: 0o755 });
  fs.writeFileSync(
    path.join(bin, "modprobe"),
    `#!/bin/bash
echo "modprobe $*" >> "${dir}/calls"
case " ${modules.join(" ")} " in *" \${!#} "*) exit 0 ;; esac
echo "modprobe: FATAL: Module \${!#} not found in directory /lib/modules/6.1.0-rockchip" >&2
exit 1
`,
    { mode: 0o755 },
  );
  return {
    run(wanted: Parameters<typeof renderCephKernelScript>[1], phase = "create") {
      const file = path.join(dir, "check.sh");
      fs.writeFileSync(file, renderCephKernelScript("rock-1", wanted));
      return spawnSync("/bin/bash", [file, phase], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: "utf8" });
    },
    calls: () => (fs.existsSync(path.join(dir, "calls")) ? fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n") : []),
  };
}

describe("renderCephKernelScript", () => {
  it("passes shellcheck", () => {
    if (spawnSync("shellcheck", ["--version"]).status !== 0 && !process.env.CI) {
      console.warn("shellcheck not installed: skipped locally; CI fails here");
      return;
    }
    const file = path.join(fs.mkdtempSync(path.join(tmpdir(), "rook-kernel-lint-")), "s.sh");
    fs.writeFileSync(file, renderCephKernelScript("n1", ["rbd", "ceph"]));
    expect(() => execFileSync("shellcheck", ["-s", "bash", file], { encoding: "utf8" })).not.toThrow();
  });

  it("passes a kernel that has the modules, asking modprobe only to resolve them (nothing is loaded)", () => {
    const h = host(["rbd", "ceph"]);
    const r = h.run(["rbd", "ceph"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(h.calls()).toEqual(["modprobe -n -q rbd", "modprobe -n -q ceph"]);
  });

  it("fails a kernel without rbd (a vendor ARM kernel), naming the node, the kernel, the config option and the fix", () => {
    const r = host(["ceph"]).run(["rbd", "ceph"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      "rook-ceph on node rock-1: kernel 6.1.0-rockchip has no rbd module, which Ceph CSI loads to mount Ceph volumes on this node, so pods using them here would never start. Fix: install your distribution's package of kernel modules for 6.1.0-rockchip, or boot a kernel built with CONFIG_BLK_DEV_RBD (rbd), then re-run pulumi up.\n",
    );
    expect(host([]).run(["rbd", "ceph"]).stderr).toContain("has no rbd ceph module, which Ceph CSI loads to mount Ceph volumes on this node, so pods using them here would never start. Fix: install your distribution's package of kernel modules for 6.1.0-rockchip, or boot a kernel built with CONFIG_BLK_DEV_RBD (rbd), CONFIG_CEPH_FS (ceph), then");
  });

  it("does nothing on delete", () => {
    const h = host([]);
    expect(h.run(["rbd"], "delete").status).toBe(0);
    expect(h.calls()).toEqual([]);
  });
});

describe("which modules and nodes", () => {
  it("needs ceph besides rbd only with a CephFS class, built here or external", () => {
    expect(cephKernelModules({})).toEqual(["rbd"]);
    expect(cephKernelModules({ filesystem: { name: "fs", replicas: 3, activeMDS: 1, activeStandby: true } })).toEqual(["rbd", "ceph"]);
    expect(cephKernelModules({ external: { fsid: "x", rbdPool: "rbd", user: "client.healthchecker", cephfs: { filesystem: "fs", dataPool: "data" } } })).toEqual(["rbd", "ceph"]);
  });

  it("checks amd64/arm64 nodes that take workloads: not armhf (no Ceph CSI image), not a NoSchedule server", () => {
    const tainted = node("s2", 15, { role: "server", arch: "amd64", taints: ["node-role.kubernetes.io/control-plane:NoSchedule"] });
    expect(cephClientNodes([...mixedNodes, tainted]).map((n) => n.name)).toEqual(["s1", "a1", "a2", "a3"]);
  });
});
