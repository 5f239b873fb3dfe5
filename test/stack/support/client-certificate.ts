import { spawnSync } from "child_process";
import { stringify } from "yaml";

/** A kubeconfig whose client certificate (self-signed by openssl) expires `days` from now. */
export function kubeconfigExpiringIn(days: number): string {
  const r = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "/dev/null", "-subj", "/CN=system:admin", "-days", String(days)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  const user = { "client-certificate-data": Buffer.from(r.stdout).toString("base64"), "client-key-data": "S0VZ" };
  return stringify({ apiVersion: "v1", clusters: [{ name: "k", cluster: { server: "https://10.0.0.1:6443" } }], users: [{ name: "k", user }], contexts: [], "current-context": "k" });
}
