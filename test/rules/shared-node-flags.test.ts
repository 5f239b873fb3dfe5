import { sharedNodeFlagProblems } from "../../components/rules/shared-node-flags";

const servers = [{ name: "s1", role: "server" }, { name: "s2", role: "server" }, { name: "s3", role: "server" }];
const agents = [{ name: "a1", role: "agent" }];
const check = (serverConfig: Record<string, unknown>, agentConfig: Record<string, unknown> = {}, nodes = [...servers, ...agents]) =>
  sharedNodeFlagProblems({ serverConfig, agentConfig }, nodes, "cluster");

describe("one machine's address in serverConfig/agentConfig, which every server or node gets", () => {
  test("advertise-address on three servers would have them all advertise one", () => {
    expect(check({ "advertise-address": "192.168.1.11" })).toEqual([
      expect.stringMatching(/^k3s-stacks:cluster\.serverConfig\.advertise-address: 192\.168\.1\.11 is one server's address, but serverConfig goes to all 3 servers \(s1, s2, s3\).*Fix: remove it; k3s advertises each server's own node-external-ip, else node-ip/),
    ]);
    expect(check({ "kube-apiserver-arg": ["audit-log-maxage=30", "--advertise-address=192.168.1.11"] })).toEqual([expect.stringMatching(/^k3s-stacks:cluster\.serverConfig\.kube-apiserver-arg\[1\]: 192\.168\.1\.11 is one server's address/)]);
  });

  test("a bind address other machines lack stops k3s there; the wildcards are every machine's", () => {
    expect(check({ "bind-address": "192.168.1.11" })).toEqual([expect.stringMatching(/^k3s-stacks:cluster\.serverConfig\.bind-address: .*cannot assign requested address.*Fix: remove it/)]);
    expect(check({}, { "bind-address": "192.168.1.21" })).toEqual([expect.stringMatching(/agentConfig goes to all 4 nodes \(s1, s2, s3, a1\)/)]);
    // serverConfig's own key replaces agentConfig's on the servers: the agent alone gets it.
    expect(check({ "bind-address": "0.0.0.0" }, { "bind-address": "192.168.1.21" })).toEqual([]);
    expect(check({ "bind-address": "::", "apiserver-bind-address": "0.0.0.0", "kube-apiserver-arg": ["bind-address=0.0.0.0"] })).toEqual([]);
  });

  test("one machine may have its own address set", () => {
    expect(check({ "advertise-address": "192.168.1.11", "bind-address": "192.168.1.11" }, {}, [servers[0], ...agents])).toEqual([]);
    expect(check({}, { "bind-address": "192.168.1.11" }, [servers[0]])).toEqual([]);
  });
});
