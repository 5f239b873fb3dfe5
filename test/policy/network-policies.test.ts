import { inboundRules, isWorld, noWorldOpenAdminPorts, worldOpenPorts } from "../../policy/network-policies";
import { UNKNOWN, runResourcePolicy } from "./helpers";

describe("rule helpers", () => {
  it("recognises the world in IPv4 and IPv6", () => {
    expect(["0.0.0.0/0", "::/0", " 0.0.0.0/0"].every(isWorld)).toBe(true);
    expect(["10.0.0.0/8", "0.0.0.0/1", "garbage", "0.0.0.0"].some(isWorld)).toBe(false);
  });
  it("finds watched ports in ranges and all-protocol rules", () => {
    const rule = { protocol: "tcp", fromPort: 1, toPort: 10000, sources: ["::/0"] };
    expect(worldOpenPorts(rule, [22, 6443])).toEqual([22, 6443]);
    expect(worldOpenPorts({ ...rule, protocol: "udp" }, [22, 6443])).toEqual([]);
    expect(worldOpenPorts({ protocol: "-1", fromPort: 0, toPort: 65535, sources: ["0.0.0.0/0"] }, [22])).toEqual([22]);
  });
  it("reads hcloud and AWS shapes", () => {
    expect(inboundRules("hcloud:index/firewall:Firewall", { rules: [{ direction: "in", protocol: "tcp", port: "6000-7000", sourceIps: ["0.0.0.0/0"] }, { direction: "out", protocol: "tcp", port: "22" }] })).toEqual([
      { protocol: "tcp", fromPort: 6000, toPort: 7000, sources: ["0.0.0.0/0"] },
    ]);
    expect(inboundRules("aws:ec2/securityGroupRule:SecurityGroupRule", { type: "egress", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] })).toEqual([]);
  });
});

describe("no-world-open-admin-ports", () => {
  it("refuses SSH from anywhere on an hcloud firewall", async () => {
    const r = await runResourcePolicy(noWorldOpenAdminPorts, "hcloud:index/firewall:Firewall", {
      rules: [{ direction: "in", protocol: "tcp", port: "22", sourceIps: ["0.0.0.0/0", "::/0"] }],
    });
    expect(r.violations).toHaveLength(1);
    expect(r.violations[0]).toMatch(/exposes port\(s\) 22 to the whole internet/);
  });
  it("allows the API from an admin network and HTTPS from anywhere", async () => {
    const r = await runResourcePolicy(noWorldOpenAdminPorts, "hcloud:index/firewall:Firewall", {
      rules: [
        { direction: "in", protocol: "tcp", port: "6443", sourceIps: ["192.0.2.0/24"] },
        { direction: "in", protocol: "tcp", port: "443", sourceIps: ["0.0.0.0/0"] },
      ],
    });
    expect(r.violations).toEqual([]);
  });
  it("refuses 6443 to the world in AWS security groups, rules and ingress rules", async () => {
    const sg = await runResourcePolicy(noWorldOpenAdminPorts, "aws:ec2/securityGroup:SecurityGroup", { ingress: [{ protocol: "tcp", fromPort: 6443, toPort: 6443, cidrBlocks: ["0.0.0.0/0"] }] });
    const rule = await runResourcePolicy(noWorldOpenAdminPorts, "aws:ec2/securityGroupRule:SecurityGroupRule", { type: "ingress", protocol: "-1", fromPort: 0, toPort: 0, ipv6CidrBlocks: ["::/0"] });
    const vpc = await runResourcePolicy(noWorldOpenAdminPorts, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", { ipProtocol: "tcp", fromPort: 6443, toPort: 6443, cidrIpv4: "0.0.0.0/0" });
    expect([sg, rule, vpc].map((r) => r.violations.length)).toEqual([1, 1, 1]);
    expect(rule.violations[0]).toMatch(/22, 6443/);
  });
  it("takes the watched ports from config", async () => {
    const r = await runResourcePolicy(noWorldOpenAdminPorts, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", { ipProtocol: "tcp", fromPort: 10250, toPort: 10250, cidrIpv4: "0.0.0.0/0" }, { ports: [10250] });
    expect(r.violations).toHaveLength(1);
  });
  it("skips unknown sources during preview and other resource types", async () => {
    expect((await runResourcePolicy(noWorldOpenAdminPorts, "hcloud:index/firewall:Firewall", { rules: [{ direction: "in", protocol: "tcp", port: "22", sourceIps: UNKNOWN }] })).violations).toEqual([]);
    expect((await runResourcePolicy(noWorldOpenAdminPorts, "random:index/randomPassword:RandomPassword", {})).notApplicable).toMatch(/not a firewall/);
  });
});
