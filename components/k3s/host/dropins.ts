import { MANAGED_KEYS } from "../../rules/managed-flags";
import { K3S_ACTIVE } from "./k3s-unit";

/**
 * k3s reads `config.yaml.d/*.yaml` and `*.yml` after config.yaml, in file-name order; a key there
 * replaces config.yaml's value, or adds to a list when written `key+` (shared/reference §2 "Config file
 * location"; K3S:pkg/configfilearg). Drop-ins k3s-stacks writes itself carry `k3s-stacks` in their name.
 */
export const DROP_IN_DIR = "/etc/rancher/k3s/config.yaml.d";

/** The config.yaml keys a node's drop-ins may not set: every key of the rendered file, and every key k3s-stacks manages. */
export function protectedKeys(config: Record<string, unknown>): string[] {
  const rendered = Object.keys(config).map((k) => k.replace(/\+$/, ""));
  return [...new Set([...rendered, ...Object.keys(MANAGED_KEYS)])].sort();
}

/** Whether the rendered config.yaml (its keys, parsed) makes k3s run its own iptables (`prefer-bundled-bin: true`). */
export function preferBundledBin(config: Record<string, unknown>): boolean {
  return config["prefer-bundled-bin"] === true;
}

/**
 * Bash for the config step, before anything changes: names each drop-in not written by k3s-stacks (a
 * leftover of another installer, a cloud image's, a hand-written one) that sets one of `keys`. Its
 * value would silently win over config.yaml on the next k3s start — a node-ip, server or cluster-init
 * that no `pulumi preview` shows and every check here was made without. Keys k3s-stacks does not write
 * stay the user's to set there. Top-level keys only, quoted or not, `key+` as `key`. Where k3s does not
 * run yet the step fails; where it already runs, k3s started with the drop-in, so it is a warning with
 * the same fix and a day-two run of a working cluster goes on.
 */
export function renderForeignDropInCheck(node: string, keys: string[]): string {
  const what = "which k3s-stacks writes in /etc/rancher/k3s/config.yaml; k3s reads config.yaml.d after config.yaml, so the drop-in's values would replace or add to them on the next start without showing in pulumi preview";
  const fix = `delete $f on ${node} (put a setting you need into cluster.serverConfig or cluster.agentConfig instead)`;
  return `foreign_bad=0
foreign_running=0
if ${K3S_ACTIVE}; then foreign_running=1; fi
foreign_keys=' ${keys.join(" ")} '
for f in ${DROP_IN_DIR}/*.yaml ${DROP_IN_DIR}/*.yml; do
  [ -f "$f" ] || continue
  case "\${f##*/}" in *k3s-stacks*) continue ;; esac
  hits=""
  while IFS= read -r key; do
    case "$foreign_keys" in *" $key "*) case ", $hits, " in *", $key, "*) ;; *) hits="$hits\${hits:+, }$key" ;; esac ;; esac
  done < <(sed -n "s/^[\\"']\\{0,1\\}\\([A-Za-z0-9_-]\\{1,\\}\\)+\\{0,1\\}[\\"']\\{0,1\\}[[:space:]]*:.*/\\1/p" "$f")
  [ -n "$hits" ] || continue
  if [ "$foreign_running" = 1 ]; then
    echo "k3s-stacks: ${node}: warning: $f sets $hits, ${what}. k3s already runs with it, so this run goes on. Fix: ${fix}."
  else
    echo "k3s-stacks: ${node}: $f sets $hits, ${what}. Fix: ${fix}, then run pulumi up again." >&2
    foreign_bad=1
  fi
done
if [ "$foreign_bad" = 1 ]; then exit 1; fi`;
}
