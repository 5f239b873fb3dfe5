import { shq } from "../../remote/shell";
import { DROP_IN_DIR } from "./dropins";
import { failNewNodeOrWarn } from "./k3s-unit";

/** containerd's root under k3s's data dir (k3s-stacks keeps the default data dir, /var/lib/rancher/k3s). */
export const CONTAINERD_ROOT = "/var/lib/rancher/k3s/agent/containerd";

/** The snapshotter the rendered config.yaml (its keys, parsed) selects: k3s's `snapshotter`, default `overlayfs` (reference k3s-flags.json). */
export function snapshotterOf(config: Record<string, unknown>): string {
  const value = config.snapshotter;
  return typeof value === "string" && value.length > 0 ? value : "overlayfs";
}

/**
 * Bash for the config step, before anything changes, when the node uses containerd's overlayfs
 * snapshotter (k3s's default): mounts an overlay with two lower directories on the filesystem that
 * will hold CONTAINERD_ROOT, the probe k3s runs at every start (K3S pkg/agent/config:
 * containerd.OverlaySupported, containerd overlayutils.SupportsMultipleLowerDir). Where it fails —
 * ZFS before OpenZFS 2.2 (k3s-io/k3s#66), an NFS root (k3s-io/k3s#3266, containerd/containerd#5464:
 * "/var/lib/rancher has to be a local filesystem such as ext4 or XFS"), a root that is itself an
 * overlay (live or netboot images), an unprivileged LXC container (permission denied) — k3s loops on
 * "overlayfs snapshotter cannot be enabled" and never becomes ready, which install would only report
 * as a timeout. A node where k3s does not run yet fails naming the filesystem and the fix; where it
 * already runs, a warning. An XFS filesystem formatted with ftype=0 (no d_type; xfs_info of its mount
 * point says so) fails or warns the same way before any mount, naming mkfs.xfs -n ftype=1 and the
 * other snapshotters. A drop-in of the user's that picks another snapshotter is honoured (k3s reads
 * config.yaml.d after config.yaml). Without the overlay filesystem in the kernel the probe is left to
 * the kernel module check, which names the package.
 */
export function renderSnapshotterCheck(node: string, snapshotter: string): string {
  if (snapshotter !== "overlayfs") return "";
  const fix = `put /var/lib/rancher on a local ext4 or xfs filesystem, or set snapshotter: native in cluster.agentConfig (no overlay: each image layer is a full copy, slower and larger)`;
  // containerd does not load its overlayfs snapshotter on a root without d_type, and its error points
  // XFS users at ftype=1 (k3s-io/k3s#495); kernels from 4.6 refuse such an overlay mount too
  // (moby/moby#22937), while the RHEL 7 kernel mounts it, so the mount probe alone passes there. XFS lacks d_type only when formatted with
  // ftype=0, which only the older v4 format (crc=0) allows and older mkfs.xfs made by default (early
  // CentOS/RHEL 7 installs).
  const dtypeFix = `reformat that filesystem with 'mkfs.xfs -n ftype=1' (this erases it), or put /var/lib/rancher on another local filesystem (ext4, or an xfs made with ftype=1), or set snapshotter: native (each image layer a full copy, slower and larger) or snapshotter: fuse-overlayfs (needs the fuse-overlayfs package) in cluster.agentConfig`;
  return `overlay_snapshotter=1
dropin_snapshotter=$(sed -n -E "s/^snapshotter:[[:space:]]*['\\"]?([^'\\"[:space:]]*).*/\\1/p" ${DROP_IN_DIR}/*.yaml ${DROP_IN_DIR}/*.yml 2>/dev/null | tail -n 1 || true)
if [ -n "$dropin_snapshotter" ] && [ "$dropin_snapshotter" != overlayfs ]; then overlay_snapshotter=0; fi
if [ "$overlay_snapshotter" = 1 ] && { grep -qw overlay /proc/filesystems 2>/dev/null || modprobe -q overlay 2>/dev/null; }; then
  probe_dir=${CONTAINERD_ROOT}
  while [ ! -d "$probe_dir" ]; do probe_dir=$(dirname "$probe_dir"); done
  overlay_fs=$(stat -f -c %T "$probe_dir" 2>/dev/null || echo unknown)
  overlay_why=""; overlay_fix=${shq(fix)}
  if [ "$overlay_fs" = xfs ] && command -v xfs_info >/dev/null 2>&1; then
    # xfs_info takes the mount point (older xfsprogs take nothing else).
    xfs_mount=$(findmnt -n -o TARGET -T "$probe_dir" 2>/dev/null || true)
    xfs_geometry=$(xfs_info "\${xfs_mount:-$probe_dir}" 2>/dev/null || true)
    if grep -qE '(^|[[:space:],])ftype=0' <<<"$xfs_geometry"; then
      overlay_why="containerd's overlayfs snapshotter (k3s's default) needs a filesystem with d_type, and $probe_dir is on an XFS filesystem (\${xfs_mount:-$probe_dir}) formatted with ftype=0, which has none (xfs_info): containerd does not load the snapshotter ('does not support d_type') and k3s runs no pods"
      overlay_fix=${shq(dtypeFix)}
    fi
  fi
  # A directory that cannot be written is not this check's to judge.
  if [ -z "$overlay_why" ] && probe=$(mktemp -d "$probe_dir/.k3s-stacks-overlay.XXXXXX" 2>/dev/null); then
    mkdir "$probe/lower1" "$probe/lower2" "$probe/upper" "$probe/work" "$probe/merged"
    if overlay_error=$(mount -t overlay overlay -o "lowerdir=$probe/lower2:$probe/lower1,upperdir=$probe/upper,workdir=$probe/work" "$probe/merged" 2>&1); then
      umount "$probe/merged" 2>/dev/null || true
    else
      overlay_why="containerd's overlayfs snapshotter (k3s's default) cannot mount an overlay on $probe_dir (a $overlay_fs filesystem): $overlay_error. k3s checks this at every start and does not start without it"
    fi
    rm -rf "$probe" 2>/dev/null || true
  fi
  if [ -n "$overlay_why" ]; then
    ${failNewNodeOrWarn(`k3s-stacks: ${node}: warning: $overlay_why. k3s already runs here, so this run goes on. Fix: $overlay_fix.`, `k3s-stacks: ${node}: $overlay_why. Fix: $overlay_fix, then run pulumi up again.`, 4)}
  fi
fi`;
}
