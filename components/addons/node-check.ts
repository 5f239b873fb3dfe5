/**
 * The end of a read-only node check: runs `fn` once per row of `arity` shell words (already quoted),
 * each call adding to the bash array `problems`; then prints every problem after `prefix` on stderr
 * and fails, or prints `ok`. Rows go through `set --`, so values with spaces and quotes stay whole.
 * `prefix` and `ok` are bash double-quoted text (they may name $node).
 */
export function checkRowsTail(opts: { fn: string; arity: number; rows: string[]; prefix: string; ok: string }): string {
  const args = Array.from({ length: opts.arity }, (_, i) => `"$${i + 1}"`).join(" ");
  return `set -- \\
  ${opts.rows.join(" \\\n  ")}
while [ "$#" -ge ${opts.arity} ]; do
  ${opts.fn} ${args}
  shift ${opts.arity}
done
if [ "\${#problems[@]}" -gt 0 ]; then
  for p in "\${problems[@]}"; do echo "${opts.prefix}: $p" >&2; done
  exit 1
fi
echo "${opts.ok}"`;
}
