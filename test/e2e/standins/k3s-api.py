#!/usr/bin/python3
# Part of the K3S STAND-IN (make-artifacts.sh puts it into every stand-in k3s binary, before k3s.py).
# This is NOT a Kubernetes API server and serves no API: it models the network side of joining.
# A k3s server listens on TCP 6443 (supervisor and API server) while it runs, and a node joins only
# through it: its first request is GET https://<server>:6443/cacerts (shared/reference
# k3s-reference.md §13: TCP 6443 from the agents to the servers). The stand-ins' cluster state
# still travels through the shared directory, but:
#  - a server stand-in holds a TCP listener on port 6443 for exactly as long as it runs (stopping
#    k3s or killing the host closes it); each connection gets one line saying it is a stand-in;
#  - a node's first join connects to its server URL first and fails as k3s does when nothing
#    answers there (a firewall between the hosts);
#  - with kube-vip's manifest in its auto-deploy directory, a running server takes the VIP on its
#    eth0 when no other running server holds it, as kube-vip's elected leader does in ARP mode
#    (reference §14), and lets it go when it stops: joins through the VIP reach a listener.
import shutil
import signal
import threading

API_PORT = 6443
API_PROCESS = "__api-listener"  # internal: how start() runs the listener; not a k3s command
KUBE_VIP_MANIFEST = "/server/manifests/k3s-stacks-kube-vip.yaml"  # under the data dir
VIP_BEAT = 0.3
VIP_STALE = 1.5


def url_host_port(url):
    m = re.fullmatch(r"https://([^/:]+|\[[^\]]+\])(:([0-9]+))?/?", url or "")
    if not m:
        raise Fatal(f"invalid server URL {url!r}: must be https://host:port")
    return m.group(1).strip("[]"), int(m.group(3) or 443)


def join_dial(url):
    """A first join's connect to the server URL; k3s reports it as its CA certificate fetch failing
    (an agent retries it, k3s.py)."""
    host, port = url_host_port(url)
    try:
        socket.create_connection((host, port), timeout=3).close()
    except socket.timeout:
        raise Fatal(f"failed to get CA certs: Get \"{url}/cacerts\": dial tcp {host}:{port}: i/o timeout")
    except OSError as e:
        raise Fatal(f"failed to get CA certs: Get \"{url}/cacerts\": dial tcp {host}:{port}: connect: {e.strerror or e}")


def api_listener_start(cid, data_dir):
    """Runs this server's port-6443 listener in the background and returns once it accepts connections."""
    api_stop()
    listener_start([API_PROCESS, cid, data_dir], "api", API_PORT, f"the port {API_PORT} listener")  # k3s-etcd.py


def api_stop():
    """Stops this host's listener (and lets its VIP go), as stopping k3s closes its port."""
    listener_stop("api")


def kube_vip_address(data_dir):
    try:
        docs = list(yaml.safe_load_all(open(data_dir + KUBE_VIP_MANIFEST)))
    except OSError:
        return None
    for d in docs:
        for c in (((d or {}).get("spec") or {}).get("template") or {}).get("spec", {}).get("containers", []):
            for e in c.get("env", []):
                if e.get("name") == "address":
                    return e.get("value")
    return None


def vip_ip(*args):
    ip = shutil.which("ip") or "/usr/sbin/ip"
    subprocess.run([ip, *args], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Vip:
    """The VIP of kube-vip's manifest: held by one running server, taken over when its holder's beat stops."""

    def __init__(self, cid, address):
        self.address = address
        self.prefix = "128" if ":" in address else "32"
        self.path = f"{cluster_dir(cid)}/vip/{address}"
        self.held = False

    def beat(self):
        if self.held:
            try:
                os.utime(self.path)
                return
            except FileNotFoundError:
                self.held = False
        try:
            fresh = time.time() - os.stat(self.path).st_mtime < VIP_STALE
        except FileNotFoundError:
            fresh = False
        if fresh:
            return

        def take():
            try:
                if time.time() - os.stat(self.path).st_mtime < VIP_STALE:
                    return False
            except FileNotFoundError:
                pass
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            with open(self.path, "w") as f:
                f.write(node_hostname())
            return True
        if locked(take):
            vip_ip("addr", "add", f"{self.address}/{self.prefix}", "dev", "eth0")
            self.held = True

    def release(self):
        if not self.held:
            return
        vip_ip("addr", "del", f"{self.address}/{self.prefix}", "dev", "eth0")
        if os.path.exists(self.path):
            os.remove(self.path)


def api_listener_serve(cid, data_dir):
    try:
        srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        srv.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("::", API_PORT))
    except OSError:  # no IPv6 in this network namespace
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("0.0.0.0", API_PORT))
    srv.listen(64)
    banner = f"{STANDIN} k3s server stand-in on port {API_PORT}: this is not a Kubernetes API\n".encode()

    def serve():
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            try:
                conn.sendall(banner)
            except OSError:
                pass
            conn.close()
    threading.Thread(target=serve, daemon=True).start()
    address = kube_vip_address(data_dir)
    vip = Vip(cid, address) if address else None

    def done(*_):
        if vip:
            vip.release()
        srv.close()
        os._exit(0)
    # Exits at once when stopped: stopping k3s closes its port without delay.
    signal.signal(signal.SIGTERM, done)
    # Runs while this host's k3s server runs in this cluster.
    while (read_json(f"{RUN_DIR}/server.json") or {}).get("cluster") == cid:
        if vip:
            vip.beat()
        time.sleep(VIP_BEAT)
    done()
