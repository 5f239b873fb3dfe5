import { stringify } from "yaml";

/** File cloud-init writes last; its presence means host preparation finished. */
export const CLOUD_INIT_MARKER = "/var/lib/k3s-stacks/cloud-init.done";

/** Seconds cloud-init may still run once SSH answers (package installs on a slow mirror). */
export const CLOUD_INIT_TIMEOUT = 900;

/** Packages every node gets, so the k3s install never waits on apt. */
export const BASE_PACKAGES = ["curl", "ca-certificates", "iptables", "conntrack"];

/**
 * Cloud-init user data for a k3s node: installs packages, loads the kernel modules and sysctls
 * k3s and flannel rely on, and writes the marker the SSH wait checks. Holds nothing secret.
 */
export function renderCloudInit(extraPackages: string[] = []): string {
  const packages = [...new Set([...BASE_PACKAGES, ...extraPackages])];
  const doc = {
    package_update: true,
    packages,
    write_files: [
      { path: "/etc/modules-load.d/k3s.conf", permissions: "0644", content: "br_netfilter\noverlay\n" },
      {
        path: "/etc/sysctl.d/90-k3s.conf",
        permissions: "0644",
        content: "net.ipv4.ip_forward = 1\nnet.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\n",
      },
    ],
    runcmd: [
      ["modprobe", "br_netfilter"],
      ["modprobe", "overlay"],
      ["sysctl", "--system"],
      ["mkdir", "-p", "/var/lib/k3s-stacks"],
      ["touch", CLOUD_INIT_MARKER],
    ],
  };
  return `#cloud-config\n${stringify(doc)}`;
}
