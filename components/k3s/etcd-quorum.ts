import { scriptFrame, shq } from "../remote/shell";
import { STATE_DIR } from "./node-config";

/**
 * The etcd quorum guard, judged by etcd itself rather than by Node Ready.
 *
 * Node Ready lags a dead server: kube-controller-manager marks a Node NotReady only after
 * node-monitor-grace-period without a kubelet heartbeat (40 s; 50 s from Kubernetes 1.32), so a server
 * whose k3s died seconds ago still reads Ready while its etcd member is gone. The guard therefore asks
 * etcd: the member list from the etcd member on the server it runs on, then each voting member's
 * /health at its own client URL. k3s's embedded etcd listens for clients on https://<node-ip>:2379
 * and https://127.0.0.1:2379 (peers on :2380), requires client certificates and trusts
 * server/tls/etcd/server-ca.crt; server/tls/etcd/server-client.crt is issued for both server and
 * client auth (k3s pkg/etcd/etcd.go cluster(), pkg/daemons/control/deps FillRuntimeCerts and
 * genETCDCerts; the reference sheet is silent beyond ports 2379-2380). etcdctl is not part of k3s, so
 * the guard speaks etcd's JSON gateway with curl (POST /v3/cluster/member/list; GET /health, which
 * answers {"health":"true"} only while the member is in a cluster with a leader). The certificates
 * stay files on the node: only their paths reach a command line.
 */

/** Where k3s keeps the etcd certificates on a server (default data dir; the flag is ours to set, rules/managed-flags.ts). */
export const ETCD_TLS_DIR = "/var/lib/rancher/k3s/server/tls/etcd";

/**
 * Directory on the first server with one file per etcd server whose replacement passed its guard and
 * whose member has not left yet (renderReplacementGuard). Pulumi runs the replacements of two
 * servers at once, each guard seeing the other still healthy: a guard counts the servers listed here
 * as leaving, and takes the lock in it first, so the second one sees the first.
 */
export const ETCD_LEAVING_DIR = `${STATE_DIR}/etcd-leaving`;

/** File on the first server that says `pulumi destroy` takes the whole cluster down (renderTeardownScript). */
export const TEARDOWN_MARKER = `${STATE_DIR}/teardown`;

/**
 * Bash that sets `members` (voting etcd members), `up` (healthy voting members that do not leave),
 * `down` (" name (what is wrong)" per unhealthy member that stays), `down_names` and `listed` (1 when
 * `node` is still a member) for the etcd cluster the server it runs on belongs to, or exits 1 naming
 * what failed. `action`: what the check comes before, for messages. `where`: the server it runs on, for
 * messages (default "the first server"). `leaving`: nodes that may stop together with `node`; they count
 * as members, never as up. `replacing` (default false): on the first server, also those ETCD_LEAVING_DIR lists.
 * `resume` (default ", then run pulumi up again"): what follows each fix, for a check that no pulumi run retries.
 * A member's node is its name up to the last hyphen, as k3s names members `<node>-<8 hex>` (pkg/etcd
 * setName; join() reads them back the same way). Learners are skipped: they do not vote. `ownPeer`
 * (default false): also sets `own_peer` to `node`'s own member's peer URL (empty when it is no member).
 */
