import { FIREWALL_OPENED, PREP_RECORD_DIR } from "./host-state";

/**
 * Shell functions over a rule as recorded: the command that added it (`firewall-cmd --permanent
 * --add-port=7946/udp`, `ufw allow 7946/udp`). fw_tool names the firewall it belongs to,
 * fw_reverse prints the command that removes it (firewall-cmd's --remove- option; `ufw delete` with
 * the same rule), fw_present says whether the active firewall has it ($ufw_added: `ufw show added`).
 */
export const FIREWALL_RULE_FUNCTIONS = `fw_tool() { case "$1" in "firewall-cmd "*) echo firewalld ;; "ufw "*) echo ufw ;; esac; }
fw_reverse() { case "$1" in "firewall-cmd "*) echo "\${1/--add-/--remove-}" ;; "ufw "*) echo "ufw delete \${1#ufw }" ;; esac; }
fw_present() {
  local argv
  case "$1" in
    "firewall-cmd "*) read -r -a argv <<<"\${1/--add-/--query-}"; "\${argv[@]}" >/dev/null 2>&1 </dev/null ;;
    "ufw "*) grep -qxF -- "$1" <<<"$ufw_added" ;;
    *) return 1 ;;
  esac
}`;

/**
 * Shell, run by the firewall check once fw_want (every rule this node needs, as its add command) and
 * fw_add (those missing) are known: the rules k3s-stacks added on an earlier run (FIREWALL_OPENED)
 * that nothing asks for now — a layer's port after the layer was turned off, a port of a role or
 * flannel backend the node no longer has — and that the active firewall still has, in fw_remove,
 * which renderFirewallOpen closes. Only rules in that record are ever closed: a rule the user added,
 * or one that was there before k3s-stacks wanted it, is never in it. With `firewall: keep` nothing is
 * closed; a note lists the commands that would.
 */
export function renderStaleFirewallRules(): string {
  return `${FIREWALL_RULE_FUNCTIONS}
fw_wanted=$(printf '%s\\n' \${fw_want[@]+"\${fw_want[@]}"})
fw_remove=()
if [ "$firewall" != none ] && [ -f ${FIREWALL_OPENED} ]; then
  while IFS= read -r rule; do
    [ "$(fw_tool "$rule")" = "$firewall" ] || continue
    grep -qxF -- "$rule" <<<"$fw_wanted" && continue
    if fw_present "$rule"; then fw_remove+=("$rule"); fi
  done < ${FIREWALL_OPENED}
fi
if [ \${#fw_remove[@]} -gt 0 ] && [ "$firewall_keep" = 1 ]; then
  echo "k3s-stacks: $node: $firewall keeps rules k3s-stacks added that k3s and the layers no longer need; firewall: keep says not to change it. To close them, run on $node:"
  for rule in "\${fw_remove[@]}"; do echo "  $(fw_reverse "$rule")"; done
  if [ -n "$fw_apply" ]; then echo "  $fw_apply"; fi
  fw_remove=()
fi`;
}

/**
 * Shell, after renderFirewallOpen changed the firewall (firewall: open): rewrites FIREWALL_OPENED as
 * the rules k3s-stacks added that are still wanted, plus those it just added; another firewall's
 * entries stay for when it is active again. A node prepared by a release that kept no such record
 * gets one from the record of the host before its first preparation (host/undo.ts): a rule wanted now
 * that the firewall did not have then was added by that preparation. Not the rules k3s-stacks found
 * already there: those are the user's.
 */
export function renderFirewallRecord(): string {
  return `if [ "$firewall_keep" = 0 ] && [ "$firewall" != none ]; then
  fw_opened=${FIREWALL_OPENED}
  install -d -m 0700 "$(dirname "$fw_opened")"
  fw_new=$(
    if [ -f "$fw_opened" ]; then
      while IFS= read -r rule; do
        if [ "$(fw_tool "$rule")" != "$firewall" ] || grep -qxF -- "$rule" <<<"$fw_wanted"; then echo "$rule"; fi
      done < "$fw_opened"
    else
      before=${PREP_RECORD_DIR}
      for rule in \${fw_want[@]+"\${fw_want[@]}"}; do
        case " \${fw_add[*]-} " in *" $rule "*) continue ;; esac
        case "$firewall" in
          firewalld) [ -f "$before/firewalld-ports" ] && ! grep -qxF -- "\${rule##*=}" "$before/firewalld-ports" "$before/firewalld-sources" && echo "$rule" ;;
          ufw) [ -f "$before/ufw-added" ] && ! grep -qxF -- "$rule" "$before/ufw-added" && echo "$rule" ;;
        esac
      done
    fi
    printf '%s\\n' \${fw_add[@]+"\${fw_add[@]}"}
  )
  printf '%s\\n' "$fw_new" | awk 'NF && !seen[$0]++' > "$fw_opened.new"
  mv "$fw_opened.new" "$fw_opened"
fi`;
}
