import * as path from "path";

/**
 * k3s flags whose value is a path on the node, which k3s (or the kubelet, kine, flannel it runs)
 * opens there as written: a relative path is resolved against k3s's working directory, / under the
 * service install.sh writes (systemd's default for a system unit), not against the project on the
 * machine running Pulumi, and `~` is not expanded. local-path-provisioner refuses a relative
 * default-local-storage-path outright ("path must start with /", its config canonicalization), so no
 * local-path volume would be provisioned. Each maps to an absolute example in k3s's own directories.
 */
const NODE_PATH_EXAMPLES: Record<string, string> = {
  "datastore-cafile": "/etc/rancher/k3s/datastore-ca.pem",
  "datastore-certfile": "/etc/rancher/k3s/datastore.pem",
  "datastore-keyfile": "/etc/rancher/k3s/datastore-key.pem",
  "default-local-storage-path": "/var/lib/rancher/k3s/storage",
  "flannel-conf": "/etc/rancher/k3s/flannel.json",
  "flannel-cni-conf": "/etc/rancher/k3s/flannel.conflist",
  "image-credential-provider-bin-dir": "/var/lib/rancher/credentialprovider/bin",
  "image-credential-provider-config": "/var/lib/rancher/credentialprovider/config.yaml",
  "private-registry": "/etc/rancher/k3s/registries.yaml",
  "resolv-conf": "/etc/rancher/k3s/resolv.conf",
  "log": "/var/log/k3s.log",
  "vpn-auth-file": "/etc/rancher/k3s/vpn-auth",
  // k3s links /etc/rancher/k3s/k3s.yaml to it (K3S:pkg/server/server.go), which the kubeconfig step
  // reads: a relative target is read from /etc/rancher/k3s/ and the link dangles.
  "write-kubeconfig": "/root/.kube/k3s.yaml",
};

/** The flags above that name a directory rather than a file, so the fix names no file to put there. */
const DIRECTORIES = new Set(["default-local-storage-path", "image-credential-provider-bin-dir"]);

/** Why `value` of k3s flag `flag` is no path k3s finds on the node, with the fix; undefined when it is one, is empty (k3s's default) or `flag` names no path. */
export function nodePathProblem(flag: string, value: string): string | undefined {
  const example = NODE_PATH_EXAMPLES[flag];
  if (!example || value === "") return undefined;
  if (value.startsWith("/")) {
    // A file flag given a directory (a trailing '/', or '/' itself): k3s cannot open or write a file there.
    if (DIRECTORIES.has(flag) || !value.endsWith("/")) return undefined;
    return `'${value}' names a directory, but ${flag} names a file on each node that k3s opens or writes as written. Fix: name the file, such as ${flag}: ${value.replace(/\/+$/, "")}/${path.posix.basename(example)}`;
  }
  const name = path.posix.basename(value);
  const absolute = name && name !== "." && name !== ".." && name !== "~" ? `${path.posix.dirname(example)}/${name}` : example;
  const why = value.startsWith("~") ? "k3s does not expand '~'" : "k3s resolves a relative path against its working directory (/ for its service), not the project directory";
  return `'${value}' is not an absolute path, and ${flag} names a path on each node that k3s opens as written: ${why}, so it would not find what you meant. Fix: write the absolute path on the node, such as ${flag}: ${absolute}${DIRECTORIES.has(flag) ? "" : ", and put the file there on each node that reads it"}`;
}