export function etcdMemberHealthSnippet(opts: { node: string; leaving: string[]; action: string; where?: string; replacing?: boolean; resume?: string; ownPeer?: boolean }): string {
  const { node, leaving, action, where = "the first server", replacing = false, resume = ", then run pulumi up again", ownPeer = false } = opts;
  const tls = (file: string) => shq(`${ETCD_TLS_DIR}/${file}`);
  return `# etcd's own view: members from the local member, health from each member's client URL.
etcd_curl() { curl -sS --connect-timeout 3 --max-time 5 --cacert ${tls("server-ca.crt")} --cert ${tls("server-client.crt")} --key ${tls("server-client.key")} "$@" 2>&1; }
if ! command -v curl >/dev/null 2>&1; then
  echo "k3s-stacks: cannot check etcd quorum before ${action}: curl is not installed on ${where}, and it is how k3s-stacks asks etcd which members are healthy (k3s ships no etcdctl). Nothing was changed. Fix: install the curl package on ${where}${resume}." >&2
  exit 1
fi
if ! etcd_list=$(etcd_curl -X POST -d '{}' https://127.0.0.1:2379/v3/cluster/member/list); then
  echo "k3s-stacks: could not list the etcd members before ${action}: the etcd member on ${where} did not answer at https://127.0.0.1:2379: $etcd_list. Nothing was changed. Fix: check 'systemctl status k3s' and 'journalctl -u k3s' on ${where} (its etcd member must run, with its TLS files in ${ETCD_TLS_DIR})${resume}." >&2
  exit 1
fi
case "$etcd_list" in *'"members"'*) ;; *)
  echo "k3s-stacks: could not list the etcd members before ${action}: etcd on ${where} answered $etcd_list. Nothing was changed. Fix: check 'journalctl -u k3s' on ${where}${resume}." >&2
  exit 1 ;;
esac
leaving=${shq(` ${leaving.join(" ")} `)}
${replacing ? `# Servers whose replacement passed its guard and whose member has not left yet stop meanwhile too.
for f in ${shq(ETCD_LEAVING_DIR)}/*; do [ -e "$f" ] && leaving="$leaving\${f##*/} "; done
` : ""}members=0; up=0; down=""; down_names=""; listed=0${ownPeer ? '; own_peer=""' : ""}
# One member object per line: member objects hold no nested objects, the response header has no peerURLs.
while read -r m; do
  case "$m" in *'"isLearner":true'*) continue ;; esac
  members=$((members + 1))
  name=$(sed -n 's/.*"name":"\\([^"]*\\)".*/\\1/p' <<<"$m")
  url=$(sed -n 's/.*"clientURLs":\\["\\([^"]*\\)".*/\\1/p' <<<"$m")
  peer=$(sed -n 's/.*"peerURLs":\\["\\([^"]*\\)".*/\\1/p' <<<"$m")
  who=\${name%-*}
  # A member added but never started has neither a name nor a client URL yet.
  [ -n "$name" ] || who="an unstarted member at $peer"
  if [ "$who" = ${shq(node)} ]; then listed=1;${ownPeer ? " own_peer=$peer;" : ""} fi
  case "$leaving" in *" $who "*) continue ;; esac
  if [ -z "$url" ]; then
    down="$down $who (no client URL: it never started)"; down_names="$down_names $who"
  elif health=$(etcd_curl "$url/health") && [[ "$health" == *'"health":"true"'* ]]; then
    up=$((up + 1))
  else
    down="$down $who ($url/health: \${health:-no answer})"; down_names="$down_names $who"
  fi
done < <(tr -d '\\n' <<<"$etcd_list" | grep -o '{[^{}]*"peerURLs"[^{}]*}' || true)
if [ "$members" = 0 ]; then
  echo "k3s-stacks: could not read the etcd members before ${action}: etcd on ${where} answered $etcd_list, which lists no voting member. Nothing was changed. Fix: check 'journalctl -u k3s' on ${where}${resume}." >&2
  exit 1
fi`;
}

/**
 * Bash that stops the removal of a live etcd server before anything changes when the etcd members that
 * stay would not hold quorum once it stops. The leaving servers stay members until their Node's
 * deletion removes them, so while they stop, a majority of all voting members (floor(n/2) + 1) must be
 * healthy among those that stay; with one of them already down, removing another takes etcd below
 * quorum: it can no longer remove the member or accept a write, and the cluster's API stops (etcd
 * runtime reconfiguration; the k3s maintainers' one-server-at-a-time removal, k3s-io/k3s#3513, #10462).
 * The static check (day-two/servers.ts) counts listed servers; this counts the healthy members, as etcd
 * reports them at this moment (etcdMemberHealthSnippet). `leaving`: every etcd server this run removes,
 * which may stop at the same time. Skipped when `node` is no etcd member any more (a re-run).
 */
