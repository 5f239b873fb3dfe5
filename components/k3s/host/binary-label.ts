/**
 * Bash that labels the k3s binary at `bin` (a shell word) `container_runtime_exec_t`, as install.sh's
 * setup_selinux does, so that systemd starts k3s in the container_runtime_t domain the k3s-selinux
 * policy is written for. install.sh returns before that label whenever it skips its SELinux RPM step
 * (INSTALL_K3S_SKIP_SELINUX_RPM, or its downloads skipped as in airgap: INSTALL_K3S_SKIP_DOWNLOAD), and
 * a binary copied into place gets its directory's bin_t instead. As install.sh does, a failing chcon
 * (no SELinux, or no policy that knows the type) matters only when /etc/selinux/config says enforcing.
 */
export function renderK3sBinaryLabel(bin: string, node: string): string {
  return `label_bin=${bin}
if ! chcon -u system_u -r object_r -t container_runtime_exec_t "$label_bin" >/dev/null 2>&1 && grep -qs '^[[:space:]]*SELINUX=enforcing' /etc/selinux/config; then
  echo "k3s-stacks: ${node}: could not label $label_bin container_runtime_exec_t, which k3s needs with SELinux enforcing (install.sh's label). Fix: install container-selinux and k3s-selinux on ${node} (airgap: build the bundle with --selinux-rpms), then run pulumi up again." >&2
  exit 1
fi`;
}
