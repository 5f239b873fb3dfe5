import { NodeRole } from "../nodes/types";
import { shq } from "../remote/shell";
import { CONFIG_FILE } from "./node-config";

/**
 * How long a joining node's install waits for its join URL to accept a TCP connection when the URL
 * is the first server's own address. Every join installs after the first server's install, which
 * waited until its k3s was active, and k3s is active only once it serves on 6443: in a bring-up
 * that would succeed the first connect already does. The retries only ride out a transient (a lost
 * SYN, that k3s restarted once by its unit's RestartSec=5s).
 */
export const DIRECT_JOIN_WAIT_SECONDS = 30;
/**
 * One connect attempt: Linux resends an unanswered SYN after 1 s and again 2 s later, so 3 s
 * allows one lost SYN; a dropped (firewalled) connect would otherwise hang for about two minutes.
 */
const CONNECT_SECONDS = 3;

/**
 * How long the check may wait, so that it never fails a join that would have succeeded. A fixed
 * API host (apiVip: kube-vip's pod on a server takes it some time after that server's k3s started;
 * apiEndpoint: the user's load balancer, whose health checks pass some time after the servers) may
 * come up after the first server's install. Until now such a node waited for it anyway: a joining
 * server's install up to its `activeSeconds` (run_install's waitActive), an agent's membership step
 * up to `readySeconds` (waitReady). The check waits that long, so only a URL that would never have
 * answered in time fails, and earlier than it did, with the cause.
 */
export function joinWaitSeconds(role: NodeRole, fixedApiHost: boolean, limits: { activeSeconds: number; readySeconds: number }): number {
  if (!fixedApiHost) return DIRECT_JOIN_WAIT_SECONDS;
  return role === "server" ? limits.activeSeconds : limits.readySeconds;
}

/**
 * Bash function `join_reachable`: before install.sh starts k3s on `node`, a TCP connect to the
 * join URL in config.yaml's `server:` (what k3s will use; none: this node joins nobody). k3s cannot
 * join through a closed or filtered port and retries for ever ("failed to get CA certs ... dial
 * tcp ...:6443: i/o timeout", k3s-io/k3s#10435, k3s-io/k3s-ansible#206), which the steps only saw
 * as a node that never became active or Ready. Every node must reach TCP 6443 on the servers (k3s
 * docs, Requirements, "Inbound Rules for K3s Nodes"; /work/shared/reference/k3s-reference.md §13).
 * bash's /dev/tcp needs no curl and works airgapped. One connect when the URL answers; retries
 * every 2 s for up to `waitSeconds` (joinWaitSeconds) only while it does not.
 */
export function renderJoinReachCheck(node: string, waitSeconds: number): string {
  // The inner bash gets host and port as arguments: the variables are this shell's, not exported.
  const test = `timeout ${CONNECT_SECONDS} bash -c ': > "/dev/tcp/$1/$2"' _ "$join_host" "$join_port"`;
  return `join_reachable() {
  local join_url hostport join_host join_port deadline
  # The value alone: no CR (a file edited on Windows), no trailing comment or blanks, as YAML reads it.
  join_url=$(sed -n 's/^server:[[:space:]]*//p' ${shq(CONFIG_FILE)} 2>/dev/null | head -n 1 | sed 's/\r$//; s/[[:space:]]#.*$//; s/[[:space:]]*$//' || true)
  join_url=\${join_url%\\"}; join_url=\${join_url#\\"}; join_url=\${join_url%\\'}; join_url=\${join_url#\\'}
  [ -n "$join_url" ] || return 0
  hostport=\${join_url#*://}; hostport=\${hostport%%/*}
  # A URL without a port is https's 443, as for k3s; an IPv6 literal is bracketed.
  case "$hostport" in
    \\[*\\]:*) join_host=\${hostport%%]*}; join_host=\${join_host#\\[}; join_port=\${hostport##*]:} ;;
    \\[*\\]) join_host=\${hostport#\\[}; join_host=\${join_host%]}; join_port=443 ;;
    *:*) join_host=\${hostport%:*}; join_port=\${hostport##*:} ;;
    *) join_host=$hostport; join_port=443 ;;
  esac
  deadline=$((SECONDS + ${waitSeconds}))
  # shellcheck disable=SC2016 # $1 and $2 are the inner bash's own arguments
  until ${test} 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "k3s-stacks: ${node} cannot reach its join URL $join_url: no TCP connection to $join_host port $join_port within ${waitSeconds}s, so its k3s could not join (it would retry 'failed to get CA certs' for ever). Every node must reach TCP 6443 on the servers (k3s docs, Requirements, 'Inbound Rules for K3s Nodes'). Fix: open TCP $join_port to $join_host from ${node} (the servers' host firewall, a cloud security group or firewall, a router ACL; for cluster.apiVip or apiEndpoint also that it forwards to a server), test it on ${node} with: timeout 3 bash -c ': > /dev/tcp/$join_host/$join_port' && echo open; then run pulumi up again." >&2
      exit 1
    fi
    sleep 2
  done
}`;
}
