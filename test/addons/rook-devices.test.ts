import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { renderRookDevicesScript } from "../../components/addons/rook-devices";

const KEY = (j: number) => `k3s-stacks:addons.storage.nodes[0].devices[${j}]`;

/**
 * A scratch node whose only lsblk is a fake answering from one file per device path (`type=`,
 * `fstype=`, and `tree=` lines for `lsblk -l`, the device first, as lsblk lists it).
 */
function node(devices: Record<string, string[]>) {
  const dir = fs.mkdtempSync(path.join(tmpdir(), "rook-devices-"));
  const bin = path.join(dir, "bin");
  const db = path.join(dir, "devices");
  fs.mkdirSync(bin);
  fs.mkdirSync(db);
  for (const [dev, lines] of Object.entries(devices)) fs.writeFileSync(path.join(db, dev.replace(/\//g, "_")), `${lines.join("\n")}\n`);
  fs.writeFileSync(
    path.join(bin, "lsblk"),
    `#!/bin/bash
echo "lsblk $*" >> "${dir}/calls"
f="${db}/$(printf '%s' "\${!#}" | tr / _)"
[ -f "$f" ] || { echo "lsblk: \${!#}: not a block device" >&2; exit 32; }
case "$*" in
  *"-dno TYPE"*) sed -n 's/^type=//p' "$f" ;;
  *"-dno FSTYPE"*) sed -n 's/^fstype=//p' "$f" ;;
  *"-lno NAME,TYPE"*) sed -n 's/^tree=//p' "$f" ;;
esac
`,
    { mode: 0o755 },
  );
  return {
    run(list: string[], phase = "create") {
      const file = path.join(dir, "check.sh");
      fs.writeFileSync(file, renderRookDevicesScript("n1", list.map((name, j) => ({ name, key: KEY(j) }))));
      return spawnSync("/bin/bash", [file, phase], { env: { PATH: bin }, encoding: "utf8" });
    },
    calls: () => (fs.existsSync(path.join(dir, "calls")) ? fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n") : []),
  };
}

const EMPTY_DISK = ["type=disk", "fstype=", "tree=sdb disk"];

describe("renderRookDevicesScript", () => {
  it("passes shellcheck", () => {
    if (spawnSync("shellcheck", ["--version"]).status !== 0 && !process.env.CI) {
      console.warn("shellcheck not installed: skipped locally; CI fails here");
      return;
    }
    const file = path.join(fs.mkdtempSync(path.join(tmpdir(), "rook-devices-lint-")), "s.sh");
    fs.writeFileSync(file, renderRookDevicesScript("n1", [{ name: "sdb", key: KEY(0) }, { name: "/dev/disk/by-id/ata-X", key: KEY(1) }]));
    expect(() => execFileSync("shellcheck", ["-s", "bash", file], { encoding: "utf8" })).not.toThrow();
  });

  it("takes an empty disk by name, a raw partition and a logical volume without a filesystem by path", () => {
    const n = node({
      "/dev/sdb": EMPTY_DISK,
      "/dev/sdc1": ["type=part", "fstype=", "tree=sdc1 part"],
      "/dev/mapper/vg-osd": ["type=lvm", "fstype=", "tree=vg-osd lvm"],
    });
    const r = n.run(["sdb", "/dev/sdc1", "/dev/mapper/vg-osd"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("rook-ceph OSD devices ready on node n1\n");
  });

  it("reports every device Rook would skip, naming its setting and the fix, and changes nothing", () => {
    const n = node({
      "/dev/sdb": ["type=disk", "fstype=ext4", "tree=sdb disk"],
      "/dev/sdc": ["type=disk", "fstype=", "tree=sdc disk", "tree=sdc1 part", "tree=sdc2 part"],
      "/dev/sdd": EMPTY_DISK,
    });
    const r = n.run(["sdb", "sdc", "/dev/disk/by-id/ata-gone", "sdd"]);
    expect(r.status).toBe(1);
    const wipe = (p: string) => `if nothing on it is needed, wipe it on n1 ('wipefs --all ${p}', and 'sgdisk --zap-all ${p}' for a partition table; Rook's teardown guide, Zapping Devices), or list an empty device.`;
    expect(r.stderr.trim().split("\n")).toEqual([
      `rook-ceph OSD devices on node n1: ${KEY(0)}: /dev/sdb on n1 holds ext4, and Rook makes OSDs only of devices without a filesystem or volume signature (it would skip this one and the cluster would lack its OSD). Fix: ${wipe("/dev/sdb")}`,
      `rook-ceph OSD devices on node n1: ${KEY(1)}: /dev/sdc on n1 has partitions (sdc1, sdc2), so Rook would pass over the disk for them. Fix: list an empty partition instead, or ${wipe("/dev/sdc")}`,
      `rook-ceph OSD devices on node n1: ${KEY(2)}: n1 has no block device /dev/disk/by-id/ata-gone. Fix: list a device that 'lsblk' shows on n1, by name (sdb) or by a stable path (/dev/disk/by-id/...).`,
    ]);
    // Read-only: lsblk is all it runs.
    expect(n.calls().every((c) => c.startsWith("lsblk -"))).toBe(true);
  });

  it("passes devices that already are OSDs, so a later run of a working cluster goes on", () => {
    const n = node({
      "/dev/sdb": ["type=disk", "fstype=ceph_bluestore", "tree=sdb disk"],
      "/dev/sdc": ["type=disk", "fstype=LVM2_member", "tree=sdc disk", "tree=ceph--0a1b-osd--block--2c3d lvm"],
      // An encrypted raw-mode OSD: ceph-volume's dm-crypt mapping ceph-<fsid>-<device>-block-dmcrypt.
      "/dev/sdd": ["type=disk", "fstype=crypto_LUKS", "tree=sdd disk", "tree=ceph-68945eb2-sdd-block-dmcrypt crypt"],
    });
    expect(n.run(["sdb", "sdc", "sdd"]).status).toBe(0);
  });

  it("does nothing on delete", () => {
    const n = node({});
    expect(n.run(["sdb"], "delete")).toMatchObject({ status: 0, stdout: "", stderr: "" });
    expect(n.calls()).toEqual([]);
  });
});
