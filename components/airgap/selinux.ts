import { shq } from "../remote/shell";
import { DEFAULT_SELINUX_REPO } from "../k3s/host/services";
import { renderPackageLock } from "../k3s/host/package-lock";

/**
 * k3s-selinux RPM builds, as install.sh chooses them from /etc/os-release (k3s install.sh
 * `setup_selinux`): el7 for RHEL-likes 7, el8 for 8 (and Fedora), el9 for 9 and later, sle for the
 * SUSE family (repository folder `microos`), slemicro for SLE Micro. The policy is `noarch`: one file
 * serves every arch of its family.
 */
export const SELINUX_TARGETS = ["el7", "el8", "el9", "sle", "slemicro"] as const;
export type SelinuxTarget = (typeof SELINUX_TARGETS)[number];

/** Folder of each target in Rancher's RPM repository: `<repo>/k3s/<channel>/common/<folder>/noarch/`. */
const REPO_FOLDER: Record<SelinuxTarget, string> = { el7: "centos/7", el8: "centos/8", el9: "centos/9", sle: "microos", slemicro: "slemicro" };

export { DEFAULT_SELINUX_REPO };

/** `k3s-selinux-<version>.<target>.noarch.rpm`; `version` is `<version>-<release>`, e.g. 1.6-1. */
export function selinuxRpmName(version: string, target: SelinuxTarget): string {
  return `k3s-selinux-${version}.${target}.noarch.rpm`;
}

/** Download URL of one build in the repository (or a mirror laid out the same way). */
export function selinuxRpmUrl(repo: string, channel: string, version: string, target: SelinuxTarget): string {
  return `${repo.replace(/\/+$/, "")}/k3s/${channel}/common/${REPO_FOLDER[target]}/noarch/${selinuxRpmName(version, target)}`;
}

/** The os-release fields that choose a build. */
export interface OsRelease {
  id: string;
  idLike?: string;
  versionId?: string;
  variantId?: string;
}

/** The build a host takes, by its os-release (install.sh's rules); undefined outside the RHEL and SUSE families. */
export function selinuxTargetFor(os: OsRelease): SelinuxTarget | undefined {
  const words = [os.id, ...(os.idLike ?? "").split(/\s+/)].filter((w) => w.length > 0);
  if (words.some((w) => w === "suse" || w.startsWith("sle") || w.startsWith("opensuse"))) {
    return os.id === "sle-micro" || os.variantId === "sle-micro" ? "slemicro" : "sle";
  }
  if (!words.some((w) => ["rhel", "centos", "fedora", "rocky", "almalinux", "ol", "amzn"].includes(w))) return undefined;
  // Fedora and Amazon Linux 2023 number their releases past 36 and take the el8 build.
  const major = Number((os.versionId ?? "").split(".")[0]);
  if (major === 7) return "el7";
  if (major === 8 || major > 36) return "el8";
  return "el9";
}

/**
 * Shell for the airgap preInstall: with SELinux on and no k3s-selinux installed, install the staged
 * build of this host's family (install.sh cannot: downloads are skipped in airgap, and it then fails
 * on the missing policy with an online install hint). container-selinux and selinux-policy-base (its
 * dependencies, reference §13) come from the host's own (mirrored) repositories: a failed install
 * says so. Fails naming the rebuild when the bundle lacks the family's build, or has none
 * (`version` absent). As install.sh does on SUSE: SLE Micro is told by ID or VARIANT_ID, and
 * /var/lib/rpm-state is created first (the policy's %pre SELinux macro needs it). On a transactional
 * system (transactional-update present, read-only root) zypper cannot install and a package only
 * takes effect in a new snapshot after a reboot, while k3s must start under the policy: it fails
 * naming the transactional-update command and the reboot. zypper, dnf and yum wait for another
 * package manager within a bound (renderPackageLock). An rpm-ostree system (/run/ostree-booted:
 * Fedora CoreOS and IoT, RHEL for Edge; read-only /usr) fails the same way, naming `rpm-ostree
 * install` and Rancher's folder install.sh would use: `coreos` for a Fedora-like os-release with
 * OSTREE_VERSION (install.sh setup_selinux), else the el build's.
 */
