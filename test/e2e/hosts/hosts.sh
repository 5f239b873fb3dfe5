#!/usr/bin/env bash
# Test hosts for the end-to-end suite: each host is a network namespace + mount/UTS namespace with a
# real sshd, on a bridge in the root namespace. Every address is in 10.213.0.0/16 and belongs to
# namespaces this script made; nothing else is ever contacted.
#
#   hosts.sh up STATE_DIR SPEC...      SPEC = name[,user=root|nopasswd|password][,via=BASTION][,memcg=0|ignored][,arch=ARCH]
#                                      [,flavor=debian|rocky|suse|arch|ubuntu-pi][,nomod=MOD+MOD][,fw=firewalld|ufw][,selinux=enforcing|permissive]
#                                      [,cgroup=v1]
#     memcg=ignored: the memory cgroup is off and the kernel ignores cgroup_enable=memory (reboots do not help).
#     cgroup: hosts boot cgroup v2 (a cgroup2 mount on /sys/fs/cgroup with a fake cgroup.controllers),
#     as the releases k3s-stacks targets do, whatever this machine runs; v1 leaves this machine's mount.
#     flavor: the host claims that OS family: os-release, sudo secure_path (rocky), kernel release, and
#     the family's tools as stand-ins (standins/hostos.py). nomod: modules its modprobe lacks (a
#     package of the family provides them). fw: that firewall is on. selinux: getenforce answers it.
#   hosts.sh down STATE_DIR            idempotent; removes namespaces, processes, links, mounts, STATE_DIR
#   hosts.sh gc                        down for every lab a killed run left in $TMPDIR/k3s-e2e-*
#   hosts.sh stop-sshd STATE_DIR NAME  kills every process of the host (the host "goes away")
#   hosts.sh stop-listener STATE_DIR NAME  stops only the listening sshd (like `systemctl stop ssh`:
#                                      open sessions finish, new logins are refused)
#   hosts.sh start-sshd STATE_DIR NAME
#   hosts.sh exec STATE_DIR NAME CMD...  run CMD as root inside the host's namespaces
#
# Writes STATE_DIR/hosts.json describing the hosts (address, user, key path, sudo password, proxy).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STANDINS="$(cd "$HERE/../standins" && pwd)"
SSH_USER_NONROOT="ops"
# How long the lab waits for a process to start listening or to exit before giving up.
LAB_WAIT_SECONDS=60
# Paths k3s and its install script touch; each host gets a private, writable copy (overlayfs) of these.
OVERLAY_DIRS=(/etc /var/lib /var/log /usr/local /root /home /boot /opt)

die() { echo "hosts.sh: $*" >&2; exit 1; }

