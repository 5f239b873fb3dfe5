/**
 * End-to-end test lab: SSH hosts in network namespaces (hosts.sh) plus the k3s stand-ins served
 * over HTTP from the bridge address. Needs root. Every address used is one of the lab's own.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { REFERENCE_PATH } from "../../k3s/support/reference";

const HOSTS_SH = path.join(__dirname, "hosts.sh");
const MAKE_ARTIFACTS = path.join(__dirname, "..", "standins", "make-artifacts.sh");
/** Flag table the k3s stand-in validates against: the vendored reference (test/k3s/support/reference.ts). */
export const DEFAULT_FLAGS_JSON = REFERENCE_PATH;
const COMMAND_TIMEOUT_MS = 120_000;

/** How the SSH user of a host gets root. */
export type SudoMode = "root" | "nopasswd" | "password";

/** One host to create. */
export interface HostSpec {
  /** Host name (also the node name k3s sees): lowercase letters, digits, dashes. */
  name: string;
  /** `root` logs in as root; `nopasswd`/`password` log in as user `ops` with that kind of sudo rule. Default root. */
  user?: SudoMode;
  /** Name of an earlier host that is the only way in (bastion). */
  via?: string;
  /**
   * false: the fake /proc/cmdline and /proc/cgroups have the memory cgroup off, like a Raspberry Pi before
   * the fix; "ignored": off, and the kernel ignores cgroup_enable=memory (a reboot does not enable it). Default true.
   */
  memoryCgroup?: boolean | "ignored";
  /**
   * OS family the host claims (os-release, kernel release, the family's tools as stand-ins from
   * standins/hostos.py; rocky also sudo's RHEL secure_path without /usr/local/bin, NetworkManager and
   * an enabled nm-cloud-setup). Default debian (the lab machine's own).
   */
  flavor?: "debian" | "rocky" | "suse" | "arch" | "ubuntu-pi";
  /** Kernel modules the host's modprobe lacks; the family's package provides them. */
  missingModules?: string[];
  /** This firewall is on (stand-in). */
  firewall?: "firewalld" | "ufw";
  /** getenforce answers this (stand-in). */
  selinux?: "enforcing" | "permissive";
  /** The host boots cgroup v1 (this machine's own /sys/fs/cgroup) instead of the default cgroup v2 mount. */
  cgroupV1?: boolean;
  /** Machine type `uname -m` reports (a stand-in answers for non-x86_64); the install script picks its k3s asset by it. Default x86_64. */
  arch?: "x86_64" | "aarch64" | "armv7l";
}

/** A created host, as written by hosts.sh to hosts.json. */
export interface TestHost {
  name: string;
  address: string;
  port: number;
  user: string;
  sudo: SudoMode;
  sudoPassword: string | null;
  proxy: string | null;
  netns: string;
  memoryCgroup: boolean;
  arch: "x86_64" | "aarch64" | "armv7l";
  flavor: NonNullable<HostSpec["flavor"]>;
}

/** Shape of @pulumi/command's remote ConnectionArgs (plain values). */
export interface Connection {
  host: string;
  port: number;
  user: string;
  privateKey: string;
  proxy?: Omit<Connection, "proxy">;
}

/** One line of the stand-ins' invocation log. */
export interface Invocation {
  ts: string;
  tool: "k3s" | "kubectl" | "systemctl" | "install.sh";
  argv: string[];
  role: "server" | "agent" | null;
  host: string;
  uid: number;
  action?: string;
  envNames?: string[];
  installEnv?: Record<string, string>;
  /**
   * k3s stand-in lifecycle events: "stopped" when a unit stops, "ready" when a start finished,
   * "cluster-reset" when `k3s server --cluster-reset` reset etcd (and restored `restoredFrom`).
   */
  event?: "stopped" | "ready" | "cluster-reset";
  node?: string;
  /** "ready": the version of the binary that started (what the Node reports until the next start). */
  version?: string;
  restoredFrom?: string | null;
  /** systemctl: the command line of the process that called it (install.sh, or our own script). */
  parent?: string[];
  /** systemctl: the command lines of its callers, parent first (install.sh behind our systemctl shim). */
  callers?: string[][];
}

/** Files under shared/control/ that steer the k3s stand-in (optionally for one node only). */
export type ControlFile = "start-delay" | "fail-start" | "fail-call" | "install-fail" | "node-monitor-grace-period";

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

interface HostsJson {
  stateDir: string;
  bridgeAddress: string;
  artifactBaseUrl: string;
  privateKeyPath: string;
  sharedDir: string;
  invocationLog: string;
  hosts: TestHost[];
}

/** A running lab; call `down()` in afterAll (also done at process exit as a safety net). */
export class TestLab {
  readonly stateDir: string;
  readonly hosts: Record<string, TestHost>;
  readonly privateKeyPath: string;
  /** Base URL to use as INSTALL_K3S_ARTIFACT_URL. */
  readonly artifactBaseUrl: string;
  /** URL of the install-script stand-in (use instead of https://get.k3s.io). */
  readonly installScriptUrl: string;
  readonly bridgeAddress: string;
  readonly sharedDir: string;
  private readonly invocationLog: string;
  private isDown = false;

