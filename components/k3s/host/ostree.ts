import { shq } from "../../remote/shell";
import { DEFAULT_SELINUX_REPO } from "./services";
import { renderK3sBinaryLabel } from "./binary-label";

const indentLabel = (s: string): string => s.split("\n").join("\n  ");

/**
 * Shell run before install.sh on an rpm-ostree host (/run/ostree-booted) with SELinux on that
 * install.sh does not take for Fedora CoreOS: it takes only an os-release with ID or ID_LIKE `fedora`
 * and OSTREE_VERSION (rpm target `coreos`, `rpm-ostree install`); on any other — RHEL for Edge, RHCOS
 * (ID_LIKE "rhel fedora") — it installs k3s-selinux with yum, which such a host lacks, and fails even
 * when the policy is already there (K3S:install.sh setup_selinux, install_selinux_rpm). Without the
 * policy in the booted deployment it fails here, naming the rpm-ostree command, Rancher's folder for
 * the el build and the reboot; with it, it sets ostree_selinux=1: install.sh then runs with
 * INSTALL_K3S_SKIP_SELINUX_RPM and INSTALL_K3S_SKIP_START, and `renderOstreeSelinuxLabel` does what
 * install.sh skips with the RPM step (the binary's label) before k3s starts.
 */
export function renderOstreeSelinuxCheck(node: string): string {
  return `ostree_selinux=0
if [ -e /run/ostree-booted ] && [ "$(getenforce 2>/dev/null || echo Disabled)" != Disabled ]; then
  ostree_field() { sed -n "s/^$1=//p" /etc/os-release 2>/dev/null | head -n 1 | tr -d "\\"'"; }
  if ! { { [ "$(ostree_field ID)" = fedora ] || [ "$(ostree_field ID_LIKE)" = fedora ]; } && [ -n "$(ostree_field OSTREE_VERSION)" ]; }; then
    if ! rpm -q k3s-selinux >/dev/null 2>&1; then
      ostree_major=$(ostree_field VERSION_ID); ostree_major=\${ostree_major%%.*}
      case "$ostree_major" in 7|8) ;; *) ostree_major=9 ;; esac
      echo "k3s-stacks: ${node} boots an rpm-ostree image (/run/ostree-booted) with SELinux on and without k3s-selinux, which install.sh would install with yum: an rpm-ostree host has none, and its /usr is read-only. Fix: on ${node} run 'rpm-ostree install --idempotent -y k3s-selinux' with Rancher's RPM repository (${DEFAULT_SELINUX_REPO}/k3s/stable/common/centos/$ostree_major/noarch) or your mirror of it configured, then 'systemctl reboot', then run pulumi up again." >&2
      exit 1
    fi
    ostree_selinux=1
  fi
fi`;
}

/** Shell: the files install.sh hashes to tell a change (binary, unit, env file); `bin` is a shell word. */
function stateOf(bin: string, service: string): string {
  return `sha256sum ${bin} /etc/systemd/system/${service}.service /etc/systemd/system/${service}.service.env 2>&1 || true`;
}

/**
 * Shell functions for `renderOstreeSelinuxCheck`'s case: `ostree_state` (before install.sh) and
 * `ostree_selinux_label`, after it: labels the binary container_runtime_exec_t as install.sh's
 * setup_selinux does (`chcon -u system_u -r object_r -t container_runtime_exec_t`), then queues a
 * restart (unit_queue, unit-queue.ts) of a running `service` when install.sh changed the binary, unit or env file (its "restart on change",
 * which INSTALL_K3S_SKIP_START skipped). `binDir` is INSTALL_K3S_BIN_DIR when set, else install.sh's
 * choice (/usr/local/bin, or /opt/bin when that is read-only).
 */
export function renderOstreeSelinuxLabel(service: string, binDir?: string): string {
  const bin = binDir
    ? `ostree_bin() { echo ${shq(`${binDir}/k3s`)}; }`
    : `ostree_bin() { for d in /usr/local/bin /opt/bin; do if [ -x "$d/k3s" ]; then echo "$d/k3s"; return; fi; done; echo /usr/local/bin/k3s; }`;
  return `${bin}
ostree_state() { ${stateOf('"$(ostree_bin)"', service)}; }
ostree_selinux_label() {
  ${indentLabel(renderK3sBinaryLabel('"$(ostree_bin)"', "$(uname -n)"))}
  if [ "$ostree_before" != "$(ostree_state)" ] && systemctl is-active --quiet ${service}; then unit_queue restart; fi
}`;
}
