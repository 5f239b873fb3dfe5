import * as ipaddr from "ipaddr.js";
import { ResourceValidationPolicy } from "@pulumi/policy";
import { known } from "./environment";

/** Ports that must never be reachable from the whole internet: SSH and the Kubernetes API. */
export const DEFAULT_PORTS = [22, 6443];

/** One inbound rule reduced to what matters: protocol, port range and source ranges. */
export interface InboundRule {
  protocol: string;
  fromPort: number;
  toPort: number;
  sources: string[];
}

/** True for a source that covers every address (0.0.0.0/0, ::/0, or any /0). */
export function isWorld(source: string): boolean {
  try {
    return ipaddr.parseCIDR(source.trim())[1] === 0;
  } catch {
    return false;
  }
}

/** Watched ports a rule opens to the world. */
export function worldOpenPorts(rule: InboundRule, ports: readonly number[]): number[] {
  const p = rule.protocol.toLowerCase();
  if (!["tcp", "6", "-1", "all", "any"].includes(p)) return [];
  if (!rule.sources.some(isWorld)) return [];
  return ports.filter((port) => port >= rule.fromPort && port <= rule.toPort);
}

/** hcloud port syntax: "22", "80-85", "any", or absent (all ports). */
function hcloudRange(port: unknown): [number, number] {
  if (port === undefined || port === null || port === "any") return [0, 65535];
  const m = /^(\d+)(?:-(\d+))?$/.exec(String(port).trim());
  if (!m) return [0, 65535];
  return [Number(m[1]), Number(m[2] ?? m[1])];
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : typeof v === "string" ? [v] : [];
}

function awsRange(from: unknown, to: unknown, protocol: string): [number, number] {
  if (protocol === "-1" || protocol === "all") return [0, 65535];
  return [Number(from ?? 0), Number(to ?? from ?? 65535)];
}

/** Inbound rules of the firewall resources we know, from their (input) properties. */
export function inboundRules(type: string, props: Record<string, unknown>): InboundRule[] {
  switch (type) {
    case "hcloud:index/firewall:Firewall":
      return ((props.rules as Record<string, unknown>[] | undefined) ?? [])
        .filter((r) => r.direction === "in")
        .map((r) => {
          const [fromPort, toPort] = hcloudRange(r.port);
          return { protocol: String(r.protocol), fromPort, toPort, sources: strings(r.sourceIps) };
        });
    case "aws:ec2/securityGroup:SecurityGroup":
      return ((props.ingress as Record<string, unknown>[] | undefined) ?? []).map((r) => {
        const protocol = String(r.protocol);
        const [fromPort, toPort] = awsRange(r.fromPort, r.toPort, protocol);
        return { protocol, fromPort, toPort, sources: [...strings(r.cidrBlocks), ...strings(r.ipv6CidrBlocks)] };
      });
    case "aws:ec2/securityGroupRule:SecurityGroupRule": {
      if (props.type !== "ingress") return [];
      const protocol = String(props.protocol);
      const [fromPort, toPort] = awsRange(props.fromPort, props.toPort, protocol);
      return [{ protocol, fromPort, toPort, sources: [...strings(props.cidrBlocks), ...strings(props.ipv6CidrBlocks)] }];
    }
    case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {
      const protocol = String(props.ipProtocol);
      const [fromPort, toPort] = awsRange(props.fromPort, props.toPort, protocol);
      return [{ protocol, fromPort, toPort, sources: [...strings(props.cidrIpv4), ...strings(props.cidrIpv6)] }];
    }
    default:
      return [];
  }
}

export const FIREWALL_TYPES = [
  "hcloud:index/firewall:Firewall",
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:ec2/securityGroupRule:SecurityGroupRule",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
];

export const noWorldOpenAdminPorts: ResourceValidationPolicy = {
  name: "no-world-open-admin-ports",
  description: "No firewall or security group opens SSH (22) or the Kubernetes API (6443) to 0.0.0.0/0 or ::/0.",
  enforcementLevel: "mandatory",
  configSchema: { properties: { ports: { type: "array", items: { type: "integer" } } } },
  validateResource: (args, report) => {
    if (!FIREWALL_TYPES.includes(args.type)) return args.notApplicable("not a firewall or security group");
    const ports = args.getConfig<{ ports?: number[] }>().ports ?? DEFAULT_PORTS;
    // A rule with unknown sources (preview) cannot be judged yet; it is checked again on update.
    const rules = known(() => inboundRules(args.type, args.props)) ?? [];
    for (const rule of rules) {
      const open = worldOpenPorts(rule, ports);
      if (open.length) {
        report(`Inbound ${rule.protocol} ${rule.fromPort}-${rule.toPort} from ${rule.sources.filter(isWorld).join(", ")} exposes port(s) ${open.join(", ")} to the whole internet. Fix: restrict the source to your admin networks or a VPN/bastion range.`);
      }
    }
  },
};
