// The overlayfs snapshotter probe of the config step (k3s/host/snapshotter.ts) in a real bash with
// fake mount/umount/stat, containerd's root, config.yaml.d and /proc/filesystems moved into a sandbox.
import * as fs from "fs";
import * as path from "path";
import { DROP_IN_DIR } from "../../components/k3s/host/dropins";
import { CONTAINERD_ROOT, renderSnapshotterCheck, snapshotterOf } from "../../components/k3s/host/snapshotter";
import { renderConfigScript } from "../../components/k3s/scripts";
import { CONFIG_FILE } from "../../components/k3s/node-config";
import { LOG_CALL, Sandbox, sandbox } from "./support/shell";

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
  fs.mkdirSync(path.join(sb.dir, "var/lib"), { recursive: true });
  fs.mkdirSync(path.join(sb.dir, "proc"));
  fs.writeFileSync(path.join(sb.dir, "proc/filesystems"), "nodev\ttmpfs\nnodev\toverlay\n\text4\n");
  // mount: logged; fails with $MOUNT_ERROR (as util-linux says it) when set, and only for a well-formed overlay.
  sb.fake("mount", `${LOG_CALL}
[ "$1 $2 $3" = "-t overlay overlay" ] || exit 2
for d in lower1 lower2 upper work merged; do [ -d "\${6%/merged}/$d" ] || exit 3; done
if [ -n "\${MOUNT_ERROR:-}" ]; then echo "mount: $6: $MOUNT_ERROR" >&2; exit 32; fi`);
  sb.fake("umount", LOG_CALL);
  sb.fake("stat", 'echo "${FS_TYPE:-ext2/ext3}"');
  sb.fake("modprobe", "exit 1");
  sb.fake("systemctl", '[ "${K3S_RUNNING:-}" = 1 ] && [ "$2" = --quiet ] && [ "$3" = k3s ]');
});
afterEach(() => sb.cleanup());

const inSandbox = (s: string) => [CONTAINERD_ROOT.replace(/\/rancher.*/, "/rancher"), DROP_IN_DIR, "/proc/filesystems"]
  .reduce((t, p) => t.split(p).join(sb.dir + p), s);
const check = (env: Record<string, string> = {}) =>
  sb.run(["bash", "-s"], { input: `set -euo pipefail\n${inSandbox(renderSnapshotterCheck("n1", "overlayfs"))}\necho passed\n`, env });
const leftovers = () => fs.readdirSync(path.join(sb.dir, "var/lib"));

test("an overlay with two lower directories mounts on the nearest existing directory of containerd's root: passes, and the probe is gone", () => {
  const r = check();
  expect(r.stderr).toBe("");
  expect(r.stdout).toBe("passed\n");
  const calls = sb.calls();
  expect(calls).toHaveLength(2);
  const probe = `${sb.dir}/var/lib/.k3s-stacks-overlay.`;
  expect(calls[0]).toMatch(new RegExp(`^mount -t overlay overlay -o lowerdir=${probe}\\w+/lower2:${probe}\\w+/lower1,upperdir=${probe}\\w+/upper,workdir=${probe}\\w+/work ${probe}\\w+/merged$`));
  expect(calls[1]).toMatch(/^umount .*\/merged$/);
  expect(leftovers()).toEqual([]);
});

test("a filesystem that refuses the overlay (ZFS before 2.2, NFS, an overlay root) fails a new node naming it and the fix", () => {
  const r = check({ MOUNT_ERROR: "wrong fs type, bad option, bad superblock on overlay", FS_TYPE: "zfs" });
  expect(r.status).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/^k3s-stacks: n1: containerd's overlayfs snapshotter \(k3s's default\) cannot mount an overlay on .*\/var\/lib \(a zfs filesystem\): mount: .*: wrong fs type, bad option, bad superblock on overlay\. k3s checks this at every start and does not start without it\. Fix: put .*\/var\/lib\/rancher on a local ext4 or xfs filesystem, or set snapshotter: native in cluster\.agentConfig \(no overlay: each image layer is a full copy, slower and larger\), then run pulumi up again\.\n$/);
  expect(leftovers()).toEqual([]);
});

test("an unprivileged container (permission denied) where k3s already runs: a warning, and the day-two run goes on", () => {
  const r = check({ MOUNT_ERROR: "permission denied", K3S_RUNNING: "1" });
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^k3s-stacks: n1: warning: containerd's overlayfs snapshotter .*: permission denied\. .*k3s already runs here, so this run goes on\. Fix: .*snapshotter: native.*\.\npassed\n$/);
});

test("containerd's root as it exists is probed itself, not its parent", () => {
  fs.mkdirSync(path.join(sb.dir, CONTAINERD_ROOT), { recursive: true });
  expect(check().status).toBe(0);
  expect(sb.calls()[0]).toContain(`lowerdir=${sb.dir}${CONTAINERD_ROOT}/.k3s-stacks-overlay.`);
});