need_root() { [[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces)"; }

# Runs a command inside host $1's namespaces. The mount namespace is entered first so later
# paths resolve in the host's private view.
in_host() {
  local state=$1 name=$2; shift 2
  local ns; ns=$(cat "$state/hosts/$name/netns")
  nsenter --net="/run/netns/$ns" --mount="$state/ns/$name.mnt" --uts="$state/ns/$name.uts" -- "$@"
}

parse_spec() {
  # Sets SPEC_NAME SPEC_USER SPEC_VIA SPEC_MEMCG SPEC_ARCH from "name,key=value,..."
  local spec=$1 part
  SPEC_NAME=${spec%%,*}; SPEC_USER=root; SPEC_VIA=""; SPEC_MEMCG=1; SPEC_ARCH=
  SPEC_FLAVOR=debian; SPEC_NOMOD=""; SPEC_FW=""; SPEC_SELINUX=""; SPEC_CGROUP=v2
  [[ $SPEC_NAME =~ ^[a-z][a-z0-9-]{0,20}$ ]] || die "bad host name '$SPEC_NAME' (lowercase letters, digits, dashes)"
  IFS=',' read -r -a parts <<<"$spec"
  for part in "${parts[@]:1}"; do
    case $part in
      user=root|user=nopasswd|user=password) SPEC_USER=${part#user=} ;;
      via=*) SPEC_VIA=${part#via=} ;;
      memcg=0|memcg=1|memcg=ignored) SPEC_MEMCG=${part#memcg=} ;;
      flavor=debian|flavor=rocky|flavor=suse|flavor=arch|flavor=ubuntu-pi) SPEC_FLAVOR=${part#flavor=} ;;
      nomod=*) SPEC_NOMOD=${part#nomod=} ;;
      fw=firewalld|fw=ufw) SPEC_FW=${part#fw=} ;;
      selinux=enforcing|selinux=permissive) SPEC_SELINUX=${part#selinux=} ;;
      arch=armv7l|arch=aarch64|arch=x86_64) SPEC_ARCH=${part#arch=} ;;
      cgroup=v1|cgroup=v2) SPEC_CGROUP=${part#cgroup=} ;;
      *) die "unknown host option '$part' in '$spec'" ;;
    esac
  done
}

setup_mounts() {
  local state=$1 name=$2 d key
  local hdir="$state/hosts/$name"
  for d in "${OVERLAY_DIRS[@]}"; do
    key=${d//\//_}
    mkdir -p "$hdir/upper/$key" "$hdir/work/$key"
  done
  mkdir -p "$state/shared" "$hdir/rancher"
  # Mount order matters: everything that refers to STATE_DIR happens before /tmp is replaced.
  # shellcheck disable=SC2016 # the script is expanded inside the host
  in_host "$state" "$name" bash -euc '
    hdir=$1; shared=$2; name=$3; cgroup=$4; shift 4
    hostname "$name"
    for d in "$@"; do
      key=${d//\//_}
      # Never create directories here: this would write to the real disk.
      [[ -d $d ]] || continue
      mount -t overlay overlay -o "lowerdir=$d,upperdir=$hdir/upper/$key,workdir=$hdir/work/$key" "$d"
    done
    mkdir -p /var/lib/k3s-standin/shared
    mount --bind "$shared" /var/lib/k3s-standin/shared
    # /var/lib/rancher on a plain filesystem, as on a real host: containerd overlayfs snapshotter
    # (and the config step probing it) cannot stack an overlay on the /var/lib overlay above.
    mkdir -p /var/lib/rancher
    mount --bind "$hdir/rancher" /var/lib/rancher
    mount --bind "$hdir/cmdline" /proc/cmdline
    mount --bind "$hdir/cgroups" /proc/cgroups
    if [[ $cgroup == v2 ]]; then
      mount -t cgroup2 cgroup2 /sys/fs/cgroup
      mount --bind "$hdir/cgroup.controllers" /sys/fs/cgroup/cgroup.controllers
    fi
    if [[ -e /proc/config.gz ]]; then mount --bind "$hdir/config.gz" /proc/config.gz; fi
    mount -t tmpfs -o mode=0755 tmpfs /run
    mount -t tmpfs -o mode=1777 tmpfs /tmp
    mkdir -p /run/sshd /boot/firmware
  ' _ "$hdir" "$state/shared" "$name" "$SPEC_CGROUP" "${OVERLAY_DIRS[@]}"
}

setup_users_and_sshd() {
  local state=$1 name=$2 user_mode=$3 addr=$4 arch=${5:-}
  local hdir="$state/hosts/$name"
  local password=""
  if [[ $user_mode == password ]]; then
    password="pw-$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    printf '%s' "$password" >"$hdir/sudo-password"
    chmod 600 "$hdir/sudo-password"
  fi
  local pubkey; pubkey=$(cat "$state/id_ed25519.pub")
  # shellcheck disable=SC2016 # the script is expanded inside the host
  in_host "$state" "$name" bash -euc '
    name=$1 mode=$2 addr=$3 pubkey=$4 password=$5 nonroot=$6
    printf "127.0.0.1 localhost\n%s %s\n" "$addr" "$name" >/etc/hosts
    # A machine ID of its own, as systemd-machine-id-setup gives a freshly installed machine: /etc is an
    # overlay of the lab machine /etc, whose ID every host would otherwise share like clones of one disk.
    head -c 16 /dev/urandom | od -An -tx1 | tr -d " \n" >/etc/machine-id
    # A plain root shell, as on a fresh machine: the .bashrc of the lab machine may run tools (pyenv
    # rehash takes a lock for up to 60 s) in every SSH session of every host.
    if [[ -f /etc/skel/.bashrc ]]; then cp /etc/skel/.bashrc /root/.bashrc; else : >/root/.bashrc; fi
    ssh-keygen -q -t ed25519 -N "" -f /etc/ssh/e2e_host_ed25519_key
    install -d -m 700 /root/.ssh
    printf "%s\n" "$pubkey" >/root/.ssh/authorized_keys
    if [[ $mode != root ]]; then
      useradd -m -s /bin/bash "$nonroot"
      install -d -m 700 -o "$nonroot" -g "$nonroot" "/home/$nonroot/.ssh"
      printf "%s\n" "$pubkey" >"/home/$nonroot/.ssh/authorized_keys"
      chown "$nonroot:$nonroot" "/home/$nonroot/.ssh/authorized_keys"
      if [[ $mode == password ]]; then
        echo "$nonroot:$password" | chpasswd
        echo "$nonroot ALL=(ALL:ALL) ALL" >/etc/sudoers.d/e2e-$nonroot
      else
        # "*" (no usable password) rather than the locked "!" so key login is allowed.
        usermod -p "*" "$nonroot"
        echo "$nonroot ALL=(ALL:ALL) NOPASSWD:ALL" >/etc/sudoers.d/e2e-$nonroot
      fi
      chmod 440 /etc/sudoers.d/e2e-$nonroot
    fi
    cat >/etc/ssh/sshd_config_e2e <<EOF
ListenAddress $addr:22
HostKey /etc/ssh/e2e_host_ed25519_key
PidFile /run/sshd-e2e.pid
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding yes
AcceptEnv LANG LC_*
Subsystem sftp internal-sftp
MaxStartups 100:30:200
MaxSessions 50
EOF
    # Stand-in service manager ahead of /usr/bin/systemctl on every PATH (login, non-root, sudo).
    install -m 0755 "$7/systemctl" /usr/local/bin/systemctl
    install -m 0755 "$7/reboot" /usr/local/bin/reboot
    # A Pi-like host carries the boot cmdline file the real machine would have.
    if grep -q cgroup_disable=memory /proc/cmdline; then cp /proc/cmdline /boot/firmware/cmdline.txt; fi
    # systemd is detected by its runtime directory (as sd_booted() does); tests remove it to
    # simulate a host without a service manager.
    mkdir -p /run/systemd/system /var/lib/k3s-standin
    echo "$name" >/var/lib/k3s-standin/host-name
    # Another machine type: `uname -m` answers for it (the install script picks its asset by that).
    if [[ -n $8 ]]; then
      printf "%s\n" "$8" >/var/lib/k3s-standin/machine
      install -m 0755 "$7/uname" /usr/local/bin/uname
    fi
  ' _ "$name" "$user_mode" "$addr" "$pubkey" "$password" "$SSH_USER_NONROOT" /var/lib/k3s-standin/shared/standins "$arch"
}

# A fake /proc/cgroups (cgroup v1 table) and cgroup.controllers (v2) beside it, with the memory
# controller enabled (1) or not (0).
write_cgroups() {
  printf '#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t1\t1\t1\ncpu\t2\t1\t1\nmemory\t3\t1\t%s\npids\t4\t1\t1\n' "$2" >"$1"
  if [[ $2 == 1 ]]; then echo "cpuset cpu io memory pids"; else echo "cpuset cpu io pids"; fi >"$(dirname "$1")/cgroup.controllers"
}

# The host claims an OS family (SPEC_FLAVOR...): every host gets the modprobe stand-in (modules as
# SPEC_NOMOD says); a non-Debian flavor also gets its os-release, kernel release and the family's tools.
setup_flavor() {
  local state=$1 name=$2
  # shellcheck disable=SC2016 # the script is expanded inside the host
  in_host "$state" "$name" bash -euc '
    standins=$1 flavor=$2 nomod=$3 fw=$4 selinux=$5 memcg=$6
    os=/var/lib/k3s-standin/os
    mkdir -p "$os/packages"
    tool() { for t in "$@"; do install -m 0755 "$standins/hostos.py" "/usr/local/sbin/$t"; done; }
    tool modprobe
    tr "+" "\n" <<<"$nomod" | sed "/^$/d" >"$os/modules-missing"
    if [[ $memcg == ignored ]]; then touch "$os/kernel-ignores-cgroup-args"; fi
    # /etc/os-release may be a symlink into /usr/lib: replace it in the host overlay of /etc.
    release() { rm -f /etc/os-release; install -m 0644 "$standins/os-release/$flavor" /etc/os-release; }
    kernel() { printf "%s\n" "$1" >/var/lib/k3s-standin/kernel; install -m 0755 "$standins/uname" /usr/local/bin/uname; }
    case $flavor in
      debian) ;;
      rocky)
        release
        kernel 5.14.0-427.13.1.el9_4.x86_64
        # RHEL sudoers: no /usr/local/bin on the PATH sudo gives commands.
        echo "Defaults secure_path = /sbin:/bin:/usr/sbin:/usr/bin" >/etc/sudoers.d/00-e2e-secure-path
        chmod 440 /etc/sudoers.d/00-e2e-secure-path
        tool dnf yum rpm firewall-cmd getenforce nmcli
        printf "%s\n" vxlan wireguard >"$os/packages/kernel-modules-extra-5.14.0-427.13.1.el9_4.x86_64"
        : >"$os/packages/k3s-selinux"
        mkdir -p /etc/NetworkManager/conf.d
        # nm-cloud-setup enabled, as on a cloud RHEL image.
        printf "[Unit]\nDescription=nm-cloud-setup STAND-IN unit\n[Service]\nExecStart=/bin/true\n" >/etc/systemd/system/nm-cloud-setup.service
        mkdir -p /etc/systemd/system/multi-user.target.wants
        ln -sf /etc/systemd/system/nm-cloud-setup.service /etc/systemd/system/multi-user.target.wants/nm-cloud-setup.service ;;
      suse)
        release
        kernel 6.4.0-150600.23.25-default
        tool zypper rpm firewall-cmd
        printf "%s\n" vxlan wireguard >"$os/packages/kernel-default-extra" ;;
      arch)
        release
        kernel 6.11.5-arch1-1
        tool pacman ;;
      ubuntu-pi)
        release
        kernel 6.5.0-1015-raspi
        tool apt-get ufw
        printf "%s\n" vxlan >"$os/packages/linux-modules-extra-raspi" ;;
    esac
    case $fw in
      firewalld) tool firewall-cmd; touch "$os/firewalld-on" ;;
      ufw) tool ufw; touch "$os/ufw-on" ;;
    esac
    if [[ -n $selinux ]]; then tool getenforce; echo "${selinux^}" >"$os/selinux"; fi
  ' _ /var/lib/k3s-standin/shared/standins "$SPEC_FLAVOR" "$SPEC_NOMOD" "$SPEC_FW" "$SPEC_SELINUX" "$SPEC_MEMCG"
}

