import { writeFileSnippet } from "../../remote/shell";

/** fapolicyd rules file host preparation writes (rules.d files load in name order, before 90-deny-execute.rules). */
export const FAPOLICYD_RULES = "/etc/fapolicyd/rules.d/80-k3s.rules";

/**
 * Directories k3s executes from or maps: its data dir (containerd, shims, CNI binaries under
 * /var/lib/rancher), /opt/cni, /run/k3s and the kubelet's. Without rules for them an active
 * fapolicyd (RHEL with the DISA STIG) keeps k3s from starting (k3s-io/k3s#9008); these are the
 * directories RKE2's installer allows, which that issue and k3s PR #9533 carry over to k3s.
 */
const ALLOWED_DIRS = ["/var/lib/rancher/", "/opt/cni/", "/run/k3s/", "/var/lib/kubelet/"];

function rules(): string {
  return ["# Managed by k3s-stacks: directories k3s runs from (k3s-io/k3s#9008).", ...ALLOWED_DIRS.map((d) => `allow perm=any all : dir=${d}`)].join("\n");
}

/**
 * Shell, before any change: whether fapolicyd runs ($fapolicyd = active); fails when it runs without
 * rules.d support (no fagenrules: fapolicyd before 1.1, RHEL before 8.4), naming the lines to add.
 */
export function renderFapolicydCheck(): string {
  const lines = rules().split("\n").slice(1).map((l) => `  ${l}`).join("\\n");
  return `fapolicyd=inactive
if command -v fapolicyd >/dev/null 2>&1 && systemctl is-active --quiet fapolicyd 2>/dev/null; then fapolicyd=active; fi
if [ "$fapolicyd" = active ] && ! command -v fagenrules >/dev/null 2>&1; then
  printf 'k3s-stacks: %s runs fapolicyd, which keeps k3s from starting until it allows k3s'"'"'s directories, and has no fagenrules to load a rules.d file. Fix: add these lines to /etc/fapolicyd/fapolicyd.rules above its deny rules, run systemctl restart fapolicyd, then pulumi up again:\\n${lines}\\n' "$node" >&2
  exit 1
fi`;
}

/** Shell: with fapolicyd active, writes FAPOLICYD_RULES and, when it changed, loads the rules and restarts fapolicyd. */
export function renderFapolicyd(): string {
  // The snippet is not indented: its heredoc terminator must start a line.
  return `if [ "$fapolicyd" = active ]; then
  fa_changed=$changed
  changed=0
${writeFileSnippet(FAPOLICYD_RULES, rules(), "0644")}
  if [ "$changed" = 1 ]; then
    fagenrules --load >/dev/null
    systemctl restart fapolicyd
    echo "k3s-stacks: $node: fapolicyd allows k3s's directories (${FAPOLICYD_RULES})"
  fi
  changed=$fa_changed
fi`;
}

/** Shell for the undo, after the rules file was restored or removed: reload fapolicyd's rules when it runs. */
export function renderFapolicydReload(): string {
  return `if command -v fagenrules >/dev/null 2>&1 && systemctl is-active --quiet fapolicyd 2>/dev/null; then
  fagenrules --load >/dev/null 2>&1 || true
  systemctl restart fapolicyd >/dev/null 2>&1 || true
fi`;
}
