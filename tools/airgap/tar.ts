/**
 * A ustar archive of regular files (names under 100 bytes), enough for an OCI image layout; the format
 * is POSIX.1-1988 ustar: a 512-byte header per file, the data padded to 512 bytes, two zero blocks.
 * Written here rather than adding a dependency: it is the only archive the bundle builder writes.
 */
export function tarArchive(entries: Array<{ name: string; data: Buffer }>): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    if (Buffer.byteLength(e.name) >= 100) throw new Error(`tar entry name too long: ${e.name}`);
    const h = Buffer.alloc(512);
    const field = (value: string, offset: number, length: number) => h.write(value, offset, length, "ascii");
    const octal = (n: number, offset: number, length: number) => field(n.toString(8).padStart(length - 1, "0") + "\0", offset, length);
    field(e.name, 0, 100);
    octal(0o644, 100, 8);
    octal(0, 108, 8);
    octal(0, 116, 8);
    octal(e.data.length, 124, 12);
    octal(0, 136, 12);
    field("        ", 148, 8);
    field("0", 156, 1);
    field("ustar\0", 257, 6);
    field("00", 263, 2);
    let sum = 0;
    for (const b of h) sum += b;
    field(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
    parts.push(h, e.data, Buffer.alloc((512 - (e.data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
