#!/usr/bin/python3
# Part of the K3S STAND-IN (make-artifacts.sh puts it into every stand-in k3s binary, before k3s.py).
# This is NOT etcd: no raft, no data. It models what a k3s server's embedded etcd shows its clients,
# so that a script judging etcd health is tested against a real TLS listener:
#  - k3s listens for etcd clients on https://127.0.0.1:2379 and https://<node-ip>:2379 and requires
#    a client certificate signed by server/tls/etcd/server-ca.crt; its serving certificate is
#    server/tls/etcd/server-client.crt, issued for server and client auth (k3s pkg/etcd/etcd.go
#    cluster(), pkg/daemons/control/deps genETCDCerts). The stand-in writes such files (openssl, one CA
#    per cluster) and serves with them, so a client without them fails its TLS handshake as with k3s.
#  - the listener lives exactly as long as the server's k3s: stopping k3s (or killing the host) closes
#    port 2379 at once, while the Node still reads Ready for node-monitor-grace-period (k3s.py).
#  - POST /v3/cluster/member/list answers from the local member, as etcd's JSON gateway does (its
#    field names; uint64 IDs as strings; empty fields left out); GET /health answers
#    {"health":"true"} while more than half of the members run, else 503 {"health":"false","reason":"RAFT NO LEADER"}.
import http.server
import signal
import ssl
import threading

ETCD_CLIENT_PORT = 2379
ETCD_PEER_PORT = 2380
# A running member marks itself alive this often; a mark older than ETCD_STALE is a member that died
# without stopping (a killed host). Real peers notice within the election timeout k3s sets (5 s).
ETCD_BEAT = 0.3
ETCD_STALE = 1.5
ETCD_PROCESS = "__etcd-member"  # internal: how start() runs the listener; not a k3s command


def etcd_tls_dir(data_dir):
    return data_dir + "/server/tls/etcd"


def etcd_alive_path(cid, member):
    return f"{cluster_dir(cid)}/etcd-alive/{member}"


def etcd_member_alive(cid, member):
    try:
        return time.time() - os.stat(etcd_alive_path(cid, member)).st_mtime < ETCD_STALE
    except FileNotFoundError:
        return False


def etcd_quorum(cid, info):
    """(members up, members): the stand-in's members all vote once registered."""
    members = list((info.get("members") or {}).values())
    return [m for m in members if etcd_member_alive(cid, m)], members


