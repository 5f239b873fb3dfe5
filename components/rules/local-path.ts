import * as os from "os";
import * as path from "path";

/**
 * Paths of files on this machine in stack settings and library arguments (inventory.privateKeyPath,
 * registries TLS files, airgap.bundleDir). Pulumi hands config values over as written and no shell
 * ever sees them, so `~`, `~user` and `$VAR` would be directory names. `~` and `~/…` (this user's home,
 * as ssh_config's IdentityFile and every README example write it) are expanded the same way for each
 * setting; `~user/…` and `$VAR`/`${VAR}`, which only a shell expands, are refused naming what to write,
 * rather than read as a path of that name (a "missing file" whose fix then repeats the same text).
 */

/** `file` with a leading `~` or `~/` made this user's home; anything else as it is. */
export function expandHome(file: string): string {
  return file === "~" || file.startsWith("~/") ? path.join(os.homedir(), file.slice(1)) : file;
}

/** What a shell would have expanded in `file`, as "is … Fix: …"; undefined when the path is read as written. */
export function localPathProblem(file: string): string | undefined {
  const user = /^~([^/]+)/.exec(file);
  if (user) {
    return `'${file}' starts with ~${user[1]}, which only a shell expands (to ${user[1]}'s home); the path is read as written. Fix: write the full path, such as /home/${user[1]}${file.slice(user[0].length) || "/"}, or ~/… for your own home`;
  }
  const variable = /\$(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)/.exec(file);
  if (variable) {
    const name = variable[1].replace(/^\{|\}$/g, "");
    const home = name === "HOME" && file.startsWith(variable[0]) ? `: write '~${file.slice(variable[0].length)}'` : ": write the path itself";
    return `'${file}' holds $${name}, which only a shell expands; the path is read as written. Fix${home}`;
  }
  return undefined;
}

/** The file `file` names, relative paths from `baseDir` (after {@link expandHome}). */
export function resolveLocalPath(file: string, baseDir: string): string {
  return path.resolve(baseDir, expandHome(file));
}
