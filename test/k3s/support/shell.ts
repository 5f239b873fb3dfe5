import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** A scratch directory with a `bin/` that is put first on PATH, and a call log fake tools append to. */
export interface Sandbox {
  dir: string;
  bin: string;
  log: string;
  /** Installs an executable fake tool in bin/. */
  fake(name: string, body: string): void;
  /** Lines of the call log, then clears it. */
  calls(): string[];
  run(args: string[], opts?: { input?: string; env?: Record<string, string> }): { status: number | null; stdout: string; stderr: string };
  cleanup(): void;
}

export function sandbox(): Sandbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "k3s-stacks-sh-"));
  const bin = path.join(dir, "bin");
  const log = path.join(dir, "calls.log");
  fs.mkdirSync(bin);
  // The scripted host boots cgroup v2, as the distributions k3s-stacks targets do, whatever this
  // machine runs, unless CGROUP_FS says otherwise: host/cgroup-v1.ts reads the type of /sys/fs/cgroup.
  // It runs systemd unless SYSTEMD=no (scripts/up.sh reads /run/systemd/system's type).
  fs.writeFileSync(path.join(bin, "stat"), [
    "#!/bin/bash",
    'if [ "$1" = -fc ] && [ "$2" = %T ] && [ "$3" = /sys/fs/cgroup ]; then echo "${CGROUP_FS:-cgroup2fs}"',
    'elif [ "$1" = -c ] && [ "$2" = %F ] && [ "$3" = /run/systemd/system ]; then [ "${SYSTEMD:-yes}" = yes ] && echo directory || { echo "stat: cannot statx \'$3\': No such file or directory" >&2; exit 1; }',
    'else exec /usr/bin/stat "$@"; fi',
    "",
  ].join("\n"), { mode: 0o755 });
  return {
    dir,
    bin,
    log,
    fake(name, body) {
      fs.writeFileSync(path.join(bin, name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
    },
    calls() {
      if (!fs.existsSync(log)) return [];
      const lines = fs.readFileSync(log, "utf8").split("\n").filter((l) => l.length > 0);
      fs.rmSync(log);
      return lines;
    },
    run(args, opts = {}) {
      const r = spawnSync(args[0], args.slice(1), {
        input: opts.input ?? "",
        encoding: "utf8",
        cwd: dir,
        env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir, CALLS: log, ...opts.env },
        timeout: 20000,
      });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fake that logs `<name> <args>` to $CALLS. */
export const LOG_CALL = 'printf "%s %s\\n" "$(basename "$0")" "$*" >> "$CALLS"';

/**
 * A fake systemctl for one k3s unit whose state is the file `active`: is-active answers from it, stop
 * removes it, start/restart run `onStart` (bash; its failure fails the start) and create it; show
 * reports no main PID. Every call but show is logged.
 */
export function fakeUnit(sb: Sandbox, active: string, onStart = ":"): void {
  sb.fake("systemctl", `[ "$1" = show ] && { echo "MainPID=0"; exit 0; }
${LOG_CALL}
case "$1" in
  is-active) [ -e "${active}" ]; exit ;;
  stop) rm -f "${active}" ;;
  restart|start)
    ${onStart}
    touch "${active}" ;;
esac`);
}
