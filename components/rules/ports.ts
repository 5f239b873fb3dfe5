import { z } from "zod";

/** One inbound port or range as firewalld writes it (`7946/udp`, `2379-2380/tcp`); ports 1-65535, first <= last. */
const PORT_SPEC = /^(\d{1,5})(?:-(\d{1,5}))?\/(tcp|udp)$/;

/** Whether `spec` is a port or range of ports firewalld and ufw both take (`7946/udp`, `2379-2380/tcp`). */
export function isPortSpec(spec: string): boolean {
  const m = PORT_SPEC.exec(spec);
  if (!m) return false;
  const first = Number(m[1]);
  const last = m[2] === undefined ? first : Number(m[2]);
  return first >= 1 && last <= 65535 && first <= last;
}

const portSpec = z.string().refine(isPortSpec, { message: "must be a port or range with its protocol, such as 7946/udp or 2379-2380/tcp. Fix: write <port>/tcp or <port>/udp" });

/** The inbound ports a contribution asks for (k3s/types.ts LayerPorts), each list optional. */
export const layerPortsSchema = z.object({ server: z.array(portSpec).optional(), all: z.array(portSpec).optional() }).strict();
