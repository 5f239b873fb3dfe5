import { aliasOf } from "./key-aliases";

/**
 * Edit distance between two short strings (keys of a config mapping): the fewest single-letter
 * insertions, deletions, substitutions and swaps of two neighbours ("lables" → "labels" is one) that
 * turn `a` into `b` (optimal string alignment distance).
 */
export function editDistance(a: string, b: string): number {
  let prev: number[] = [];
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) next[j] = Math.min(next[j], prev[j - 2] + 1);
    }
    prev = row;
    row = next;
  }
  return row[b.length];
}

/**
 * The known key a misspelt `key` most likely meant: the one it is another tool's name for
 * (rules/key-aliases.ts: `node-ip` → internalAddress), else the closest one (case-insensitive) within
 * a third of its length (at least 2 edits), or one that starts with it; undefined when none is that close.
 */
export function nearest(key: string, known: readonly string[]): string | undefined {
  const alias = aliasOf(key, known);
  if (alias !== undefined) return alias;
  const lower = key.toLowerCase();
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const d = editDistance(lower, name.toLowerCase());
    if (best === undefined || d < best.d) best = { name, d };
  }
  if (best && best.d <= Math.max(2, Math.ceil(key.length / 3))) return best.name;
  return known.find((name) => lower.length >= 3 && name.toLowerCase().startsWith(lower));
}
