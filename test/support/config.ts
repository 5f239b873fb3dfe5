import { ConfigError } from "../../components/rules/errors";

/** The problems a config check reports; fails the test when it reports none. */
export function problemsOf(check: () => unknown): string[] {
  try {
    check();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error("expected a ConfigError, but the config was accepted");
}

/** A problem line that names `key` (exactly, at its start) and carries a fix matching `fix`. */
export function problem(key: string, what: RegExp | string, fix: RegExp | string): unknown {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const src = (p: RegExp | string) => (typeof p === "string" ? esc(p) : p.source);
  return expect.stringMatching(new RegExp(`^${esc(key)}: .*${src(what)}.*Fix: .*${src(fix)}`));
}
