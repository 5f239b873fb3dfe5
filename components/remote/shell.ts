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

/** `body` indented by `n` spaces, heredoc bodies left byte-exact. */
export function indent(body: string, n: number): string {
  const pad = " ".repeat(n);
  let inHeredoc: string | undefined;
  return body
    .split("\n")
    .map((line) => {
      // Heredoc bodies must stay byte-exact.
      if (inHeredoc !== undefined) {
        if (line === inHeredoc) inHeredoc = undefined;
        return line;
      }
      // Any heredoc opener at the end of a line: quoted or not (snippets from other layers may use either).
      // The includes() first: most lines have none, and the regex on every line of every step is measurable.
      const m = line.includes("<<") ? /<<-?\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1\s*$/.exec(line) : null;
      if (m) inHeredoc = m[2];
      return line.length > 0 ? pad + line : line;
    })
    .join("\n");
}
