#!/usr/bin/python3
# K3S STAND-IN for end-to-end tests. This is NOT k3s: no Kubernetes runs here. It follows the
# contracts in shared/reference (k3s-reference.md, k3s-flags.json): config.yaml parsing and
# validation per role, token handling, files a server writes, and node registration, so that a
# Pulumi program driving real install/uninstall/kubectl commands over SSH can be exercised.
# Cluster state lives in a directory shared by all test hosts (/var/lib/k3s-standin/shared).
# make-artifacts.sh appends BUILT_VERSION, BUILT_ARCH and the flag table to a copy of this file.
import base64
import datetime
import fcntl
import glob
import hashlib
import ipaddress
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time

import yaml

STANDIN = "[k3s STAND-IN, not a real cluster]"
SHARED = "/var/lib/k3s-standin/shared"
RUN_DIR = "/run/k3s-standin"
BOOL_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
BOOL_FALSE = {"0", "f", "F", "FALSE", "false", "False"}
DURATION_RE = re.compile(r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")

# Filled in by make-artifacts.sh.
BUILT_VERSION = globals().get("BUILT_VERSION", "v0.0.0-standin")
BUILT_ARCH = globals().get("BUILT_ARCH", "amd64")
FLAGS = json.loads(base64.b64decode(globals().get("FLAGS_B64", "e30=")))


def kubelet_may_set(key):
    """The kubelet's own rule for --node-labels (Kubernetes IsKubeletLabel), as real k3s enforces it."""
    domain, slash, _ = key.partition("/")
    if not slash:
        return True
    within = lambda d, parent: d == parent or d.endswith("." + parent)
    if not (within(domain, "kubernetes.io") or within(domain, "k8s.io")):
        return True
    well_known = {"kubernetes.io/hostname", "kubernetes.io/instance-type", "kubernetes.io/os", "kubernetes.io/arch",
                  "beta.kubernetes.io/instance-type", "beta.kubernetes.io/os", "beta.kubernetes.io/arch",
                  "failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region",
                  "topology.kubernetes.io/zone", "topology.kubernetes.io/region"}
    return key in well_known or within(domain, "kubelet.kubernetes.io") or within(domain, "node.kubernetes.io")


class Fatal(Exception):
    pass


def now_ms():
    # One clock read: seconds and milliseconds taken apart straddle a second boundary (a stop stamped
    # a second early), and the e2e scenarios order and time restarts by these stamps (scenarios/log.ts).
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % (int(t * 1000) % 1000)


def node_hostname():
    return socket.gethostname()


def machine_id():
    """What the kubelet reports as status.nodeInfo.machineID: /etc/machine-id, else D-Bus's copy."""
    for path in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            with open(path) as f:
                return f.read().strip()
        except OSError:
            continue
    return ""


def record(tool, argv, role=None, extra=None):
    os.makedirs(SHARED + "/log", exist_ok=True)
    entry = {"ts": now_ms(), "tool": tool, "argv": argv, "role": role, "host": node_hostname(),
             "uid": os.getuid(), "pid": os.getpid(), "standin": True}
    if extra:
        entry.update(extra)
    line = json.dumps(entry) + "\n"
    with open(SHARED + "/log/invocations.jsonl", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.write(line)


def log(level, msg):
    sys.stderr.write('time="%s" level=%s msg="%s %s"\n' % (now_ms(), level, STANDIN, msg))


# ---------------------------------------------------------------- test controls

def control_file(name):
    """Per-node control file wins over the cluster-wide one."""
    for path in (f"{SHARED}/control/{node_hostname()}.{name}", f"{SHARED}/control/{name}"):
        if os.path.exists(path):
            return path
    return None


def apply_controls(phase):
    # Nth-call failure counts every k3s/kubectl invocation of the test, across hosts.
    path = f"{SHARED}/control/fail-call"
    if os.path.exists(path):
        with open(f"{SHARED}/control/calls.count", "a+") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            f.seek(0)
            count = int(f.read().strip() or "0") + 1
            f.seek(0)
            f.truncate()
            f.write(str(count))
        wanted = {int(x) for x in open(path).read().split() if x.isdigit()}
        if count in wanted:
            raise Fatal(f"injected failure on call {count} (control/fail-call)")
    if phase == "start":
        delay = control_file("start-delay")
        if delay:
            # Slept in steps: clearing the control ends the delay, so a test can hold a start for as
            # long as it needs and release it, instead of racing a fixed number of seconds.
            try:
                end = time.time() + min(float(open(delay).read().strip() or "0"), 600)
            except FileNotFoundError:
                end = 0
            while os.path.exists(delay) and time.time() < end:
                time.sleep(min(0.1, max(0.0, end - time.time())))
        fail = control_file("fail-start")
        if fail:
            raise Fatal("injected start failure (control/fail-start): " + open(fail).read().strip())


# ---------------------------------------------------------------- flags and config

def flag_table(role):
    table = FLAGS.get(role)
    if not table:
        raise Fatal(f"no flag table for {role}")
    index = {}
    for name, spec in table.items():
        index[name] = name
        for alias in spec.get("aliases", []) or []:
            index[alias] = name
    return table, index


def check_value(role, name, spec, value, source):
    """Converts a config/CLI value to the flag's type or raises the error urfave/cli would."""
    typ = spec["type"]
    if isinstance(value, dict):
        raise Fatal(f"invalid value for flag -{name} in {source}: a mapping is not a {typ}")
    if typ == "stringSlice":
        items = value if isinstance(value, list) else [value]
        return [scalar_str(v) for v in items]
    if isinstance(value, list):
        # configfilearg turns a list into repeated flags; for a scalar flag the last one wins.
        log("warning", f"{source}: -{name} is not a list flag; using the last value")
        value = value[-1] if value else ""
    if typ == "bool":
        if isinstance(value, bool):
            return value
        s = scalar_str(value)
        if s in BOOL_TRUE:
            return True
        if s in BOOL_FALSE:
            return False
        raise Fatal(f'invalid boolean value "{s}" for -{name}: parse error')
    if typ == "int":
        s = scalar_str(value)
        if not re.fullmatch(r"[+-]?[0-9]+", s):
            raise Fatal(f'invalid value "{s}" for flag -{name}: parse error')
        return int(s)
    if typ == "duration":
        s = scalar_str(value)
        if s != "0" and not DURATION_RE.fullmatch(s):
            raise Fatal(f'invalid value "{s}" for flag -{name}: parse error')
        return s
    return scalar_str(value)


def scalar_str(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return "" if v is None else str(v)


def config_files(path):
    files = []
    if os.path.exists(path):
        files.append(path)
    d = path + ".d"
    if os.path.isdir(d):
        files += sorted(f for f in glob.glob(d + "/*") if f.endswith((".yaml", ".yml")))
    return files


def parse_cli(role, args, table, index):
    out = {}
    i = 0
    while i < len(args):
        a = args[i]
        if not a.startswith("-"):
            raise Fatal(f"unexpected argument {a!r}")
        key, eq, val = a.lstrip("-").partition("=")
        if key not in index:
            raise Fatal(f"flag provided but not defined: -{key}")
        name = index[key]
        spec = table[name]
        if not eq:
            if spec["type"] == "bool":
                val = "true"
            else:
                i += 1
                if i >= len(args):
                    raise Fatal(f"flag needs an argument: -{key}")
                val = args[i]
        v = check_value(role, name, spec, val, "command line")
        if spec["type"] == "stringSlice":
            out.setdefault(name, []).extend(v)
        else:
            out[name] = v
        i += 1
    return out


def load_settings(role, args):
    table, index = flag_table(role)
    cli = parse_cli(role, args, table, index)
    path = cli.get("config") or os.environ.get("K3S_CONFIG_FILE") or "/etc/rancher/k3s/config.yaml"
    merged = {}
    for f in config_files(path):
        try:
            data = yaml.safe_load(open(f)) or {}
        except yaml.YAMLError as e:
            raise Fatal(f"failed to parse {f}: {e}")
        if not isinstance(data, dict):
            raise Fatal(f"{f}: top level must be a mapping of flag names")
        for raw_key, value in data.items():
            key = str(raw_key)
            append = key.endswith("+")
            key = key.rstrip("+")
            if key not in index:
                if role == "agent":
                    # Agents get no filtering: the key reaches the CLI parser (k3s-flags.json configFile.unknownKeys).
                    raise Fatal(f"flag provided but not defined: -{key}")
                log("warning", f"Unknown flag --{key} found in config.yaml, skipping")
                continue
            name = index[key]
            spec = table[name]
            v = check_value(role, name, spec, value, f)
            if spec["type"] == "stringSlice" and append:
                merged.setdefault(name, []).extend(v)
            else:
                merged[name] = v
    # CLI: scalars override, slices append (configfilearg inserts config values before CLI args).
    for name, v in cli.items():
        if table[name]["type"] == "stringSlice":
            merged.setdefault(name, []).extend(v)
        else:
            merged[name] = v
    for name, spec in table.items():
        env = spec.get("env")
        if env and name not in merged:
            for e in ([env] if isinstance(env, str) else env):
                if os.environ.get(e):
                    merged[name] = check_value(role, name, spec, os.environ[e], "env " + e)
                    break
    return merged


# ---------------------------------------------------------------- cluster registry

def cluster_root():
    return SHARED + "/cluster"


def locked(fn):
    os.makedirs(cluster_root(), exist_ok=True)
    with open(cluster_root() + "/.lock", "a") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        return fn()


def endpoint_key(url):
    m = re.fullmatch(r"https://([^/:]+|\[[^\]]+\])(:([0-9]+))?/?", url or "")
    if not m:
        raise Fatal(f"invalid server URL {url!r}: must be https://host:port")
    return f"{m.group(1)}_{m.group(3) or '443'}"


def cluster_for_endpoint(url):
    p = f"{cluster_root()}/endpoints/{endpoint_key(url)}"
    return open(p).read().strip() if os.path.exists(p) else None


def cluster_dir(cid):
    return f"{cluster_root()}/clusters/{cid}"


def read_json(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return default


def write_json(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


def node_ips():
    ips = []
    for line in os.popen("ip -4 -o addr show scope global 2>/dev/null").read().splitlines():
        parts = line.split()
        if "inet" in parts:
            ips.append(parts[parts.index("inet") + 1].split("/")[0])
    return ips


def ip_version(value, flag):
    try:
        return ipaddress.ip_address(value).version
    except ValueError:
        raise Fatal(f"invalid {flag}: invalid ip format '{value}'")


def cidr_versions(values, default):
    parts = [p for item in (values or [default]) for p in item.split(",") if p]
    return [ipaddress.ip_network(p, strict=False).version for p in parts]


def check_node_ips(ips, cluster_cidrs):
    """node-ip against cluster-cidr as k3s (pkg/agent/run.go) and the kubelet (cmd/kubelet/app/server.go) check them."""
    versions = [ip_version(ip, "node-ip") for ip in ips]
    dual_node = len(set(versions)) == 2
    if len(versions) > 2 or (len(versions) == 2 and not dual_node):
        raise Fatal(f'bad --node-ip "{",".join(ips)}"; must contain either a single IP or a dual-stack pair of IPs')
    cluster = cidr_versions(cluster_cidrs, "10.42.0.0/16")
    dual_cluster = len(set(cluster)) == 2
    # k3s reorders a pair so that the first matches cluster-cidr's first family (pkg/agent/config/config.go).
    first = cluster[0] if dual_node else versions[0]
    if (dual_cluster and not dual_node) or (not dual_node and first != cluster[0]):
        raise Fatal(f"cluster-cidr: [{' '.join(cluster_cidrs or ['10.42.0.0/16'])}] and node-ip: [{' '.join(ips)}], must share the same IP version (IPv4, IPv6 or dual-stack)")


def check_advertise_family(s, ips):
    """kube-apiserver: the advertise address (k3s: first node-external-ip, else first node-ip) must be of the first service-cidr family."""
    external = [p for item in s.get("node-external-ip", []) for p in item.split(",") if p]
    advertise = s.get("advertise-address") or (external or ips or [""])[0]
    service = [p for item in (s.get("service-cidr") or ["10.43.0.0/16"]) for p in item.split(",") if p]
    if advertise and ip_version(advertise, "advertise-address") != ipaddress.ip_network(service[0], strict=False).version:
        raise Fatal(f'service IP family "{service[0]}" must match public address family "{advertise}"')


def token_password(token):
    m = re.fullmatch(r"K10[0-9a-f]{64}::[^:]+:(.+)", token)
    return m.group(1) if m else token


def check_memory_cgroup():
    cmdline = open("/proc/cmdline").read().split()
    if "cgroup_disable=memory" in cmdline and "cgroup_enable=memory" not in cmdline:
        raise Fatal("failed to find memory cgroup (v2)")


def kubelet_refuses_cgroup_v1(s):
    """Kubernetes 1.35+: the kubelet exits on a cgroup v1 (or hybrid) host unless failCgroupV1 is false (KEP-5573)."""
    m = re.match(r"^v(\d+)\.(\d+)\.", BUILT_VERSION)
    if not m or (int(m.group(1)), int(m.group(2))) < (1, 35):
        return False
    fs_type = subprocess.run(["stat", "-fc", "%T", "/sys/fs/cgroup"], capture_output=True, text=True).stdout.strip()
    if fs_type == "cgroup2fs":
        return False
    refuse = True
    flag = False
    for arg in s.get("kubelet-arg", []):
        name, eq, value = arg.lstrip("-").partition("=")
        if name == "fail-cgroupv1":
            refuse = not (eq and value in BOOL_FALSE)
            flag = True
    # The kubelet's flags override its config drop-ins (kubernetes.io kubelet-config-file, merge order).
    if flag:
        return refuse
    for f in sorted(glob.glob("/var/lib/rancher/k3s/agent/etc/kubelet.conf.d/*.conf")):
        try:
            doc = yaml.safe_load(open(f)) or {}
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(doc, dict) and "failCgroupV1" in doc:
            refuse = doc["failCgroupV1"] is not False
    return refuse


def read_token_setting(s, key, file_key):
    if s.get(key):
        return s[key]
    if s.get(file_key):
        try:
            return open(s[file_key]).read().strip()
        except OSError as e:
            raise Fatal(f"failed to read {file_key} {s[file_key]}: {e}")
    return ""


ETCD_NAME_ANNOTATION = "etcd.k3s.cattle.io/node-name"


def db_dir(data_dir):
    return data_dir + "/server/db"


def maybe_migrate_sqlite(cid, s, data_dir):
    """k3s reference §3: restarting the single sqlite server with cluster-init copies the keys into etcd
    and renames state.db to state.db.migrated."""
    info = read_json(cluster_dir(cid) + "/cluster.json")
    if info["datastore"] != "sqlite" or not s.get("cluster-init"):
        return
    db = db_dir(data_dir) + "/state.db"
    if not os.path.exists(db):
        raise Fatal(f"(stand-in) cluster-init on an sqlite server without {db}")
    data = read_json(db) or {}
    log("info", f"Migrating content from sqlite to etcd ({len(data.get('keys', {}))} keys)")
    write_json(cluster_dir(cid) + "/etcd.json", data)
    os.replace(db, db + ".migrated")
    info["datastore"] = "etcd"
    info["migratedFromSqlite"] = now_ms()
    write_json(cluster_dir(cid) + "/cluster.json", info)


def track_datastore(cid, info, name, data_dir):
    """sqlite: the server's registration lands in state.db (the stand-in's 'data'); etcd: one member per server,
    refused when this data dir belonged to a member that was removed (k3s-io/k3s#13498)."""
    if info["datastore"] == "sqlite":
        db = db_dir(data_dir) + "/state.db"
        data = read_json(db) or {"cluster": cid, "keys": {}}
        data["keys"][f"/registry/minions/{name}"] = now_ms()
        write_json(db, data)
        return
    if info["datastore"] != "etcd":
        return
    marker = db_dir(data_dir) + "/etcd/member"
    members = dict(info.get("members") or {})
    etcd_id = etcd_cluster_id(cid, info)
    if os.path.exists(marker):
        mine = open(marker).read().strip()
        id_file = db_dir(data_dir) + "/etcd/cluster-id"
        if os.path.exists(id_file) and open(id_file).read().strip() != etcd_id:
            # A restore started a new etcd cluster (new cluster ID); this member's data is of the old one.
            # Real k3s never comes up: etcd logs "request sent was ignored by remote peer due to cluster ID
            # mismatch" (k3s-io/k3s#6806). The stand-in fails at once instead of retrying forever.
            raise Fatal(f"etcd cluster ID mismatch: {db_dir(data_dir)} belongs to etcd cluster {open(id_file).read().strip()}, "
                        f"the cluster now runs as {etcd_id} (restored from a snapshot); back up and delete {db_dir(data_dir)} to rejoin")
        if mine not in members.values():
            raise Fatal("the member has been permanently removed from the cluster; data-dir used by this member must be removed")
        return
    if name in members:
        raise Fatal(f"etcd member {members[name]} for node {name} already exists; remove it first (kubectl delete node {name})")
    members[name] = f"{name}-{secrets.token_hex(4)}"
    write_member_marker(data_dir, members[name], etcd_id)
    info["members"] = members
    write_json(cluster_dir(cid) + "/cluster.json", info)


def etcd_cluster_id(cid, info):
    """The etcd cluster ID (a restore starts a new one); created on first use for clusters that predate it."""
    if not info.get("etcdClusterId"):
        info["etcdClusterId"] = secrets.token_hex(8)
        write_json(cluster_dir(cid) + "/cluster.json", info)
    return info["etcdClusterId"]


def write_member_marker(data_dir, member, etcd_id):
    etcd = db_dir(data_dir) + "/etcd"
    os.makedirs(etcd, exist_ok=True)
    with open(etcd + "/member", "w") as f:
        f.write(member)
    with open(etcd + "/cluster-id", "w") as f:
        f.write(etcd_id)


def check_overlay(root):
    """k3s refuses to start when an overlay with two lower dirs cannot be mounted in containerd's root
    (pkg/agent/config: containerd.OverlaySupported); the stand-in makes the same mount."""
    os.makedirs(root, mode=0o700, exist_ok=True)
    probe = os.path.join(root, f"multiple-lowerdir-check{secrets.token_hex(4)}")
    for d in ("lower1", "lower2", "upper", "work", "merged"):
        os.makedirs(os.path.join(probe, d))
    try:
        opts = f"lowerdir={probe}/lower2:{probe}/lower1,upperdir={probe}/upper,workdir={probe}/work"
        r = subprocess.run(["mount", "-t", "overlay", "overlay", "-o", opts, probe + "/merged"], capture_output=True, text=True)
        if r.returncode != 0:
            raise Fatal(f'"overlayfs" snapshotter cannot be enabled for "{root}", try using "fuse-overlayfs" or "native": '
                        f"failed to mount overlay: {r.stderr.strip()}")
        subprocess.run(["umount", probe + "/merged"], capture_output=True)
    finally:
        subprocess.run(["rm", "-rf", probe], capture_output=True)


def start(role, args):
    s = load_settings(role, args)
    if role == "server" and s.get("cluster-reset-restore-path") and not s.get("cluster-reset"):
        raise Fatal("invalid flag use; --cluster-reset required with --cluster-reset-restore-path")
    apply_controls("start")
    if role == "server" and s.get("cluster-reset"):
        cluster_reset(s)
        return
    check_memory_cgroup()
    if kubelet_refuses_cgroup_v1(s):
        raise Fatal("failed to validate kubelet configuration: kubelet is configured to not run on a host using cgroup v1")
    name = s.get("node-name") or node_hostname()
    data_dir = s.get("data-dir") or "/var/lib/rancher/k3s"
    if (s.get("snapshotter") or "overlayfs") == "overlayfs":
        check_overlay(data_dir + "/agent/containerd")
    token = read_token_setting(s, "token", "token-file")
    server_url = s.get("server", "")
    if role == "agent":
        if not server_url:
            raise Fatal("--server is required")
        if not token:
            raise Fatal("--token is required")
    if server_url and not token:
        raise Fatal("--token is required when joining with --server")
    ips = s.get("node-ip") or node_ips()
    ips = [ip for item in ips for ip in item.split(",") if ip]
    # Judged where node-ip is given; detection (node_ips) is not k3s's one address per family.
    explicit_ips = bool(s.get("node-ip"))
    if role == "server" and explicit_ips:
        check_node_ips(ips, s.get("cluster-cidr"))
        check_advertise_family(s, ips)

    # A first join reaches the server URL over TCP first (k3s-api.py); later starts know the servers.
    if server_url and not os.path.exists(data_dir + ("/agent/standin-cluster.json" if role == "agent" else "/server/standin-cluster.json")):
        while True:
            try:
                join_dial(server_url)
                break
            except Fatal as e:
                # An agent retries its first connection every 2 s for ever, logging each failure
                # (k3s pkg/agent/run.go createProxyAndValidateToken); a server's failed join exits.
                if role != "agent":
                    raise
                log("error", f"Failed to validate connection to cluster at {server_url}: {e}")
                time.sleep(2)

    def register():
        if server_url:
            cid = cluster_for_endpoint(server_url)
            if not cid:
                raise Fatal(f"failed to get CA certs: Get \"{server_url}/cacerts\": no k3s server stand-in is registered at that address")
            info = read_json(cluster_dir(cid) + "/cluster.json")
            ok = token_password(token) in (token_password(info["token"]), token_password(info.get("agentToken") or info["token"]))
            if token.startswith("K10") and token[3:67] != info["caHash"]:
                raise Fatal("token CA hash does not match the Cluster CA certificate hash")
            if role == "server" and token_password(token) != token_password(info["token"]):
                ok = False
            if not ok:
                raise Fatal(f"failed to validate token: {server_url}/cacerts: 401 Unauthorized")
            # An agent learns cluster-cidr from the server it joins.
            if role == "agent" and explicit_ips:
                check_node_ips(ips, info.get("clusterCidr"))
            if role == "server" and info["datastore"] == "sqlite":
                raise Fatal("(stand-in) joining a server that uses the embedded sqlite datastore is not possible; the first server needs cluster-init: true")
        else:
            cid = None
            existing = read_json(data_dir + "/server/standin-cluster.json")
            if existing:
                cid = existing["cluster"]
            if not cid or not os.path.exists(cluster_dir(cid)):
                cid = secrets.token_hex(6)
                ca = secrets.token_hex(32)
                password = token_password(token) if token else secrets.token_hex(16)
                ca_hash = hashlib.sha256(ca.encode()).hexdigest()
                info = {"id": cid, "caHash": ca_hash, "token": f"K10{ca_hash}::server:{password}",
                        "datastore": "etcd" if s.get("cluster-init") else ("external" if s.get("datastore-endpoint") else "sqlite"),
                        "createdBy": name, "version": BUILT_VERSION, "adminKeySeed": secrets.token_hex(24),
                        "clusterCidr": s.get("cluster-cidr") or ["10.42.0.0/16"]}
                agent_token = read_token_setting(s, "agent-token", "agent-token-file")
                if agent_token:
                    info["agentToken"] = f"K10{ca_hash}::node:{token_password(agent_token)}"
                write_json(cluster_dir(cid) + "/cluster.json", info)
            elif token and token_password(token) != token_password(read_json(cluster_dir(cid) + "/cluster.json")["token"]):
                raise Fatal("bootstrap data already found and encrypted with different token")
            else:
                maybe_migrate_sqlite(cid, s, data_dir)
        info = read_json(cluster_dir(cid) + "/cluster.json")
        if role == "server":
            track_datastore(cid, info, name, data_dir)
            # The first normal start after a cluster reset removes the flag file (k3s pkg/cluster).
            if os.path.exists(reset_flag(data_dir)):
                os.remove(reset_flag(data_dir))
        # Node password: a node name already taken by another machine is refused (node-passwd).
        os.makedirs("/etc/rancher/node", exist_ok=True)
        pw_file = "/etc/rancher/node/password"
        if not os.path.exists(pw_file):
            with open(pw_file, "w") as f:
                f.write(secrets.token_hex(16))
            os.chmod(pw_file, 0o600)
        node_pw = open(pw_file).read().strip()
        npath = f"{cluster_dir(cid)}/nodes/{name}.json"
        node = read_json(npath)
        # No hash (its Secret deleted): k3s creates one from the password the node presents (pkg/nodepassword Ensure).
        if node and node.get("passwordHash") and node["passwordHash"] != hashlib.sha256(node_pw.encode()).hexdigest():
            raise Fatal(f"Node password rejected, duplicate hostname or contents of '/etc/rancher/node/password' may not match server node-passwd entry, try enabling a unique node name with the --with-node-id flag ({name})")
        labels = dict((node or {}).get("labels", {}))
        labels.update({"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": BUILT_ARCH})
        if role == "server":
            labels["node-role.kubernetes.io/control-plane"] = "true"
            labels["node-role.kubernetes.io/master"] = "true"
            if info["datastore"] == "etcd":
                labels["node-role.kubernetes.io/etcd"] = "true"
        # Reference is silent on whether node-label changes apply after registration; applied on every start here.
        for item in s.get("node-label", []):
            k, _, v = item.partition("=")
            if not kubelet_may_set(k):
                raise Fatal("failed to validate kubelet flags: unknown 'kubernetes.io' or 'k8s.io' labels specified with --node-labels: [" + k + "]")
            labels[k] = v
        taints = (node or {}).get("taints")
        if taints is None:
            taints = []
            for item in s.get("node-taint", []):
                m = re.fullmatch(r"([^=:]+)(=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)", item)
                if not m:
                    raise Fatal(f"invalid taint spec: {item}")
                taints.append({"key": m.group(1), "value": m.group(3) or "", "effect": m.group(4)})
        node = dict(node or {})
        annotations = dict(node.get("annotations", {}))
        member = (info.get("members") or {}).get(name) if role == "server" else None
        if member:
            annotations[ETCD_NAME_ANNOTATION] = member
        node.update({"name": name, "role": role, "version": BUILT_VERSION, "labels": labels, "taints": taints,
                     "ready": True, "internalIP": ips[0] if ips else "", "host": node_hostname(),
                     "machineID": machine_id(),
                     "passwordHash": hashlib.sha256(node_pw.encode()).hexdigest(),
                     "annotations": annotations, "unschedulable": node.get("unschedulable", False),
                     "created": node.get("created", now_ms()), "lastStart": now_ms()})
        write_json(npath, node)
        if role == "server":
            for ip in ips + s.get("tls-san", []) + ([s["advertise-address"]] if s.get("advertise-address") else []):
                for san in ip.split(","):
                    port = s.get("https-listen-port", 6443)
                    os.makedirs(cluster_root() + "/endpoints", exist_ok=True)
                    host = f"[{san}]" if ":" in san else san  # an IPv6 literal is bracketed in a URL
                    with open(f"{cluster_root()}/endpoints/{endpoint_key(f'https://{host}:{port}')}", "w") as f:
                        f.write(cid)
        return cid, info, name

    cid, info, name = locked(register)
    os.makedirs(RUN_DIR, exist_ok=True)
    write_json(f"{RUN_DIR}/{role}.json", {"cluster": cid, "node": name, "dataDir": data_dir})
    if role == "server":
        write_server_files(s, data_dir, cid, info)
        api_listener_start(cid, data_dir)  # k3s-api.py
        etcd_member_start(cid, name, data_dir, ips)  # k3s-etcd.py
    else:
        os.makedirs(data_dir + "/agent", exist_ok=True)
        write_json(data_dir + "/agent/standin-cluster.json", {"cluster": cid, "server": server_url})
    write_kubelet_kubeconfig(data_dir, name, role)
    # When the node was back: the e2e scenarios measure restarts from "stopped" to "ready".
    # With the version of this binary, the one the Node reports until the next start.
    record("k3s", ["k3s", role], role, {"event": "ready", "node": name, "version": BUILT_VERSION})
    log("info", f"{role} {name} started ({BUILT_VERSION}); cluster {cid}")
    print(f"{STANDIN} k3s {role} {name} is ready (version {BUILT_VERSION})")


# ---------------------------------------------------------------- cluster reset and restore

RESET_DONE = ("Managed etcd cluster membership has been reset, restart without --cluster-reset flag now. "
              "Backup and delete ${datadir}/server/db on each peer etcd server and rejoin the nodes")


def reset_flag(data_dir):
    return db_dir(data_dir) + "/reset-flag"


def cluster_reset(s):
    """`k3s server --cluster-reset [--cluster-reset-restore-path=FILE]` (k3s pkg/cli/server, pkg/cluster,
    pkg/etcd): makes this server the only member of a new etcd cluster, with the snapshot's data when a
    restore path is given, then exits 0 telling the user to start k3s normally and to delete the db dir
    of every other server before it rejoins. It does not start the API server or register the Node."""
    data_dir = s.get("data-dir") or "/var/lib/rancher/k3s"
    name = s.get("node-name") or node_hostname()
    restore = s.get("cluster-reset-restore-path") or ""
    if s.get("server"):
        raise Fatal("cannot perform cluster-reset while server URL is set - remove server from configuration before resetting")
    if read_json(f"{RUN_DIR}/server.json"):
        # Nothing in k3s checks for this explicitly: the second process fails binding the ports the running one holds.
        raise Fatal("listen tcp :6443: bind: address already in use (k3s is still running on this node: stop it first)")
    if restore and not read_token_setting(s, "token", "token-file") and not os.path.exists(data_dir + "/server/token"):
        raise Fatal(f"{data_dir}/server/token does not exist, please pass --token to complete the restoration")
    if s.get("datastore-endpoint"):
        raise Fatal("(stand-in) --cluster-reset resets the embedded etcd; this server uses an external datastore, which is backed up and restored outside k3s")
    existing = read_json(data_dir + "/server/standin-cluster.json")
    if not existing or not os.path.exists(cluster_dir(existing["cluster"])):
        raise Fatal(f"(stand-in) no cluster data in {data_dir}/server: restoring onto a new machine is not modelled")
    cid = existing["cluster"]
    info = read_json(cluster_dir(cid) + "/cluster.json")
    if info["datastore"] != "etcd":
        raise Fatal(f"(stand-in) --cluster-reset on a server whose datastore is {info['datastore']}, not embedded etcd, is not modelled")
    if not restore and os.path.exists(reset_flag(data_dir)):
        raise Fatal(f"cluster-reset was successfully performed, please remove the cluster-reset flag and start k3s normally, "
                    f"if you need to perform another cluster reset, you must first manually delete the {reset_flag(data_dir)} file")
    snapshot = None
    if restore:
        if s.get("etcd-s3"):
            raise Fatal("(stand-in) restoring a snapshot from S3 is not modelled: no S3 is reachable in the lab")
        if not os.path.exists(restore):
            raise Fatal(f"etcd: snapshot path does not exist: {restore}")
        if os.path.isdir(restore):
            raise Fatal(f"etcd: snapshot path must be a file, not a directory: {restore}")
        try:
            snapshot = json.load(open(restore))
        except ValueError:
            raise Fatal(f"(stand-in) {restore} is not a snapshot written by the stand-in's etcd-snapshot save")
        if snapshot.get("cluster") != cid:
            raise Fatal(f"(stand-in) snapshot {restore} is of cluster {snapshot.get('cluster')}, this server's is {cid}")
        token = read_token_setting(s, "token", "token-file")
        if token and token_password(token) != token_password(info["token"]):
            raise Fatal("bootstrap data already found and encrypted with different token")

    def reset():
        info = read_json(cluster_dir(cid) + "/cluster.json")
        db = db_dir(data_dir)
        if os.path.isdir(db + "/etcd"):
            os.replace(db + "/etcd", f"{db}/etcd-old-{int(time.time())}")
        member = f"{name}-{secrets.token_hex(4)}"
        info["members"] = {name: member}
        info["etcdClusterId"] = secrets.token_hex(8)
        info["lastReset"] = {"at": now_ms(), "node": name, "restoredFrom": restore or None}
        write_member_marker(data_dir, member, info["etcdClusterId"])
        if snapshot is not None:
            restore_data(cid, snapshot)
        write_json(cluster_dir(cid) + "/cluster.json", info)
        with open(reset_flag(data_dir), "w") as f:
            f.write("")
    locked(reset)
    record("k3s", ["k3s", "server"], "server", {"event": "cluster-reset", "node": name, "restoredFrom": restore or None})
    log("info", RESET_DONE)
    print(f"{STANDIN} {RESET_DONE}")


def snapshot_data(cid):
    """What a snapshot holds of the stand-in's datastore: the etcd keys and every Node object (not their
    heartbeat, which each kubelet keeps current)."""
    nodes = {}
    for name, n in load_nodes(cid).items():
        nodes[name] = {k: v for k, v in n.items() if k not in ("ready", "lastStart")}
    return {"keys": (read_json(cluster_dir(cid) + "/etcd.json") or {}).get("keys", {}), "nodes": nodes}


def restore_data(cid, snapshot):
    """The datastore becomes the snapshot's: its keys, its Node objects. A Node's readiness stays what its
    kubelet last reported; a Node the snapshot has but nobody runs any more reads NotReady."""
    live = load_nodes(cid)
    write_json(cluster_dir(cid) + "/etcd.json", {"cluster": cid, "keys": snapshot["data"]["keys"]})
    for p in glob.glob(f"{cluster_dir(cid)}/nodes/*.json"):
        os.remove(p)
    for name, n in snapshot["data"]["nodes"].items():
        n = dict(n)
        n["ready"] = bool(live.get(name, {}).get("ready"))
        n["stoppedAt"] = live.get(name, {}).get("stoppedAt")
        n["lastStart"] = live.get(name, {}).get("lastStart") or n.get("created")
        write_json(f"{cluster_dir(cid)}/nodes/{name}.json", n)


def write_server_files(s, data_dir, cid, info):
    os.makedirs(data_dir + "/server", exist_ok=True)
    write_json(data_dir + "/server/standin-cluster.json", {"cluster": cid})
    tok = data_dir + "/server/token"
    with open(tok, "w") as f:
        f.write(info["token"] + "\n")
    os.chmod(tok, 0o600)
    for link, target in (("node-token", "token"), ("agent-token", None)):
        p = f"{data_dir}/server/{link}"
        if os.path.lexists(p):
            os.remove(p)
        if link == "agent-token" and info.get("agentToken"):
            with open(p, "w") as f:
                f.write(info["agentToken"] + "\n")
            os.chmod(p, 0o600)
        else:
            os.symlink("token", p)
    def fake(what):
        return base64.b64encode(f"{STANDIN} fake {what} for cluster {cid}".encode()).decode()
    # Like k3s, every server of a cluster hands out the same admin credentials; the key is the secret part.
    key = base64.b64encode(f"{STANDIN} fake client key {info.get('adminKeySeed', cid)}".encode()).decode()
    kubeconfig = {
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "default", "cluster": {"server": "https://127.0.0.1:6443", "certificate-authority-data": fake("CA certificate")}}],
        "users": [{"name": "default", "user": {"client-certificate-data": fake("client certificate"), "client-key-data": key}}],
        "contexts": [{"name": "default", "context": {"cluster": "default", "user": "default"}}],
        "current-context": "default", "preferences": {},
    }
    out = s.get("write-kubeconfig") or "/etc/rancher/k3s/k3s.yaml"
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        f.write(f"# {STANDIN}: kubeconfig shape only, the certificate data is fake.\n")
        yaml.safe_dump(kubeconfig, f, sort_keys=False)
    mode = s.get("write-kubeconfig-mode") or "0600"
    try:
        os.chmod(out, int(mode, 8))
    except ValueError:
        raise Fatal(f"invalid write-kubeconfig-mode {mode!r}")
    if s.get("write-kubeconfig") and out != "/etc/rancher/k3s/k3s.yaml":
        if os.path.lexists("/etc/rancher/k3s/k3s.yaml"):
            os.remove("/etc/rancher/k3s/k3s.yaml")
        os.symlink(out, "/etc/rancher/k3s/k3s.yaml")


def write_kubelet_kubeconfig(data_dir, name, role):
    """The kubelet's credentials (system:node:<name>); agents reach the API through their load balancer on 6444."""
    path = data_dir + "/agent/kubelet.kubeconfig"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    port = 6443 if role == "server" else 6444
    cfg = {"apiVersion": "v1", "kind": "Config",
           "clusters": [{"name": "local", "cluster": {"server": f"https://127.0.0.1:{port}"}}],
           "users": [{"name": f"system:node:{name}", "user": {"client-key-data": "U1RBTkQtSU4="}}],
           "contexts": [{"name": "local", "context": {"cluster": "local", "user": f"system:node:{name}"}}],
           "current-context": "local"}
    with open(path, "w") as f:
        f.write(f"# {STANDIN}: kubelet kubeconfig shape only\n")
        yaml.safe_dump(cfg, f, sort_keys=False)
    os.chmod(path, 0o600)


def stop(role):
    state = read_json(f"{RUN_DIR}/{role}.json")
    if not state:
        return
    if role == "server":
        # Both listeners go with k3s.
        api_stop()
        etcd_stop()
    record("k3s", ["k3s", role], role, {"event": "stopped", "node": state["node"]})

    def mark():
        p = f"{cluster_dir(state['cluster'])}/nodes/{state['node']}.json"
        node = read_json(p)
        if node:
            # "ready": the stand-in's truth (k3s runs); the Node's Ready condition lags it (node_ready).
            node["ready"] = False
            node["stoppedAt"] = time.time()
            write_json(p, node)
    locked(mark)
    os.remove(f"{RUN_DIR}/{role}.json")


# ---------------------------------------------------------------- kubectl

def kubectl_cluster(args):
    kubeconfig = os.environ.get("KUBECONFIG") or "/etc/rancher/k3s/k3s.yaml"
    for i, a in enumerate(args):
        if a.startswith("--kubeconfig="):
            kubeconfig = a.split("=", 1)[1]
        elif a == "--kubeconfig" and i + 1 < len(args):
            kubeconfig = args[i + 1]
    try:
        cfg = yaml.safe_load(open(kubeconfig))
    except PermissionError:
        raise Fatal(f'error: error loading config file "{kubeconfig}": open {kubeconfig}: permission denied')
    except OSError:
        raise Fatal("The connection to the server localhost:8080 was refused - did you specify the right host or port?")
    server = cfg["clusters"][0]["cluster"]["server"]
    user = (cfg.get("users") or [{}])[0].get("name", "default")
    if re.match(r"https://(127\.0\.0\.1|localhost):", server):
        # 6443: this server's API server; 6444: the agent's client load balancer (kubelet kubeconfig).
        state = read_json(f"{RUN_DIR}/{'agent' if server.endswith(':6444') else 'server'}.json")
        if not state:
            raise Fatal(f"The connection to the server {server[8:]} was refused - did you specify the right host or port?")
        return state["cluster"], user
    cid = cluster_for_endpoint(server)
    if not cid:
        raise Fatal(f"Unable to connect to the server: dial tcp {server[8:]}: connect: connection refused")
    return cid, user


def load_nodes(cid):
    nodes = {}
    for p in sorted(glob.glob(f"{cluster_dir(cid)}/nodes/*.json")):
        n = read_json(p)
        nodes[n["name"]] = n
    return nodes


def node_monitor_grace_period():
    """Seconds kube-controller-manager waits without a kubelet heartbeat before it marks a Node NotReady:
    40, and 50 from Kubernetes 1.32 (kubernetes/kubernetes#126287); control node-monitor-grace-period."""
    path = control_file("node-monitor-grace-period")
    if path:
        return float(open(path).read().strip() or "0")
    minor = int(re.match(r"v1\.([0-9]+)\.", BUILT_VERSION).group(1)) if re.match(r"v1\.[0-9]+\.", BUILT_VERSION) else 99
    return 50.0 if minor >= 32 else 40.0


def node_ready(n):
    """The Node's Ready condition: a node whose k3s stopped still reads Ready until the grace period ends."""
    return bool(n["ready"] or (n.get("stoppedAt") and time.time() - n["stoppedAt"] < node_monitor_grace_period()))


def node_conditions(n):
    # The kubelet stamps Ready with its heartbeat (second precision, UTC); the stand-in's heartbeat is its last start.
    beat = (n.get("lastStart") or n["created"])[:19] + "Z"
    conds = [{"type": "Ready", "status": "True" if node_ready(n) else "Unknown", "lastHeartbeatTime": beat}]
    if n["labels"].get("node-role.kubernetes.io/etcd") == "true":
        # k3s (pkg/etcd) keeps EtcdIsVoter on etcd servers; the stand-in's members are voters once registered.
        conds.append({"type": "EtcdIsVoter", "status": "True", "reason": "MemberIsVoter"})
    return conds


def readyz(cid):
    """/readyz of this host's own API server: its etcd check needs the etcd cluster at quorum."""
    state = read_json(f"{RUN_DIR}/server.json")
    if not state or state["cluster"] != cid:
        raise Fatal("The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?")
    info = read_json(cluster_dir(cid) + "/cluster.json")
    if info["datastore"] == "etcd":
        # Quorum counts etcd members (a restore leaves one), each up while its etcd runs (k3s-etcd.py).
        up, members = etcd_quorum(cid, info)
        if len(up) <= len(members) // 2:
            print("[+]ping ok\n[-]etcd failed: reason withheld\nreadyz check failed", file=sys.stderr)
            raise Fatal(f"the server is currently unable to handle the request (etcd: {len(up)} of {len(members)} members up, no quorum)")
    print("ok")


def node_json(n):
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": n["name"], "labels": n["labels"], "annotations": n.get("annotations", {}),
                     "creationTimestamp": n["created"]},
        "spec": {"taints": n["taints"], "unschedulable": n.get("unschedulable", False)},
        "status": {"conditions": node_conditions(n),
                   "nodeInfo": {"kubeletVersion": n["version"], "architecture": n["labels"].get("kubernetes.io/arch"),
                                "machineID": n.get("machineID", "")},
                   "addresses": [{"type": "InternalIP", "address": n["internalIP"]}, {"type": "Hostname", "address": n["name"]}]},
    }


def jsonpath(obj, expr):
    """The subset kubectl scripts here use: a {.a.b.c} field path, dots in keys escaped as \\., with
    optional [?(@.key=="value")] filters on lists; a missing field prints nothing."""
    m = re.fullmatch(r"\{(.*)\}", expr)
    seg = re.compile(r'\.((?:\\\.|[^.\[\]{}])+)(?:\[\?\(@\.([A-Za-z]+)=="([^"]*)"\)\])?')
    parts, pos = [], 0
    while m and pos < len(m.group(1)):
        s = seg.match(m.group(1), pos)
        if not s:
            break
        parts.append(s.groups())
        pos = s.end()
    if not m or not parts or pos != len(m.group(1)):
        raise Fatal(f"(stand-in) jsonpath {expr!r} is not supported")
    cur = [obj]
    for key, fkey, fval in parts:
        key = key.replace("\\.", ".")
        nxt = []
        for c in cur:
            if not isinstance(c, dict) or key not in c:
                continue
            if fkey:
                nxt += [x for x in c[key] if isinstance(x, dict) and str(x.get(fkey)) == fval] if isinstance(c[key], list) else []
            else:
                nxt.append(c[key])
        cur = nxt
    return " ".join(v if isinstance(v, str) else json.dumps(v) for v in cur)


RANGE_ITEMS = re.compile(r"\{range \.items\[\*\]\}(.*)\{end\}", re.S)


def jsonpath_range(objs, body):
    """kubectl's `{range .items[*]}...{end}` over the listed objects, for a body of `{field path}` and
    `{"literal"}` blocks only (JSON string escapes such as \\n), as the scripts here write it."""
    blocks = re.findall(r"\{([^{}]*)\}", body)
    if "".join("{" + b + "}" for b in blocks) != body:
        raise Fatal(f"(stand-in) jsonpath range body {body!r} is not supported")
    out = []
    for o in objs:
        for b in blocks:
            out.append(json.loads(b) if b.startswith('"') else jsonpath(o, "{" + b + "}"))
    return "".join(out)


def parse_selector(sel):
    reqs = []
    for part in filter(None, sel.split(",")):
        if "!=" in part:
            k, v = part.split("!=", 1)
            reqs.append((k, "!=", v))
        elif "=" in part:
            k, v = part.split("=", 1)
            reqs.append((k, "=", v.lstrip("=")))
        elif part.startswith("!"):
            reqs.append((part[1:], "!", None))
        else:
            reqs.append((part, "exists", None))
    return reqs


def matches(labels, reqs):
    for k, op, v in reqs:
        if op == "=" and labels.get(k) != v:
            return False
        if op == "!=" and labels.get(k) == v:
            return False
        if op == "!" and k in labels:
            return False
        if op == "exists" and k not in labels:
            return False
    return True


KUBECTL_GLOBAL = {"--kubeconfig"}


def split_opts(args, with_value, bool_opts):
    pos, opts = [], {}
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("-") and a != "-":
            key, eq, val = a.partition("=")
            if key in with_value:
                if not eq:
                    i += 1
                    if i >= len(args):
                        raise Fatal(f"flag needs an argument: {key}")
                    val = args[i]
                opts[key] = val
            elif key in bool_opts:
                opts[key] = val if eq else "true"
            else:
                raise Fatal(f"unknown flag: {key}")
        else:
            pos.append(a)
        i += 1
    return pos, opts


def node_lease(cid, names, opts):
    """A Node's Lease in kube-node-lease, as its kubelet renews it every 10 s: renewTime is now by the
    node's clock, which every lab host shares with the server's."""
    if (opts.get("-n") or opts.get("--namespace")) != "kube-node-lease" or len(names) != 1:
        raise Fatal("(stand-in) get lease supports one Node's lease in -n kube-node-lease")
    if names[0] not in load_nodes(cid):
        raise Fatal(f'Error from server (NotFound): leases.coordination.k8s.io "{names[0]}" not found')
    renewed = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": names[0], "namespace": "kube-node-lease"},
             "spec": {"holderIdentity": names[0], "leaseDurationSeconds": 40, "renewTime": renewed}}
    fmt = opts.get("-o") or opts.get("--output") or ""
    if not fmt.startswith("jsonpath="):
        raise Fatal("(stand-in) get lease supports only -o jsonpath=")
    sys.stdout.write(jsonpath(lease, fmt[len("jsonpath="):]))


