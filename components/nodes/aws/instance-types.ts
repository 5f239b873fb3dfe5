import { Arch } from "../types";

/**
 * CPU architecture of an EC2 instance type, from its name: Graviton families carry a `g` among the
 * attribute letters after the generation digit (t4g, m7gd, c7gn, im4gn, g5g), and `a1` is the
 * first-generation Arm type; everything else current is x86_64. Undefined when the name does not
 * follow the family-generation-attributes pattern (e.g. `u-6tb1.metal`, `mac2.metal`): the pool
 * then has to say its `arch`.
 */
export function awsInstanceArch(type: string): Arch | undefined {
  const m = /^([a-z]+)(\d+)([a-z-]*)\.[a-z0-9-]+$/.exec(type);
  if (!m) return undefined;
  const [, family, generation, attributes] = m;
  if (family === "mac") return undefined;
  if (family === "a" && generation === "1") return "arm64";
  return attributes.includes("g") ? "arm64" : "amd64";
}

/** Memory of the EC2 sizes that are too small for a k3s server; the same in every family that has them (t2, t3, t3a, t4g). */
const UNDERSIZED_FOR_SERVER: Readonly<Record<string, string>> = { nano: "0.5 GiB", micro: "1 GiB" };

/**
 * Why an EC2 type cannot hold a k3s server, or undefined. k3s measured about 1.6 GB of memory for a
 * server with a workload, sqlite or etcd alike, and names 2 GB as a server's minimum
 * (https://docs.k3s.io/reference/resource-profiling, https://docs.k3s.io/installation/requirements);
 * nano and micro sizes have 0.5 and 1 GiB (https://aws.amazon.com/ec2/instance-types/t3/), so the
 * server would be killed for memory or swap itself to a halt. Agents need about 275 MB and may use them.
 */
export function awsServerMemoryProblem(type: string): string | undefined {
  const size = type.split(".")[1];
  const memory = size === undefined ? undefined : UNDERSIZED_FOR_SERVER[size];
  if (!memory) return undefined;
  const family = type.split(".")[0];
  return `${type} has ${memory} of memory, less than a k3s server needs (about 1.6 GB measured, 2 GB minimum: https://docs.k3s.io/reference/resource-profiling). Fix: use ${family}.small (2 GiB) or larger for servers, or give this pool role: agent.`;
}
