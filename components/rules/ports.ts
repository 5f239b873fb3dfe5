import { z } from "zod";

/** One inbound port or range as firewalld writes it (`7946/udp`, `2379-2380/tcp`); ports 1-65535, first <= last. */
const PORT_SPEC = /^(\d{1,5})(?:-(\d{1,5}))?\/(tcp|udp)$/;

/** A port spec's range and protocol (`2379-2380/tcp` → 2379, 2380, tcp); undefined when it is none (isPortSpec). */
export function parsePortSpec(spec: string): { fromPort: number; toPort: number; protocol: "tcp" | "udp" } | undefined {
  const m = PORT_SPEC.exec(spec);
  if (!m) return undefined;
  const fromPort = Number(m[1]);
  const toPort = m[2] === undefined ? fromPort : Number(m[2]);
  return fromPort >= 1 && toPort <= 65535 && fromPort <= toPort ? { fromPort, toPort, protocol: m[3] as "tcp" | "udp" } : undefined;
}

/** Whether `spec` is a port or range of ports firewalld and ufw both take (`7946/udp`, `2379-2380/tcp`). */
export function isPortSpec(spec: string): boolean {
  return parsePortSpec(spec) !== undefined;
}

const portSpec = z
  .string({ error: (iss) => (iss.code === "invalid_type" && typeof iss.input === "number" ? `is the number ${iss.input}, without its protocol. Fix: write '${iss.input}/tcp' or '${iss.input}/udp'` : undefined) })
  .refine(isPortSpec, { message: "must be a port or range with its protocol, such as 7946/udp or 2379-2380/tcp. Fix: write <port>/tcp or <port>/udp" })
  .meta({ examples: ["7946/udp"] });

/** The inbound ports a contribution asks for (k3s/types.ts LayerPorts), each list optional. */
export const layerPortsSchema = z.object({ server: z.array(portSpec).optional(), all: z.array(portSpec).optional() }).strict();
