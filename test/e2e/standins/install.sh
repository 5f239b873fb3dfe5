#!/bin/sh
# K3S INSTALL-SCRIPT STAND-IN for end-to-end tests; not get.k3s.io. It follows the contract of the
# real script as written down in shared/reference/k3s-reference.md §1 (env variables, downloads
# checked against sha256sum-<arch>.txt, env file 0600, unit file, killall/uninstall scripts,
# restart only when binary/unit/env file changed) but never contacts anything except the
# INSTALL_K3S_ARTIFACT_URL the test serves.
set -e

info() { echo "[INFO]  [install-script STAND-IN] $*"; }
warn() { echo "[WARN]  [install-script STAND-IN] $*" >&2; }
fatal() { echo "[ERROR] [install-script STAND-IN] $*" >&2; exit 1; }

SHARED=/var/lib/k3s-standin/shared

# Invocation record: argv and the *names* of K3S_/INSTALL_K3S_ variables (never their values,
# which hold tokens).
record() {
    python3 -c '
import json, os, socket, sys, time, fcntl
t = time.time()
e = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % (int(t * 1000) % 1000),
     "tool": "install.sh", "argv": sys.argv[1:], "host": socket.gethostname(), "uid": os.getuid(),
     "pid": os.getppid(), "standin": True,
     "envNames": sorted(k for k in os.environ if k.startswith(("K3S_", "INSTALL_K3S_"))),
     "installEnv": {k: v for k, v in os.environ.items() if k.startswith("INSTALL_K3S_")}}
os.makedirs("'"$SHARED"'/log", exist_ok=True)
with open("'"$SHARED"'/log/invocations.jsonl", "a") as f:
    fcntl.flock(f, fcntl.LOCK_EX)
    f.write(json.dumps(e) + "\n")
' "$@" 2>/dev/null || true
}

# Privileged commands go through sudo when not root, as in the real script.
setup_sudo() {
    SUDO=sudo
    if [ "$(id -u)" -eq 0 ]; then
        SUDO=
    fi
}

control_file() {
    if [ -e "$SHARED/control/$(hostname).$1" ]; then
        echo "$SHARED/control/$(hostname).$1"
    elif [ -e "$SHARED/control/$1" ]; then
        echo "$SHARED/control/$1"
    fi
}

setup_env() {
    CMD_K3S=
    CMD_K3S_EXEC=
    # Command = first word of INSTALL_K3S_EXEC + script args, unless that is a flag (or empty).
    # shellcheck disable=SC2086 # INSTALL_K3S_EXEC is a word list by contract
    set -- ${INSTALL_K3S_EXEC:-} "$@"
    case "${1:-}" in
        server|agent)
            CMD_K3S=$1
            shift
            ;;
        ""|-*)
            if [ -n "${K3S_URL:-}" ]; then CMD_K3S=agent; else CMD_K3S=server; fi
            ;;
        *)
            CMD_K3S=$1
            shift
            ;;
    esac
    for arg in "$@"; do
        quoted=$(printf '%s' "$arg" | sed "s/'/'\\\\''/g")
        CMD_K3S_EXEC="$CMD_K3S_EXEC '$quoted'"
    done

    if [ -n "${K3S_URL:-}" ] && [ "$CMD_K3S" = agent ]; then
        case "$K3S_URL" in
            https://*) ;;
            *) fatal "Only https:// URLs are supported for K3S_URL (have $K3S_URL)" ;;
        esac
        if [ -z "${K3S_TOKEN:-}" ] && [ -z "${K3S_TOKEN_FILE:-}" ]; then
            fatal "Defaulted k3s exec command to '$CMD_K3S' but missing K3S_TOKEN or K3S_TOKEN_FILE"
        fi
    fi

    if [ -n "${INSTALL_K3S_NAME:-}" ]; then
        SYSTEM_NAME=k3s-$INSTALL_K3S_NAME
    elif [ "$CMD_K3S" = server ]; then
        SYSTEM_NAME=k3s
    else
        SYSTEM_NAME=k3s-$CMD_K3S
    fi
    case "$SYSTEM_NAME" in
        *[!A-Za-z0-9_.-]*) fatal "Invalid service name $SYSTEM_NAME" ;;
    esac

    BIN_DIR=${INSTALL_K3S_BIN_DIR:-/usr/local/bin}
    SYSTEMD_DIR=${INSTALL_K3S_SYSTEMD_DIR:-/etc/systemd/system}
    SERVICE_K3S=$SYSTEM_NAME.service
    UNINSTALL_K3S_SH=${UNINSTALL_K3S_SH:-$BIN_DIR/$SYSTEM_NAME-uninstall.sh}
    KILLALL_K3S_SH=${KILLALL_K3S_SH:-$BIN_DIR/k3s-killall.sh}
    FILE_K3S_SERVICE=$SYSTEMD_DIR/$SERVICE_K3S
    FILE_K3S_ENV=$SYSTEMD_DIR/$SERVICE_K3S.env
}