start_sshd() {
  local state=$1 name=$2
  in_host "$state" "$name" /usr/sbin/sshd -f /etc/ssh/sshd_config_e2e -E /var/log/sshd-e2e.log
}

host_pids() {
  local state=$1 name=$2 ns
  ns=$(cat "$state/hosts/$name/netns" 2>/dev/null) || return 0
  ip netns pids "$ns" 2>/dev/null || true
}

# Stops the listening sshd only; sessions it already forked live on, as with `systemctl stop ssh`.
stop_listener() {
  local state=$1 name=$2 pid
  pid=$(in_host "$state" "$name" cat /run/sshd-e2e.pid 2>/dev/null) || return 0
  kill -TERM "$pid" 2>/dev/null || true
  # Deadlines, not counts of 0.1 s naps: a loaded 2-core machine can take seconds to schedule a process.
  local deadline=$((SECONDS + LAB_WAIT_SECONDS))
  while [[ $SECONDS -lt $deadline ]]; do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null || return 0
  die "sshd of $name did not exit within ${LAB_WAIT_SECONDS}s"
}

stop_host_processes() {
  local state=$1 name=$2 pids pid
  pids=$(host_pids "$state" "$name")
  [[ -z $pids ]] && return 0
  for pid in $pids; do kill -TERM "$pid" 2>/dev/null || true; done
  local i=0 deadline=$((SECONDS + LAB_WAIT_SECONDS))
  while [[ $SECONDS -lt $deadline ]]; do
    [[ -z $(host_pids "$state" "$name") ]] && return 0
    sleep 0.1
    i=$((i + 1))
    [[ $i -eq 25 ]] && for pid in $(host_pids "$state" "$name"); do kill -KILL "$pid" 2>/dev/null || true; done
  done
  [[ -z $(host_pids "$state" "$name") ]] && return 0
  die "processes of host $name did not exit within ${LAB_WAIT_SECONDS}s"
}

