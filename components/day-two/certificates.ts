import { X509Certificate } from "crypto";
import { parse } from "yaml";
import { shq } from "../remote/shell";

/**
 * k3s issues its client and server certificates for 365 days and renews those with fewer than 90 days
 * left, but only when k3s starts (docs.k3s.io "Certificate Management"; k3s-io/k3s#1621). A cluster
 * whose nodes run a year without a restart loses its API and its nodes' access when they expire
 * (k3s-io/k3s#2550, #8762; vitobotta/hetzner-k3s#374), and a stack restarts nodes only for a change.
 */
export const RENEWAL_WINDOW_DAYS = 90;

const DAY_MS = 24 * 3600 * 1000;

/** notAfter of the client certificate of the kubeconfig's first user, or undefined when it has none that parses. */
export function clientCertificateExpiry(kubeconfig: string): Date | undefined {
  try {
    const doc = parse(kubeconfig) as { users?: Array<{ user?: Record<string, unknown> }> } | null;
    const data = doc?.users?.[0]?.user?.["client-certificate-data"];
    if (typeof data !== "string") return undefined;
    const expiry = new Date(new X509Certificate(Buffer.from(data, "base64")).validTo);
    return Number.isNaN(expiry.getTime()) ? undefined : expiry;
  } catch {
    return undefined;
  }
}

/**
 * The certificate renewal this update runs, as the day (YYYY-MM-DD, UTC) the certificates it renews
 * expire, or undefined for none. Due when `certificateExpiry` (ISO time), the expiry of the admin
 * client certificate in the previous `kubeconfig` output (issued with the first server's other
 * certificates), is fewer than {@link RENEWAL_WINDOW_DAYS} days after `now` (the planning time), or
 * past. A renewal once run stays the stack's value (the `certificateRenewal` output) until the next is
 * due, so the restart steps, which carry it, change only when a renewal is due.
 */
export function certificateRenewal(previous: { certificateExpiry?: string; certificateRenewal?: string }, now: Date): string | undefined {
  const expiry = previous.certificateExpiry === undefined ? NaN : Date.parse(previous.certificateExpiry);
  if (expiry - now.getTime() < RENEWAL_WINDOW_DAYS * DAY_MS) return new Date(expiry).toISOString().slice(0, 10);
  return previous.certificateRenewal;
}

/** Where a node notes the renewal it ran, so a resumed roll does not rotate its certificates twice. */
export const RENEWED_FILE = "/var/lib/rancher/k3s-stacks/rollout/certificates-renewed";

/**
 * Bash for a node's restart step: once per `renewal`, stops the k3s unit, runs `k3s certificate rotate`
 * (it moves the node's client and server certificates aside, CAs kept, and k3s issues new ones as it
 * starts; k3s-io/k3s#4632) and starts the unit again. Rotating rather than relying on the 90-day renewal
 * at start gives every node a full year from the same day, so the first server's certificate speaks for
 * all of them. Servers go first, then agents, as k3s's maintainers advise (k3s-io/k3s discussion #10024);
 * the rolling order does that. Stopping k3s leaves the node's containers running. Sets `since`; the
 * start is queued (unit_queue): the health gate after it waits for k3s.
 */
export function renewCertificatesSnippet(node: string, service: string, renewal: string): string {
  const say = (what: string) => `echo "k3s-stacks: the rolling restart stopped at ${node}: ${what} failed while renewing its certificates (they expire ${renewal}). Fix: check 'journalctl -u ${service}' on ${node}, then run pulumi up again; it resumes at ${node}." >&2`;
  const fail = (what: string) => `{ ${say(what)}; exit 1; }`;
  return `if command -v k3s >/dev/null 2>&1 && [ "$(cat ${shq(RENEWED_FILE)} 2>/dev/null || true)" != ${shq(renewal)} ]; then
  echo "k3s-stacks: renewing the k3s certificates on ${node}: they expire ${renewal}, and k3s renews them only when it starts"
  since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  systemctl stop ${service} || ${fail(`'systemctl stop ${service}'`)}
  k3s certificate rotate || { unit_queue start || true; ${say("'k3s certificate rotate'")}; exit 1; }
  unit_queue start || ${fail(`'systemctl start ${service}'`)}
  install -d -m 0700 ${shq(RENEWED_FILE.replace(/\/[^/]*$/, ""))}
  echo ${shq(renewal)} > ${shq(RENEWED_FILE)}
fi
`;
}
