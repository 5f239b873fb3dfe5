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
