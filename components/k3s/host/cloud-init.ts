import { CLOUD_INIT_TIMEOUT } from "../../nodes/cloud/cloud-init";

/**
 * Shell run first in host preparation: on a host where cloud-init is still running (a fresh cloud
 * VM, or an inventory machine booted from a cloud image, such as Ubuntu's Raspberry Pi images), waits
 * up to CLOUD_INIT_TIMEOUT seconds for it to finish, as its package installs hold the package
 * database and its modules still write files. A host without cloud-init, or where it is done or
 * disabled, does not wait. `not started` (`not run` before cloud-init 24.1) only waits while systemd
 * is still booting: once boot is over cloud-init will not run, and `cloud-init status --wait` would
 * wait for it without end. Exit codes of `cloud-init status` (cloudinit.readthedocs.io, "Failure
 * states", error codes): 0 done, 2 done with recoverable errors (`degraded`, since 23.4; Ubuntu and
 * RHEL builds report 0 for it), 1 an unrecoverable error: cloud-init is finished either way, and a
 * failure of the user's own user data is theirs, so preparation goes on with a warning naming where
 * to look. Only the timeout (124) fails. Needs `node`.
 */
export function renderCloudInitWait(): string {
  return `if command -v cloud-init >/dev/null 2>&1; then
  cloud_init_state=$(cloud-init status 2>/dev/null | sed -n 's/^status: //p' || true)
  case "$cloud_init_state" in
    running) cloud_init_wait=1 ;;
    "not started"|"not run")
      case "$(systemctl is-system-running 2>/dev/null || true)" in initializing|starting) cloud_init_wait=1 ;; *) cloud_init_wait=0 ;; esac ;;
    *) cloud_init_wait=0 ;;
  esac
  if [ "$cloud_init_wait" = 1 ]; then
    echo "k3s-stacks: $node: cloud-init is $cloud_init_state; waiting up to ${CLOUD_INIT_TIMEOUT}s for it to finish"
    cloud_init_rc=0
    timeout ${CLOUD_INIT_TIMEOUT} cloud-init status --wait >/dev/null 2>&1 || cloud_init_rc=$?
    case "$cloud_init_rc" in
      0|2) ;;
      124)
        echo "k3s-stacks: $node: cloud-init is still running after ${CLOUD_INIT_TIMEOUT}s, and preparing the host now would race its package installs. Fix: see 'cloud-init status --long' and /var/log/cloud-init-output.log on $node; once it is done, run pulumi up again." >&2
        exit 1 ;;
      *) echo "k3s-stacks: $node: warning: cloud-init finished with errors (cloud-init status exit $cloud_init_rc); preparing the host anyway. See 'cloud-init status --long' and /var/log/cloud-init-output.log on $node." >&2 ;;
    esac
  fi
fi`;
}