verify_system() {
    # systemd is recognised by its runtime directory; the test host's service manager is a stand-in.
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
        return 0
    fi
    fatal "Can not find systemd or openrc to use as a process supervisor for k3s"
}

setup_verify_arch() {
    if [ -z "${ARCH:-}" ]; then
        ARCH=$(uname -m)
    fi
    case $ARCH in
        amd64|x86_64) ARCH=amd64; SUFFIX= ;;
        arm64|aarch64) ARCH=arm64; SUFFIX=-arm64 ;;
        arm*) ARCH=arm; SUFFIX=-armhf ;;
        s390x) ARCH=s390x; SUFFIX=-s390x ;;
        *) fatal "Unsupported architecture $ARCH" ;;
    esac
}

can_skip_download_binary() {
    case "${INSTALL_K3S_SKIP_DOWNLOAD:-}" in
        true|binary) return 0 ;;
    esac
    return 1
}

download() {
    curl -sfL -o "$1" "$2" || fatal "Download failed: $2"
}

download_and_verify() {
    if can_skip_download_binary; then
        info "Skipping k3s download and verify"
        [ -x "$BIN_DIR/k3s" ] || fatal "Executable k3s binary not found at $BIN_DIR/k3s"
        return 0
    fi
    [ -n "${INSTALL_K3S_VERSION:-}" ] || fatal "INSTALL_K3S_VERSION is required: this stand-in never resolves a channel over the internet"
    [ -n "${INSTALL_K3S_ARTIFACT_URL:-}" ] || fatal "INSTALL_K3S_ARTIFACT_URL is required: this stand-in never downloads from github.com"
    setup_verify_arch
    VERSION_URL=$(printf '%s' "$INSTALL_K3S_VERSION" | sed 's/+/%2B/g')
    TMP_DIR=$(mktemp -d -t k3s-install.XXXXXXXXXX)
    trap 'rm -rf "$TMP_DIR"' EXIT
    info "Downloading hash $INSTALL_K3S_ARTIFACT_URL/$VERSION_URL/sha256sum-$ARCH.txt"
    download "$TMP_DIR/k3s.hash" "$INSTALL_K3S_ARTIFACT_URL/$VERSION_URL/sha256sum-$ARCH.txt"
    HASH_EXPECTED=$(grep " k3s$SUFFIX$" "$TMP_DIR/k3s.hash" | awk '{print $1}')
    [ -n "$HASH_EXPECTED" ] || fatal "No hash for k3s$SUFFIX in sha256sum-$ARCH.txt"
    if [ -x "$BIN_DIR/k3s" ] && [ "$(sha256sum "$BIN_DIR/k3s" | awk '{print $1}')" = "$HASH_EXPECTED" ]; then
        info "Skipping binary downloaded, installed k3s matches hash"
        return 0
    fi
    info "Downloading binary $INSTALL_K3S_ARTIFACT_URL/$VERSION_URL/k3s$SUFFIX"
    download "$TMP_DIR/k3s.bin" "$INSTALL_K3S_ARTIFACT_URL/$VERSION_URL/k3s$SUFFIX"
    HASH_BIN=$(sha256sum "$TMP_DIR/k3s.bin" | awk '{print $1}')
    if [ "$HASH_BIN" != "$HASH_EXPECTED" ]; then
        fatal "Download sha256 does not match $HASH_EXPECTED, got $HASH_BIN"
    fi
    info "Installing k3s to $BIN_DIR/k3s"
    chmod 755 "$TMP_DIR/k3s.bin"
    $SUDO mkdir -p "$BIN_DIR"
    $SUDO mv -f "$TMP_DIR/k3s.bin" "$BIN_DIR/k3s"
}

