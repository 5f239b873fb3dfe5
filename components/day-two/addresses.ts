import { ConfigError, PROJECT } from "../rules/errors";
import { parseIp } from "../rules/address";
import type { NodeAddress } from "../remote/removed";

/** Where SSH reaches a planned node: host, port and bastion as the plan has them (cloud VMs have no host yet). */
export interface PlannedAddress {
  name: string;
  connection: { host?: string; port?: number; local?: boolean; bastion?: { host?: string; port?: number } };
}

type Endpoint = { host?: string; port?: number; bastion?: { host?: string; port?: number } };

/** A host in one spelling: IP literals in RFC 5952 form, names lower case without a trailing dot (DNS names are case-insensitive). */
function hostKey(host: string | undefined): string {
  if (host === undefined) return "";
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  return parseIp(bare)?.toString() ?? bare.toLowerCase().replace(/\.$/, "");
}

/** One machine's SSH endpoint as a comparable string: the bastion hop, host and port (the user does not change the machine). */
function endpointKey(e: Endpoint): string {
  const hop = e.bastion ? `${hostKey(e.bastion.host)}:${e.bastion.port ?? 22} > ` : "";
  return `${hop}${hostKey(e.host)}:${e.port ?? 22}`;
}

function shown(e: Endpoint): string {
  const at = e.port === undefined || e.port === 22 ? `${e.host}` : `${e.host}:${e.port}`;
  return e.bastion ? `${at} (through ${e.bastion.host})` : at;
}

/**
 * Refuses a node name moving onto a machine the last successful `pulumi up` installed under another
 * name. Pulumi tracks each node's steps by name, and the engine runs a removed node's stored uninstall
 * at the address it was created with; so a rename in one update (`pi-zero` → `pi-edge`, same address)
 * installs pi-edge over the running pi-zero and then uninstalls k3s from that machine, and swapping two
 * hosts' addresses runs each node's steps on the other's machine. Not refused here: a new name at the
 * address of a host marked `gone` (nothing dials the old one); the config step's node-name guard
 * (k3s/node-guard.ts) still refuses a machine that runs k3s under another name.
 * `previous` is the `nodeAddresses` output (absent in older stacks: no check); `gone`: names marked gone.
 */
export function checkAddressMoves(previous: Record<string, NodeAddress> | undefined, next: PlannedAddress[], gone: string[]): void {
  if (!previous) return;
  const owner = new Map(Object.entries(previous).map(([name, a]) => [endpointKey(a), name]));
  const live = new Map(next.map((n) => [n.name, n]));
  const problems: string[] = [];
  for (const node of next) {
    if (node.connection.local || node.connection.host === undefined) continue;
    const was = owner.get(endpointKey(node.connection));
    if (was === undefined || was === node.name || gone.includes(was)) continue;
    const at = shown(node.connection);
    const moved = live.get(was);
    if (moved) {
      problems.push(
        `${PROJECT}:inventory: '${node.name}' is now at ${at}, where the last update installed k3s as '${was}' (now at ${shown(moved.connection)}). ` +
          `Each node's steps would run on the other node's machine, and the cluster keeps both under their old names. ` +
          `Fix: put the addresses back. To move a node to another machine, remove its entry in one pulumi up and add it with the new address in the next.`,
      );
    } else {
      problems.push(
        `${PROJECT}:inventory: '${node.name}' is new at ${at}, where the last update installed k3s as '${was}', which is no longer listed. ` +
          `This run would install '${node.name}' over the running '${was}', then run '${was}''s uninstall on ${at}, removing k3s from the machine now called '${node.name}'. ` +
          `Fix: remove the old entry in one up, add the new name in the next: first leave '${node.name}' out and remove '${was}' (pulumi up uninstalls it from ${at}; if that machine is dead, mark '${was}' gone: true instead), then add '${node.name}' and run pulumi up again.`,
      );
    }
  }
  if (problems.length) throw new ConfigError(problems);
}
