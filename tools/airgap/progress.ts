/** Progress lines for large downloads: redrawn in place on a terminal, every 10% otherwise. */
export function progressReporter(
  label: string,
  write: (text: string) => void,
  isTty: boolean,
): (received: number, total: number | undefined) => void {
  let lastDraw = 0;
  let lastDecile = -1;
  return (received, total) => {
    const mib = (n: number) => (n / 1048576).toFixed(1);
    const pct = total ? Math.floor((received / total) * 100) : undefined;
    const text = `  ${label} ${pct !== undefined ? `${pct}% ` : ""}${mib(received)}${total ? `/${mib(total)}` : ""} MiB`;
    const done = total !== undefined && received >= total;
    if (isTty) {
      const now = Date.now();
      if (now - lastDraw >= 200 || done) {
        lastDraw = now;
        write(`\r${text}${done ? "\n" : ""}`);
      }
      return;
    }
    const decile = pct !== undefined ? Math.floor(pct / 10) : Math.floor(received / (50 * 1048576));
    if (decile !== lastDecile) {
      lastDecile = decile;
      write(`${text}\n`);
    }
  };
}