export function renderEtcdQuorumGuard(node: string, leaving: string[]): string {
  const action = `removing ${node}`;
  return `# Quorum of the etcd members that stay, before ${node} stops.
${etcdMemberHealthSnippet({ node, leaving, action, replacing: true })}
if [ "$listed" = 1 ] && [ "$up" -lt $((members / 2 + 1)) ]; then
  echo "k3s-stacks: ${action} would leave $up of $members etcd members healthy, below quorum ($((members / 2 + 1))); etcd reports down:$down. etcd could no longer remove a member or accept writes, and the cluster's API would stop. Nothing was changed. Fix: bring$down_names back first (start k3s there: 'systemctl start k3s', 'journalctl -u k3s'), or mark a dead one gone: true (docs/day-two.md), then run pulumi up again; to shrink a cluster that already lost quorum, restore a snapshot and set k3s-stacks:upgrade.forceServerRemoval: true for that run." >&2
  exit 1
fi`;
}

/**
 * Bash (inside etcd_quorum_before_restart, after the member list) that refuses to restart a server whose
 * etcd member was registered with another peer address than the node-ip its config.yaml now gives: k3s
 * registers the member's peer URL (https://<node-ip>:2380) when it joins and never updates it, and a
 * server restarted with another node-ip refuses to start ("not a member of the etcd cluster",
 * k3s-io/k3s#5991). The plan compares node-ips it wrote before (day-two/etcd-peers.ts); this also covers
 * a first internalAddress on a server whose address k3s had picked itself. `nodeIp`: config.yaml's first node-ip.
 */
function peerAddressCheck(node: string, nodeIp: string, stopped: string, resume: string): string {
  const peer = `https://${nodeIp.includes(":") ? `[${nodeIp}]` : nodeIp}:2380`;
  return `if [ -n "$own_peer" ] && [ "$own_peer" != ${shq(peer)} ]; then
  echo "k3s-stacks: ${stopped}: its etcd member's peer address is $own_peer, but its config.yaml now gives node-ip ${nodeIp}. k3s keeps the peer address the member joined with, and a server restarted with another node-ip does not start ('not a member of the etcd cluster', k3s-io/k3s#5991). Nothing was restarted. Fix: set its internalAddress to the address in $own_peer (or remove internalAddress if k3s picked it), then run pulumi up again; ${resume}. To move ${node} to ${nodeIp}, take it out of etcd first (docs/day-two.md, 'Change a node's role or arch': swap it with an agent, then swap back with the new address)." >&2
  exit 1
fi`;
}

/**
 * Bash function `etcd_quorum_before_restart`, called by an etcd server's restart step (on the server
 * itself) just before it restarts a running k3s: refuses when the other members etcd reports healthy
 * are fewer than quorum, as restarting this one would then stop etcd and the API with it. The
 * rolling restart's health gate has seen the previous server back, but not a third one that died
 * meanwhile, and Node Ready would still show it Ready for 40-50 s. A single-member cluster restarts
 * anyway: it has no quorum to keep (nothing to wait for). `stopped` and `resume` word the refusal for
 * another restart of a running server (an addon's teardown, addons/teardown.ts).
 */
export function etcdRestartGuardFunction(node: string, stopped = `the rolling restart stopped at ${node}`, resume = `it resumes at ${node}`, nodeIp?: string): string {
  return `etcd_quorum_before_restart() {
${etcdMemberHealthSnippet({ node, leaving: [node], action: `restarting k3s on ${node}`, where: node, ownPeer: nodeIp !== undefined })}
${nodeIp === undefined ? "" : `${peerAddressCheck(node, nodeIp, stopped, resume)}
`}if [ "$listed" = 1 ] && [ "$members" -gt 1 ] && [ "$up" -lt $((members / 2 + 1)) ]; then
  echo "k3s-stacks: ${stopped}: restarting k3s there would leave $up of $members etcd members healthy, below quorum ($((members / 2 + 1))); etcd reports down:$down. etcd would stop accepting writes and the cluster's API would stop. Nothing was restarted. Fix: bring$down_names back first (start k3s there: 'systemctl start k3s', 'journalctl -u k3s'), or mark a dead one gone: true (docs/day-two.md), then run pulumi up again; ${resume}. If the dead one is marked gone already, this run also changes k3s (k3sVersion or config.yaml) while it leaves: set that back as it was for this run, so that it is removed and new servers join first, then make the change." >&2
  exit 1
fi
}`;
}

