// Host preparation of an embedded-etcd server warns when k3s's data directory is on an SD card or
// eMMC (k3s-io/k3s discussion #8040). Run in bash against the hosts of support/prep-host.ts, with
// findmnt and lsblk faked to answer for the device under /var/lib/rancher/k3s's nearest directory.
import { AGENT, SERVER, host, render, run, sb } from "./support/prep-host";

/** findmnt answers MAJ:MIN for any -T path; lsblk lists `chain` (the device, then what it sits on) for /dev/block/MAJ:MIN. */
const disks = (majMin: string, chain: string[]) => {
  sb.fake("findmnt", `case "$*" in *"-o MAJ:MIN -T "*) echo " ${majMin}" ;; *) exit 1 ;; esac`);
  sb.fake("lsblk", `[ "\${*: -1}" = /dev/block/${majMin} ] || exit 1\nprintf '%s\\n' ${chain.join(" ")}`);
};

test.each([
  ["a partition of a Raspberry Pi's SD card", "179:2", ["mmcblk0p2", "mmcblk0"]],
  ["an LVM volume on an eMMC", "253:0", ["vg-root", "mmcblk1p3", "mmcblk1"]],
])("an etcd server whose data is on %s: a warning naming the card, the recommendation and the fix; the run goes on", (_, majMin, chain) => {
  host("raspbian", "6.6.51+rpt-rpi-v8");
  disks(majMin, chain);
  const r = run(render({ etcdServer: true, installPackages: true }));
  expect(r.status).toBe(0);
  expect(r.stdout).toContain(`k3s-stacks: n1: warning: k3s keeps embedded etcd's data under /var/lib/rancher/k3s, on ${chain[chain.length - 1]} (an SD card or eMMC). etcd syncs every write to disk, which such storage does slowly and wears out under; k3s's maintainers recommend against embedded etcd on it (k3s-io/k3s discussion #8040), and slow syncs show as etcd leader elections and API timeouts. Fix: move /var/lib/rancher to an SSD (USB or NVMe, or boot from one), or use datastore: sqlite with a single server.`);
});

test("an SSD or NVMe disk, and a host whose mount cannot be read, pass without a word", () => {
  host("raspbian", "6.6.51+rpt-rpi-v8");
  disks("259:2", ["nvme0n1p2", "nvme0n1"]);
  expect(run(render({ etcdServer: true, installPackages: true })).stdout).not.toContain("SD card or eMMC");
  disks("8:2", ["sda2", "sda"]);
  expect(run(render({ etcdServer: true, installPackages: true })).stdout).not.toContain("SD card or eMMC");
  sb.fake("findmnt", "exit 1");
  const r = run(render({ etcdServer: true, installPackages: true }));
  expect([r.status, r.stdout.includes("SD card or eMMC")]).toEqual([0, false]);
});

test("an agent, or a server of another datastore, on an SD card is not warned: only etcd syncs every write", () => {
  host("raspbian", "6.6.51+rpt-rpi-v8");
  disks("179:2", ["mmcblk0p2", "mmcblk0"]);
  expect(run(render({ network: AGENT }, "agent")).stdout).not.toContain("SD card or eMMC");
  expect(run(render({ network: { ...SERVER, etcd: false } })).stdout).not.toContain("SD card or eMMC");
});