def node_names(pos, verb):
    names = []
    for p in pos:
        if p in ("node", "nodes", "no"):
            continue
        names.append(p.split("/", 1)[1] if p.startswith(("node/", "nodes/")) else p)
    if pos and pos[0] not in ("node", "nodes", "no") and not pos[0].startswith(("node/", "nodes/")) and verb in ("get", "delete", "label", "taint", "annotate"):
        raise Fatal(f'the server doesn\'t have a resource type "{pos[0]}" (stand-in knows only nodes)')
    return names


NODE_PASSWORD_SUFFIX = ".node-password.k3s"


def node_password_secrets(cid, verb, pos, opts):
    """k3s keeps each node's password hash in the Secret kube-system/<node>.node-password.k3s (k3s
    pkg/nodepassword); the stand-in keeps it as the Node's passwordHash and models no other Secret."""
    ns = opts.get("-n") or opts.get("--namespace") or "default"
    if ns != "kube-system":
        raise Fatal(f"(stand-in) only kube-system's node-password secrets are modelled, not namespace {ns!r}")
    if verb == "get":
        if len(pos) != 1 or (opts.get("-o") or opts.get("--output")) != "name":
            raise Fatal("(stand-in) get secrets supports only listing them with -o name")
        for n in sorted(load_nodes(cid).values(), key=lambda n: n["name"]):
            if n.get("passwordHash"):
                print(f"secret/{n['name']}{NODE_PASSWORD_SUFFIX}")
        return
    names = pos[1:] if pos[0] in ("secret", "secrets") else [p.split("/", 1)[1] for p in pos]

    def op():
        nodes = load_nodes(cid)
        for s in names:
            node = nodes.get(s[: -len(NODE_PASSWORD_SUFFIX)]) if s.endswith(NODE_PASSWORD_SUFFIX) else None
            if not node or not node.get("passwordHash"):
                if "--ignore-not-found" in opts:
                    continue
                raise Fatal(f'Error from server (NotFound): secrets "{s}" not found')
            del node["passwordHash"]
            write_json(f"{cluster_dir(cid)}/nodes/{node['name']}.json", node)
            print(f'secret "{s}" deleted')
    locked(op)


