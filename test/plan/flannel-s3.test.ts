// flannelBackend: none leaves the cluster without a CNI (k3s-stacks installs none), and an S3
// endpoint with a path is refused by minio-go ("Endpoint url cannot have fully qualified paths").
import { parseClusterConfig } from "../../components/k3s/settings";
import { ADDONS_KEY } from "../../components/addons/config";
import { s3EndpointProblem } from "../../components/rules/s3-endpoint";
import { problem, problemsOf } from "../support/config";
import { inventoryStack } from "../stack/bad-input-cases";
import { planOf } from "./support-stack";

const V = "v1.36.3+k3s1";

describe("flannelBackend", () => {
  test("none is refused: no CNI would be installed; the fix names the supported backends", () => {
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: V, flannelBackend: "none" }))).toEqual([
      problem("k3s-stacks:cluster.flannelBackend", "without a CNI", /vxlan .*host-gw .*wireguard-native/),
    ]);
  });

  test("an unknown backend names the supported ones too", () => {
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: V, flannelBackend: "ipsec" }))).toEqual([problem("k3s-stacks:cluster.flannelBackend", "not a flannel backend", "wireguard-native")]);
  });

  test.each([["VXLAN", "vxlan"], ["wireguard_native", "wireguard-native"], ["Host-GW", "host-gw"]])("%s: the backend meant is named", (backend, meant) => {
    expect(problemsOf(() => parseClusterConfig({ k3sVersion: V, flannelBackend: backend }))).toEqual([problem("k3s-stacks:cluster.flannelBackend", "lowercase with '-'", `write ${meant}.`)]);
  });

  test.each(["vxlan", "host-gw", "wireguard-native"])("%s is accepted", (backend) => {
    expect(parseClusterConfig({ k3sVersion: V, flannelBackend: backend }).flannelBackend).toBe(backend);
  });

  test("no CNI add-on exists that would make none work", () => {
    // If one is ever added, none must be allowed with it; this keeps the refusal honest.
    expect(problemsOf(() => planOf({ ...inventoryStack(), [`k3s-stacks:${ADDONS_KEY}`]: { cni: { type: "cilium" } } }))).toEqual([expect.stringMatching(/unknown key\(s\) 'cni'/)]);
  });
});

describe("snapshots.s3.endpoint", () => {
  const etcd = (endpoint: string) => ({ ...inventoryStack({ cluster: { datastore: "etcd" } }), "k3s-stacks:snapshots": { s3: { endpoint, bucket: "k3s-snapshots" } } });

  test("a path is refused; the fix puts it in folder", () => {
    expect(problemsOf(() => planOf(etcd("minio.lan:9000/k3s")))).toEqual([problem("k3s-stacks:snapshots.s3.endpoint", "a path", "'minio.lan:9000' and 'k3s' in folder")]);
  });

  test("a query or credentials are refused too", () => {
    expect(s3EndpointProblem("minio.lan:9000?x=1")).toMatch(/a query or fragment.*Fix: set the endpoint to 'minio.lan:9000'/);
    expect(s3EndpointProblem("key:secret@minio.lan:9000")).toMatch(/credentials.*Fix: set the endpoint to 'minio.lan:9000'/);
    expect(s3EndpointProblem("key:secret@minio.lan:9000")).not.toContain("secret@");
  });

  test("an IPv6 address without brackets, a host that is no name, and a bad port are refused (minio-go parses https://<endpoint>)", () => {
    expect(problemsOf(() => planOf(etcd("2001:db8::5")))).toEqual([problem("k3s-stacks:snapshots.s3.endpoint", "an IPv6 address without brackets", "set the endpoint to [2001:db8::5].")]);
    expect(s3EndpointProblem("2001:db8::5:9000")).toMatch(/Fix: set the endpoint to \[2001:db8::5\]:9000 \(or \[2001:db8::5:9000\] if the last group is part of the address/);
    expect(s3EndpointProblem("minio lan")).toMatch(/is not a host\[:port\].*Fix: set the endpoint to the S3 service's host name or address/);
    expect(s3EndpointProblem("[10.0.0.5]:9000")).toMatch(/is not a host\[:port\]/);
    expect(s3EndpointProblem("minio.lan:99999")).toMatch(/has port 99999, outside 1-65535\. Fix: set the endpoint to minio\.lan:<the S3 service's port>/);
    expect(s3EndpointProblem("minio.lan:")).toMatch(/has a ':' without a port/);
    for (const bad of ["-minio.lan", ".minio.lan", "minio_", "min!o.lan"]) expect(s3EndpointProblem(bad)).toMatch(/is not a host\[:port\]/);
  });

  test.each(["minio.lan:9000", "s3.amazonaws.com", "[fd00::9]:9000", "10.0.0.5:9000", "my_minio:9000", "s3.example.com.", "s3.example.com.:9000", "münchen.example"])("%s is accepted", (endpoint) => {
    expect(planOf(etcd(endpoint)).snapshots.s3?.endpoint).toBe(endpoint);
  });
});

describe("snapshots.s3.bucket", () => {
  const etcd = (bucket: string) => ({ ...inventoryStack({ cluster: { datastore: "etcd" } }), "k3s-stacks:snapshots": { s3: { endpoint: "minio.lan:9000", bucket } } });

  test("names k3s's S3 client (minio-go) refuses are refused: an IP address, a dot next to a dot or hyphen", () => {
    expect(problemsOf(() => planOf(etcd("192.168.1.5")))).toEqual([problem("k3s-stacks:snapshots.s3.bucket", "is an IP address", "the address goes in endpoint")]);
    for (const bucket of ["k3s..snaps", "k3s.-snaps", "k3s-.snaps"]) {
      expect(problemsOf(() => planOf(etcd(bucket)))).toEqual([problem("k3s-stacks:snapshots.s3.bucket", "has a dot next to another dot or a hyphen", "use the bucket's real name")]);
    }
  });

  test.each(["k3s-snapshots", "k3s.snapshots.example", "a1b", "My-Bucket", "k3s_snapshots", "etcd:backups"])("%s is accepted (minio-go's non-strict bucket rule, as BucketExists checks it)", (bucket) => {
    expect(planOf(etcd(bucket)).snapshots.s3?.bucket).toBe(bucket);
  });
});