def openssl(*args):
    r = subprocess.run(["openssl", *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise Fatal(f"(stand-in) openssl {args[0]} failed: {r.stderr.strip()}")


def etcd_write_certs(cid, data_dir, ips):
    """server-ca.{crt,key} (the cluster's, as k3s shares it through its bootstrap data) and this
    server's server-client.{crt,key} with SANs localhost, 127.0.0.1 and its node IPs."""
    ca_dir = cluster_dir(cid) + "/etcd-ca"
    if not os.path.exists(ca_dir + "/server-ca.crt"):
        os.makedirs(ca_dir, exist_ok=True)
        openssl("req", "-x509", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-keyout", ca_dir + "/server-ca.key", "-out", ca_dir + "/server-ca.crt", "-days", "3650",
                "-subj", f"/CN=etcd-server-ca ({STANDIN})")
    tls = etcd_tls_dir(data_dir)
    os.makedirs(tls, mode=0o700, exist_ok=True)
    for f in ("server-ca.crt", "server-ca.key"):
        with open(f"{ca_dir}/{f}", "rb") as src, open(f"{tls}/{f}", "wb") as dst:
            dst.write(src.read())
    ext = tls + "/standin-ext.cnf"
    with open(ext, "w") as f:
        sans = ",".join(["DNS:localhost", "IP:127.0.0.1"] + [f"IP:{ip}" for ip in ips])
        f.write(f"subjectAltName={sans}\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n")
    openssl("req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-keyout", tls + "/server-client.key", "-out", tls + "/server-client.csr", "-subj", "/CN=etcd-server")
    openssl("x509", "-req", "-in", tls + "/server-client.csr", "-CA", tls + "/server-ca.crt", "-CAkey", tls + "/server-ca.key",
            "-set_serial", str(int.from_bytes(secrets.token_bytes(8), "big")), "-days", "3650",
            "-extfile", ext, "-out", tls + "/server-client.crt")
    for f in ("server-ca.key", "server-client.key"):
        os.chmod(f"{tls}/{f}", 0o600)
    os.remove(tls + "/server-client.csr")
    os.remove(ext)


def etcd_member_start(cid, name, data_dir, ips):
    """Runs this server's etcd listener (in the background, like k3s's etcd goroutines) and returns once
    it accepts connections. `ips`: the node's addresses, its advertised client URL the first."""
    info = read_json(cluster_dir(cid) + "/cluster.json")
    member = (info.get("members") or {}).get(name)
    if info["datastore"] != "etcd" or not member:
        return
    etcd_stop()
    etcd_write_certs(cid, data_dir, ips)
    write_json(f"{cluster_dir(cid)}/etcd-members/{member}.json", {"node": name, "address": ips[0] if ips else "127.0.0.1"})
    listener_start([ETCD_PROCESS, cid, member, data_dir, *ips], "etcd", ETCD_CLIENT_PORT, f"the etcd listener of {name}",
                   lambda: etcd_member_alive(cid, member))


def etcd_stop():
    """Stops this host's etcd listener, as stopping k3s stops its embedded etcd."""
    listener_stop("etcd")


def listener_start(argv, name, port, what, ready=lambda: True):
    """Runs this program with `argv` in the background (RUN_DIR/<name>.pid), like a goroutine of k3s,
    and returns once it accepts connections on `port` and `ready()` holds."""
    with open(os.devnull, "r+b") as null:
        proc = subprocess.Popen([sys.executable, os.path.abspath(sys.argv[0]), *argv],
                                stdin=null, stdout=null, stderr=null, start_new_session=True)
    with open(f"{RUN_DIR}/{name}.pid", "w") as f:
        f.write(str(proc.pid))
    deadline = time.time() + 10
    while time.time() < deadline:
        if proc.poll() is not None:
            raise Fatal(f"(stand-in) {what} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise Fatal(f"(stand-in) {what} did not open port {port}")


def listener_stop(name):
    """Stops the background listener listener_start ran as `name`, if it runs."""
    try:
        pid = int(open(f"{RUN_DIR}/{name}.pid").read().strip())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    # Gone once it exited: a listener whose starter exited is nobody's child here, and may stay a
    # zombie (state Z) until a reaper gets to it; waiting for that slowed every stop.
    for _ in range(100):
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    break
        except (OSError, IndexError):
            break
        time.sleep(0.05)
    os.remove(f"{RUN_DIR}/{name}.pid")


def etcd_member_json(cid, member):
    where = read_json(f"{cluster_dir(cid)}/etcd-members/{member}.json") or {}
    m = {"ID": str(int(hashlib.sha256(member.encode()).hexdigest()[:15], 16)), "name": member}
    if where.get("address"):
        host = f"[{where['address']}]" if ":" in where["address"] else where["address"]
        m["peerURLs"] = [f"https://{host}:{ETCD_PEER_PORT}"]
        m["clientURLs"] = [f"https://{host}:{ETCD_CLIENT_PORT}"]
    return m


def etcd_member_serve(cid, member, data_dir, ips):
    tls = etcd_tls_dir(data_dir)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tls + "/server-client.crt", tls + "/server-client.key")
    ctx.load_verify_locations(tls + "/server-ca.crt")
    ctx.verify_mode = ssl.CERT_REQUIRED  # client-cert-auth, as k3s configures its etcd

    class Handler(http.server.BaseHTTPRequestHandler):
        def reply(self, code, body):
            data = json.dumps(body, separators=(",", ":")).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path != "/health":
                return self.reply(404, {"error": "Not Found"})
            up, members = etcd_quorum(cid, read_json(cluster_dir(cid) + "/cluster.json"))
            if len(up) > len(members) // 2:
                return self.reply(200, {"health": "true", "reason": ""})
            self.reply(503, {"health": "false", "reason": "RAFT NO LEADER"})

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path != "/v3/cluster/member/list":
                return self.reply(404, {"error": "Not Found"})
            info = read_json(cluster_dir(cid) + "/cluster.json")
            members = [etcd_member_json(cid, m) for m in (info.get("members") or {}).values()]
            header = {"cluster_id": str(int(etcd_cluster_id(cid, info)[:15], 16)), "member_id": etcd_member_json(cid, member)["ID"], "raft_term": "2"}
            self.reply(200, {"header": header, "members": members})

        def log_message(self, *args):
            pass

    class Server(http.server.ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ips and ":" in ips[0] else socket.AF_INET

    servers = []
    # Its advertised address and loopback, as k3s sets listen-client-urls.
    for addr in dict.fromkeys(["127.0.0.1", *ips[:1]]):
        srv = (Server if ":" in addr else http.server.ThreadingHTTPServer)((addr, ETCD_CLIENT_PORT), Handler)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    alive = etcd_alive_path(cid, member)
    os.makedirs(os.path.dirname(alive), exist_ok=True)
    # Runs while this host's k3s server runs as a member of this cluster; a removed member's etcd exits.
    while not stopping:
        state = read_json(f"{RUN_DIR}/server.json") or {}
        info = read_json(cluster_dir(cid) + "/cluster.json") or {}
        if state.get("cluster") != cid or member not in (info.get("members") or {}).values():
            break
        with open(alive, "w"):
            pass
        time.sleep(ETCD_BEAT)
    for srv in servers:
        srv.socket.close()
    if os.path.exists(alive):
        os.remove(alive)