def kubectl(args):
    # Global flags may come before the verb (kubectl --kubeconfig FILE get ..., kubectl -n NS get ...); they are parsed with the rest.
    lead = []
    while args and args[0].split("=", 1)[0] in ("--kubeconfig", "-n", "--namespace"):
        n = 1 if "=" in args[0] else 2
        lead, args = lead + args[:n], args[n:]
    if not args:
        raise Fatal("kubectl needs a command")
    verb, rest = args[0], args[1:] + lead
    common = {"--kubeconfig", "-o", "--output", "-l", "--selector", "--timeout", "--for", "--grace-period", "--request-timeout", "--pod-selector", "-n", "--namespace"}
    bools = {"--overwrite", "--ignore-daemonsets", "--delete-emptydir-data", "--force", "--ignore-not-found", "--wait", "--all", "--disable-eviction", "--no-headers"}
    pos, opts = split_opts(rest, common | {"--raw"}, bools)
    cid, user = kubectl_cluster(rest)
    if user.startswith("system:node:") and verb != "get":
        raise Fatal(f'Error from server (Forbidden): nodes is forbidden: User "{user}" cannot {verb} resource "nodes" (stand-in: kubelet credentials only read)')
    if verb == "get" and pos and pos[0] in ("lease", "leases"):
        node_lease(cid, pos[1:], opts)
        return
    if verb in ("get", "delete") and pos and pos[0].split("/", 1)[0] in ("secret", "secrets"):
        node_password_secrets(cid, verb, pos, opts)
        return
    if verb == "get" and "--raw" in opts:
        if opts["--raw"] != "/readyz":
            raise Fatal(f"(stand-in) kubectl get --raw supports only /readyz, got {opts['--raw']!r}")
        readyz(cid)
        return

    def update(fn):
        def run():
            nodes = load_nodes(cid)
            return fn(nodes)
        return locked(run)

    def save(n):
        write_json(f"{cluster_dir(cid)}/nodes/{n['name']}.json", n)

    def need(nodes, name):
        if name not in nodes:
            raise Fatal(f'Error from server (NotFound): nodes "{name}" not found')
        return nodes[name]

    if verb == "get":
        nodes = load_nodes(cid)
        names = node_names(pos, verb)
        sel = parse_selector(opts.get("-l") or opts.get("--selector") or "")
        items = [need(nodes, n) for n in names] if names else [n for n in nodes.values() if matches(n["labels"], sel)]
        fmt = opts.get("-o") or opts.get("--output") or ""
        if fmt == "json":
            out = node_json(items[0]) if len(names) == 1 else {"apiVersion": "v1", "kind": "List", "items": [node_json(n) for n in items]}
            print(json.dumps(out, indent=2))
        elif fmt.startswith("jsonpath=") and RANGE_ITEMS.fullmatch(fmt[len("jsonpath="):]):
            # A list of nodes (no names given) renders as a List, whose .items the range walks.
            if names:
                raise Fatal("(stand-in) -o jsonpath with {range .items[*]} needs a list of nodes, not names")
            sys.stdout.write(jsonpath_range([node_json(n) for n in items], RANGE_ITEMS.fullmatch(fmt[len("jsonpath="):]).group(1)))
        elif fmt.startswith("jsonpath="):
            if len(items) != 1:
                raise Fatal("(stand-in) -o jsonpath needs exactly one node")
            sys.stdout.write(jsonpath(node_json(items[0]), fmt[len("jsonpath="):]))
        elif fmt == "name":
            for n in items:
                print("node/" + n["name"])
        elif fmt in ("", "wide"):
            if not items:
                sys.stderr.write("No resources found\n")
                return
            if "--no-headers" not in opts:
                print("%-20s %-28s %-30s %-6s %s" % ("NAME", "STATUS", "ROLES", "AGE", "VERSION"))
            for n in items:
                status = "Ready" if node_ready(n) else "NotReady"
                if n.get("unschedulable"):
                    status += ",SchedulingDisabled"
                roles = ",".join(sorted(k.split("/", 1)[1] for k in n["labels"] if k.startswith("node-role.kubernetes.io/"))) or "<none>"
                print("%-20s %-28s %-30s %-6s %s" % (n["name"], status, roles, "1m", n["version"]))
        else:
            raise Fatal(f"(stand-in) output format {fmt!r} is not supported; use -o json")
        return
    if verb in ("cordon", "uncordon", "drain"):
        names = node_names(pos, verb)
        if not names:
            raise Fatal(f"error: USAGE: {verb} NODE [flags]")

        def op(nodes):
            for name in names:
                n = need(nodes, name)
                want = verb != "uncordon"
                if n.get("unschedulable", False) == want:
                    print(f"node/{name} already {'cordoned' if want else 'uncordoned'}")
                else:
                    n["unschedulable"] = want
                    save(n)
                    print(f"node/{name} {'cordoned' if want else 'uncordoned'}")
                if verb == "drain":
                    print(f"{STANDIN} no pods to evict on node/{name}")
                    print(f"node/{name} drained")
        update(op)
        return
    if verb == "delete":
        names = node_names(pos, verb)

        def op(nodes):
            for name in names:
                if name not in nodes:
                    if "--ignore-not-found" in opts:
                        continue
                    raise Fatal(f'Error from server (NotFound): nodes "{name}" not found')
                member = nodes[name].get("annotations", {}).get(ETCD_NAME_ANNOTATION)
                if member:
                    # k3s's managed etcd controller removes the member before the Node's finalizer lets go.
                    info = read_json(cluster_dir(cid) + "/cluster.json")
                    info["members"] = {k: v for k, v in (info.get("members") or {}).items() if v != member}
                    write_json(cluster_dir(cid) + "/cluster.json", info)
                    log("info", f"removed etcd member {member} with node {name}")
                os.remove(f"{cluster_dir(cid)}/nodes/{name}.json")
                print(f'node "{name}" deleted')
        update(op)
        return
    if verb in ("label", "annotate", "taint"):
        names = node_names(pos[:2], verb)
        if len(names) != 1 or len(pos) < 3:
            raise Fatal(f"error: USAGE: kubectl {verb} node NAME KEY=VAL ... [--overwrite]")
        changes = pos[2:]
        overwrite = opts.get("--overwrite") == "true"

        def op(nodes):
            n = need(nodes, names[0])
            if verb == "taint":
                taints = list(n["taints"])
                for c in changes:
                    m = re.fullmatch(r"([^=:]+)(=([^:]*))?(:(NoSchedule|PreferNoSchedule|NoExecute))?(-)?", c)
                    if not m or (not m.group(6) and not m.group(5)):
                        raise Fatal(f'error: invalid taint spec: {c}')
                    key, val, eff, remove = m.group(1), m.group(3) or "", m.group(5), bool(m.group(6))
                    if remove:
                        before = len(taints)
                        taints = [t for t in taints if not (t["key"] == key and (eff is None or t["effect"] == eff))]
                        if len(taints) == before:
                            raise Fatal(f'error: taint "{c[:-1]}" not found')
                        continue
                    same = [t for t in taints if t["key"] == key and t["effect"] == eff]
                    if same and not overwrite:
                        raise Fatal(f"error: node {n['name']} already has {key} taint(s) with same effect(s) and --overwrite is false")
                    taints = [t for t in taints if not (t["key"] == key and t["effect"] == eff)] + [{"key": key, "value": val, "effect": eff}]
                n["taints"] = taints
                save(n)
                print(f"node/{n['name']} tainted" if any(not c.endswith("-") for c in changes) else f"node/{n['name']} untainted")
                return
            field = "labels" if verb == "label" else "annotations"
            d = dict(n.get(field, {}))
            for c in changes:
                if c.endswith("-") and "=" not in c:
                    if c[:-1] not in d:
                        print(f'{verb[:-1] if verb == "annotate" else "label"} "{c[:-1]}" not found.')
                    d.pop(c[:-1], None)
                    continue
                k, eq, v = c.partition("=")
                if not eq:
                    raise Fatal(f"error: invalid {verb} spec: {c}")
                if k in d and d[k] != v and not overwrite:
                    raise Fatal(f"error: '{k}' already has a value ({d[k]}), and --overwrite is false")
                d[k] = v
            n[field] = d
            save(n)
            print(f"node/{n['name']} {'labeled' if verb == 'label' else 'annotated'}")
        update(op)
        return
    if verb == "wait":
        cond = opts.get("--for", "")
        if cond not in ("condition=Ready", "condition=ready"):
            raise Fatal(f"(stand-in) kubectl wait supports only --for=condition=Ready, got {cond!r}")
        timeout = parse_seconds(opts.get("--timeout", "30s"))
        names = node_names(pos, verb)
        deadline = time.time() + min(timeout, 600)
        while True:
            nodes = load_nodes(cid)
            targets = list(nodes.values()) if "--all" in opts or not names else [nodes.get(n) for n in names]
            if targets and all(t and node_ready(t) for t in targets):
                for t in targets:
                    print(f"node/{t['name']} condition met")
                return
            if time.time() >= deadline:
                raise Fatal("error: timed out waiting for the condition on nodes")
            time.sleep(0.5)
    raise Fatal(f"(stand-in) kubectl {verb} is not implemented")