/**
 * Bash for the delete of an etcd server's membership step (on the first server), the first step of its
 * replacement: a role change, an arch change or `pulumi up --replace` of its leave step (replace-chain.ts).
 * The replacement uninstalls k3s there and deletes the Node, which removes the member; that costs
 * quorum when another member is down, as a removal would (renderEtcdQuorumGuard), so the same check
 * runs here. It is the step's stored delete, rendered while the node was an etcd server, so it still
 * runs once the node became an agent. Under the lock in ETCD_LEAVING_DIR it counts the servers whose
 * replacement is under way as leaving and records this one. `pulumi destroy` runs the same delete on
 * every node: quorum does not matter when the whole cluster goes, and with one server down already
 * the check would refuse the destroy, so it is skipped once the teardown marker is there.
 */
export function renderReplacementGuard(node: string): string {
  const action = `replacing ${node} (a role or arch change, or pulumi up --replace)`;
  const dir = shq(ETCD_LEAVING_DIR);
  return `# ${node}'s etcd member leaves with its replacement: the others must keep quorum meanwhile.
if [ -e ${shq(TEARDOWN_MARKER)} ]; then
  echo "k3s-stacks: the whole cluster is being destroyed: not checking etcd quorum before ${node} leaves"
else
  install -d -m 0700 ${dir}
  exec 9>${shq(`${ETCD_LEAVING_DIR}/.lock`)}
  flock 9
${etcdMemberHealthSnippet({ node, leaving: [node], action, replacing: true }).replace(/^/gm, "  ")}
  others=""
  for w in $leaving; do [ "$w" = ${shq(node)} ] || others="$others $w"; done
  if [ "$listed" = 1 ] && [ "$up" -lt $((members / 2 + 1)) ]; then
    echo "k3s-stacks: ${action} would leave $up of $members etcd members healthy, below quorum ($((members / 2 + 1))); etcd reports down:\${down:- none}\${others:+; leaving in this run too:$others}. etcd could no longer remove a member or accept writes, and the cluster's API would stop. Nothing was changed. Fix: bring\${down_names:- the others} back first (start k3s there: 'systemctl start k3s', 'journalctl -u k3s'), or mark a dead one gone: true (docs/day-two.md), or replace one server per pulumi up; then run pulumi up again." >&2
    exit 1
  fi
  if [ "$listed" = 1 ]; then : > ${shq(`${ETCD_LEAVING_DIR}/${node}`)}; fi
  exec 9>&-
fi`;
}

/** Bash that drops `node`'s record in ETCD_LEAVING_DIR: its member left, or its replacement was undone. */
export function clearLeavingRecord(node: string): string {
  return `rm -f ${shq(`${ETCD_LEAVING_DIR}/${node}`)}`;
}

/**
 * The teardown marker's step, on the first server, after every node's membership step: on
 * `pulumi destroy` the engine deletes it before those (dependents first), so renderReplacementGuard
 * sees the marker and lets the cluster go. Created again by the next `pulumi up`, which drops a marker
 * a destroy that failed left behind. The first server's uninstall removes it with STATE_DIR.
 */
export function renderTeardownScript(): string {
  return scriptFrame("mark a pulumi destroy of the whole cluster", {
    create: `rm -f ${shq(TEARDOWN_MARKER)}`,
    delete: `install -d -m 0700 ${shq(STATE_DIR)}
: > ${shq(TEARDOWN_MARKER)}
echo "k3s-stacks: the whole cluster is being destroyed: its etcd servers leave without a quorum check"`,
  });
}
