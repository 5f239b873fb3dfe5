/**
 * A real three-member etcd cluster on 127.0.0.1 (client TLS with client certificates, as k3s runs its
 * embedded etcd), built from test/e2e/etcd with the machine's Go and the module proxy, cached by the
 * sources' digest like the toolchain (toolchain/build.sh).
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const SRC = __dirname;
const CACHE = path.join(process.env.K3S_STACKS_CACHE ?? path.join(os.homedir(), ".cache", "k3s-stacks"), "toolchain");

/** Builds (or finds cached) the etcd binary; returns its path. */
export function etcdBinary(): string {
  const digest = createHash("sha256");
  for (const f of ["go.mod", "go.sum", "main.go"]) digest.update(fs.readFileSync(path.join(SRC, f)));
  const out = path.join(CACHE, `etcd-${digest.digest("hex").slice(0, 12)}`, "etcd");
  if (fs.existsSync(out)) return out;
  const go = fs.existsSync("/usr/local/go/bin/go") ? "/usr/local/go/bin/go" : "go";
  fs.mkdirSync(path.dirname(out), { recursive: true });
  execFileSync(go, ["build", "-trimpath", "-ldflags", "-s -w", "-o", `${out}.tmp`, "."], {
    cwd: SRC,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, GOFLAGS: "-mod=mod", GOTOOLCHAIN: "local", CGO_ENABLED: "0", GOPROXY: process.env.GOPROXY ?? "https://proxy.golang.org" },
    timeout: 1_200_000,
  });
  fs.renameSync(`${out}.tmp`, out);
  return out;
}

/** A member: k3s names them `<node>-<8 hex>` (pkg/etcd setName). */
export interface Member {
  name: string;
  client: number;
  peer: number;
}

/** The certificates k3s keeps in server/tls/etcd: server-ca.crt, server-client.crt/.key, and a serving pair. */
function makeCerts(dir: string): void {
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
  const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  ssl("req", "-x509", ...key, "-keyout", "server-ca.key", "-out", "server-ca.crt", "-subj", "/CN=etcd-server-ca", "-days", "2");
  const sign = (name: string, cn: string, ext: string) => {
    fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
    ssl("req", ...key, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`);
    ssl("x509", "-req", "-in", `${name}.csr`, "-CA", "server-ca.crt", "-CAkey", "server-ca.key", "-CAcreateserial", "-out", `${name}.crt`, "-days", "2", "-extfile", `${name}.ext`);
  };
  sign("server", "etcd-server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n");
  sign("server-client", "etcd-client", "extendedKeyUsage=clientAuth\n");
}

export class EtcdCluster {
  readonly tls: string;
  private readonly procs = new Map<string, ChildProcess>();

  constructor(
    private readonly bin: string,
    readonly dir: string,
    readonly members: Member[],
  ) {
    this.tls = path.join(dir, "tls");
    fs.mkdirSync(this.tls, { recursive: true });
    makeCerts(this.tls);
  }

  /** Starts a member of the initial cluster (again, with its data, after stop()). */
  start(name: string): void {
    const m = this.members.find((x) => x.name === name)!;
    const initial = this.members.map((x) => `${x.name}=http://127.0.0.1:${x.peer}`).join(",");
    const t = (f: string) => path.join(this.tls, f);
    const log = fs.openSync(path.join(this.dir, `${name}.log`), "a");
    this.procs.set(name, spawn(this.bin, [
      "--name", name, "--data-dir", path.join(this.dir, `data-${name}`),
      "--listen-client-urls", `https://127.0.0.1:${m.client}`, "--advertise-client-urls", `https://127.0.0.1:${m.client}`,
      "--listen-peer-urls", `http://127.0.0.1:${m.peer}`, "--initial-advertise-peer-urls", `http://127.0.0.1:${m.peer}`,
      "--initial-cluster", initial, "--initial-cluster-state", "new",
      "--cert-file", t("server.crt"), "--key-file", t("server.key"), "--trusted-ca-file", t("server-ca.crt"), "--client-cert-auth",
    ], { stdio: ["ignore", log, log] }));
  }

  stop(name: string): void {
    this.procs.get(name)?.kill("SIGKILL");
    this.procs.delete(name);
  }

  stopAll(): void {
    for (const name of [...this.procs.keys()]) this.stop(name);
  }

  /** A JSON gateway request to the member on `port`, with the client certificate (curl, as the guards ask). */
  request(port: number, urlPath: string, body?: string): string {
    const t = (f: string) => path.join(this.tls, f);
    const args = ["-sS", "--max-time", "5", "--cacert", t("server-ca.crt"), "--cert", t("server-client.crt"), "--key", t("server-client.key")];
    if (body !== undefined) args.push("-X", "POST", "-d", body);
    return execFileSync("curl", [...args, `https://127.0.0.1:${port}${urlPath}`], { encoding: "utf8" });
  }

  /** Waits until every running member reports itself healthy. */
  async healthy(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const sick = [...this.procs.keys()].filter((name) => {
        try {
          return !this.request(this.members.find((m) => m.name === name)!.client, "/health").includes('"health":"true"');
        } catch {
          return true;
        }
      });
      if (sick.length === 0) return;
      if (Date.now() > deadline) throw new Error(`etcd members not healthy after ${timeoutMs} ms: ${sick.join(", ")} (logs in ${this.dir})`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}
