/** Quotes a value for a POSIX shell: single quotes, with embedded single quotes closed and escaped. */
export function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A heredoc delimiter that cannot occur in `body`. */
export function heredocMark(body: string, base = "K3S_STACKS_EOF"): string {
  let mark = base;
  for (let i = 0; body.split("\n").includes(mark); i++) mark = `${base}_${i}`;
  return mark;
}

/** Shell that writes `body` to `path` (mode, atomically) and records whether the content changed. */
export function writeFileSnippet(path: string, body: string, mode = "0600"): string {
  const mark = heredocMark(body);
  const content = body.endsWith("\n") ? body : `${body}\n`;
  return replaceFile(path, [`cat > "$tmp" <<'${mark}'`, `${content}${mark}`], mode);
}

/**
 * Shell that writes the output of `command` (one simple command, such as a shell function's call)
 * to `path` as writeFileSnippet does: for content only the host can tell, such as a value read from
 * it. When the command fails the file stays as it was and the script exits 1.
 */
export function writeOutputSnippet(path: string, command: string, mode = "0600"): string {
  return replaceFile(path, [`${command} > "$tmp" || { rm -f "$tmp"; exit 1; }`], mode);
}

/** Writes `$tmp` with `fill`, then moves it over `path` only when the content differs (changed=1). */
function replaceFile(path: string, fill: string[], mode: string): string {
  return [
    `install -d -m 0755 ${shq(path.replace(/\/[^/]*$/, "") || "/")}`,
    `tmp=$(mktemp ${shq(`${path}.XXXXXX`)})`,
    ...fill,
    `chmod ${mode} "$tmp"`,
    // Same content: keep the file (no restart) but still apply a changed mode.
    `if [ -f ${shq(path)} ] && cmp -s "$tmp" ${shq(path)}; then rm -f "$tmp"; chmod ${mode} ${shq(path)}; else mv -f "$tmp" ${shq(path)}; changed=1; fi`,
  ].join("\n");
}

/**
 * Gives every script a root login's PATH. sudo replaces PATH with its `secure_path`, which on the RHEL
 * family is `/sbin:/bin:/usr/sbin:/usr/bin`: no `/usr/local/bin`, where install.sh puts k3s, kubectl
 * and the uninstall scripts, nor `/opt/bin`, its fallback when `/usr/local/bin` is not writable
 * (INSTALL_K3S_BIN_DIR). Directories already on PATH keep their place.
 */
export const ROOT_PATH = [
  // Kept for the host facts report.
  'export K3S_STACKS_CALLER_PATH="$PATH"',
  'for d in /usr/local/bin /usr/local/sbin; do case ":$PATH:" in *":$d:"*) ;; *) PATH="$d:$PATH" ;; esac; done',
  'for d in /usr/sbin /usr/bin /sbin /bin /opt/bin; do case ":$PATH:" in *":$d:"*) ;; *) PATH="$PATH:$d" ;; esac; done',
  "export PATH",
].join("\n");

/** Bash prologue shared by every rendered script: strict mode, a root login's PATH and a phase dispatcher. */
export function scriptFrame(title: string, phases: Record<string, string>): string {
  const cases = Object.entries(phases)
    .map(([phase, body]) => `  ${phase})\n${indent(body, 4)}\n    ;;`)
    .join("\n");
  return [
    "#!/usr/bin/env bash",
    `# k3s-stacks: ${title}`,
    "set -euo pipefail",
    ROOT_PATH,
    'phase="${1:-create}"',
    'case "$phase" in',
    cases,
    "  *) ;;",
    "esac",
    "",
  ].join("\n");
}

/** Heredoc opener at the end of a line, quoted or not (snippets from other layers may use either). */
const HEREDOC_OPENER = /<<-?\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1\s*$/;

/** `text` with `pad` in front of every non-empty line. */
const padLines = (text: string, pad: string): string => (text.length > 0 && text[0] !== "\n" ? pad : "") + text.replace(/\n(?=[^\n])/g, `\n${pad}`);

/**
 * `body` indented by `n` spaces, heredoc bodies (and their terminator lines) left byte-exact. Runs
 * once per script phase of every step; native replaces between heredocs, not a pass per line: the
 * per-line version was a measurable part of a 300-node evaluation (bench/cluster-eval.ts).
 */
export function indent(body: string, n: number): string {
  const pad = " ".repeat(n);
  let out = "";
  let at = 0;
  for (let open = body.indexOf("<<"); open >= 0; open = body.indexOf("<<", at)) {
    const eol = body.indexOf("\n", open);
    const lineEnd = eol < 0 ? body.length : eol;
    const mark = HEREDOC_OPENER.exec(body.slice(body.lastIndexOf("\n", open) + 1, lineEnd))?.[2];
    if (mark === undefined || eol < 0) {
      // Not an opener (or the last line): the line is indented like any other.
      out += padLines(body.slice(at, lineEnd), pad);
      if (eol < 0) return out;
      out += "\n";
      at = eol + 1;
      continue;
    }
    out += `${padLines(body.slice(at, eol), pad)}\n`;
    // The body runs to the first line that is exactly the mark; without one, to the end.
    let end = eol;
    for (;;) {
      end = body.indexOf(`\n${mark}`, end);
      if (end < 0 || end + 1 + mark.length === body.length || body[end + 1 + mark.length] === "\n") break;
      end += 1;
    }
    if (end < 0) return out + body.slice(eol + 1);
    const after = end + 1 + mark.length;
    out += body.slice(eol + 1, after);
    if (after === body.length) return out;
    out += "\n";
    at = after + 1;
  }
  return out + padLines(body.slice(at), pad);
}
