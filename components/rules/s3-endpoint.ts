import { bracketFix, bracketedIpv6, ipFamily } from "./address";
/** How a fix names the S3 settings next to the endpoint: the stack's snapshots.s3 fields, or k3s's etcd-s3-* keys. */
export interface S3SettingNames {
  /** Where the access and secret keys go. */
  keys: string;
  folder: string;
  bucket: string;
}

/** The stack's names (k3s-stacks:snapshots.s3 and its secrets). */
export const STACK_S3_NAMES: S3SettingNames = { keys: "the secrets k3s-stacks:etcdS3AccessKey and k3s-stacks:etcdS3SecretKey", folder: "folder", bucket: "bucket" };

/**
 * Why an etcd snapshot S3 endpoint (`snapshots.s3.endpoint`, k3s `etcd-s3-endpoint`) would stop
 * snapshots, as "what is wrong. Fix: ..." without the key; undefined when it is a host[:port].
 * k3s hands it to minio-go's `minio.New`, whose isValidEndpointURL refuses any path ("Endpoint url
 * cannot have fully qualified paths."); a query or fragment is no host either, and credentials
 * belong in the access/secret keys. The scheme is reported by the snapshot schema itself.
 */
export function s3EndpointProblem(value: string, names: S3SettingNames = STACK_S3_NAMES): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return undefined;
  const at = value.indexOf("@");
  if (at >= 0) return `carries credentials before '@'. Fix: set the endpoint to '${hostPart(value.slice(at + 1))}' and the keys in ${names.keys}.`;
  const cut = value.search(/[/?#]/);
  if (cut < 0) return hostPortProblem(value);
  const host = value.slice(0, cut);
  const extra = value.slice(cut);
  const path = extra.replace(/[?#].*$/, "").replace(/^\/+|\/+$/g, "");
  const target = path ? ` and '${path}' in ${names.folder} (a prefix inside the bucket), or in ${names.bucket} when it names the bucket` : "";
  return `'${value}' has ${/^\//.test(extra) ? "a path" : "a query or fragment"} after the host; k3s's S3 client (minio-go) takes host[:port] only and refuses it ("Endpoint url cannot have fully qualified paths"), so no snapshot would reach S3. Fix: set the endpoint to '${host}'${target}.`;
}

/**
 * Why `value` is not the host[:port] minio-go takes (url.Parse of https://<value>, then
 * s3utils.IsValidDomain or IsValidIP on the host): an IPv6 address needs brackets (else the part after
 * its last ':' is read as the port); a name must not be empty or longer than 255 characters, start with
 * '.', start or end with '-' or '_', or hold whitespace or any of `~!@#$%^&*()+={}[]|\"';:><?/ (a
 * trailing dot and non-ASCII letters pass); a port is 1-65535.
 */
function hostPortProblem(value: string): string | undefined {
  const v6 = bracketedIpv6(value);
  if (v6) return `'${value}' is an IPv6 address without brackets: k3s's S3 client (minio-go) reads the part after its last ':' as the port. Fix: set the endpoint to ${bracketFix(v6)}.`;
  const m = /^(\[[^\]]*\]|[^:[\]]*)(?::(\d*))?$/.exec(value);
  const host = m?.[1] ?? "";
  const bad = !m || (host.startsWith("[") ? ipFamily(host.slice(1, -1)) !== "ipv6" : host.length === 0 || host.length > 255 || /^[.\-_]|[-_]$|[\s`~!@#$%^&*()+={}[\]|\\"';:><?/]/.test(host));
  if (bad) return `'${value}' is not a host[:port]: k3s's S3 client (minio-go) takes a DNS name or an IP address (IPv6 in brackets) with an optional port, so no snapshot would reach S3. Fix: set the endpoint to the S3 service's host name or address, such as s3.example.com:9000.`;
  const port = m?.[2];
  if (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65535)) return `'${value}' has ${port ? `port ${port}, outside 1-65535` : "a ':' without a port"}. Fix: set the endpoint to ${host}:<the S3 service's port>, such as ${host}:9000.`;
  return undefined;
}

function hostPart(value: string): string {
  return value.replace(/[/?#].*$/, "");
}

/** An AWS S3 regional endpoint (s3.eu-central-1.amazonaws.com, s3-eu-west-1, s3.dualstack.…, .amazonaws.com.cn) and its region. */
const AWS_REGIONAL = /^s3[.-](?:dualstack\.)?([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?(?::\d+)?$/i;

/**
 * Why `region` does not fit an AWS regional `endpoint` (snapshots.s3, k3s etcd-s3-endpoint and
 * etcd-s3-region), as "what is wrong. Fix: ..."; undefined otherwise (other S3 services name no region
 * in their host). k3s signs its requests for etcd-s3-region, us-east-1 when unset, and AWS answers a
 * regional endpoint signed for another region with a redirect, so k3s's bucket check fails ("failed to
 * test for existence of bucket: 301 Moved Permanently", kube-hetzner#1404, fixed by setting the region)
 * and no snapshot reaches S3.
 */
export function s3RegionProblem(endpoint: string, region: string, regionName = "region"): string | undefined {
  const named = AWS_REGIONAL.exec(endpoint)?.[1]?.toLowerCase();
  if (named === undefined || named === region.toLowerCase()) return undefined;
  return `is ${region}, but the endpoint ${endpoint} is AWS's ${named} endpoint; k3s signs its S3 requests for ${region} and AWS redirects them ("301 Moved Permanently" when k3s checks the bucket), so no snapshot would reach S3. Fix: set ${regionName}: ${named}.`;
}
