// A host of each OS family for host preparation tests: a sandbox with fake tools (support/host.ts,
// support/shell.ts), the config script rendered with its host paths moved into the sandbox, and bash.
import * as fs from "fs";
import * as path from "path";
import { HostPrep } from "../../../components/k3s/host-prep";
import { renderConfigScript } from "../../../components/k3s/scripts";
import { NodeNetwork } from "../../../components/k3s/host/network";
import { LOG_CALL, Sandbox, sandbox } from "./shell";
import { HOST_PATHS, debianHost, put } from "./host";

/** The current test's sandbox (set by host()). */
export let sb: Sandbox;
afterEach(() => sb.cleanup());

export const OS: Record<string, string> = {
  debian: 'ID=debian\nVERSION_ID="12"\n',
  ubuntu: 'ID=ubuntu\nID_LIKE=debian\nVERSION_ID="23.10"\n',
  raspbian: 'ID=raspbian\nID_LIKE=debian\nVERSION_ID="11"\n',
  rocky: 'ID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n',
  alma: 'ID="almalinux"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n',
  ol: 'ID="ol"\nID_LIKE="fedora"\nVERSION_ID="9.4"\n',
  sles: 'ID="sles"\nID_LIKE="suse"\nVERSION_ID="15.6"\n',
  leap: 'ID="opensuse-leap"\nID_LIKE="suse opensuse"\nVERSION_ID="15.6"\n',
  tumbleweed: 'ID="opensuse-tumbleweed"\nID_LIKE="opensuse suse"\nVERSION_ID="20261120"\n',
  slemicro: 'NAME="SLE Micro"\nID="sle-micro"\nID_LIKE="suse"\nVERSION_ID="5.5"\nVARIANT_ID="sle-micro"\n',
  microos: 'ID="opensuse-microos"\nID_LIKE="suse opensuse opensuse-tumbleweed microos sle-micro opensuse-microos"\nVERSION_ID="20261120"\n',
  fcos: 'NAME="Fedora Linux"\nID=fedora\nVERSION_ID=41\nVARIANT_ID=coreos\nOSTREE_VERSION=\'41.20241109.3.0\'\n',
  r4e: 'NAME="Red Hat Enterprise Linux"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"\n',
  arch: "ID=arch\n",
  archarm: "ID=archarm\nID_LIKE=arch\n",
  nixos: "ID=nixos\n",
};

export const SERVER: NodeNetwork = { role: "server", etcd: true, backend: "vxlan", clusterCidrs: ["10.42.0.0/16"], serviceCidrs: ["10.43.0.0/16"], embeddedRegistry: false };
export const AGENT: NodeNetwork = { ...SERVER, role: "agent", etcd: false };

/** A host of `os` whose modprobe lacks $MISSING_MODULES until a package manager "installs" them. */
export function host(os: string, kernel = "6.1.0-28-amd64"): void {
  sb = sandbox();
  debianHost(sb);
  put(sb, "etc/os-release", OS[os]);
  put(sb, "sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n");
  put(sb, "proc/modules", "");
  process.env.KERNEL = kernel;
  sb.fake("swapon", "true");
  sb.fake("sysctl", "true");
  // Queries are not logged: the call log lists what changed the host.
  sb.fake("systemctl", `case "$1" in is-enabled) [ -n "\${NM_CLOUD_SETUP:-}" ] ;; is-active|list-unit-files) exit 1 ;; *) ${LOG_CALL} ;; esac`);
  sb.fake("modprobe", `m=\${*: -1}; case " \${MISSING_MODULES:-} " in *" $m "*) [ -e "${sb.dir}/installed" ] ;; esac`);
  for (const pm of ["apt-get", "dnf", "zypper"]) sb.fake(pm, `${LOG_CALL}\ncase "$*" in *install*) touch "${sb.dir}/installed" ;; esac`);
}
afterEach(() => delete process.env.KERNEL);

export const render = (prep: Partial<HostPrep> = {}, role: "server" | "agent" = "server") =>
  HOST_PATHS.reduce((s, p) => s.split(p).join(sb.dir + p), renderConfigScript({
    host: { node: "n1", fixCgroups: false, allowReboot: false, network: role === "server" ? SERVER : AGENT, ...prep },
    role,
    files: [{ path: path.join(sb.dir, "etc/rancher/k3s/config.yaml"), content: "node-name: n1", mode: "0600" }],
  }));
export const run = (script: string, env: Record<string, string> = {}) =>
  sb.run(["bash", "-s", "--", "create"], { input: script, env: { KERNEL: process.env.KERNEL ?? "", ...env } });
export const exists = (p: string) => fs.existsSync(path.join(sb.dir, p));
export const read = (p: string) => fs.readFileSync(path.join(sb.dir, p), "utf8");
