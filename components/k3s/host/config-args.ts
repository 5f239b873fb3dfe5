import { CONFIG_FILE } from "../node-config";
import { DROP_IN_DIR } from "./dropins";

/**
 * Awk: the value k3s hands a component for `--<flag>` from the `<list>` entries (kubelet-arg, ...) of
 * the k3s config files given in the order k3s reads them, as k3s merges them (shared/reference §2
 * "Config file location", "Keys"; docs.k3s.io/installation/configuration "Multiple Config Files"): a
 * file's `<list>:` replaces the entries so far, `<list>+:` adds to them. Each entry is passed as one
 * `--name=value` (a bare name as `=true`, rules/component-args.ts) and the component keeps the last
 * value of a repeated flag, so the last entry naming the flag decides. Reads block mappings as
 * k3s-stacks and k3s's docs write them: the key at the start of a line, plain or quoted, its entries
 * as a `- item` list, a `[a, b]` flow list or one string; `#` comments and other keys' values (a
 * node-label that happens to read `fail-cgroupv1=false`) do not count. Prints nothing when no entry
 * names the flag.
 */
function mergedArgAwk(): string {
  // POSIX awk (mawk, busybox): no gensub, no arrays of arrays. The program sits in single quotes in
  // bash, so a single quote is sq. Only a lone -v list names the key; the rest is built from it.
  return `BEGIN {
  sq = sprintf("%c", 39)
  q = "[\\"" sq "]"
  key = "^(" list "|\\"" list "\\"|" sq list sq "|\\"" list "[+]\\"|" sq list "[+]" sq "|" list "[+])[ \\t]*:"
}
function uncomment(s,   i, c, inq, out) {
  inq = ""; out = ""
  for (i = 1; i <= length(s); i++) {
    c = substr(s, i, 1)
    if (inq == "" && c == "#" && (i == 1 || substr(s, i - 1, 1) ~ /[ \\t]/)) break
    if (inq == "" && c ~ q) inq = c
    else if (c == inq) inq = ""
    out = out c
  }
  return out
}
function trim(s) { sub(/^[ \\t]+/, "", s); sub(/[ \\t]+$/, "", s); return s }
function unquote(s,   f) {
  s = trim(s); f = substr(s, 1, 1)
  if (length(s) >= 2 && f ~ q && substr(s, length(s), 1) == f) {
    s = substr(s, 2, length(s) - 2)
    if (f == sq) gsub(sq sq, sq, s); else gsub(/\\\\"/, "\\"", s)
  }
  return s
}
function entry(s,   name, eq) {
  s = unquote(s)
  if (s == "") return
  sub(/^--?/, "", s)
  eq = index(s, "=")
  name = eq ? substr(s, 1, eq - 1) : s
  n++; names[n] = name; values[n] = eq ? trim(substr(s, eq + 1)) : "true"
}
function flow(s,   i, c, inq, item) {
  sub(/^\\[/, "", s); sub(/\\][ \\t]*$/, "", s)
  inq = ""; item = ""
  for (i = 1; i <= length(s); i++) {
    c = substr(s, i, 1)
    if (inq == "" && c == ",") { entry(item); item = ""; continue }
    if (inq == "" && c ~ q) inq = c
    else if (c == inq) inq = ""
    item = item c
  }
  entry(item)
}
FNR == 1 { inlist = 0 }
{
  line = uncomment($0)
  if (line ~ /^[^ \\t-]/) {
    inlist = 0
    if (match(line, key)) {
      if (substr(line, 1, RLENGTH) !~ /[+]/) n = 0
      rest = trim(substr(line, RLENGTH + 1))
      if (rest == "") inlist = 1
      else if (rest ~ /^\\[/) flow(rest)
      else entry(rest)
    }
    next
  }
  if (inlist && line ~ /^[ \\t]*- /) { sub(/^[ \\t]*- /, "", line); entry(line) }
}
END { for (i = n; i >= 1; i--) if (names[i] == flag) { print values[i]; exit } }`;
}

/**
 * Bash: sets `${variable}` to the value this node's k3s config files give the component flag `flag`
 * through `list` (see mergedArgAwk), empty when none does. The files are config.yaml, then the
 * drop-ins `config.yaml.d/*.yaml` and `*.yml` in byte order of their names (k3s lists the directory
 * with Go's os.ReadDir, which sorts by name).
 */
export function renderMergedArgValue(variable: string, list: string, flag: string): string {
  return `${variable}=$(
  config_files=()
  if [ -f ${CONFIG_FILE} ]; then config_files+=(${CONFIG_FILE}); fi
  while IFS= read -r f; do
    if [ -f "$f" ]; then config_files+=("$f"); fi
  done < <(printf '%s\\n' ${DROP_IN_DIR}/*.yaml ${DROP_IN_DIR}/*.yml | LC_ALL=C sort)
  if [ "\${#config_files[@]}" -gt 0 ]; then
    awk -v list=${list} -v flag=${flag} '
${mergedArgAwk()}
' "\${config_files[@]}"
  fi
)`;
}
