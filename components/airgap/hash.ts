import { createHash } from "crypto";
import * as fs from "fs";

const CHUNK = 1 << 20;

/**
 * SHA-256 of a file, read in 1 MiB chunks so a 500 MB image tarball does not sit in memory.
 * Synchronous because bundle validation runs before any resource is declared.
 */
export function sha256FileSync(path: string): string {
  const hash = createHash("sha256");
  const buf = Buffer.allocUnsafe(CHUNK);
  const fd = fs.openSync(path, "r");
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest("hex");
}

/** SHA-256 of a file, streamed (for the bundle builder). */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    fs.createReadStream(path)
      .on("error", reject)
      .on("data", (chunk) => hash.update(chunk))
      .on("end", () => resolve(hash.digest("hex")));
  });
}

export function sha256String(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
