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
 * before they were counted (no restart for that alone). sha256sum is in coreutils and in busybox.
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
    for f in ${YML_DROP_INS}; do
      [ -f "$f" ] || continue
      printf '%s\\n' "$f"
      sha256sum < "$f"
    done
  } | sha256sum | awk '{ print $1 }'
}`;
}

/** Bash that records the current managed files as the configuration k3s runs with. */
export const RECORD_STARTED_CONFIG = `install -d -m 0700 ${shq(STARTED_CONFIG_FILE.replace(/\/[^/]*$/, ""))}
config_hash > ${shq(STARTED_CONFIG_FILE)}`;
