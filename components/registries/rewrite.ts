import { RE2JS } from "re2js";

/**
 * registries.yaml `mirrors.<registry>.rewrite` rules as k3s's containerd applies them: k3s copies each
 * rule into the endpoint's hosts.toml (K3S:pkg/agent/containerd/config.go getHostConfigs); containerd
 * compiles the pattern with Go's regexp (RE2 syntax) when it resolves an image through that endpoint,
 * skipping one that does not compile with only a log warning ("failed to compile rewrite",
 * remotes/docker/resolver.go), and replaces the match with the replacement as Go's
 * Regexp.ReplaceAllString expands it: `$1` and `${1}` are groups, `$name`/`${name}` named groups,
 * `$$` a literal `$` (k3s docs "Private Registry Configuration", rewrite example `$1`). The reference
 * copy shows the same `$1` example and is silent on the rest; Go's regexp.Expand documents it.
 * re2js is a port of Go's regexp parser: it refuses what Go refuses (lookaround, backreferences, \Z,
 * \u, ...), which JavaScript's RegExp does not, and one thing Go takes, a group name used twice
 * (compileGo).
 */

/** A pattern compiled as Go's regexp compiles it: its group count and (distinct) group names. */
interface GoPattern {
  re: RE2JS;
  groups: number;
  names: string[];
}

/** What re2js says of a second group with a name already taken (re2js Parser.ERR_DUPLICATE_NAMED_CAPTURE). */
const DUPLICATE_NAME = "duplicate capture group name";

/**
 * Compiles `pattern` as Go's regexp does, or throws re2js's error. re2js refuses a second group with a
 * name already taken, which Go takes: its Regexp.SubexpIndex doc writes "(?P<bob>a+)(?P<bob>b+)", and
 * regexp.Compile of (?P<a>x)(?P<a>y) succeeds (go1.26; Expand then uses the first group of that name
 * that took part in the match). So every opener of such a group, `(?P<name>` or `(?<name>`, is given a
 * fresh name and the pattern compiled again: the groups and their numbers stay as they were, and the
 * same text where it is no group (in a class, after \Q) stays literal text of the same shape.
 */
function compileGo(pattern: string): GoPattern {
  const original = new Map<string, string>();
  let text = pattern;
  for (;;) {
    try {
      const re = RE2JS.compile(text);
      const names = [...new Set(Object.keys(re.namedGroups()).map((n) => original.get(n) ?? n))];
      return { re, groups: re.groupCount(), names };
    } catch (e) {
      const name = (e as { error?: string; input?: string }).error === DUPLICATE_NAME ? (e as { input: string }).input : undefined;
      const renamed = name === undefined ? text : renameGroups(text, name, original);
      if (renamed === text) {
        const message = (e as Error).message;
        throw new Error([...original].reduce((m, [fresh, was]) => m.split(fresh).join(was), message));
      }
      text = renamed;
    }
  }
}

/** `text` with each `(?P<name>` and `(?<name>` given a name of its own, not in `text`, noted in `original`. */
function renameGroups(text: string, name: string, original: Map<string, string>): string {
  const opener = new RegExp(`\\(\\?P?<${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}>`, "g");
  return text.replace(opener, (found) => {
    let fresh: string;
    for (let i = original.size; ; i++) {
      fresh = `${name}_dup${i}`;
      if (!text.includes(fresh) && !original.has(fresh)) break;
    }
    original.set(fresh, name);
    return found.replace(`<${name}>`, `<${fresh}>`);
  });
}

/** Why Go's regexp would not compile `pattern` (its own words), or undefined. */
export function rewritePatternProblem(pattern: string): string | undefined {
  try {
    compileGo(pattern);
    return undefined;
  } catch (e) {
    return (e as Error).message.replace(/^error parsing regexp: /, "");
  }
}

/** A group reference in a replacement, as Go's regexp.Expand reads it, or a `$` it puts in the result as text. */
type Reference = { text: string; name: string; braced: boolean } | { text: string; literal: true };

/** Letters, digits and `_`: what a `$name` runs over (Go: unicode.IsLetter, unicode.IsDigit, '_'). */
const NAME = /^[\p{L}\p{Nd}_]+/u;

/** Every `$` reference in `replacement`, in order: a `$` that starts no reference, and `$$`, are a literal `$`. */
function referencesOf(replacement: string): Reference[] {
  const refs: Reference[] = [];
  for (let i = replacement.indexOf("$"); i >= 0; i = replacement.indexOf("$", i)) {
    const rest = replacement.slice(i + 1);
    if (rest.startsWith("$")) {
      refs.push({ text: "$$", literal: true });
      i += 2;
      continue;
    }
    const braced = rest.startsWith("{");
    const name = NAME.exec(braced ? rest.slice(1) : rest)?.[0];
    if (name === undefined || (braced && rest[1 + name.length] !== "}")) {
      refs.push({ text: replacement.slice(i, i + 2), literal: true });
      i += 1;
      continue;
    }
    const length = 1 + name.length + (braced ? 2 : 0);
    refs.push({ text: replacement.slice(i, i + length), name, braced });
    i += length;
  }
  return refs;
}

/** The group number a name stands for in Go's Expand: digits without a leading zero (or "0"), else none. */
function groupNumber(name: string): number | undefined {
  return /^(0|[1-9][0-9]{0,8})$/.test(name) ? Number(name) : undefined;
}

/** An image repository as the OCI distribution spec names it: path components of [a-z0-9] joined by `.`, `_`, `__` or dashes. */
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/** `repository` with every match of `re` taken out: what Go's ReplaceAllString makes of it with an empty replacement. */
function withoutMatches(re: RE2JS, repository: string): string {
  const m = re.matcher(repository);
  let kept = "";
  let from = 0;
  while (m.find()) {
    kept += repository.slice(from, m.start());
    from = m.end();
  }
  return kept + repository.slice(from);
}

