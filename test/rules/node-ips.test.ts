// One address or a dual-stack pair, as k3s's node-ip / node-external-ip and the kubelet's --node-ip
// take them ("either a single IP or a dual-stack pair of IPs", cmd/kubelet/app/server.go).
import { z } from "zod";
import { nodeIpListInput, nodeIpListProblem, nodeIpListSchema, nodeIpOfFamily, primaryNodeIp } from "../../components/rules/node-ips";

const USE = { accepts: "ip", why: "it becomes k3s node-ip", example: "192.168.1.11" } as const;

test.each([
  ["10.0.10.7"],
  ["2001:db8::7"],
  ["10.0.10.7,2001:db8::7"],
  ["2001:db8::7,10.0.10.7"],
])("%s is one IP or a pair", (value) => {
  expect(nodeIpListProblem(value, USE)).toBeUndefined();
});

test.each([
  ["10.0.10.7,10.0.10.8", "lists two IPv4 addresses", "add an IPv6 address only for a dual-stack cluster"],
  ["2001:db8::7,2001:db8::8", "lists two IPv6 addresses", "add an IPv4 address only"],
  ["10.0.10.7,2001:db8::7,10.0.10.9", "lists 3 addresses", "at most one address per family"],
  ["10.0.10.7,", "has an empty entry", "separated by one comma"],
  ["10.0.10.7, 2001:db8::7", "entry ' 2001:db8::7' has spaces around it", "write '2001:db8::7'"],
  ["10.0.10.7,pi-1.lan", "entry 'pi-1.lan' is not an IP address but a host name", "machine's IP address"],
  ["10.0.10.7,[2001:db8::7]", "entry '[2001:db8::7]' has brackets", "write '2001:db8::7'"],
  // Go's net.ParseIP (k3s, the kubelet) reads it as IPv4: two IPv4 node-ips, which the kubelet refuses
  ["10.0.10.11,::ffff:10.0.10.12", "'::ffff:10.0.10.12' is an IPv4-mapped IPv6 address, which k3s and the kubelet read as the IPv4 address 10.0.10.12", "write 10.0.10.12, or the node's own IPv6 address"],
  ["::ffff:a00:a0c", "read as the IPv4 address 10.0.10.12", "write 10.0.10.12"],
])("%s is refused: %s", (value, what, fix) => {
  expect(nodeIpListProblem(value, USE)).toMatch(new RegExp(`${what.replace(/[[\]().*]/g, "\\$&")}.*Fix: .*${fix.replace(/[[\]().*]/g, "\\$&")}`));
});

test("a single address is judged exactly as a lone IP field judges it", () => {
  expect(nodeIpListProblem("10.1.0.256", USE)).toBe("'10.1.0.256' is not an IPv4 address: each of its four numbers must be 0-255, written without leading zeros. Fix: correct it, e.g. 192.168.1.11.");
});

test("a string and a YAML list become the same comma form", () => {
  const schema = nodeIpListSchema(USE);
  expect(schema.parse("10.0.10.7,2001:db8::7")).toBe("10.0.10.7,2001:db8::7");
  expect(schema.parse(["10.0.10.7", "2001:db8::7"])).toBe("10.0.10.7,2001:db8::7");
  expect(schema.parse(["10.0.10.7"])).toBe("10.0.10.7");
  expect(schema.safeParse([]).success).toBe(false);
  expect(schema.safeParse(["10.0.10.7", "10.0.10.8"]).success).toBe(false);
});

test("a component argument takes a list too, and an Output unchecked", () => {
  const schema = z.object({ a: nodeIpListInput(USE) });
  expect(schema.parse({ a: ["10.0.10.7", "2001:db8::7"] }).a).toBe("10.0.10.7,2001:db8::7");
  expect(schema.safeParse({ a: "10.0.10.7,10.0.10.8" }).success).toBe(false);
});

test("the primary address is the first; a family's address is found wherever it is", () => {
  expect(primaryNodeIp("2001:db8::7,10.0.10.7")).toBe("2001:db8::7");
  expect(primaryNodeIp("10.0.10.7")).toBe("10.0.10.7");
  expect(nodeIpOfFamily("10.0.10.7,2001:db8::7", "ipv6")).toBe("2001:db8::7");
  expect(nodeIpOfFamily("10.0.10.7", "ipv6")).toBeUndefined();
});
