import { shq } from "../remote/shell";
import { NODE_PASSWORD_FILE } from "./node-guard";
import { CONFIG_FILE, TOKEN_FILE } from "./node-config";

/**
 * How many journal lines of one join error, since a wait began, end the wait. k3s retries a refused
 * join for ever: an agent asks for its configuration again every 5-10 s and logs each refusal (k3s
 * pkg/agent/config/config.go, Get: "Waiting to retrieve agent configuration; server is not ready: %v",
 * jittered 5 s), and a server that exits on one is started again every 5 s (RestartSec=5s, unit-watch.ts).
 * One line may be a server still starting up; three are the same refusal over 10-30 s (the agent's
 * token check before it, pkg/agent/run.go Run, retries every 2 s: less), far below the 240 s and 600 s
 * waits this shortens.
 */
export const JOIN_ERROR_REPEATS = 3;

/** A k3s message that a join keeps logging until someone fixes its cause, and what to tell them. */
interface JoinError {
  /** Extended regular expression (grep -E) for the k3s message. */
  pattern: string;
  /** The k3s message, quoted in the report. */
  quote: string;
  cause: (node: string, service: string) => string;
  fix: (node: string, service: string) => string;
}

const overriddenToken = (service: string) =>
  `a K3S_TOKEN in /etc/systemd/system/${service}.service.env or a token in ${CONFIG_FILE}.d/ overrides the token file k3s-stacks writes (${TOKEN_FILE}): remove it`;

/** The fix for a name taken by an earlier install of this machine (`instead`: what else removes it) or by another machine. */
const reinstalled = (node: string, removes: string, instead: string) =>
  `if the machine was reinstalled, replace the node's leave step: pulumi up --replace with the URN of the one ending in -${node}-leave (its Node's deletion ${removes}; docs/day-two.md, 'A machine reinstalled under the same name'), or ${instead}; if another machine runs k3s as ${node}, give each machine its own node name`;

/**
 * The refusals no retry gets past, each matched against the message in k3s's source (k3s-io/k3s,
 * read through the search tool; /work/shared/reference/ is silent on them):
 *  - pkg/clientaccess/token.go, validateCAHash: a K10 token whose CA hash is not the servers' CA.
 *  - pkg/clientaccess/token.go, get, and pkg/agent/config/config.go, getNodeNamedCrt: a refused
 *    request is `fmt.Errorf("%s: %s", u, resp.Status)`, the URL then Go's "401 Unauthorized": the
 *    servers do not accept the token.
 *  - pkg/agent/config/config.go, getNodeNamedCrt: HTTP 403 from the node password check
 *    (pkg/nodepassword/validate.go), the password kept in the Secret <node>.node-password.k3s
 *    (pkg/nodepassword/nodepassword.go, getSecretName) is not this machine's.
 *  - pkg/etcd/etcd.go, join: an etcd member named after this node exists already.
 */
export const JOIN_ERRORS: JoinError[] = [
  {
    // The message goes on "... Cluster CA certificate hash"; matched without that word, which the
    // restart scripts carry only when they renew certificates (test/day-two/certificates.test.ts).
    pattern: "token CA hash does not match the Cluster CA",
    quote: "token CA hash does not match the Cluster CA",
    cause: () => "the join token it uses carries the CA hash of another cluster (a K10... token, which k3s-stacks never writes), or its join URL leads to another cluster's server",
    fix: (_node, service) => `${overriddenToken(service)}; check that config.yaml's server: is this cluster's`,
  },
  {
    pattern: "https://[^ ]*: 401 Unauthorized",
    quote: "<server URL>: 401 Unauthorized",
    cause: () => "the servers refuse its join token: it is not the token the cluster was created with",
    fix: (_node, service) =>
      `compare ${TOKEN_FILE} on it and on the first server without printing them (sha256sum ${TOKEN_FILE} on each); ${overriddenToken(service)}; if the first server's differs, the stack's token (the resource k3s-token) was replaced or its state lost after the cluster was created: bring back the stack state that holds the old one (pulumi stack export --version <the last update before the replacement> > old.json; pulumi stack import --file old.json)`,
  },
  {
    pattern: "Node password rejected, duplicate hostname or contents of",
    quote: "Node password rejected, duplicate hostname",
    cause: (node) => `the servers keep another node password for the name ${node} (${NODE_PASSWORD_FILE} on the machine that registered it first): this machine was reinstalled, or another machine registered as ${node}`,
    fix: (node) => reinstalled(node, "drops the old password", `delete only the old password on a server (k3s kubectl delete secret ${node.toLowerCase()}.node-password.k3s -n kube-system): k3s keeps this machine's at its next try`),
  },
  {
    pattern: "duplicate node name found, please use a unique name for this node",
    quote: "duplicate node name found",
    cause: (node) => `the embedded etcd cluster has a member named after ${node} already: one this machine had before it was reinstalled, or another server's of the same name`,
    fix: (node) => reinstalled(node, "removes its etcd member", `when no Node ${node} is left, remove the member with etcdctl member remove on a server`),
  },
];

/**
 * Bash function `join_refused`: succeeds, after saying why, when the journal of `service` since the
 * wait began (unit_watch_since, set by unit_watch_begin) holds one of JOIN_ERRORS JOIN_ERROR_REPEATS
 * times. Such a k3s keeps running, or keeps being restarted, and never joins: the wait ran out its
 * time and then failed without the cause. Only the cause is printed, no journal line (a line could
 * carry a token, unit-watch.ts).
 */
export function joinRefusedFunction(node: string, service: string): string {
  const checks = JOIN_ERRORS.map((e) => `  n=$(printf '%s\\n' "$log" | grep -cE ${shq(e.pattern)} || true)
  if [ "$n" -ge ${JOIN_ERROR_REPEATS} ]; then
    echo ${shq(`k3s-stacks: ${node} cannot join the cluster: ${e.cause(node, service)} (k3s logged '${e.quote}'`)}" $n times in 'journalctl -u ${service}' since this wait began). "${shq(`Fix: ${e.fix(node, service)}; then run pulumi up again.`)} >&2
    return 0
  fi`);
  return `# k3s refusing the join the same way again and again (join-errors.ts): no retry gets past it.
join_refused() {
  local log n
  [ -n "\${unit_watch_since:-}" ] || return 1
  log=$(journalctl -u ${shq(service)} --since "$unit_watch_since" --no-pager -o cat 2>/dev/null || true)
${checks.join("\n")}
  return 1
}`;
}