  constructor(info: HostsJson) {
    this.stateDir = info.stateDir;
    this.hosts = Object.fromEntries(info.hosts.map((h) => [h.name, h]));
    this.privateKeyPath = info.privateKeyPath;
    this.artifactBaseUrl = info.artifactBaseUrl;
    this.installScriptUrl = `${info.artifactBaseUrl}/install.sh`;
    this.bridgeAddress = info.bridgeAddress;
    this.sharedDir = info.sharedDir;
    this.invocationLog = info.invocationLog;
  }

  /** Private key text (a secret: wrap it in pulumi.secret when handing it to a program). */
  get privateKey(): string {
    return fs.readFileSync(this.privateKeyPath, "utf8");
  }

  host(name: string): TestHost {
    const h = this.hosts[name];
    if (!h) throw new Error(`no test host named ${name}`);
    return h;
  }

  /** Connection for @pulumi/command remote resources, with the bastion as proxy where needed. */
  connection(name: string): Connection {
    const h = this.host(name);
    const key = this.privateKey;
    const conn: Connection = { host: h.address, port: h.port, user: h.user, privateKey: key };
    if (h.proxy) {
      const b = this.host(h.proxy);
      conn.proxy = { host: b.address, port: b.port, user: b.user, privateKey: key };
    }
    return conn;
  }

  /** Runs a shell command over real SSH as the host's login user (through its bastion if any). */
  ssh(name: string, command: string, opts: { stdin?: string; timeoutMs?: number } = {}): ExecResult {
    const h = this.host(name);
    const base = [
      "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
      "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-i", this.privateKeyPath,
    ];
    const args = [...base];
    if (h.proxy) {
      const b = this.host(h.proxy);
      const inner = ["ssh", ...base, "-W", "%h:%p", `${b.user}@${b.address}`].join(" ");
      args.push("-o", `ProxyCommand=${inner}`);
    }
    args.push("-p", String(h.port), `${h.user}@${h.address}`, command);
    const r = spawnSync("ssh", args, { input: opts.stdin ?? "", encoding: "utf8", timeout: opts.timeoutMs ?? COMMAND_TIMEOUT_MS });
    return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  }

  /** Runs a command as root directly inside the host's namespaces (no SSH; for assertions and setup). */
  exec(name: string, command: string): ExecResult {
    this.host(name);
    const r = spawnSync(HOSTS_SH, ["exec", this.stateDir, name, "bash", "-c", command], {
      encoding: "utf8",
      timeout: COMMAND_TIMEOUT_MS,
    });
    return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  }

  /** A file as the host sees it, or undefined when absent. */
  readFile(name: string, file: string): string | undefined {
    const r = this.exec(name, `cat -- '${file.replace(/'/g, "'\\''")}' 2>/dev/null`);
    return r.code === 0 ? r.stdout : undefined;
  }

  /** Kills every process of the host, sshd included ("the host goes away"). */
  stopHost(name: string): void {
    this.host(name);
    execFileSync(HOSTS_SH, ["stop-sshd", this.stateDir, name], { stdio: "pipe", timeout: COMMAND_TIMEOUT_MS });
  }

  /** Stops only the host's listening sshd (like `systemctl stop ssh`): open sessions finish, new logins are refused. */
  stopSshd(name: string): void {
    this.host(name);
    execFileSync(HOSTS_SH, ["stop-listener", this.stateDir, name], { stdio: "pipe", timeout: COMMAND_TIMEOUT_MS });
  }

  /** Starts the host's sshd again; files and service state survive, like a reboot without power loss. */
  startHost(name: string): void {
    this.host(name);
    execFileSync(HOSTS_SH, ["start-sshd", this.stateDir, name], { stdio: "pipe", timeout: COMMAND_TIMEOUT_MS });
  }

  /**
   * Applies /boot/firmware/cmdline.txt to the fake /proc/cmdline, as a reboot would, and turns the
   * memory cgroup on when it asks for it (unless the host's kernel ignores that: memoryCgroup "ignored").
   */
  applyBootCmdline(name: string): void {
    const cmdline = this.readFile(name, "/boot/firmware/cmdline.txt");
    if (cmdline === undefined) throw new Error(`${name} has no /boot/firmware/cmdline.txt`);
    const dir = path.join(this.stateDir, "hosts", name);
    fs.writeFileSync(path.join(dir, "cmdline"), cmdline.trim() + "\n");
    const ignores = this.exec(name, "test -e /var/lib/k3s-standin/os/kernel-ignores-cgroup-args").code === 0;
    if (/(^|\s)cgroup_enable=memory(\s|$)/.test(cmdline) && !ignores) {
      const table = fs.readFileSync(path.join(dir, "cgroups"), "utf8");
      fs.writeFileSync(path.join(dir, "cgroups"), table.replace(/^(memory\t\d+\t\d+\t)\d+$/m, "$11"));
      fs.writeFileSync(path.join(dir, "cgroup.controllers"), "cpuset cpu io memory pids\n");
    }
  }

