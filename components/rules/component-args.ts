/**
 * Entries of k3s's `*-arg` lists (kubelet-arg, kube-apiserver-arg, kube-proxy-arg, etcd-arg, ...).
 * k3s turns each entry into one command-line argument of the component (k3s pkg/util/args.go
 * GetArgs): it removes one leading `--`, splits at the first `=`, takes `true` as the value when there
 * is none, drops a trailing `+`/`-` (append/prepend to k3s's own value) from the name, and passes
 * `--<name>=<value>`. Nothing is trimmed, so `max-pods 200` becomes `--max-pods 200=true` and `-v=2`
 * becomes `---v=2`, which the component refuses ("unknown flag", "bad flag syntax") and then does not
 * start; k3s waits for it and the node never becomes Ready.
 */
import { argName } from "./managed-flags";

/** A component flag name with k3s's optional `+`/`-` suffix: letters, digits, '.', '_' and '-'. */
const FLAG_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\+?$/;

/** Whether `key` is one of k3s's component argument lists (`kubelet-arg`, `kube-apiserver-arg`, ...). */
export function isComponentArgList(key: string): boolean {
  return key.endsWith("-arg");
}

/**
 * The entries of `list` (`kubelet-arg`, `kube-proxy-arg`, ...) in a config's keys, then those of
 * `list+` (k3s appends them), in the order k3s passes them, each with the key that names it
 * (`kubelet-arg[2]`, or the list itself for a single string, which counts as one entry).
 */
export function keyedArgEntries(config: Record<string, unknown>, list: string): Array<{ key: string; entry: string }> {
  return [list, `${list}+`].flatMap((k) => {
    const v = config[k];
    if (typeof v === "string") return [{ key: k, entry: v }];
    return Array.isArray(v) ? v.flatMap((e, i) => (typeof e === "string" ? [{ key: `${k}[${i}]`, entry: e }] : [])) : [];
  });
}

/** The entries of `list` and `list+` alone, in the order k3s passes them (see keyedArgEntries). */
export function argEntries(config: Record<string, unknown>, list: string): string[] {
  return keyedArgEntries(config, list).map((e) => e.entry);
}

/**
 * The value k3s passes for the argument `name` among `entries` (leading dashes ignored, as argName
 * reads them): from the last entry naming it (a later one wins, k3s GetArgs), `true` for a bare name;
 * undefined when none names it.
 */
export function lastArgValue(entries: string[], name: string): string | undefined {
  const last = entries.filter((e) => argName(e) === name).at(-1);
  if (last === undefined) return undefined;
  const eq = last.indexOf("=");
  return eq < 0 ? "true" : last.slice(eq + 1).trim();
}

/** The argument k3s passes for an entry, as GetArgs builds it. */
export function passedArgument(entry: string): string {
  const bare = entry.startsWith("--") ? entry.slice(2) : entry;
  const eq = bare.indexOf("=");
  const name = (eq < 0 ? bare : bare.slice(0, eq)).replace(/[-+]+$/, "");
  return `--${name}=${eq < 0 ? "true" : bare.slice(eq + 1)}`;
}

/** The entry the user most likely meant: no spaces around it, no extra dashes, `=` between name and value. */
function meant(entry: string): string {
  const t = entry.trim().replace(/^-+/, "");
  return t.includes("=") ? t : t.replace(/\s+/, "=");
}

/**
 * What is wrong with one `*-arg` entry, as "what is wrong. Fix: ..." (no key); undefined when k3s
 * passes it as the flag it names. A name alone is fine (`--flag=true`, how boolean flags are set).
 */
export function componentArgProblem(entry: string): string | undefined {
  const bare = entry.startsWith("--") ? entry.slice(2) : entry;
  const eq = bare.indexOf("=");
  const name = eq < 0 ? bare : bare.slice(0, eq);
  const spaced = entry !== entry.trim();
  if (FLAG_NAME.test(name) && !spaced) return undefined;
  const why = spaced ? "it has spaces around it, which k3s keeps" : name === "" ? "it names no flag" : /\s/.test(name) ? "a space does not separate a flag from its value here" : "the flag name has extra dashes or characters no flag has";
  const fix = meant(entry);
  const fixText = fix && FLAG_NAME.test(fix.split("=")[0]) ? `write '${fix}'` : "write it as name=value, such as max-pods=150";
  return `'${entry}' is not name=value: ${why}. k3s passes each entry as one argument, here '${passedArgument(entry)}', which the component refuses, and it does not start. Fix: ${fixText}`;
}
