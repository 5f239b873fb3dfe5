import { parseClusterConfig } from "../../components/k3s/settings";
import { endpointScheme, validateTopology } from "../../components/k3s/topology";
import { problem, problemsOf } from "../support/config";

const settings = (datastore: string) => parseClusterConfig({ k3sVersion: "v1.36.3+k3s1", datastore });
const nodes = (servers: number, agents = 1) => [
  ...Array.from({ length: servers }, (_, i) => ({ name: `s${i + 1}`, role: "server" as const })),
  ...Array.from({ length: agents }, (_, i) => ({ name: `a${i + 1}`, role: "agent" as const })),
];
const none = { present: false };
const pg = { present: true, scheme: "postgres" };

test("no server at all names the node source and the fix", () => {
  expect(problemsOf(() => validateTopology(settings("sqlite"), nodes(0, 2), none, "inventory.hosts"))).toEqual([
    problem("k3s-stacks:inventory.hosts", "no node has role: server", "role: server"),
  ]);
});

test("sqlite with more than one server lists them and the alternatives", () => {
  expect(problemsOf(() => validateTopology(settings("sqlite"), nodes(2), none, "inventory.hosts"))).toEqual([
    problem("k3s-stacks:cluster.datastore", "sqlite supports a single server, but 2 are listed (s1, s2)", "datastore: etcd"),
  ]);
  expect(() => validateTopology(settings("sqlite"), nodes(1, 5), none, "inventory.hosts")).not.toThrow();
});

test.each([2, 4])("etcd with %i servers loses quorum", (n) => {
  expect(problemsOf(() => validateTopology(settings("etcd"), nodes(n), none, "inventory.hosts"))).toEqual([
    problem("k3s-stacks:cluster.datastore", `etcd needs an odd number of servers to keep quorum, but ${n} are listed`, `list ${n + 1} or ${n - 1} servers`),
  ]);
});

test.each([1, 3, 5])("etcd with %i servers is fine", (n) => {
  expect(() => validateTopology(settings("etcd"), nodes(n), none, "inventory.hosts")).not.toThrow();
});

test("postgres without an endpoint gives the secret command", () => {
  expect(problemsOf(() => validateTopology(settings("postgres"), nodes(2), none, "inventory.hosts"))).toEqual([
    problem("k3s-stacks:datastoreEndpoint", "is required for datastore: postgres", "pulumi config set --secret k3s-stacks:datastoreEndpoint"),
  ]);
  expect(() => validateTopology(settings("postgres"), nodes(2), pg, "inventory.hosts")).not.toThrow();
  expect(() => validateTopology(settings("postgres"), nodes(2), { present: true, scheme: "postgresql" }, "inventory.hosts")).not.toThrow();
});

test("postgres with a non-postgres URL names the scheme but never the URL", () => {
  expect(problemsOf(() => validateTopology(settings("postgres"), nodes(1), { present: true, scheme: "mysql" }, "inventory.hosts"))).toEqual([
    problem("k3s-stacks:datastoreEndpoint", "must be a postgres:// or postgresql:// URL for datastore: postgres (got scheme 'mysql')", "set it again"),
  ]);
});

test("an endpoint with another datastore is pointed out", () => {
  expect(problemsOf(() => validateTopology(settings("etcd"), nodes(3), pg, "inventory.hosts"))).toEqual([
    problem("k3s-stacks:datastoreEndpoint", "is set but datastore is etcd", "pulumi config rm k3s-stacks:datastoreEndpoint"),
  ]);
});

test("topology problems are reported together", () => {
  expect(problemsOf(() => validateTopology(settings("sqlite"), nodes(0), pg, "cloud.pools"))).toHaveLength(2);
});

test("endpointScheme reads only the scheme, without credentials", () => {
  expect(endpointScheme("postgres://user:secret@db:5432/k3s")).toBe("postgres");
  expect(endpointScheme("PostgreSQL://db/k3s")).toBe("postgresql");
  expect(endpointScheme("db:5432")).toBeUndefined();
  expect(endpointScheme(undefined)).toBeUndefined();
});
