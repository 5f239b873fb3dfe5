/**
 * Shell run with host preparation's checks, after the package helpers (renderPackageInstall): an
 * embedded-etcd server needs curl, since the etcd quorum guards (etcd-quorum.ts) ask etcd through it
 * before a server is removed, replaced or restarted (k3s ships no etcdctl). Found missing here, curl is
 * installed when `installPackages` allows it, else the run stops naming the command, before anything
 * changed: at the guard it would first stop a removal or a rolling restart half-way. On an image-based
 * system a package only runs from the next boot (transactional-update(8), rpm-ostree(1)), so there
 * the fix is named with the reboot instead of installed here.
 */
export function renderCurlCheck(installPackages: boolean): string {
  return `curl_may_install=${installPackages ? 1 : 0}
if ! command -v curl >/dev/null 2>&1; then
  curl_cmd=$(install_command curl)
  curl_why="$node lacks curl, which an etcd server needs: k3s-stacks asks etcd through it whether the other members are healthy before it removes, replaces or restarts a server (k3s ships no etcdctl)"
  if [ -z "$curl_cmd" ]; then
    echo "k3s-stacks: $curl_why. Fix: install curl with your distribution's package manager, then run pulumi up again." >&2
    exit 1
  fi
  if [ "$transactional" = 1 ]; then
    echo "k3s-stacks: $curl_why. Fix: run '$curl_cmd' on $node and reboot it ('systemctl reboot'), then run pulumi up again." >&2
    exit 1
  fi
  if [ "$curl_may_install" != 1 ]; then
    echo "k3s-stacks: $curl_why. Fix: run '$curl_cmd' on $node (or set installPackages: true for this host), then run pulumi up again." >&2
    exit 1
  fi
  echo "k3s-stacks: $node: installing curl for the etcd quorum checks"
  install_package curl || { echo "k3s-stacks: $node: installing curl failed ('$curl_cmd'). Fix: install it by hand, then run pulumi up again." >&2; exit 1; }
fi`;
}
