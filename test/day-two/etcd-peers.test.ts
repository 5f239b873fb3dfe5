import { checkEtcdNodeIps, etcdNodeIps } from "../../components/day-two/etcd-peers";
import { ConfigError } from "../../components/rules/errors";

const NODES = [
  { name: "s1", role: "server", internalAddress: "10.0.0.1" },
  { name: "s2", role: "server", internalAddress: "2001:DB8::0:2,10.0.0.2" },
  { name: "s3", role: "server" },
  { name: "a1", role: "agent", internalAddress: "10.0.0.9" },
];

test("etcdNodeIps: etcd servers with a written internalAddress, the primary node-ip in one spelling; nothing for other datastores", () => {
  expect(etcdNodeIps(NODES, "etcd")).toEqual({ s1: "10.0.0.1", s2: "2001:db8::2" });
  expect(etcdNodeIps(NODES, "sqlite")).toEqual({});
  expect(etcdNodeIps(NODES, "postgres")).toEqual({});
});

const problems = (f: () => void): string[] => {
  try {
    f();
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems;
  }
};

test("a server whose node-ip moves is refused naming it, both addresses, the k3s rule and the way to move it", () => {
  const out = problems(() => checkEtcdNodeIps({ s1: "10.0.0.1", s2: "10.0.0.2" }, { s1: "10.0.0.1", s2: "10.0.0.22" }, "inventory.hosts"));
  expect(out).toHaveLength(1);
  expect(out[0]).toMatch(/^k3s-stacks:inventory\.hosts: moves etcd server 's2' from node-ip 10\.0\.0\.2 to 10\.0\.0\.22 \(internalAddress\) on a running cluster\..*k3s-io\/k3s#5991.*Fix: put back internalAddress 10\.0\.0\.2\. To move 's2'.*make it an agent/);
});

test("unchanged (in any spelling), new servers, servers now without internalAddress and older stacks pass", () => {
  expect(problems(() => checkEtcdNodeIps({ s2: "2001:DB8:0::2" }, { s2: "2001:db8::2" }, "inventory.hosts"))).toEqual([]);
  expect(problems(() => checkEtcdNodeIps({ s1: "10.0.0.1" }, { s1: "10.0.0.1", s4: "10.0.0.4" }, "inventory.hosts"))).toEqual([]);
  expect(problems(() => checkEtcdNodeIps({ s1: "10.0.0.1", s3: "10.0.0.3" }, { s1: "10.0.0.1" }, "inventory.hosts"))).toEqual([]);
  expect(problems(() => checkEtcdNodeIps(undefined, { s1: "10.0.0.9" }, "inventory.hosts"))).toEqual([]);
});
