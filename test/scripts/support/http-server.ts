/**
 * A static file server on 127.0.0.1 in a child process, for scripts the tests run with spawnSync
 * (which blocks this process's event loop, so an in-process server could not answer them).
 */
import { ChildProcess, spawn } from "child_process";

export interface FileServer {
  port: number;
  /** Stops the server and waits until its process has exited. */
  stop(): Promise<void>;
}

/**
 * Serves `dir` with Python's http.server on a port the kernel picks (port 0) and reads that port
 * from the server's own "Serving HTTP on ... port N" line, printed once it listens: no port is
 * picked first and bound later (another process could take it between the two), and no guess at
 * how long the start takes. Fails when the server exits or says nothing within `startTimeoutMs`.
 */
export function serveDirectory(dir: string, startTimeoutMs = 60_000): Promise<FileServer> {
  const child: ChildProcess = spawn("python3", ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", dir], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
    await exited;
  };
  return new Promise((resolve, reject) => {
    let out = "";
    const fail = (why: string) => {
      clearTimeout(timer);
      void stop().then(() => reject(new Error(`python3 -m http.server for ${dir}: ${why}; it printed: ${JSON.stringify(out)}`)));
    };
    const timer = setTimeout(() => fail(`no "Serving HTTP" line within ${startTimeoutMs} ms`), startTimeoutMs);
    child.once("error", (e) => fail(e.message));
    const early = (code: number | null, signal: NodeJS.Signals | null) => fail(`exited (${code ?? signal}) before serving`);
    child.once("exit", early);
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /Serving HTTP on \S+ port (\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.off("exit", early);
      // Keep draining its stdout so the server never blocks on a full pipe.
      child.stdout?.removeAllListeners("data");
      child.stdout?.resume();
      resolve({ port: Number(m[1]), stop });
    });
  });
}
