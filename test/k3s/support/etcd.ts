import { ETCD_TLS_DIR } from "../../../components/k3s/etcd-quorum";
import { LOG_CALL, Sandbox } from "./shell";

/** A voting member as etcd's JSON gateway lists it (uint64 IDs as strings, empty fields left out). */
export function etcdMember(node: string, ip: string, extra = ""): string {
  const id = [...`${node}${ip}`].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 1e15, 7);
  return `{"ID":"${id}","name":"${node}-3f9a1c2b","peerURLs":["https://${ip}:2380"],"clientURLs":["https://${ip}:2379"]${extra}}`;
}

/** The member list response: a header object, then the members. */
export function etcdMemberList(...members: string[]): string {
  return `{"header":{"cluster_id":"14841639068965178418","member_id":"10276657743932975437","raft_term":"4"},"members":[${members.join(",")}]}`;
}

/** s1, s2, s3 at 10.0.0.1-3: the fake's cluster when ETCD_LIST is not set. */
export const THREE_SERVERS = etcdMemberList(etcdMember("s1", "10.0.0.1"), etcdMember("s2", "10.0.0.2"), etcdMember("s3", "10.0.0.3"));

/**
 * A fake curl that answers as k3s's embedded etcd on port 2379: mutual TLS with k3s's files or the
 * handshake error real etcd (client-cert-auth) gives; `POST /v3/cluster/member/list` on 127.0.0.1
 * answers $ETCD_LIST (default THREE_SERVERS); `/health` answers healthy, except hosts in $ETCD_DOWN
 * (connection refused) and $ETCD_NO_LEADER (health false). Every call is logged.
 */
export function fakeEtcdCurl(sb: Sandbox): void {
  sb.fake("curl", `${LOG_CALL}
args=" $* "
case "$args" in *" --cacert ${ETCD_TLS_DIR}/server-ca.crt "*"--cert ${ETCD_TLS_DIR}/server-client.crt "*"--key ${ETCD_TLS_DIR}/server-client.key "*) ;; *)
  echo "curl: (56) OpenSSL SSL_read: error:0A00045C:SSL routines::tlsv13 alert certificate required, errno 0" >&2; exit 56 ;;
esac
url=\${!#}
host=\${url#https://}; host=\${host%%:*}
case " \${ETCD_DOWN:-} " in *" $host "*) echo "curl: (7) Failed to connect to $host port 2379 after 0 ms: Couldn't connect to server" >&2; exit 7 ;; esac
case "$url" in
  https://127.0.0.1:2379/v3/cluster/member/list)
    if [ -n "\${ETCD_LIST:-}" ]; then printf '%s' "$ETCD_LIST"; else cat <<'JSON'
${THREE_SERVERS}
JSON
    fi ;;
  */health)
    case " \${ETCD_NO_LEADER:-} " in *" $host "*) printf '{"health":"false","reason":"RAFT NO LEADER"}'; exit 0 ;; esac
    printf '{"health":"true","reason":""}' ;;
  *) echo "curl: (22) The requested URL returned error: 404" >&2; exit 22 ;;
esac`);
}