create_symlinks() {
    [ "${INSTALL_K3S_SYMLINK:-}" = skip ] && return 0
    for cmd in kubectl crictl ctr; do
        if [ ! -e "$BIN_DIR/$cmd" ] || [ "${INSTALL_K3S_SYMLINK:-}" = force ]; then
            if ! command -v "$cmd" >/dev/null 2>&1 || [ "${INSTALL_K3S_SYMLINK:-}" = force ]; then
                info "Creating $BIN_DIR/$cmd symlink to k3s"
                $SUDO ln -sf k3s "$BIN_DIR/$cmd"
            fi
        fi
    done
}

create_killall() {
    info "Creating killall script $KILLALL_K3S_SH"
    $SUDO tee "$KILLALL_K3S_SH" >/dev/null <<'EOF'
#!/bin/sh
# k3s-killall.sh STAND-IN: stops every k3s unit through the service manager (no real processes exist).
[ "$(id -u)" -eq 0 ] || exec sudo "$0" "$@"
for unit in /etc/systemd/system/k3s*.service; do
    [ -e "$unit" ] || continue
    systemctl stop "$(basename "$unit")" || true
done
rm -rf /run/k3s /run/flannel
echo "[k3s-killall.sh STAND-IN] stopped k3s units"
EOF
    $SUDO chmod 755 "$KILLALL_K3S_SH"
}

create_uninstall() {
    info "Creating uninstall script $UNINSTALL_K3S_SH"
    $SUDO tee "$UNINSTALL_K3S_SH" >/dev/null <<EOF
#!/bin/sh
# $SYSTEM_NAME-uninstall.sh STAND-IN (generated by the install-script stand-in).
set -x
[ "\$(id -u)" -eq 0 ] || exec sudo "\$0" "\$@"
if [ -x "$KILLALL_K3S_SH" ]; then "$KILLALL_K3S_SH"; fi
systemctl stop $SYSTEM_NAME || true
systemctl disable $SYSTEM_NAME || true
systemctl reset-failed $SYSTEM_NAME || true
systemctl daemon-reload
rm -f "$FILE_K3S_SERVICE" "$FILE_K3S_ENV"
remove_uninstall() { rm -f "$UNINSTALL_K3S_SH"; }
trap remove_uninstall EXIT
# Another k3s service still installed: leave the shared files alone, like the real script.
if (ls "$SYSTEMD_DIR"/k3s*.service || ls /etc/init.d/k3s*) >/dev/null 2>&1; then
    set +x; echo "Additional k3s services installed, skipping uninstall of k3s"; set -x
    exit
fi
for cmd in kubectl crictl ctr; do
    if [ -L "$BIN_DIR/\$cmd" ]; then rm -f "$BIN_DIR/\$cmd"; fi
done
rm -rf /etc/rancher/k3s /run/k3s /run/flannel "\${K3S_DATA_DIR:-/var/lib/rancher/k3s}" /var/lib/kubelet
rm -f "$BIN_DIR/k3s" "$KILLALL_K3S_SH"
EOF
    $SUDO chmod 755 "$UNINSTALL_K3S_SH"
}

create_env_file() {
    info "env: Creating environment file $FILE_K3S_ENV"
    $SUDO mkdir -p "$SYSTEMD_DIR"
    $SUDO touch "$FILE_K3S_ENV"
    $SUDO chmod 0600 "$FILE_K3S_ENV"
    env | grep -E '^(K3S_|CONTAINERD_|KINE_)' | grep -Ev '^K3S_STANDIN_' \
        | sed -e "s/'/'\\\\''/g; s/=\(.*\)/='\1'/" | $SUDO tee "$FILE_K3S_ENV" >/dev/null || true
    env | grep -Ei '^(NO|HTTP|HTTPS)_PROXY' | sed -e "s/'/'\\\\''/g; s/=\(.*\)/='\1'/" \
        | $SUDO tee -a "$FILE_K3S_ENV" >/dev/null || true
}

