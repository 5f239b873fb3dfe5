import { shq } from "../remote/shell";

/** The largest difference accepted between a node's clock and the first server's, in seconds. */
export const MAX_CLOCK_SKEW_SECONDS = 30;

/**
 * The kubelet renews its Node's Lease every 10 s, a quarter of its 40 s duration (k8s
 * component-helpers lease controller), so a renewTime read now may be that old without any skew.
 */
const LEASE_RENEW_SECONDS = 10;

/**
 * Bash for the first server, once `node` is Ready: exits 1 when the node's clock and this server's
 * differ by more than MAX_CLOCK_SKEW_SECONDS. The kubelet stamps its Lease's renewTime with its own
 * clock, so comparing it with this server's clock measures the difference. Host preparation checks
 * each clock alone (a clock before CLOCK_FLOOR, timedatectl's NTPSynchronized=no); two clocks each
 * synchronized to a different source, or set by hand, pass there. Apart they break what needs one
 * time: a node behind the moment a certificate was issued refuses it ("x509: certificate has expired
 * or is not yet valid", k3s-io/k3s#5163, rancher/k3os#260), etcd members more than 1 s apart report
 * clock drift, and token and certificate lifetimes are judged by different clocks. The node registered
 * and is Ready (the Node lifecycle controller judges Lease renewals by its own clock), so nothing else
 * says so. A Lease it cannot read (an API that did not answer) is not judged.
 */
export function renderClockSkewCheck(node: string): string {
  const n = shq(node);
  return `renewed_at=$(k3s kubectl get lease -n kube-node-lease ${n} -o jsonpath='{.spec.renewTime}' 2>/dev/null || true)
renewed=""
if [ -n "$renewed_at" ]; then renewed=$(date -u -d "$renewed_at" +%s 2>/dev/null || true); fi
if [ -n "$renewed" ]; then
  now=$(date -u +%s)
  ahead=$(( renewed - now ))
  behind=$(( now - renewed - ${LEASE_RENEW_SECONDS} ))
  skew=""
  if [ "$ahead" -gt ${MAX_CLOCK_SKEW_SECONDS} ]; then skew="$ahead s ahead of"; elif [ "$behind" -gt ${MAX_CLOCK_SKEW_SECONDS} ]; then skew="at least $behind s behind"; fi
  if [ -n "$skew" ]; then
    echo "k3s-stacks: node ${node}'s clock is $skew the clock of the first server ($(hostname)): its kubelet stamped its Lease (kube-node-lease/${node}) $renewed_at when this server's clock read $(date -u +%Y-%m-%dT%H:%M:%SZ). Nodes need one time: a node behind the moment a certificate was issued refuses it ('x509: certificate has expired or is not yet valid'), and etcd members more than 1 s apart report clock drift. Fix: synchronize both clocks to the same NTP servers ('timedatectl set-ntp true', or chrony; 'timedatectl' on each shows the time and whether it is synchronized), then run pulumi up again." >&2
    exit 1
  fi
fi`;
}
