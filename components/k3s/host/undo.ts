import { shq } from "../../remote/shell";
import type { FirewallRules } from "./network";
import { NM_DROPIN } from "./services";
import { FAPOLICYD_RULES, renderFapolicydReload } from "./fapolicyd";
import { PREP_SYSCTLS, SYSCTL_FILE } from "./sysctls";
import { FIREWALL_OPENED, PREP_RECORD_DIR } from "./host-state";


/** Files host preparation may write or edit (the SELinux drop-in lives under /etc/rancher/k3s, which uninstall removes). */
export const PREP_FILES = ["/etc/fstab", "/etc/modules-load.d/k3s.conf", SYSCTL_FILE, NM_DROPIN, FAPOLICYD_RULES];
/** Units host preparation may disable. */
const PREP_UNITS = ["dphys-swapfile.service", "nm-cloud-setup.service", "nm-cloud-setup.timer"];
/** Kernel modules host preparation may load (every flannel backend's). */
const PREP_MODULES = ["br_netfilter", "overlay", "vxlan", "wireguard"];

/**
 * Shell run before host preparation, once per node (while no record exists): what preparation may
 * change, as it is now — copies of its files (or that they were absent), the sysctl values, active
 * swap, enabled units, modules not loaded, and the firewall's own rules (firewalld ports and trusted
 * sources, ufw's added rules). `renderPrepUndo` puts it back.
 */
export function renderPrepRecord(): string {
  return `# What host preparation may change, as it was before the first preparation (undone on removal).
record=${PREP_RECORD_DIR}
if [ ! -f "$record/complete" ]; then
  rm -rf "$record"
  install -d -m 0700 "$record/files"
  for f in ${PREP_FILES.join(" ")}; do
    if [ -e "$f" ]; then
      install -d "$record/files$(dirname "$f")"
      cp -p "$f" "$record/files$f"
    else
      echo "$f" >> "$record/absent"
    fi
  done
  for k in ${PREP_SYSCTLS.join(" ")}; do
    v=$(sysctl -n "$k" 2>/dev/null) && echo "$k=$v" >> "$record/sysctl"
  done
  swapon --noheadings --show=NAME 2>/dev/null > "$record/swaps" || true
  for u in ${PREP_UNITS.join(" ")}; do
    if systemctl is-enabled --quiet "$u" 2>/dev/null; then echo "$u" >> "$record/units"; fi
  done
  for m in ${PREP_MODULES.join(" ")}; do
    grep -q "^$m " /proc/modules 2>/dev/null || echo "$m" >> "$record/modules-not-loaded"
  done
  if command -v firewall-cmd >/dev/null 2>&1 && [ "$(firewall-cmd --state 2>/dev/null || true)" = running ]; then
    { firewall-cmd --permanent --list-ports 2>/dev/null || true; } | tr ' ' '\\n' | sed '/^$/d' > "$record/firewalld-ports"
    { firewall-cmd --permanent --zone=trusted --list-sources 2>/dev/null || true; } | tr ' ' '\\n' | sed '/^$/d' > "$record/firewalld-sources"
  elif command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q '^Status: active'; then
    ufw show added 2>/dev/null | grep '^ufw ' > "$record/ufw-added" || true
  fi
  touch "$record/complete"
fi`;
}

/**
 * Shell for the config step's delete, after k3s is uninstalled: puts back what `renderPrepRecord`
 * recorded — files restored (or removed when they were absent), sysctls, swap, units, modules
 * unloaded (best effort: another user may hold them), and the firewall rules k3s-stacks added and
 * still holds (FIREWALL_OPENED; on a node prepared by a release without that record, those of the
 * k3s firewall `rules` that were not there before). Packages installed for kernel modules
 * (installPackages) stay. Without a record (a node prepared by an older release) it changes nothing
 * and says so.
 */
export function renderPrepUndo(node: string, rules?: FirewallRules): string {
  const ports = (rules?.ports ?? []).map(shq).join(" ");
  const sources = (rules?.sources ?? []).map(shq).join(" ");
  const ufwSpecs = [...(rules?.ports ?? []).map((p) => `allow ${p.replace("-", ":")}`), ...(rules?.sources ?? []).map((c) => `allow from ${c}`)].map(shq).join(" ");
  return `record=${PREP_RECORD_DIR}
if [ ! -f "$record/complete" ]; then
  echo "k3s-stacks: ${node}: no record of the host before preparation; its preparation stays"
  exit 0
fi
# File by file, so that no directory's mode or times change.
find "$record/files" -type f | while IFS= read -r saved; do cp -p "$saved" "\${saved#"$record/files"}"; done
if [ -f "$record/absent" ]; then xargs -r rm -f < "$record/absent"; fi
${renderFapolicydReload()}
if [ -f "$record/sysctl" ]; then
  while IFS= read -r kv; do sysctl -qw "$kv" >/dev/null 2>&1 || true; done < "$record/sysctl"
fi
if [ -s "$record/swaps" ]; then swapon -a 2>/dev/null || true; fi
if [ -f "$record/units" ]; then
  while IFS= read -r u; do systemctl is-enabled --quiet "$u" 2>/dev/null || systemctl enable --now "$u" >/dev/null 2>&1 || true; done < "$record/units"
fi
if [ -f "$record/modules-not-loaded" ]; then
  while IFS= read -r m; do modprobe -r "$m" >/dev/null 2>&1 || true; done < "$record/modules-not-loaded"
fi
# The rules k3s-stacks added: its record of them; on a node prepared by a release that kept none, those
# of the k3s rules that the firewall did not have before the first preparation.
fw_opened=${FIREWALL_OPENED}
if command -v firewall-cmd >/dev/null 2>&1 && { [ -f "$fw_opened" ] || [ -f "$record/firewalld-ports" ]; }; then
  if [ -f "$fw_opened" ]; then
    fw_ours=$(grep '^firewall-cmd ' "$fw_opened" || true)
  else
    fw_ours=$(
      for p in ${ports}; do grep -qxF "$p" "$record/firewalld-ports" || echo "firewall-cmd --permanent --add-port=$p"; done
      for s in ${sources}; do grep -qxF "$s" "$record/firewalld-sources" || echo "firewall-cmd --permanent --zone=trusted --add-source=$s"; done
    )
  fi
  while IFS= read -r rule; do
    [ -n "$rule" ] || continue
    read -r -a argv <<<"\${rule/--add-/--remove-}"
    "\${argv[@]}" >/dev/null 2>&1 </dev/null || true
  done <<<"$fw_ours"
  firewall-cmd --reload >/dev/null 2>&1 || true
fi
if command -v ufw >/dev/null 2>&1 && { [ -f "$fw_opened" ] || [ -f "$record/ufw-added" ]; }; then
  if [ -f "$fw_opened" ]; then
    fw_ours=$(grep '^ufw ' "$fw_opened" || true)
  else
    fw_ours=$(for spec in ${ufwSpecs}; do grep -qxF "ufw $spec" "$record/ufw-added" || echo "ufw $spec"; done)
  fi
  while IFS= read -r rule; do
    [ -n "$rule" ] || continue
    read -r -a argv <<<"\${rule#ufw }"
    ufw delete "\${argv[@]}" >/dev/null 2>&1 </dev/null || true
  done <<<"$fw_ours"
fi
rm -f "$fw_opened"
rm -rf "$record"
rmdir "$(dirname "$record")" 2>/dev/null || true
echo "k3s-stacks: ${node}: host preparation undone"`;
}