create_unit() {
    info "systemd: Creating service file $FILE_K3S_SERVICE"
    $SUDO tee "$FILE_K3S_SERVICE" >/dev/null <<EOF
# Written by the k3s install-script STAND-IN.
[Unit]
Description=Lightweight Kubernetes (stand-in)
Documentation=https://k3s.io
Wants=network-online.target
After=network-online.target

[Install]
WantedBy=multi-user.target

[Service]
Type=${INSTALL_K3S_TYPE:-notify}
EnvironmentFile=-/etc/default/%N
EnvironmentFile=-/etc/sysconfig/%N
EnvironmentFile=-$FILE_K3S_ENV
KillMode=process
Delegate=yes
User=root
LimitNOFILE=1048576
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity
TimeoutStartSec=0
Restart=always
RestartSec=5s
ExecStartPre=-/sbin/modprobe br_netfilter
ExecStartPre=-/sbin/modprobe overlay
ExecStart=$BIN_DIR/k3s \\
    $CMD_K3S$CMD_K3S_EXEC
EOF
}

get_installed_hashes() {
    $SUDO sha256sum "$BIN_DIR/k3s" "$FILE_K3S_SERVICE" "$FILE_K3S_ENV" 2>&1 || true
}

check_memory_cgroup() {
    case " $(cat /proc/cmdline) " in
        *" cgroup_enable=memory "*) ;;
        *" cgroup_disable=memory "*)
            info "Failed to find memory cgroup, you may need to add \"cgroup_memory=1 cgroup_enable=memory\" to your linux cmdline (/boot/firmware/cmdline.txt on a Raspberry Pi)"
            ;;
    esac
}

# SELinux (reference §13): on an RPM system with SELinux on, the real script installs k3s-selinux from
# Rancher's RPM repository unless INSTALL_K3S_SKIP_SELINUX_RPM=true or downloads are skipped, and a
# missing policy is fatal unless INSTALL_K3S_SELINUX_WARN=true. STAND-IN: SELinux is "on" when getenforce
# (a lab stand-in) says so; the "repository" is the host's package-manager stand-in, nothing is fetched.
setup_selinux() {
    command -v getenforce >/dev/null 2>&1 || return 0
    command -v rpm >/dev/null 2>&1 || return 0
    [ "$(getenforce 2>/dev/null)" != Disabled ] || return 0
    if command -v zypper >/dev/null 2>&1; then installer="zypper --non-interactive install"; else installer="dnf install -y"; fi
    if [ "${INSTALL_K3S_SKIP_SELINUX_RPM:-}" != true ] && ! can_skip_download_binary && ! rpm -q k3s-selinux >/dev/null 2>&1; then
        info "Installing k3s-selinux (package-manager STAND-IN; no RPM repository is contacted)"
        # shellcheck disable=SC2086 # the installer command is two or three words on purpose
        $SUDO $installer k3s-selinux >/dev/null
    fi
    if ! rpm -q k3s-selinux >/dev/null 2>&1; then
        if [ "${INSTALL_K3S_SELINUX_WARN:-}" = true ]; then
            warn "Failed to find the k3s-selinux policy, please install: $installer container-selinux k3s-selinux"
        else
            fatal "Failed to find the k3s-selinux policy, please install: $installer container-selinux k3s-selinux"
        fi
    fi
}

service_enable_and_start() {
    check_memory_cgroup
    if [ "${INSTALL_K3S_SKIP_ENABLE:-}" = true ]; then
        return 0
    fi
    info "systemd: Enabling $SYSTEM_NAME unit"
    $SUDO systemctl enable "$SYSTEM_NAME" >/dev/null
    $SUDO systemctl daemon-reload >/dev/null
    if [ "${INSTALL_K3S_SKIP_START:-}" = true ]; then
        return 0
    fi
    POST_INSTALL_HASHES=$(get_installed_hashes)
    if [ "$PRE_INSTALL_HASHES" = "$POST_INSTALL_HASHES" ] && [ "${INSTALL_K3S_FORCE_RESTART:-}" != true ]; then
        info "No change detected so skipping service start"
        return 0
    fi
    info "systemd: Starting $SYSTEM_NAME"
    $SUDO systemctl restart "$SYSTEM_NAME"
}

main() {
    record "$@"
    echo "[install-script STAND-IN] this is a test double of get.k3s.io; nothing real is installed"
    if [ -n "$(control_file install-fail)" ]; then
        fatal "injected failure (control/install-fail)"
    fi
    setup_sudo
    verify_system
    setup_env "$@"
    PRE_INSTALL_HASHES=$(get_installed_hashes)
    download_and_verify
    setup_selinux
    create_symlinks
    create_killall
    create_uninstall
    create_env_file
    create_unit
    service_enable_and_start
}

main "$@"
