// The postgres datastore endpoint as kine reads it: Go's url.Parse and url.ParseQuery (kine
// pkg/drivers/pgsql prepareDSN) and an unquoted CREATE DATABASE <name> (createDBIfNotExist). A URL
// either would refuse stops k3s and lands in journald with its password, so the planner refuses it
// first, and its message never holds the value.
import { datastoreEndpointProblem } from "../../components/rules/datastore";
import { parseGoUrl } from "../../components/rules/go-url";
import { problem, problemsOf } from "../support/config";
import { inventoryStack } from "../stack/bad-input-cases";
import { planOf } from "./support-stack";

const postgres = inventoryStack({ cluster: { datastore: "postgres" } });
const KEY = "k3s-stacks:datastoreEndpoint";
const plan = (url: string) => planOf(postgres, { [KEY]: url });

describe("passwords Go's url.Parse cannot read", () => {
  test.each([
    ["'#' (a fragment starts)", "postgres://k3s:pa#ss@db.lan:5432/k3s", "pa#ss"],
    ["'?' (a query starts)", "postgres://k3s:pa?ss@db.lan:5432/k3s", "pa?ss"],
    ["'/' (the path starts)", "postgres://k3s:p/w@db.lan:5432/k3s", "p/w"],
    ["'/' that leaves a numeric 'port'", "postgres://k3s:12/34@db.lan:5432/k3s", "12/34"],
    ["'%' not starting an escape", "postgres://k3s:100%sure@db.lan:5432/k3s", "100%sure"],
    ["a space", "postgres://k3s:pa ss@db.lan:5432/k3s", "pa ss"],
    // An '@' before the delimiter too: Go finds a user up to it and takes the rest of the password as the host.
    ["'@' then '#'", "postgres://k3s:p@ss#word@db.lan:5432/k3s", "p@ss#word"],
    ["'@' then '/'", "postgres://k3s:p@s/s@db.lan:5432/k3s", "p@s/s"],
    ["'@' then '?'", "postgres://k3s:p@s?s@db.lan:5432/k3s", "p@s?s"],
  ])("%s is refused with 'percent-encode the password', never echoing it", (_what, url, password) => {
    const problems = problemsOf(() => plan(url));
    expect(problems).toEqual([problem(KEY, "user name or password", "percent-encode the password")]);
    expect(problems[0]).not.toContain(password);
    expect(problems[0]).not.toContain(url);
    expect(problems[0]).not.toContain("db.lan");
  });

  test.each([
    ["an '@' in the password (Go takes the last '@')", "postgres://k3s:p@ss@db.lan:5432/k3s"],
    ["percent-encoded delimiters", "postgres://k3s:pa%23ss%3F%2F%25@db.lan:5432/k3s"],
    ["sub-delimiters RFC 3986 allows", "postgres://k3s:a!$&'()*+,;=~@db.lan/k3s"],
    ["no database (kine uses kubernetes)", "postgres://k3s:pw@db.lan:5432"],
    ["a query kine passes on", "postgresql://k3s:pw@db.lan/k3s?sslmode=require&connect_timeout=5"],
    ["an IPv6 host", "postgres://k3s:pw@[fd00::5]:5432/k3s"],
    ["a '/' in the query", "postgres://k3s:pw@db.lan/k3s?sslrootcert=/etc/ca.pem"],
  ])("%s is accepted", (_what, url) => {
    expect(plan(url).cluster.datastore).toBe("postgres");
  });
});

describe("the database kine creates", () => {
  test.each([
    ["k3s-homelab", "'-'"],
    ["k3s.prod", "'.'"],
    ["K3s", "capitals"],
    ["k3s/extra", "a second path segment"],
  ])("%s (%s) is refused: CREATE DATABASE takes it unquoted", (name) => {
    expect(problemsOf(() => plan(`postgres://k3s:pw@db.lan:5432/${name}`))).toEqual([problem(KEY, "not a plain lowercase SQL identifier", "lowercase letters, digits and '_'")]);
  });

  test("the fix suggests a name that works", () => {
    expect(datastoreEndpointProblem("postgres://k3s:pw@db.lan/k3s-homelab", "set it again")).toContain("e.g. k3s_homelab");
  });

  test("plain identifiers are accepted", () => {
    for (const name of ["k3s", "k3s_homelab", "_k3s", "kine$1"]) expect(plan(`postgres://k3s:pw@db.lan/${name}`).cluster.datastore).toBe("postgres");
  });
});

test("a port outside 1-65535, a ';' in the query and a control character are refused", () => {
  expect(problemsOf(() => plan("postgres://k3s:pw@db.lan:99999/k3s"))).toEqual([problem(KEY, "port 99999", "5432")]);
  expect(problemsOf(() => plan("postgres://k3s:pw@db.lan/k3s?sslmode=require;x=1"))).toEqual([problem(KEY, "';'", "percent-encode")]);
  expect(problemsOf(() => plan("postgres://k3s:pw@db.lan/k3s?application_name=a\u0007b"))).toEqual([problem(KEY, "control character", "percent-encode")]);
  // At either end it is a stray space or line break, and named as one.
  expect(problemsOf(() => plan("postgres://k3s:pw@db.lan/k3s\n"))).toEqual([problem(KEY, "line break before or after", "remove them")]);
});

