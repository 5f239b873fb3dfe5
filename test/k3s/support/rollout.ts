import { LOG_CALL, Sandbox } from "./shell";
import { fakeEtcdCurl } from "./etcd";

/**
 * The fakes a restart step runs against:
 *  - systemctl: is-active answers from the flag file `active`; restart/start log and make the unit
 *    active (unless FAIL_START); show gives the main PID from K3S_PID (0: none), unlogged;
 *  - k3s: readyz, node conditions and versions from the environment; the heartbeat is "now" unless
 *    set; every Node reads Ready unless READY says otherwise;
 *  - curl: k3s's embedded etcd (support/etcd.ts), every member healthy unless told otherwise;
 *  - sleep: returns at once.
 */
export function fakeRolloutTools(sb: Sandbox, active: string): void {
  sb.fake("systemctl", `[ "$1" = show ] && { echo "MainPID=\${K3S_PID:-0}"; exit 0; }
${LOG_CALL}
case "$1" in
  is-active) [ -e "${active}" ]; exit ;;
  restart|start) [ -z "\${FAIL_START:-}" ] || exit 1; touch "${active}" ;;
esac`);
  sb.fake("sleep", ":");
  sb.fake("k3s", `case "$*" in
  --version) echo "k3s version \${K3S_VERSION:-v1.36.3+k3s1} (abc)" ;;
  *get\\ --raw=/readyz*) echo "readyz" >> "$CALLS"; echo "\${READYZ:-ok}" ;;
  *'type=="Ready")].status'*) echo "\${READY:-True}" ;;
  *'type=="Ready")].lastHeartbeatTime'*) echo "\${HEARTBEAT:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}" ;;
  *'type=="EtcdIsVoter")].status'*) echo "\${VOTER:-True}" ;;
  *kubeletVersion*) echo "\${KUBELET_VERSION:-v1.36.3+k3s1}" ;;
  *spec.unschedulable*) echo "\${UNSCHEDULABLE:-false}" ;;
  *--no-headers*) echo "$4 Ready <none> 1d \${KUBELET_VERSION:-v1.36.3+k3s1}" ;;
  *) ${LOG_CALL} ;;
esac`);
  fakeEtcdCurl(sb);
}
