import { DROP_IN_DIR } from "./dropins";
import { K3S_ACTIVE } from "./k3s-unit";

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
 * already runs, a warning. A drop-in of the user's that picks another snapshotter is honoured (k3s reads
 * config.yaml.d after config.yaml). Without the overlay filesystem in the kernel the probe is left to
 * the kernel module check, which names the package.
 */
export function renderSnapshotterCheck(node: string, snapshotter: string): string {
  if (snapshotter !== "overlayfs") return "";
  const fix = `put /var/lib/rancher on a local ext4 or xfs filesystem, or set snapshotter: native in cluster.agentConfig (no overlay: each image layer is a full copy, slower and larger)`;
  return `overlay_snapshotter=1
dropin_snapshotter=$(sed -n -E "s/^snapshotter:[[:space:]]*['\\"]?([^'\\"[:space:]]*).*/\\1/p" ${DROP_IN_DIR}/*.yaml ${DROP_IN_DIR}/*.yml 2>/dev/null | tail -n 1 || true)
if [ -n "$dropin_snapshotter" ] && [ "$dropin_snapshotter" != overlayfs ]; then overlay_snapshotter=0; fi
if [ "$overlay_snapshotter" = 1 ] && { grep -qw overlay /proc/filesystems 2>/dev/null || modprobe -q overlay 2>/dev/null; }; then
  probe_dir=${CONTAINERD_ROOT}
  while [ ! -d "$probe_dir" ]; do probe_dir=$(dirname "$probe_dir"); done
  overlay_error=""
  # A directory that cannot be written is not this check's to judge.
  if probe=$(mktemp -d "$probe_dir/.k3s-stacks-overlay.XXXXXX" 2>/dev/null); then
    mkdir "$probe/lower1" "$probe/lower2" "$probe/upper" "$probe/work" "$probe/merged"
    if overlay_error=$(mount -t overlay overlay -o "lowerdir=$probe/lower2:$probe/lower1,upperdir=$probe/upper,workdir=$probe/work" "$probe/merged" 2>&1); then
      overlay_error=""
      umount "$probe/merged" 2>/dev/null || true
    fi
    rm -rf "$probe" 2>/dev/null || true
  fi
  if [ -n "$overlay_error" ]; then
    overlay_fs=$(stat -f -c %T "$probe_dir" 2>/dev/null || echo unknown)
    why="containerd's overlayfs snapshotter (k3s's default) cannot mount an overlay on $probe_dir (a $overlay_fs filesystem): $overlay_error. k3s checks this at every start and does not start without it"
    if ${K3S_ACTIVE}; then
      echo "k3s-stacks: ${node}: warning: $why. k3s already runs here, so this run goes on. Fix: ${fix}."
    else
      echo "k3s-stacks: ${node}: $why. Fix: ${fix}, then run pulumi up again." >&2
      exit 1
    fi
  fi
fi`;
}
