/**
 * URLs as Go's `net/url` Parse reads them, for values a Go program (k3s, kine) parses: WHATWG `URL`
 * (Node's) differs — it takes `%` alone, cuts userinfo at the first `@`-less delimiter differently
 * and checks no query. Follows go/src/net/url/url.go: the fragment is cut at the first '#', the
 * query at the first '?', the authority ends at the first '/', userinfo is everything before the
 * last '@' and may hold only RFC 3986 userinfo characters, a port is digits, and every '%' starts
 * a two-hex-digit escape (in a host only for non-ASCII bytes, or %25). `url.ParseQuery` further
 * refuses a ';' and bad escapes in the query.
 * Results name the part that is wrong, never its text: the URL may hold a password.
 */

/** The parts of a URL that parsed. Path is unescaped (Go's `URL.Path`). */
export interface GoUrl {
  scheme: string;
  user?: { username: string; password?: string };
  host: string;
  /** The port as written, without ':' (may be empty). */
  port?: string;
  path: string;
  rawQuery: string;
}

export type GoUrlPart = "scheme" | "control" | "userinfo" | "host" | "port" | "path" | "query" | "fragment";

export type GoUrlResult = { ok: true; url: GoUrl } | { ok: false; part: GoUrlPart; reason: string };

const HEX = /^[0-9A-Fa-f]{2}$/;
/** RFC 3986 userinfo characters as Go's validUserinfo takes them ('@' too: the last one ends userinfo). */
const USERINFO = /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/;
/** Characters Go's shouldEscape lets stand in a host (encodeHost). */
const HOST_CHAR = /^[A-Za-z0-9\-._~!$&'()*+,;=:[\]<>"]$/;

/** Go's unescape: undefined when a '%' is not followed by two hex digits (or, in a host, escapes an ASCII byte other than %25). */
function unescape(s: string, mode: "host" | "other"): string | undefined {
  let out = "";
  const bytes: number[] = [];
  const flush = () => {
    if (bytes.length) out += Buffer.from(bytes).toString("utf8");
    bytes.length = 0;
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "%") {
      const hex = s.slice(i + 1, i + 3);
      if (!HEX.test(hex)) return undefined;
      if (mode === "host" && parseInt(hex[0], 16) < 8 && hex !== "25") return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
      continue;
    }
    if (mode === "host" && c.charCodeAt(0) < 0x80 && !HOST_CHAR.test(c)) return undefined;
    flush();
    out += c;
  }
  flush();
  return out;
}

/** Go's validOptionalPort: empty, or ':' followed by digits only. */
const validOptionalPort = (p: string) => p === "" || /^:\d*$/.test(p);

/**
 * Parses `raw` as Go's url.Parse followed by url.ParseQuery on its query would, for URLs with an
 * authority (`scheme://...`). Opaque and relative forms are reported as a missing `scheme://`.
 */
export function parseGoUrl(raw: string): GoUrlResult {
  const hash = raw.indexOf("#");
  const beforeFragment = hash < 0 ? raw : raw.slice(0, hash);
  // Go checks control characters (< 0x20, 0x7f) in everything before the fragment.
  if (/[\u0000-\u001f\u007f]/.test(beforeFragment)) return { ok: false, part: "control", reason: "holds a control character (a line break, tab or similar)" };
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(beforeFragment);
  if (!scheme) return { ok: false, part: "scheme", reason: "does not start with a scheme and '://'" };
  let rest = beforeFragment.slice(scheme[0].length);
  const q = rest.indexOf("?");
  const rawQuery = q < 0 ? "" : rest.slice(q + 1);
  if (q >= 0) rest = rest.slice(0, q);
  const slash = rest.indexOf("/");
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const rawPath = slash < 0 ? "" : rest.slice(slash);

  const at = authority.lastIndexOf("@");
  const hostPort = at < 0 ? authority : authority.slice(at + 1);
  const host = parseHost(hostPort);
  if ("part" in host) return { ok: false, ...host };
  let user: GoUrl["user"];
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    if (!USERINFO.test(userinfo)) return { ok: false, part: "userinfo", reason: "has a character that may not stand unescaped there (such as a space, '\"', '<', '>', '[', ']', '\\', '^', '`', '{', '|', '}' or a non-ASCII letter)" };
    const colon = userinfo.indexOf(":");
    const username = unescape(colon < 0 ? userinfo : userinfo.slice(0, colon), "other");
    const password = colon < 0 ? undefined : unescape(userinfo.slice(colon + 1), "other");
    if (username === undefined || (colon >= 0 && password === undefined)) return { ok: false, part: "userinfo", reason: "has a '%' that does not start a %XX escape" };
    user = colon < 0 ? { username } : { username, password };
  }
  const path = unescape(rawPath, "other");
  if (path === undefined) return { ok: false, part: "path", reason: "has a '%' in the path that does not start a %XX escape" };
  const query = queryProblem(rawQuery);
  if (query) return { ok: false, part: "query", reason: query };
  if (hash >= 0 && unescape(raw.slice(hash + 1), "other") === undefined) return { ok: false, part: "fragment", reason: "has a '%' after '#' that does not start a %XX escape" };
  return { ok: true, url: { scheme: scheme[1].toLowerCase(), ...(user ? { user } : {}), host: host.host, ...(host.port !== undefined ? { port: host.port } : {}), path, rawQuery } };
}

function parseHost(hostPort: string): { host: string; port?: string } | { part: GoUrlPart; reason: string } {
  let host = hostPort;
  let port: string | undefined;
  if (hostPort.startsWith("[")) {
    const close = hostPort.lastIndexOf("]");
    if (close < 0) return { part: "host", reason: "has '[' without ']' around an IPv6 address" };
    const colonPort = hostPort.slice(close + 1);
    if (!validOptionalPort(colonPort)) return { part: "port", reason: "has something other than a port number after the host" };
    host = hostPort.slice(1, close);
    port = colonPort ? colonPort.slice(1) : undefined;
  } else {
    const colon = hostPort.lastIndexOf(":");
    if (colon >= 0) {
      if (!validOptionalPort(hostPort.slice(colon))) return { part: "port", reason: "has something other than a port number after the host's ':'" };
      host = hostPort.slice(0, colon);
      port = hostPort.slice(colon + 1);
    }
  }
  const unescaped = unescape(host, "host");
  if (unescaped === undefined) return { part: "host", reason: "has a character a host name may not hold" };
  return { host: unescaped, ...(port !== undefined ? { port } : {}) };
}

/** What url.ParseQuery refuses: a ';' in a key=value setting (Go 1.17 on), a bad %XX escape. */
function queryProblem(rawQuery: string): string | undefined {
  for (const setting of rawQuery.split("&")) {
    if (setting.includes(";")) return "has a ';' in its query, which Go refuses as a separator; use '&' between settings";
    const [key, value = ""] = setting.split(/=(.*)/s);
    if (unescape(key, "other") === undefined || unescape(value, "other") === undefined) return "has a '%' in its query that does not start a %XX escape";
  }
  return undefined;
}