def parse_seconds(s):
    total = 0.0
    for num, unit in re.findall(r"([0-9.]+)(ms|s|m|h)", s):
        total += float(num) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]
    if not total and s.isdigit():
        total = float(s)
    return total


# ---------------------------------------------------------------- etcd-snapshot

def etcd_snapshot(args):
    if not args:
        raise Fatal("etcd-snapshot needs a subcommand: save|ls|delete|prune")
    sub, rest = args[0], args[1:]
    if sub not in ("save", "ls", "list", "l", "delete", "prune"):
        raise Fatal(f"unknown etcd-snapshot subcommand {sub!r}")
    table = dict(FLAGS["etcd-snapshot"])
    if sub in ("ls", "list", "l"):
        table["output"] = {"type": "string", "aliases": ["o"]}
    index = {}
    for name, spec in table.items():
        index[name] = name
        for a in spec.get("aliases", []) or []:
            index[a] = name
    # urfave/cli: a flag that takes a value reads it after '=' or from the next argument.
    pos, opts, i = [], {}, 0
    while i < len(rest):
        a = rest[i]
        i += 1
        if not a.startswith("-"):
            pos.append(a)
            continue
        key, eq, val = a.lstrip("-").partition("=")
        if key not in index:
            raise Fatal(f"flag provided but not defined: -{key}")
        if not eq and table[index[key]].get("type") != "bool":
            if i >= len(rest):
                raise Fatal(f"flag needs an argument: -{key}")
            val, i = rest[i], i + 1
        opts[index[key]] = val if (eq or val) else "true"
    state = read_json(f"{RUN_DIR}/server.json")
    if not state:
        raise Fatal("etcd-snapshot: no running k3s server on this node (stand-in)")
    info = read_json(cluster_dir(state["cluster"]) + "/cluster.json")
    if info["datastore"] != "etcd":
        raise Fatal("etcd datastore disabled")
    snap_dir = opts.get("dir") or state["dataDir"] + "/server/db/snapshots"
    os.makedirs(snap_dir, exist_ok=True)
    if sub == "save":
        name = f"{opts.get('name', 'on-demand')}-{state['node']}-{int(time.time())}"
        data = locked(lambda: snapshot_data(state["cluster"]))
        with open(f"{snap_dir}/{name}", "w") as f:
            json.dump({"standin": STANDIN, "cluster": state["cluster"], "takenAt": now_ms(), "data": data}, f, indent=1, sort_keys=True)
        print(f'Snapshot {name} saved.')
    elif sub in ("ls", "list", "l"):
        print("%-50s %-70s %-6s %s" % ("Name", "Location", "Size", "Created"))
        for p in sorted(glob.glob(snap_dir + "/*")):
            st = os.stat(p)
            print("%-50s %-70s %-6d %s" % (os.path.basename(p), "file://" + p, st.st_size, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(st.st_mtime))))
    elif sub == "delete":
        for n in pos:
            if os.path.exists(f"{snap_dir}/{n}"):
                os.remove(f"{snap_dir}/{n}")
        print("Removed " + " ".join(pos))
    else:
        print(f"{STANDIN} prune: nothing to do")


