import { shq } from "../../remote/shell";

/** Where k3s keeps its data, embedded etcd's in server/db/etcd: k3s's default, as data-dir is refused (rules/managed-flags.ts). */
const K3S_DATA_DIR = "/var/lib/rancher/k3s";

/**
 * Shell for an embedded-etcd server: a warning when k3s's data directory is on an SD card or eMMC
 * (a kernel mmcblk device, also under LVM or dm-crypt), as on a Raspberry Pi booted from its card.
 * etcd fsyncs every write; such storage is slow at that and wears out, and k3s's maintainers
 * recommend against embedded etcd on it (k3s-io/k3s discussion #8040; k3s docs, Requirements: "disk
 * performance will vary on ARM devices utilizing an SD card or eMMC"; etcd hardware guide: SSD). The
 * cluster still comes up, so this does not stop the run: slow fsyncs show later as leader elections
 * and "apply request took too long" (k3s-io/k3s#6654). Reads the mount of the nearest existing
 * directory (the data directory does not exist before the install) and the block devices under it.
 */
export function renderEtcdDiskCheck(): string {
  return `etcd_dir=${shq(K3S_DATA_DIR)}
while [ ! -e "$etcd_dir" ] && [ "$etcd_dir" != / ]; do etcd_dir=$(dirname "$etcd_dir"); done
etcd_dev=$(findmnt -n -o MAJ:MIN -T "$etcd_dir" 2>/dev/null | head -n 1 | tr -d ' ' || true)
etcd_disks=""
if [ -n "$etcd_dev" ]; then etcd_disks=$(lsblk -n -s -r -o NAME "/dev/block/$etcd_dev" 2>/dev/null | tr '\\n' ' ' || true); fi
case " $etcd_disks" in
  *" mmcblk"*)
    echo "k3s-stacks: $node: warning: k3s keeps embedded etcd's data under ${K3S_DATA_DIR}, on $(echo "$etcd_disks" | awk '{ print $NF }') (an SD card or eMMC). etcd syncs every write to disk, which such storage does slowly and wears out under; k3s's maintainers recommend against embedded etcd on it (k3s-io/k3s discussion #8040), and slow syncs show as etcd leader elections and API timeouts. Fix: move /var/lib/rancher to an SSD (USB or NVMe, or boot from one), or use datastore: sqlite with a single server." ;;
esac`;
}
