/** Median of a sample. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Median, min and max of a sample, formatted in seconds. */
export function spread(xs: number[]): { median: number; text: string } {
  const s = [...xs].sort((a, b) => a - b);
  const m = median(s);
  return { median: m, text: `median ${m.toFixed(2)} s (min ${s[0].toFixed(2)}, max ${s[s.length - 1].toFixed(2)}, n=${s.length})` };
}