/**
 * A repository that an empty replacement would rewrite to nothing, among those tried: the pattern's
 * literal start followed by one or two path components, and two common names. Finding none proves
 * nothing, so only a repository found is refused.
 */
function emptiedRepository(re: RE2JS, pattern: string): string | undefined {
  const anchored = pattern.startsWith("^") ? 1 : 0;
  const lead = /^[a-z0-9_/-]*/.exec(pattern.slice(anchored))?.[0] ?? "";
  // A quantifier makes the literal's last character optional: leave it out.
  const start = /^[?*+{]/.test(pattern.slice(anchored + lead.length)) ? lead.slice(0, -1) : lead;
  return [`${start}x`, `${start}x/y`, start, "library/nginx", "nginx"].find((r) => REPOSITORY.test(r) && withoutMatches(re, r) === "");
}

/**
 * Why an empty replacement leaves a repository with no name, or undefined. containerd replaces each
 * match in the repository (remotes/docker/resolver.go withRewritesFromHost, ReplaceAllString), so an
 * empty replacement drops the matched part, as `^library/` → '' does; a pattern that matches a whole
 * repository empties it: the request path joins an empty repository away (`/v2/manifests/<tag>`), the
 * mirror cannot serve it, and the resolver goes on to the next host (the upstream, unless
 * disableDefaultEndpoint) or fails the pull: the mirror is never used for those images.
 */
function emptyReplacementProblem(re: RE2JS, pattern: string): string | undefined {
  const emptied = emptiedRepository(re, pattern);
  if (emptied === undefined) return undefined;
  const prefix = pattern.replace(/\(?\.[*+]\)?\$?$/, "");
  const kept = prefix !== pattern && prefix !== "" && prefix !== "^" && !rewritePatternProblem(prefix) ? withoutMatches(compileGo(prefix).re, emptied) : "";
  const fix = kept !== ""
    ? `to drop only the start of the name, match only that: '${prefix}' with '' rewrites '${emptied}' to '${kept}'`
    : "write the name to pull instead, such as 'mirror/$0', or remove the rule";
  return `'' rewrites the repository '${emptied}' to '' (containerd replaces what the pattern matches with the replacement, and this pattern matches the whole name), so the mirror is asked for /v2/manifests/<tag>, an image with no name, which it cannot serve: containerd goes on to the next endpoint (the upstream registry, unless disableDefaultEndpoint) or fails the pull. Fix: ${fix}`;
}

/**
 * Why containerd would not rewrite with `replacement` what the user meant, or undefined: an empty
 * replacement that empties a repository (emptyReplacementProblem), a reference to a group `pattern`
 * does not have (Go's Expand puts nothing there, silently: `$1x` is the group named `1x`, not group 1
 * then `x`), or a literal `$` (`$$`, or a `$` that starts no reference): no image name holds one (OCI
 * distribution spec: path components are [a-z0-9] with . _ __ - separators).
 * `pattern` must compile (rewritePatternProblem).
 */
export function rewriteReplacementProblem(pattern: string, replacement: string): string | undefined {
  const { re, groups, names } = compileGo(pattern);
  if (replacement === "") return emptyReplacementProblem(re, pattern);
  const has = (name: string): boolean => {
    const num = groupNumber(name);
    return num === undefined ? names.includes(name) : num <= groups;
  };
  const numbered = groups === 0 ? "no numbered groups" : groups === 1 ? "$1" : `$1 to $${groups}`;
  const available = [numbered, ...names.map((n) => `\${${n}}`)].join(", ");
  for (const ref of referencesOf(replacement)) {
    if ("literal" in ref) {
      const what = ref.text === "$$" ? "is a literal '$' to Go's regexp" : "starts no group reference, so Go's regexp keeps the '$' as text";
      return `'${ref.text}' in '${replacement}' ${what}, and containerd would ask the mirror for an image name with a '$' in it, which no image name holds. Fix: write a group as $1 or \${1} (the pattern has ${available}), or leave the '$' out`;
    }
    if (has(ref.name)) continue;
    const unpadded = /^0+[0-9]+$/.test(ref.name) ? String(Number(ref.name)) : undefined;
    if (unpadded !== undefined && has(unpadded)) {
      return `'${ref.text}' in '${replacement}' is not group ${unpadded} to Go's regexp (a group number has no leading zeros; this is the group named '${ref.name}', which the pattern does not have), so it is replaced with nothing. Fix: write \${${unpadded}}`;
    }
    // The longest start of the name that is a group: what `$1x` or `$ns_x` was meant to be.
    const meant = ref.braced ? undefined : [...ref.name].map((_, i) => ref.name.slice(0, ref.name.length - 1 - i)).find((start) => start.length > 0 && has(start));
    if (meant !== undefined) {
      return `'${ref.text}' in '${replacement}' is the group named '${ref.name}' to Go's regexp (a name runs over every letter, digit and _ that follows), which the pattern does not have, so it is replaced with nothing. Fix: write \${${meant}}${ref.name.slice(meant.length)}`;
    }
    const num = groupNumber(ref.name);
    const what = num !== undefined ? `group ${num}` : `a group named '${ref.name}'`;
    const fix = groups === 0 && names.length === 0
      ? "put the part to keep in parentheses in the pattern, such as ^library/(.*), and refer to it as $1"
      : `use one the pattern has: ${available}`;
    return `'${ref.text}' in '${replacement}' refers to ${what}, which the pattern does not have (${available}), so Go's regexp replaces it with nothing and images would be pulled under a wrong name. Fix: ${fix}`;
  }
  return undefined;
}