wait_port() {
  local state=$1 name=$2 addr=$3 deadline=$((SECONDS + LAB_WAIT_SECONDS))
  while :; do
    if in_host "$state" "$name" bash -c "exec 3<>/dev/tcp/$addr/22" 2>/dev/null; then return 0; fi
    [[ $SECONDS -lt $deadline ]] || die "sshd of $name did not listen on $addr:22 within ${LAB_WAIT_SECONDS}s"
    sleep 0.1
  done
}

cmd_up() {
  local state=$1; shift
  [[ $# -ge 1 ]] || die "up needs at least one host spec"
  need_root
  [[ -e $state/hosts.json ]] && die "$state already has hosts; run down first"
  mkdir -p "$state/hosts" "$state/ns" "$state/shared/log" "$state/shared/cluster" "$state/shared/control" "$state/www"
  state=$(cd "$state" && pwd)
  # Non-root SSH users run the stand-ins too; their calls must reach the log.
  chmod 1777 "$state/shared/log"
  touch "$state/shared/log/invocations.jsonl"
  chmod 0666 "$state/shared/log/invocations.jsonl"
  # A host's /tmp is its own tmpfs, so a checkout under /tmp is invisible there: hand the stand-ins
  # over through the shared mount instead.
  cp -r "$STANDINS" "$state/shared/standins"
  # The namespace files must sit on a private mount, or the kernel refuses to bind them.
  mount --bind "$state/ns" "$state/ns"
  mount --make-private "$state/ns"
  echo "mounted" >"$state/ns.mounted"

  # Subnet 10.213.N.0/24 (N even) for the bridge, N+1 for hosts behind bastions; a lab that is
  # still up (another test run, or one a crash left behind) keeps its subnets, so pick a free pair.
  local id net tries=0
  while :; do
    id=$(head -c 2 /dev/urandom | od -An -tx1 | tr -d ' \n')
    net=$(( (16#$id % 100) * 2 + 2 ))
    if ! ip route show | grep -Eq "^(unreachable )?10\.213\.($net|$((net + 1)))\.0/24"; then break; fi
    tries=$((tries + 1))
    [ "$tries" -lt 50 ] || { echo "hosts.sh: no free 10.213.N.0/24 subnet; run 'hosts.sh gc'" >&2; exit 1; }
  done
  echo "$id" >"$state/id"
  echo "$net" >"$state/net"
  local bridge="k3e${id}br"
  ip link add "$bridge" type bridge
  echo "$bridge" >"$state/bridge"
  ip addr add "10.213.$net.1/24" dev "$bridge"
  ip link set "$bridge" up
  # Hosts behind bastions live in 10.213.N+1.0/24. The root namespace must never send packets for
  # that range anywhere (its default route leads off this machine): refuse them locally.
  ip route add unreachable "10.213.$((net + 1)).0/24"
  echo "10.213.$((net + 1)).0/24" >"$state/unreachable-route"

  ssh-keygen -q -t ed25519 -N "" -C "k3s-stacks-e2e" -f "$state/id_ed25519"

  local idx=1 hidden_idx=1 spec json="" entries=()
  for spec in "$@"; do
    parse_spec "$spec"
    local name=$SPEC_NAME hdir="$state/hosts/$SPEC_NAME"
    [[ -e $hdir ]] && die "duplicate host name $name"
    mkdir -p "$hdir"
    local ns="k3e${id}-$name"
    echo "$ns" >"$hdir/netns"
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    local addr proxy="null"
    if [[ -z $SPEC_VIA ]]; then
      idx=$((idx + 1))
      addr="10.213.$net.$idx"
      ip link add "k3e${id}h$idx" type veth peer name eth0 netns "$ns"
      ip link set "k3e${id}h$idx" master "$bridge" up
      ip -n "$ns" addr add "$addr/24" dev eth0
      ip -n "$ns" link set eth0 up
      # No default route: a host can reach the lab's range and nothing beyond this machine.
      ip -n "$ns" route add 10.213.0.0/16 via "10.213.$net.1"
    else
      [[ -f $state/hosts/$SPEC_VIA/netns ]] || die "bastion '$SPEC_VIA' of $name must be listed before it"
      local bns; bns=$(cat "$state/hosts/$SPEC_VIA/netns")
      hidden_idx=$((hidden_idx + 1))
      addr="10.213.$((net + 1)).$hidden_idx"
      # Point-to-point link bastion <-> hidden host; the root namespace has no route to it.
      ip link add "k3e${id}b$hidden_idx" netns "$bns" type veth peer name eth0 netns "$ns"
      ip -n "$bns" addr add "10.213.$((net + 1)).1/24" dev "k3e${id}b$hidden_idx" 2>/dev/null || true
      ip -n "$bns" link set "k3e${id}b$hidden_idx" up
      ip -n "$ns" addr add "$addr/24" dev eth0
      ip -n "$ns" link set eth0 up
      ip -n "$ns" route add 10.213.0.0/16 via "10.213.$((net + 1)).1"
      # The hidden host may reach out (downloads from the test's artifact server) via NAT on the
      # bastion; nothing may reach in except through the bastion's sshd.
      ip netns exec "$bns" sysctl -qw net.ipv4.ip_forward=1
      ip netns exec "$bns" iptables -P FORWARD DROP
      ip netns exec "$bns" iptables -A FORWARD -i "k3e${id}b$hidden_idx" -o eth0 -j ACCEPT
      ip netns exec "$bns" iptables -A FORWARD -i eth0 -o "k3e${id}b$hidden_idx" -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
      ip netns exec "$bns" iptables -t nat -A POSTROUTING -s "10.213.$((net + 1)).0/24" -o eth0 -j MASQUERADE
      proxy="\"$SPEC_VIA\""
    fi
    echo "$addr" >"$hdir/address"
    write_cgroups "$hdir/cgroups" "$([[ $SPEC_MEMCG == 1 ]] && echo 1 || echo 0)"
    # No kernel config: which modules a host has is the modprobe stand-in's to say (SPEC_NOMOD), not
    # this machine's own kernel, which builds them in.
    gzip -c </dev/null >"$hdir/config.gz"
    if [[ $SPEC_MEMCG == 1 ]]; then
      echo "console=ttyS0 root=/dev/vda rw cgroup_enable=memory cgroup_memory=1" >"$hdir/cmdline"
    else
      # Like a Raspberry Pi OS image before the cgroup fix: memory controller disabled.
      echo "console=serial0,115200 root=PARTUUID=0 rootwait cgroup_disable=memory" >"$hdir/cmdline"
    fi
    touch "$state/ns/$name.mnt" "$state/ns/$name.uts"
    unshare --mount="$state/ns/$name.mnt" --uts="$state/ns/$name.uts" --propagation private true
    setup_mounts "$state" "$name"
    setup_users_and_sshd "$state" "$name" "$SPEC_USER" "$addr" "$SPEC_ARCH"
    setup_flavor "$state" "$name"
    start_sshd "$state" "$name"
    wait_port "$state" "$name" "$addr"
    local user=root sudo_pw="null"
    [[ $SPEC_USER != root ]] && user=$SSH_USER_NONROOT
    [[ $SPEC_USER == password ]] && sudo_pw="\"$(cat "$hdir/sudo-password")\""
    entries+=("{\"arch\":\"${SPEC_ARCH:-x86_64}\",\"name\":\"$name\",\"address\":\"$addr\",\"port\":22,\"user\":\"$user\",\"sudo\":\"$SPEC_USER\",\"sudoPassword\":$sudo_pw,\"proxy\":$proxy,\"netns\":\"$ns\",\"memoryCgroup\":$([[ $SPEC_MEMCG == 1 ]] && echo true || echo false),\"flavor\":\"$SPEC_FLAVOR\"}")
  done

  # Artifact/install-script server on the bridge address only.
  local port=$((18000 + 16#$id % 1000))
  python3 -m http.server "$port" --bind "10.213.$net.1" --directory "$state/www" >"$state/http.log" 2>&1 &
  echo $! >"$state/http.pid"
  local deadline=$((SECONDS + LAB_WAIT_SECONDS))
  until (exec 3<>"/dev/tcp/10.213.$net.1/$port") 2>/dev/null; do
    [[ $SECONDS -lt $deadline ]] || die "artifact server did not start within ${LAB_WAIT_SECONDS}s (see $state/http.log)"
    sleep 0.1
  done

  json=$(IFS=,; echo "${entries[*]}")
  cat >"$state/hosts.json" <<EOF
{"id":"$id","stateDir":"$state","bridgeAddress":"10.213.$net.1","artifactBaseUrl":"http://10.213.$net.1:$port","privateKeyPath":"$state/id_ed25519","sharedDir":"$state/shared","invocationLog":"$state/shared/log/invocations.jsonl","hosts":[$json]}
EOF
  cat "$state/hosts.json"
}

cmd_down() {
  local state=$1 name
  [[ -d $state ]] || return 0
  need_root
  if [[ -f $state/http.pid ]]; then
    kill "$(cat "$state/http.pid")" 2>/dev/null || true
    rm -f "$state/http.pid"
  fi
  if [[ -d $state/hosts ]]; then
    local hd
    for hd in "$state"/hosts/*/; do
      [[ -d $hd ]] || continue
      name=$(basename "$hd")
      stop_host_processes "$state" "$name" || true
    done
    for hd in "$state"/hosts/*/; do
      if [[ -f $hd/netns ]]; then ip netns del "$(cat "$hd/netns")" 2>/dev/null || true; fi
    done
  fi
  if [[ -d $state/ns ]]; then
    local f
    for f in "$state"/ns/*.mnt "$state"/ns/*.uts; do
      if [[ -e $f ]]; then umount "$f" 2>/dev/null || true; fi
    done
    if [[ -f $state/ns.mounted ]]; then umount "$state/ns" 2>/dev/null || true; fi
  fi
  if [[ -f $state/bridge ]]; then ip link del "$(cat "$state/bridge")" 2>/dev/null || true; fi
  if [[ -f $state/unreachable-route ]]; then
    ip route del unreachable "$(cat "$state/unreachable-route")" 2>/dev/null || true
  fi
  # Refuse to remove anything that is still a mount point (a failed umount above).
  if findmnt -rn -o TARGET | grep -qF "$state/"; then
    die "mounts under $state remain; not removing it"
  fi
  rm -rf --one-file-system "$state"
}

main() {
  local cmd=${1:-}; shift || true
  case $cmd in
    up) [[ $# -ge 2 ]] || die "usage: up STATE_DIR SPEC..."; cmd_up "$@" ;;
    down) [[ $# -eq 1 ]] || die "usage: down STATE_DIR"; cmd_down "$1" ;;
    stop-sshd) [[ $# -eq 2 ]] || die "usage: stop-sshd STATE_DIR NAME"; stop_host_processes "$1" "$2" ;;
    stop-listener) [[ $# -eq 2 ]] || die "usage: stop-listener STATE_DIR NAME"; stop_listener "$1" "$2" ;;
    start-sshd)
      [[ $# -eq 2 ]] || die "usage: start-sshd STATE_DIR NAME"
      start_sshd "$1" "$2"; wait_port "$1" "$2" "$(cat "$1/hosts/$2/address")" ;;
    exec) [[ $# -ge 3 ]] || die "usage: exec STATE_DIR NAME CMD..."; local s=$1 n=$2; shift 2; in_host "$s" "$n" "$@" ;;
    gc)
      # Labs left by a killed test run (startLab makes its state dirs as $TMPDIR/k3s-e2e-*).
      local d
      for d in "${TMPDIR:-/tmp}"/k3s-e2e-*/; do
        [[ -d $d ]] && cmd_down "${d%/}"
      done ;;
    *) die "usage: hosts.sh up|down|gc|stop-sshd|stop-listener|start-sshd|exec ..." ;;
  esac
}

main "$@"
