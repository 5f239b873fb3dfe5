import { ReachTarget } from "./reachability";
import { SshConnection } from "./types";

/** One SSH endpoint as the `nodeAddresses` output keeps it: plain, no key or password. */
export interface AddressRecord {
  host: string;
  port: number;
  user: string;
}

/** A node's SSH address (and its bastion's), as exported in the `nodeAddresses` output. */
export interface NodeAddress extends AddressRecord {
  bastion?: AddressRecord;
}

const record = (e: { host: unknown; port?: number; user?: string }): AddressRecord => ({ host: e.host as string, port: e.port ?? 22, user: e.user ?? "root" });

/**
 * The `nodeAddresses` stack output: node name → where SSH reaches it, for the nodes this run manages
 * over SSH with addresses known now (not local nodes, not cloud VMs whose address is an Output). The
 * next `pulumi up` reads it to probe nodes that were removed from the inventory before their
 * uninstall dials them. Addresses, ports and user names only: nothing secret.
 */
export function nodeAddresses(nodes: ReachTarget[]): Record<string, NodeAddress> {
  const plain = (c: SshConnection) => typeof c.host === "string" && (!c.bastion || typeof c.bastion.host === "string");
  return Object.fromEntries(
    nodes.filter((n) => !n.connection.local && plain(n.connection)).map((n) => [
      n.name,
      { ...record(n.connection), ...(n.connection.bastion ? { bastion: record(n.connection.bastion) } : {}) },
    ]),
  );
}

/** Reads a `nodeAddresses` output back; anything of another shape reads as absent. */
export function parseNodeAddresses(value: unknown): Record<string, NodeAddress> | undefined {
  const isRecord = (v: unknown): v is AddressRecord => {
    const r = v as AddressRecord;
    return typeof v === "object" && v !== null && typeof r.host === "string" && typeof r.port === "number" && typeof r.user === "string";
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const entries = Object.entries(value as Record<string, unknown>);
  const valid = entries.every(([, v]) => isRecord(v) && ((v as NodeAddress).bastion === undefined || isRecord((v as NodeAddress).bastion)));
  return valid ? (value as Record<string, NodeAddress>) : undefined;
}

/**
 * Nodes the last successful `pulumi up` managed over SSH that are no longer in the inventory at all
 * (neither live nor marked gone): this run deletes their steps, and the stored uninstall dials them.
 * Returned with the SSH endpoints the reachability probe needs; `privateKey` and its passphrase
 * `privateKeyPassword` are this run's (the output has neither). Sorted by name.
 */
export function removedNodes(
  previous: Record<string, NodeAddress> | undefined,
  inventoryNames: string[],
  privateKey?: string,
  privateKeyPassword?: string,
): ReachTarget[] {
  const key = { privateKey, ...(privateKeyPassword !== undefined ? { privateKeyPassword } : {}) };
  const keep = new Set(inventoryNames);
  return Object.entries(previous ?? {})
    .filter(([name]) => !keep.has(name))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, a]) => ({
      name,
      connection: {
        host: a.host,
        port: a.port,
        user: a.user,
        ...key,
        ...(a.bastion ? { bastion: { ...a.bastion, ...key } } : {}),
      },
    }));
}
