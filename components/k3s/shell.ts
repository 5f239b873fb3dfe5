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
  return [
    `install -d -m 0755 ${shq(path.replace(/\/[^/]*$/, "") || "/")}`,
    `tmp=$(mktemp ${shq(`${path}.XXXXXX`)})`,
    `cat > "$tmp" <<'${mark}'`,
    `${content}${mark}`,
    `chmod ${mode} "$tmp"`,
    // Same content: keep the file (no restart) but still apply a changed mode.
    `if [ -f ${shq(path)} ] && cmp -s "$tmp" ${shq(path)}; then rm -f "$tmp"; chmod ${mode} ${shq(path)}; else mv -f "$tmp" ${shq(path)}; changed=1; fi`,
  ].join("\n");
}

/** Bash prologue shared by every rendered script: strict mode and a phase dispatcher. */
export function scriptFrame(title: string, phases: Record<string, string>): string {
  const cases = Object.entries(phases)
    .map(([phase, body]) => `  ${phase})\n${indent(body, 4)}\n    ;;`)
    .join("\n");
  return [
    "#!/usr/bin/env bash",
    `# k3s-stacks: ${title}`,
    "set -euo pipefail",
    'phase="${1:-create}"',
    'case "$phase" in',
    cases,
    "  *) ;;",
    "esac",
    "",
  ].join("\n");
}

function indent(body: string, n: number): string {
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
      const m = /<<-?\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1\s*$/.exec(line);
      if (m) inHeredoc = m[2];
      return line.length > 0 ? pad + line : line;
    })
    .join("\n");
}