  /**
   * Sets a stand-in control file (content: seconds for start-delay, call numbers for fail-call, a
   * message otherwise). A start-delay ends early when cleared: a long one holds starts until then.
   */
  setControl(file: ControlFile, content: string, node?: string): void {
    fs.writeFileSync(this.controlPath(file, node), content);
  }

  clearControl(file: ControlFile, node?: string): void {
    fs.rmSync(this.controlPath(file, node), { force: true });
    if (file === "fail-call") fs.rmSync(path.join(this.sharedDir, "control", "calls.count"), { force: true });
  }

  private controlPath(file: ControlFile, node?: string): string {
    return path.join(this.sharedDir, "control", node ? `${node}.${file}` : file);
  }

  /** Every stand-in call so far, in order. */
  invocations(): Invocation[] {
    if (!fs.existsSync(this.invocationLog)) return [];
    return fs
      .readFileSync(this.invocationLog, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as Invocation);
  }

  /** Node names and readiness as the stand-in cluster reports them to `k3s kubectl` on a server host. */
  nodes(server: string): { name: string; ready: boolean; version: string; labels: Record<string, string> }[] {
    const r = this.exec(server, "k3s kubectl get nodes -o json");
    if (r.code !== 0) throw new Error(`kubectl on ${server} failed: ${r.stderr}`);
    const list = JSON.parse(r.stdout) as {
      items: { metadata: { name: string; labels: Record<string, string> }; status: { conditions: { type: string; status: string }[]; nodeInfo: { kubeletVersion: string } } }[];
    };
    return list.items.map((n) => ({
      name: n.metadata.name,
      ready: n.status.conditions.some((c) => c.type === "Ready" && c.status === "True"),
      version: n.status.nodeInfo.kubeletVersion,
      labels: n.metadata.labels,
    }));
  }

  /** Tears everything down; safe to call twice. */
  down(): void {
    if (this.isDown) return;
    execFileSync(HOSTS_SH, ["down", this.stateDir], { stdio: "pipe", timeout: COMMAND_TIMEOUT_MS });
    this.isDown = true;
    labs.delete(this);
  }
}

const labs = new Set<TestLab>();
let exitHookInstalled = false;

/** Options for startLab. */
export interface LabOptions {
  /** k3s versions to publish on the artifact server. Default ["v1.36.3+k3s1"]. */
  versions?: string[];
  /** Flag table for the k3s stand-in. Default: the vendored reference, test/fixtures/reference/k3s-flags.json. */
  flagsJson?: string;
}

/** Creates the hosts and the artifact server. Throws (after cleaning up) if anything fails. */
export function startLab(specs: HostSpec[], opts: LabOptions = {}): TestLab {
  if (process.getuid?.() !== 0) throw new Error("the e2e lab needs root (network namespaces); run the e2e suite as root");
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "k3s-e2e-"));
  const args = specs.map((s) =>
    [
      s.name,
      `user=${s.user ?? "root"}`,
      ...(s.via ? [`via=${s.via}`] : []),
      `memcg=${s.memoryCgroup === "ignored" ? "ignored" : s.memoryCgroup === false ? 0 : 1}`,
      ...(s.arch ? [`arch=${s.arch}`] : []),
      `flavor=${s.flavor ?? "debian"}`,
      ...(s.missingModules?.length ? [`nomod=${s.missingModules.join("+")}`] : []),
      ...(s.firewall ? [`fw=${s.firewall}`] : []),
      ...(s.selinux ? [`selinux=${s.selinux}`] : []),
      ...(s.cgroupV1 ? ["cgroup=v1"] : []),
    ].join(","),
  );
  try {
    execFileSync(HOSTS_SH, ["up", state, ...args], { stdio: "pipe", timeout: 300_000 });
    const info = JSON.parse(fs.readFileSync(path.join(state, "hosts.json"), "utf8")) as HostsJson;
    execFileSync(MAKE_ARTIFACTS, [path.join(state, "www"), opts.flagsJson ?? DEFAULT_FLAGS_JSON, ...(opts.versions ?? ["v1.36.3+k3s1"])], {
      stdio: "pipe",
      timeout: COMMAND_TIMEOUT_MS,
    });
    const lab = new TestLab(info);
    labs.add(lab);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on("exit", () => {
        for (const l of [...labs]) {
          try {
            l.down();
          } catch {
            // Best effort at exit; hosts.sh down is idempotent and can be re-run by hand.
          }
        }
      });
    }
    return lab;
  } catch (e) {
    spawnSync(HOSTS_SH, ["down", state], { stdio: "pipe", timeout: COMMAND_TIMEOUT_MS });
    const err = e as { stderr?: Buffer };
    throw new Error(`starting the e2e lab failed: ${String(e)}\n${err.stderr?.toString() ?? ""}`);
  }
}
