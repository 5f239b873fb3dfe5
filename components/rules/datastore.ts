import { parseGoUrl } from "./go-url";

/**
 * Where k3s keeps the cluster state (`k3s-stacks:cluster.datastore`): sqlite, a single server's
 * embedded database (the k3s default); etcd, embedded etcd on an odd number of servers
 * (`cluster-init`); postgres, an external database given by `datastore-endpoint`.
 */
export const DATASTORES = ["sqlite", "etcd", "postgres"] as const;
export type Datastore = (typeof DATASTORES)[number];

/** The database kine uses when the URL names none (kine pkg/drivers/pgsql prepareDSN). */
const KINE_DEFAULT_DATABASE = "kubernetes";

/**
 * A database name PostgreSQL takes unquoted and keeps as written: kine creates a missing database
 * with `CREATE DATABASE <name>` without quoting (pkg/drivers/pgsql createDBIfNotExist), so '-', '.'
 * or a space is a syntax error, and capitals are folded to lowercase (then the connection to the
 * name as written finds no database). PostgreSQL docs "Identifiers and Key Words" (§4.1.1).
 */
const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_$]*$/;

/**
 * The sslmode values PostgreSQL's clients take (libpq "Connection Strings", also pgx, kine's driver);
 * any other value stops the connection ("sslmode is invalid"), and k3s with it.
 */
const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"];

const ENCODE = "percent-encode the password (and user name): '%' as %25, '/' as %2F, '?' as %3F, '#' as %23, '@' as %40, ':' as %3A, a space as %20";

/**
 * Why a postgres datastore endpoint would stop k3s, as "what is wrong. Fix: ..." without the key;
 * undefined when kine can use it. kine (k3s's datastore layer) parses the URL with Go's url.Parse and
 * url.ParseQuery (pkg/drivers/pgsql prepareDSN) and k3s logs the failing URL, password included, so
 * the rules are Go's (rules/go-url.ts), checked here before the value goes anywhere. The message
 * never holds the value or any part of its user name or password. Only postgres:// and postgresql://
 * URLs are checked; the topology check reports another scheme.
 * `setAgain` is how to set the value again (the secret's command, or the argument). A loopback host
 * is taken with any number of servers: each server may reach the one shared database through a
 * proxy of its own on 127.0.0.1 (pgbouncer, HAProxy in front of Patroni, Cloud SQL Auth Proxy),
 * which a URL cannot tell from a database on the server itself.
 */
export function datastoreEndpointProblem(value: string, setAgain: string): string | undefined {
  // k3s passes the value to kine as written: a space or line break would become part of the scheme or the database name.
  if (value !== value.trim()) return `has spaces or a line break before or after the URL. Fix: remove them, then ${setAgain}.`;
  const scheme = /^(postgres|postgresql):\/\//i.exec(value);
  if (!scheme) return undefined;
  const after = value.slice(scheme[0].length);
  const parsed = parseGoUrl(value);
  const why = "kine (k3s's datastore driver) parses it with Go's url.Parse, so k3s would fail to start and log the URL with the password";
  // A '/', '?' or '#' in the password ends the host part early: Go then finds no userinfo, or a bad port.
  const delimiterAt = after.search(/[/?#]/);
  const lastAt = after.lastIndexOf("@");
  const pathEnd = after.search(/[?#]/);
  // With an '@' in the password as well, Go still finds a user (up to that '@') and takes the rest of
  // the password as the host: an '@' after the delimiter with no query setting ('=' or '&') between.
  const splitPassword = delimiterAt >= 0 && lastAt > delimiterAt && !/[=&]/.test(after.slice(delimiterAt, lastAt));
  const userinfoBroken = delimiterAt >= 0 && lastAt > delimiterAt && (!parsed.ok ? true : splitPassword || (!parsed.url.user && (pathEnd < 0 || lastAt < pathEnd)));
  if (userinfoBroken) {
    return `the user name or password holds a '/', '?' or '#', which Go's URL parser reads as the end of the host part; ${why}. Fix: ${ENCODE}, then ${setAgain}.`;
  }
  if (!parsed.ok) {
    if (parsed.part === "userinfo") return `the user name or password ${parsed.reason}; ${why}. Fix: ${ENCODE}, then ${setAgain}.`;
    return `is not a URL Go's url.Parse accepts: it ${parsed.reason}; ${why}. Fix: correct it (${ENCODE}), then ${setAgain}.`;
  }
  // Go cuts a fragment off and kine never reads it: a '#' is a password's or database name's character gone astray.
  if (after.includes("#")) return `holds a '#', which Go's URL parser takes as the start of a fragment, dropping it and all that follows; ${why}. Fix: ${ENCODE}, then ${setAgain}.`;
  const port = parsed.url.port;
  if (port !== undefined && port !== "" && (Number(port) < 1 || Number(port) > 65535)) {
    return `has port ${port}, outside 1-65535. Fix: use the database's port (PostgreSQL listens on 5432), then ${setAgain}.`;
  }
  const sslmode = new URLSearchParams(parsed.url.rawQuery).get("sslmode");
  if (sslmode !== null && !SSL_MODES.includes(sslmode)) {
    const near = SSL_MODES.find((m) => sslmode.toLowerCase().startsWith(m) || m.startsWith(sslmode.toLowerCase()));
    return `has sslmode=${sslmode}, which PostgreSQL's clients refuse ("sslmode is invalid"), so k3s would fail to start. Fix: use ${near ? `sslmode=${near}, or another of ` : "one of "}${SSL_MODES.join(", ")}, then ${setAgain}.`;
  }
  const path = parsed.url.path;
  const database = path === "" || path === "/" ? KINE_DEFAULT_DATABASE : path.slice(path.indexOf("/") + 1);
  if (!PLAIN_IDENTIFIER.test(database)) {
    const shown = /^[\w.$ -]{1,63}$/.test(database) ? `'${database}'` : "in the URL's path";
    const example = database.toLowerCase().replace(/[^a-z0-9_$]/g, "_").replace(/^(?=[0-9$])/, "k3s_").slice(0, 63) || "k3s";
    return `the database name ${shown} is not a plain lowercase SQL identifier; kine creates a missing database with an unquoted CREATE DATABASE <name>, which PostgreSQL refuses for '-', '.', '/' or a space and folds to lowercase, so k3s would fail to start. Fix: name the database with lowercase letters, digits and '_', starting with a letter or '_' (e.g. ${/^[a-z_][a-z0-9_$]*$/.test(example) ? example : "k3s"}), then ${setAgain}.`;
  }
  return undefined;
}
