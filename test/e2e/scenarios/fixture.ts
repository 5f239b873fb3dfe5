/**
 * The homelab every scenario runs against: three etcd servers, an armhf agent reached as a NOPASSWD
 * sudo user, and an agent behind a bastion whose sudo asks for a password. ag3 is the host the
 * "add an agent" scenario brings in. Stack config is built from the lab's own addresses.
 */
import { HostSpec, TestLab } from "../hosts";

export const V1 = "v1.36.3+k3s1";
export const V2 = "v1.36.4+k3s1";

export const LAB_HOSTS: HostSpec[] = [
  { name: "srv1" },
  { name: "srv2" },
  { name: "srv3" },
  { name: "ag1", user: "nopasswd", arch: "armv7l" },
  { name: "bastion" },
  { name: "ag2", user: "password", via: "bastion" },
  { name: "ag3" },
];

/** One inventory entry as a test writes it; address, user and bastion come from the lab. */
export interface InvHost {
  name: string;
  role: "server" | "agent";
  arch: "amd64" | "armhf" | "arm64";
  labels?: Record<string, string>;
  taints?: string[];
  /** Marked gone for good (removed from the cluster without SSH to it). */
  gone?: boolean;
  /** Further inventory keys of this host (installPackages, firewall, fixCgroups, ...). */
  extra?: Record<string, unknown>;
}

export const SERVERS: InvHost[] = [
  { name: "srv1", role: "server", arch: "amd64" },
  { name: "srv2", role: "server", arch: "amd64" },
  { name: "srv3", role: "server", arch: "amd64" },
];
export const AG1: InvHost = { name: "ag1", role: "agent", arch: "armhf", labels: { "homelab.example/board": "pi3" } };
export const AG2: InvHost = { name: "ag2", role: "agent", arch: "amd64", taints: ["edge=true:NoSchedule"] };
export const AG3: InvHost = { name: "ag3", role: "agent", arch: "amd64" };

/** `k3s-stacks:inventory` for the given hosts (plain JSON, as in Pulumi.<stack>.yaml). */
export function inventoryConfig(lab: TestLab, hosts: InvHost[]): Record<string, unknown> {
  return {
    user: "root",
    hosts: hosts.map((h) => {
      const t = lab.host(h.name);
      const entry: Record<string, unknown> = { name: h.name, address: t.address, role: h.role, arch: h.arch };
      if (t.user !== "root") entry.user = t.user;
      if (t.proxy) {
        const b = lab.host(t.proxy);
        entry.bastion = { address: b.address, port: b.port, user: b.user };
      }
      if (h.labels) entry.labels = h.labels;
      if (h.taints) entry.taints = h.taints;
      if (h.gone) entry.gone = true;
      Object.assign(entry, h.extra);
      return entry;
    }),
  };
}

/** `k3s-stacks:cluster`: etcd, install script and artifacts from the lab's HTTP server. */
export function clusterConfig(lab: TestLab, version: string): Record<string, unknown> {
  return { k3sVersion: version, datastore: "etcd", installScriptUrl: lab.installScriptUrl, artifactUrl: lab.artifactBaseUrl };
}

/** The sudo password of the one lab host that has one. */
export function sudoPassword(lab: TestLab): string {
  const pw = Object.values(lab.hosts).find((h) => h.sudoPassword)?.sudoPassword;
  if (!pw) throw new Error("no lab host has a sudo password");
  return pw;
}

/** Paths k3s leaves on a host; none may remain after uninstall. */
export const K3S_PATHS = ["/etc/rancher/k3s", "/var/lib/rancher/k3s", "/etc/systemd/system/k3s.service", "/etc/systemd/system/k3s-agent.service"];

/** What of k3s is still on a host (empty when clean), including /usr/local/bin/k3s*. */
export function k3sLeftovers(lab: TestLab, host: string): string[] {
  const r = lab.exec(host, `for p in ${K3S_PATHS.join(" ")} /usr/local/bin/k3s* /usr/local/bin/kubectl; do [ -e "$p" ] || [ -L "$p" ] && echo "$p"; done; true`);
  return r.stdout.split("\n").filter((l) => l !== "");
}