def main():
    argv0 = os.path.basename(sys.argv[0])
    args = sys.argv[1:]
    if argv0 == "kubectl":
        args = ["kubectl"] + args
    cmd = args[0] if args else ""
    if cmd == ETCD_PROCESS:  # a server's etcd listener, run by start(); no invocation of its own
        etcd_member_serve(args[1], args[2], args[3], args[4:])
        return 0
    if cmd == API_PROCESS:  # a server's port-6443 listener, run by start(); no invocation of its own
        api_listener_serve(args[1], args[2])
        return 0
    role = None
    if cmd in ("server", "agent"):
        role = cmd
    try:
        record("kubectl" if cmd == "kubectl" else "k3s", sys.argv[:1] + sys.argv[1:], role,
               {"action": os.environ.get("K3S_STANDIN_ACTION", "run")})
        if cmd in ("--version", "-v", "version"):
            print(f"k3s version {BUILT_VERSION} (standin0)")
            print(f"go version go1.26 {STANDIN}")
            return 0
        apply_controls("call")
        if role:
            if os.environ.get("K3S_STANDIN_ACTION") == "stop":
                stop(role)
            else:
                start(role, args[1:])
            return 0
        if cmd == "kubectl":
            kubectl(args[1:])
            return 0
        if cmd == "etcd-snapshot":
            etcd_snapshot(args[1:])
            return 0
        if cmd in ("crictl", "ctr", "check-config", "token", "certificate", "secrets-encrypt", "completion"):
            raise Fatal(f"(stand-in) k3s {cmd} is not implemented")
        raise Fatal(f"No help topic for '{cmd}'" if cmd else "k3s needs a command")
    except Fatal as e:
        log("fatal", str(e))
        msg = str(e)
        print(f"{STANDIN} {msg if msg.startswith('error') else 'error: ' + msg}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
