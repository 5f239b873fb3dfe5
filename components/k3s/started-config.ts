import { shq } from "../remote/shell";
import { DROP_IN_DIR } from "./host/dropins";

/**
 * The configuration k3s last started with on a node: the SHA-256 of its managed files as they were
 * then. The config step records it when k3s is not running (k3s starts with what was just written);
 * the restart step compares it with the files on disk, restarts only when they differ and records it
 * again after the restart. That makes a rolling restart resumable: a node restarted by an earlier,
 * interrupted `pulumi up` is not restarted twice.
 */
export const STARTED_CONFIG_FILE = "/var/lib/rancher/k3s-stacks/rollout/started-config";

/** Drop-ins k3s reads after config.yaml, `*.yaml` and `*.yml` (k3s reference, config file); host preparation writes one. */
const DROP_INS = `${DROP_IN_DIR}/*.yaml`;
const YML_DROP_INS = `${DROP_IN_DIR}/*.yml`;

/**
 * Bash defining `config_hash`, which prints the SHA-256 over the paths and contents of the managed
 * files and of every config.yaml.d drop-in (a missing file counts as absent, not as empty).
 * `*.yml` drop-ins count only when there are any, so the digest of a node without one is what it was
 * before they were counted (no restart for that alone); `count_yml=0 config_hash` leaves them out,
 * as records written before then did. sha256sum is in coreutils and in busybox.
 */
export function configHashFunction(paths: string[]): string {
  const list = paths.map(shq).join(" ");
  return `config_hash() {
  local files=(${list})
  {
    for f in "\${files[@]}" ${DROP_INS}; do
      printf '%s\\n' "$f"
      if [ -f "$f" ]; then sha256sum < "$f"; else echo absent; fi
    done
    if [ "\${count_yml:-1}" = 1 ]; then
      for f in ${YML_DROP_INS}; do
        [ -f "$f" ] || continue
        printf '%s\\n' "$f"
        sha256sum < "$f"
      done
    fi
  } | sha256sum | awk '{ print $1 }'
}`;
}

/**
 * Bash defining `started_config_current` (uses `config_hash`): true when k3s last started with the
 * files as they are on disk. A record written before `*.yml` drop-ins counted (d3f5774 and earlier)
 * is the digest without them; it still stands when no `*.yml` drop-in changed after it was written,
 * as k3s read them when it started (otherwise an upgrade restarted every node with a `.yml` drop-in).
 * A `.yml` drop-in written after the record is a change and restarts k3s. find -newer is in findutils
 * and busybox.
 */
export const STARTED_CONFIG_CURRENT = `started_config_current() {
  local recorded
  recorded=$(cat ${shq(STARTED_CONFIG_FILE)} 2>/dev/null || true)
  [ -n "$recorded" ] || return 1
  [ "$recorded" != "$(config_hash)" ] || return 0
  [ "$recorded" = "$(count_yml=0 config_hash)" ] && [ -z "$(find ${DROP_IN_DIR} -maxdepth 1 -name '*.yml' -newer ${shq(STARTED_CONFIG_FILE)} 2>/dev/null || true)" ]
}`;

/** Bash that records the current managed files as the configuration k3s runs with. */
export const RECORD_STARTED_CONFIG = `install -d -m 0700 ${shq(STARTED_CONFIG_FILE.replace(/\/[^/]*$/, ""))}
config_hash > ${shq(STARTED_CONFIG_FILE)}`;
