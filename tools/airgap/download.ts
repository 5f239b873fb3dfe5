import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Readable, Transform } from "stream";
import { pipeline } from "stream/promises";
import type { ReadableStream as WebReadableStream } from "stream/web";

/** A download failed: HTTP status, network error, short body or checksum mismatch. */
export class DownloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DownloadError";
  }
}

/** Suffix of in-progress files; any left by a killed run are removed when the next run starts. */
export const PART_SUFFIX = ".part";

export interface DownloadOptions {
  /** Expected SHA-256; on mismatch the file is discarded and the download fails. */
  sha256?: string;
  /** Called as bytes arrive (total is undefined without Content-Length). */
  onProgress?: (received: number, total: number | undefined) => void;
  /** Abort (Ctrl-C). */
  signal?: AbortSignal;
  /** Give up when no byte arrives for this long (ms). */
  idleTimeoutMs?: number;
}

/**
 * Downloads `url` to `dest` through a temporary `dest.part`, hashing on the way; `dest` appears only
 * when the whole body arrived and matched `sha256`. On any failure the temporary file is deleted.
 */
export async function downloadFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<{ sha256: string; size: number }> {
  await fs.promises.mkdir(path.dirname(dest), { recursive: true });
  const tmp = dest + PART_SUFFIX;
  const idle = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, idle.signal]) : idle.signal;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(new DownloadError(`no data for ${(opts.idleTimeoutMs ?? 60000) / 1000}s`)), opts.idleTimeoutMs ?? 60000);
  };
  try {
    arm();
    let res: Response;
    try {
      res = await fetch(url, { signal, redirect: "follow" });
    } catch (e) {
      throw new DownloadError(`cannot download ${url}: ${reason(e, signal)}`);
    }
    if (!res.ok || !res.body) {
      throw new DownloadError(`HTTP ${res.status} ${res.statusText} for ${url}`);
    }
    const lengthHeader = res.headers.get("content-length");
    const total = lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
    const hash = createHash("sha256");
    let received = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        arm();
        hash.update(chunk);
        received += chunk.length;
        opts.onProgress?.(received, total);
        done(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), meter, fs.createWriteStream(tmp));
    } catch (e) {
      throw new DownloadError(`download of ${url} interrupted after ${received} bytes: ${reason(e, signal)}`);
    }
    if (total !== undefined && received !== total) {
      throw new DownloadError(`download of ${url} interrupted: got ${received} of ${total} bytes`);
    }
    const sha256 = hash.digest("hex");
    if (opts.sha256 && sha256 !== opts.sha256) {
      throw new DownloadError(`checksum mismatch for ${url}: expected sha256 ${opts.sha256}, got ${sha256}. The mirror or the download is corrupt; nothing was kept.`);
    }
    await fs.promises.rename(tmp, dest);
    return { sha256, size: received };
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** Fetches a small text document (index.yaml, checksum file) into memory. */
export async function fetchText(url: string, signal?: AbortSignal): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { signal, redirect: "follow" });
  } catch (e) {
    throw new DownloadError(`cannot download ${url}: ${reason(e, signal)}`);
  }
  if (!res.ok) throw new DownloadError(`HTTP ${res.status} ${res.statusText} for ${url}`);
  try {
    return await res.text();
  } catch (e) {
    throw new DownloadError(`download of ${url} interrupted: ${reason(e, signal)}`);
  }
}

function reason(e: unknown, signal?: AbortSignal): string {
  if (signal?.aborted) {
    const r: unknown = signal.reason;
    return r instanceof Error ? r.message : "aborted";
  }
  if (e instanceof Error) {
    const cause = (e as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${e.message} (${cause.message})` : e.message;
  }
  return String(e);
}