export function renderSelinuxPreInstall(opts: { node: string; dir: string; version?: string; targets: SelinuxTarget[] }): string {
  const version = opts.version ?? "<k3s-selinux version-release, such as 1.6-1>";
  const file = (t: SelinuxTarget) => `${opts.dir}/selinux/${selinuxRpmName(version, t)}`;
  return `selinux_mode=$(getenforce 2>/dev/null || echo Disabled)
if [ "$selinux_mode" != Disabled ] && command -v rpm >/dev/null 2>&1 && ! rpm -q k3s-selinux >/dev/null 2>&1; then
  os_field() { sed -n "s/^$1=//p" /etc/os-release 2>/dev/null | head -n 1 | tr -d "\\"'"; }
  os_words=" $(os_field ID) $(os_field ID_LIKE) "
  os_major=$(os_field VERSION_ID); os_major=\${os_major%%.*}
  case "$(os_field ID) $(os_field VARIANT_ID)" in
    "sle-micro "*|*" sle-micro") os_words=" sle-micro " ;;
  esac
  case "$os_words" in
    " sle-micro "*) selinux_target=slemicro ;;
    *" suse "*|*" sles "*|*" opensuse"*) selinux_target=sle ;;
    *)
      # Fedora and Amazon Linux 2023 number their releases past 36 and take the el8 build.
      if [ "$os_major" = 7 ]; then selinux_target=el7
      elif [ "$os_major" = 8 ] || [ "\${os_major:-0}" -gt 36 ] 2>/dev/null; then selinux_target=el8
      else selinux_target=el9; fi ;;
  esac
  if [ -e /run/ostree-booted ]; then
    case "$selinux_target" in el7) selinux_folder=centos/7 ;; el8) selinux_folder=centos/8 ;; *) selinux_folder=centos/9 ;; esac
    if { [ "$(os_field ID)" = fedora ] || [ "$(os_field ID_LIKE)" = fedora ]; } && [ -n "$(os_field OSTREE_VERSION)" ]; then selinux_folder=coreos; fi
    echo "k3s-stacks: ${opts.node} boots an rpm-ostree image (/run/ostree-booted: read-only /usr) running SELinux ($selinux_mode) without k3s-selinux; a package installed there only takes effect in a new deployment after a reboot, so it cannot go in right before k3s starts. Fix: on ${opts.node} run 'rpm-ostree install --idempotent -y k3s-selinux' with Rancher's RPM repository (${DEFAULT_SELINUX_REPO}/k3s/stable/common/$selinux_folder/noarch) or your mirror of it configured, then 'systemctl reboot', then run pulumi up again." >&2
    exit 1
  fi
  case "$selinux_target" in
    sle|slemicro)
      if command -v transactional-update >/dev/null 2>&1; then
        echo "k3s-stacks: ${opts.node} is a transactional system (transactional-update: read-only root) running SELinux ($selinux_mode) without k3s-selinux; a package installed there only takes effect in a new snapshot after a reboot, so it cannot go in right before k3s starts. Fix: on ${opts.node} run 'transactional-update --non-interactive pkg install k3s-selinux' with Rancher's RPM repository (${DEFAULT_SELINUX_REPO}/k3s/stable/common/$([ "$selinux_target" = slemicro ] && echo slemicro || echo microos)/noarch) or your mirror of it configured, reboot it, then run pulumi up again." >&2
        exit 1
      fi ;;
  esac
  case "$selinux_target" in
${SELINUX_TARGETS.map((t) => `    ${t}) selinux_rpm=${opts.targets.includes(t) ? shq(file(t)) : '""'} ;;`).join("\n")}
    *) selinux_rpm="" ;;
  esac
  if [ -z "$selinux_rpm" ] || [ ! -f "$selinux_rpm" ]; then
    echo "k3s-stacks: ${opts.node} runs SELinux ($selinux_mode) and needs the k3s-selinux policy build '$selinux_target', which the airgap bundle does not carry. Fix: rebuild the bundle with --selinux-rpms ${[...new Set([...opts.targets, "$selinux_target"])].join(",")} --selinux-rpm-version ${version}, or install k3s-selinux on ${opts.node} by hand." >&2
    exit 1
  fi
  selinux_installed=1
  # A first boot's dnf-makecache or another zypper may hold the package database: wait, within a bound.
  node=${shq(opts.node)}
  case "$selinux_target" in sle|slemicro) family=suse ;; *) family=rhel ;; esac
${renderPackageLock()}
  case "$selinux_target" in
    sle|slemicro)
      mkdir -p /var/lib/rpm-state
      run_package_command zypper --non-interactive --quiet install "$selinux_rpm" || selinux_installed=0 ;;
    *) if command -v dnf >/dev/null 2>&1; then run_package_command dnf install -y -q "$selinux_rpm" || selinux_installed=0; else run_package_command yum install -y -q "$selinux_rpm" || selinux_installed=0; fi ;;
  esac
  if [ "$selinux_installed" != 1 ]; then
    echo "k3s-stacks: ${opts.node}: installing $(basename "$selinux_rpm") failed; it needs container-selinux and selinux-policy-base from ${opts.node}'s own package repositories, which an airgapped host must reach through a mirror. Fix: make a mirror of the distribution's repositories reachable from ${opts.node} (or install container-selinux there by hand), then run pulumi up again." >&2
    exit 1
  fi
  echo "k3s-stacks: ${opts.node}: installed $(basename "$selinux_rpm") from the airgap bundle"
fi`;
}
