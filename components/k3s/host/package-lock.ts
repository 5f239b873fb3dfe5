/**
 * Seconds a package-manager call waits, in all, for another one to let go of the package database:
 * on a fresh cloud VM apt-daily and unattended-upgrades (Debian/Ubuntu), dnf-makecache or
 * dnf-automatic (RHEL family) start right after cloud-init and hold it for minutes. Bounded so that
 * a run never hangs on a lock nobody releases.
 */
export const PACKAGE_LOCK_TIMEOUT = 600;

/**
 * Shell that makes every package-manager call wait, up to PACKAGE_LOCK_TIMEOUT seconds, for another
 * one holding the package database, instead of failing at once (apt-get, pacman) or waiting forever
 * (dnf, yum). Needs `family` and `node`. Defines:
 * - `package_lock_held`: prints "<lock file> <pid>" for the first lock another process holds, or
 *   nothing. apt and dpkg lock with fcntl(2) (apt-pkg GetLock; apt-get update takes the lists lock,
 *   downloads the archives lock), and so does rpm (.rpm.lock): read from /proc/locks, since flock(1)
 *   and fuser (psmisc, not on minimal images) cannot be relied on. dnf and yum write their pid into
 *   a lock file and take it over from a dead process (dnf/lock.py), and so does libzypp (zypp.pid).
 *   pacman holds db.lck open while it runs (libalpm _alpm_handle_lock); a db.lck nobody holds open
 *   was left by a killed pacman and is reported at once, as no waiting ends it.
 * - `run_package_command CMD ARG...`: waits for the locks, then runs the command with its own bounded
 *   wait for the race after ours: apt-get `-o DPkg::Lock::Timeout=<s>` (apt >= 1.9.11 waits for the
 *   dpkg frontend and admin locks; older apt ignores an unknown option, and update's lists lock never
 *   waits: apt-pkg acquire.cc), dnf and yum `--setopt=exit_on_lock=1` (stop instead of waiting without
 *   end; dnf.conf(5), yum.conf(5)), zypper and transactional-update ZYPP_LOCK_TIMEOUT=<s> (libzypp).
 *   When the command fails while another manager now holds a lock, it waits and runs it again, within
 *   the same deadline. On timeout it exits 1 naming the node, the lock, the holder and the fix.
 * `root` prefixes the paths read (tests only; empty on a node); `who` starts each message (shell text);
 * `waitTo` is where the waiting notice goes: stderr for a tool whose stdout its caller reads.
 */
