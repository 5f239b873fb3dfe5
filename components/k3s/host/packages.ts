import { renderPackageLock } from "./package-lock";

/**
 * Shell that installs packages the way this host takes them, after the OS facts (renderOsFacts:
 * family, transactional, tx_tool). Defines:
 * - `package_argv PKG...`: sets the array `install_argv` to the install command; returns 1 when the
 *   host has none (an unknown family, an ostree image without rpm-ostree);
 * - `install_command PKG...`: prints that command, for a message's fix (nothing when there is none);
 * - `install_package PKG...`: runs it (apt-get refreshes its lists first), each call waiting for
 *   another package manager to finish (renderPackageLock), within a bound.
 * Image-based systems never get zypper or dnf: /usr is read-only there, so transactional-update(8)
 * installs into a new snapshot and rpm-ostree(1) into a new deployment, both run from the next boot
 * (the caller then reboots or asks for it, and changes nothing else as if installed). pacman gets no
 * `-y`: refreshing the lists without upgrading is a partial upgrade, which Arch does not support
 * (wiki.archlinux.org "System maintenance", partial upgrades are unsupported). Host preparation's
 * kernel-module package and the Longhorn node prerequisites both install through it. `root` prefixes
 * the lock paths read (tests only; empty on a node); `who` starts the lock wait's messages.
 */
export function renderPackageInstall(root = "", who?: string): string {
  return `${renderPackageLock(root, who)}
package_argv() {
  install_argv=()
  if [ "$transactional" = 1 ]; then
    case "$tx_tool" in
      transactional-update) install_argv=(transactional-update --non-interactive pkg install "$@") ;;
      rpm-ostree) install_argv=(rpm-ostree install --idempotent -y "$@") ;;
      *) return 1 ;;
    esac
    return 0
  fi
  case "$family" in
    debian) install_argv=(apt-get install -y -qq --no-install-recommends "$@") ;;
    rhel) if command -v dnf >/dev/null 2>&1; then install_argv=(dnf install -y -q "$@"); else install_argv=(yum install -y -q "$@"); fi ;;
    suse) install_argv=(zypper --non-interactive --quiet install "$@") ;;
    arch) install_argv=(pacman -S --noconfirm --needed "$@") ;;
    *) return 1 ;;
  esac
}
install_command() { if package_argv "$@"; then echo "\${install_argv[*]}"; fi; }
install_package() {
  package_argv "$@" || return 1
  if [ "\${install_argv[0]}" = apt-get ]; then run_package_command apt-get update -qq || return 1; fi
  run_package_command "\${install_argv[@]}"
}`;
}