test("the library argument gets the same check, named as the argument", async () => {
  const { resolveK3sClusterArgs } = await import("../../components/cluster/args");
  const problems = problemsOf(() => resolveK3sClusterArgs({ version: "v1.36.3+k3s1", datastore: "postgres", datastoreEndpoint: "postgres://k3s:pa#ss@db/k3s", nodes: [{ name: "s1", role: "server", arch: "amd64", connection: { host: "10.0.0.1" } }] } as never));
  expect(problems).toEqual([expect.stringMatching(/^K3sCluster\.args\.datastoreEndpoint: .*Fix: percent-encode the password.*pass K3sCluster\.args\.datastoreEndpoint again/)]);
  expect(problems[0]).not.toContain("pa#ss");
});

describe("parseGoUrl follows Go's net/url", () => {
  test("userinfo ends at the last '@'; the port must be digits", () => {
    expect(parseGoUrl("postgres://a:b@c@h:1/p")).toEqual({ ok: true, url: { scheme: "postgres", user: { username: "a", password: "b@c" }, host: "h", port: "1", path: "/p", rawQuery: "" } });
    expect(parseGoUrl("postgres://a:b/c@h/p")).toMatchObject({ ok: false, part: "port" });
  });

  test("escapes decode as UTF-8 bytes; a host may escape only non-ASCII bytes", () => {
    expect(parseGoUrl("postgres://u:%C3%A4%25@h/d%2Fb")).toMatchObject({ ok: true, url: { user: { password: "ä%" }, path: "/d/b" } });
    expect(parseGoUrl("postgres://u@h%41/d")).toMatchObject({ ok: false, part: "host" });
    expect(parseGoUrl("postgres://u@h%C3%A4/d")).toMatchObject({ ok: true, url: { host: "hä" } });
  });

  test("a fragment with a bad escape fails; one with a good escape is ignored", () => {
    expect(parseGoUrl("postgres://h/d#%zz")).toMatchObject({ ok: false, part: "fragment" });
    expect(parseGoUrl("postgres://h/d#%41")).toMatchObject({ ok: true });
  });
});

test("a '#' after the URL (a fragment Go drops and kine never reads) is refused; an '@' in a query value is not a password", () => {
  expect(problemsOf(() => plan("postgres://k3s:pw@db.lan:5432/k3s#primary"))).toEqual([problem(KEY, "holds a '#', which Go's URL parser takes as the start of a fragment", "percent-encode")]);
  expect(plan("postgres://k3s:pw@db.lan:5432/k3s?application_name=k3s@lab").cluster.datastore).toBe("postgres");
});

describe("what the servers connect to (stackfiles)", () => {
  const twoServers = inventoryStack({ cluster: { datastore: "postgres" }, hosts: [
    { name: "s1", address: "192.168.1.11", role: "server", arch: "amd64" },
    { name: "s2", address: "192.168.1.12", role: "server", arch: "amd64" },
  ] });
  const plan2 = (url: string) => planOf(twoServers, { [KEY]: url });

  // Each server may reach the one shared database through its own local proxy (pgbouncer, HAProxy for
  // Patroni, Cloud SQL Auth Proxy on 127.0.0.1): the URL is the same on every server, as k3s asks.
  test.each(["postgres://k3s:pw@localhost:6432/k3s", "postgres://k3s:pw@127.0.0.1/k3s", "postgresql://k3s:pw@[::1]:5432/k3s"])("%s with two servers (a local proxy on each) is accepted", (url) => {
    expect(plan2(url).cluster.datastore).toBe("postgres");
  });

  test("a loopback host with one server is its own database server: accepted", () => {
    expect(plan("postgres://k3s:pw@localhost:5432/k3s").cluster.datastore).toBe("postgres");
  });

  test.each([["disabled", "sslmode=disable"], ["Require", "sslmode=require"], ["off", "one of disable"]])("sslmode=%s is refused (PostgreSQL clients: 'sslmode is invalid')", (mode, fix) => {
    expect(problemsOf(() => plan(`postgres://k3s:pw@db.lan:5432/k3s?sslmode=${mode}`))).toEqual([problem(KEY, `sslmode=${mode}`, fix)]);
  });

  test.each(["disable", "allow", "prefer", "require", "verify-ca", "verify-full"])("sslmode=%s is accepted", (mode) => {
    expect(plan(`postgres://k3s:pw@db.lan:5432/k3s?sslmode=${mode}`).cluster.datastore).toBe("postgres");
  });
});
