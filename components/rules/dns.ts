/**
 * DNS names as Kubernetes validates them (k8s.io/apimachinery/pkg/util/validation: IsDNS1123Label,
 * IsDNS1123Subdomain): lowercase a-z, 0-9 and '-', starting and ending alphanumeric; a label is at
 * most 63 characters, a subdomain is dot-separated labels of at most 253 characters in all.
 */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS1123_LABEL_MAX = 63;
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const DNS1123_SUBDOMAIN_MAX = 253;

/** What is wrong with `name` as a DNS-1123 subdomain, or undefined when it is one. */
export function subdomainProblem(name: string): string | undefined {
  if (name.length === 0) return "is empty";
  if (name.length > DNS1123_SUBDOMAIN_MAX) return `is ${name.length} characters long, more than ${DNS1123_SUBDOMAIN_MAX}`;
  if (!DNS1123_SUBDOMAIN.test(name)) return "has characters other than a-z, 0-9, '-' and '.', or does not start and end with a letter or digit";
  return undefined;
}

/**
 * The DNS-1123 subdomain a near-miss most likely means: lowercase, '_' and spaces as '-', without
 * surrounding spaces, dots or dashes (`Pi_1` → pi-1, `cluster.local.` → cluster.local). Undefined
 * when that is no subdomain either, or is the name itself.
 */
export function nearestSubdomain(name: string): string | undefined {
  const near = name.trim().toLowerCase().replace(/[_\s]+/g, "-").replace(/^[.-]+|[.-]+$/g, "");
  return near !== name && subdomainProblem(near) === undefined ? near : undefined;
}