test("another snapshotter in config.yaml renders nothing; one in a drop-in of the user's skips the probe", () => {
  expect(snapshotterOf({ "node-name": "n1" })).toBe("overlayfs");
  expect(snapshotterOf({ snapshotter: "native" })).toBe("native");
  expect(renderSnapshotterCheck("n1", "native")).toBe("");
  fs.mkdirSync(path.join(sb.dir, DROP_IN_DIR), { recursive: true });
  fs.writeFileSync(path.join(sb.dir, DROP_IN_DIR, "90-mine.yaml"), 'snapshotter: "fuse-overlayfs"\n');
  expect(check({ MOUNT_ERROR: "permission denied" }).stdout).toBe("passed\n");
  expect(sb.calls()).toEqual([]);
});

test("a kernel without overlay (not in /proc/filesystems, modprobe fails) is left to the kernel module check", () => {
  fs.writeFileSync(path.join(sb.dir, "proc/filesystems"), "nodev\ttmpfs\n\text4\n");
  expect(check({ MOUNT_ERROR: "unknown filesystem type 'overlay'" }).stdout).toBe("passed\n");
  expect(sb.calls()).toEqual([]);
});

test("the config step probes before changing the host, unless config.yaml picks another snapshotter", () => {
  const script = (content: string) => renderConfigScript({ host: { node: "n1", fixCgroups: false, allowReboot: false }, role: "agent", files: [{ path: CONFIG_FILE, content, mode: "0600" }] });
  const plain = script("node-name: n1\n");
  expect(plain.indexOf("overlay_snapshotter=1")).toBeGreaterThan(0);
  expect(plain.indexOf("overlay_snapshotter=1")).toBeLessThan(plain.indexOf("# Host facts: one read, before anything changes."));
  expect(script("node-name: n1\nsnapshotter: native\n")).not.toContain("overlay_snapshotter=");
});

// xfs_info of an XFS v4 filesystem as early CentOS/RHEL 7 installs made it (no d_type: ftype=0).
const xfsInfo = (ftype: 0 | 1) => `meta-data=/dev/mapper/centos-var isize=256    agcount=4, agsize=655360 blks
         =                       sectsz=512   attr=2, projid32bit=1
         =                       crc=${ftype}        finobt=0 spinodes=0
data     =                       bsize=4096   blocks=2621440, imaxpct=25
naming   =version 2              bsize=4096   ascii-ci=0 ftype=${ftype}
log      =internal               bsize=4096   blocks=2560, version=2`;
function xfs(ftype: 0 | 1): void {
  sb.fake("findmnt", `echo "findmnt $*" >> "$CALLS"; echo "${sb.dir}/var"`);
  sb.fake("xfs_info", `echo "xfs_info $*" >> "$CALLS"; [ "$1" = "${sb.dir}/var" ] && cat <<'INFO'\n${xfsInfo(ftype)}\nINFO`);
}

test("XFS formatted with ftype=0 (no d_type) fails a new node before any mount, naming mkfs.xfs -n ftype=1 and the other snapshotters, although the overlay would mount (RHEL 7 kernel)", () => {
  xfs(0);
  const r = check({ FS_TYPE: "xfs" });
  expect(r.status).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toBe(`k3s-stacks: n1: containerd's overlayfs snapshotter (k3s's default) needs a filesystem with d_type, and ${sb.dir}/var/lib is on an XFS filesystem (${sb.dir}/var) formatted with ftype=0, which has none (xfs_info): containerd does not load the snapshotter ('does not support d_type') and k3s runs no pods. Fix: reformat that filesystem with 'mkfs.xfs -n ftype=1' (this erases it), or put ${sb.dir}/var/lib/rancher on another local filesystem (ext4, or an xfs made with ftype=1), or set snapshotter: native (each image layer a full copy, slower and larger) or snapshotter: fuse-overlayfs (needs the fuse-overlayfs package) in cluster.agentConfig, then run pulumi up again.\n`);
  // xfs_info is asked about the mount point; nothing was mounted or left behind.
  expect(sb.calls()).toEqual([`findmnt -n -o TARGET -T ${sb.dir}/var/lib`, `xfs_info ${sb.dir}/var`]);
  expect(leftovers()).toEqual([]);
});

test("XFS with ftype=0 where k3s already runs: a warning naming the fix, and the day-two run goes on", () => {
  xfs(0);
  const r = check({ FS_TYPE: "xfs", K3S_RUNNING: "1" });
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^k3s-stacks: n1: warning: containerd's overlayfs snapshotter .* formatted with ftype=0, .*k3s already runs here, so this run goes on\. Fix: reformat that filesystem with 'mkfs\.xfs -n ftype=1'.*snapshotter: fuse-overlayfs.*\.\npassed\n$/);
});

test("XFS with ftype=1, or one xfs_info cannot read, goes on to the overlay mount probe", () => {
  xfs(1);
  expect(check({ FS_TYPE: "xfs" }).stdout).toBe("passed\n");
  expect(sb.calls().filter((c) => c.startsWith("mount "))).toHaveLength(1);
  sb.fake("xfs_info", "exit 1");
  expect(check({ FS_TYPE: "xfs" }).stdout).toBe("passed\n");
  expect(sb.calls().filter((c) => c.startsWith("mount "))).toHaveLength(1);
});

test("ext4 never asks xfs_info", () => {
  xfs(0);
  expect(check({ FS_TYPE: "ext2/ext3" }).stdout).toBe("passed\n");
  expect(sb.calls().filter((c) => c.startsWith("xfs_info") || c.startsWith("findmnt"))).toEqual([]);
});
