import * as fs from "fs";
import * as inspector from "inspector";
import * as path from "path";

/**
 * With K3S_STACKS_BENCH_PROFILE=<dir>: a V8 CPU profile of the evaluation span only (module loading
 * excluded), written as <dir>/<mode>-<nodes>.cpuprofile for Chrome DevTools or any .cpuprofile viewer.
 */
export function profileSpan(name: string): () => void {
  const dir = process.env.K3S_STACKS_BENCH_PROFILE;
  if (!dir) return () => undefined;
  const session = new inspector.Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.start");
  return () =>
    session.post("Profiler.stop", (err, r) => {
      if (err) throw err;
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `${name}.cpuprofile`), JSON.stringify(r.profile));
    });
}

/** CPU milliseconds (user + system) of this process since `since`. */
export function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}