export function renderPackageLock(root = "", who = "k3s-stacks: $node:", waitTo: "stdout" | "stderr" = "stdout"): string {
  return `package_lock_timeout=${PACKAGE_LOCK_TIMEOUT}
# The pid holding an fcntl or flock lock on $1, from /proc/locks ("1: POSIX ADVISORY WRITE <pid> <maj>:<min>:<inode> ...",
# device numbers in hex; lines with -> are waiters, not holders).
lock_holder() {
  [ -e "$1" ] || return 0
  local dev ino
  dev=$(stat -L -c %d "$1") ino=$(stat -L -c %i "$1")
  awk -v id="$(printf '%02x:%02x:%s' $(( (dev >> 8) & 0xfff )) $(( (dev & 0xff) | ((dev >> 12) & 0xfff00) )) "$ino")" \\
    '$2 != "->" { for (i = 1; i <= NF; i++) if ($i == id) { print $(i - 1); exit } }' /proc/locks 2>/dev/null || true
}
# The live process whose pid a lock file holds (dnf, yum, libzypp), not this shell.
pid_file_holder() {
  local pid
  pid=$(tr -dc 0-9 2>/dev/null < "$1" || true)
  if [ -n "$pid" ] && [ "$pid" != $$ ] && [ -d "/proc/$pid" ]; then echo "$pid"; fi
}
# A process with $1 open (pacman keeps db.lck open while it runs); empty when none.
open_by() {
  find /proc/[0-9]*/fd -maxdepth 1 -lname "$1" 2>/dev/null | head -n 1 | cut -d/ -f3 || true
}
package_lock_held() {
  local f pid
  case "$family" in
    debian) for f in ${root}/var/lib/dpkg/lock-frontend ${root}/var/lib/dpkg/lock ${root}/var/lib/apt/lists/lock ${root}/var/cache/apt/archives/lock; do
        pid=$(lock_holder "$f"); if [ -n "$pid" ]; then echo "$f $pid"; return 0; fi
      done ;;
    rhel) for f in ${root}/var/lib/dnf/rpmdb_lock.pid ${root}/var/cache/dnf/metadata_lock.pid ${root}/var/cache/dnf/download_lock.pid ${root}/var/run/yum.pid; do
        pid=$(pid_file_holder "$f"); if [ -n "$pid" ]; then echo "$f $pid"; return 0; fi
      done
      f=${root}/var/lib/rpm/.rpm.lock; pid=$(lock_holder "$f"); if [ -n "$pid" ]; then echo "$f $pid"; fi ;;
    suse) f=${root}/run/zypp.pid; pid=$(pid_file_holder "$f"); if [ -n "$pid" ]; then echo "$f $pid"; fi ;;
    arch) f=${root}/var/lib/pacman/db.lck; if [ -e "$f" ]; then pid=$(open_by "$f"); echo "$f \${pid:-none}"; fi ;;
  esac
}
# Exits 1 once the deadline ($1, in bash SECONDS) passes with a lock still held.
wait_package_lock() {
  local held said="" lock pid what hint
  while held=$(package_lock_held) && [ -n "$held" ]; do
    lock=\${held% *}; pid=\${held##* }
    if [ "$pid" = none ]; then
      echo "${who} $lock exists but no process has it open: a pacman run that was stopped left it, and pacman refuses to run while it is there. Fix: check that no pacman runs on $node ('pgrep -a pacman'), remove $lock, then run pulumi up again." >&2
      exit 1
    fi
    what=$(tr '\\0' ' ' 2>/dev/null < "/proc/$pid/cmdline" | cut -c 1-120 || true)
    what="process $pid (\${what% })"
    if [ "$SECONDS" -ge "$1" ]; then
      case "$family" in
        debian) hint="apt-daily or unattended-upgrades on a fresh host: 'systemctl status apt-daily.service apt-daily-upgrade.service'" ;;
        rhel) hint="dnf-makecache or dnf-automatic: 'systemctl status dnf-makecache.service dnf-automatic.service'" ;;
        *) hint="'ps -fp $pid'" ;;
      esac
      echo "${who} the package manager's lock $lock is still held by $what after \${package_lock_timeout}s. Fix: let it finish or stop it ($hint) on $node, then run pulumi up again." >&2
      exit 1
    fi
    if [ "$said" != "$held" ]; then
      echo "${who} waiting up to \${package_lock_timeout}s for $what to release $lock"${waitTo === "stderr" ? " >&2" : ""}
      said=$held
    fi
    sleep 2
  done
}
run_package_command() {
  local deadline=$((SECONDS + package_lock_timeout)) rc left
  while :; do
    wait_package_lock "$deadline"
    left=$((deadline - SECONDS)); if [ "$left" -lt 1 ]; then left=1; fi
    rc=0
    case "$1" in
      apt-get) DEBIAN_FRONTEND=noninteractive apt-get -o "DPkg::Lock::Timeout=$left" "\${@:2}" || rc=$? ;;
      dnf|yum) "$1" --setopt=exit_on_lock=1 "\${@:2}" || rc=$? ;;
      zypper|transactional-update) ZYPP_LOCK_TIMEOUT=$left "$@" || rc=$? ;;
      *) "$@" || rc=$? ;;
    esac
    if [ "$rc" = 0 ]; then return 0; fi
    # Another manager took a lock between the wait and the command: wait for it, within the deadline.
    if [ -z "$(package_lock_held)" ]; then return "$rc"; fi
  done
}`;
}
