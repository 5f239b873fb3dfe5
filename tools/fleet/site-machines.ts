import { hostEndpoints, parseInventoryConfig } from "../../components/nodes/inventory";
import { PROJECT } from "../../components/rules/errors";
import { sshEndpointKey } from "../../components/rules/unique-hosts";
import type { SiteDefinition } from "./types";

const KEY = `${PROJECT}:inventory`;

/** One inventory host of a site as the machine SSH reaches: its address and port, and its bastion's. */
interface Machine {
  site: string;
  index: number;
  name: string;
  /** Address and port, through the bastion's address and port when there is one, in one spelling. */
  key: string;
  shown: string;
}

function machinesOf(site: SiteDefinition): Machine[] {
  const raw = site.config[KEY];
  if (raw === undefined) return [];
  // The site already planned (buildSite), so its inventory parses.
  const inv = parseInventoryConfig(raw);
  return inv.hosts.flatMap((h, index) => {
    if (h.gone) return [];
    const { endpoint, bastion } = hostEndpoints(inv, h);
    const at = sshEndpointKey(endpoint.host, endpoint.port);
    const via = bastion ? sshEndpointKey(bastion.host, bastion.port) : undefined;
    return [{
      site: site.name,
      index,
      name: h.name,
      key: via ? `${at.key} via ${via.key}` : at.key,
      shown: `${at.shown}:${endpoint.port}${via ? ` through the bastion ${via.shown}:${bastion!.port}` : ""}`,
    }];
  });
}

/**
 * Sites that list the same machine: the same SSH address and port, reached the same way (directly,
 * or through the same bastion). The fleet tool runs every site's `pulumi up` from this one machine,
 * so such an address reaches one machine, and each site would install its own k3s cluster there,
 * writing its own config.yaml and join token over the other's and restarting k3s (a site file copied
 * from another keeps the other's addresses; hosts in `_defaults.yaml` give every site the same ones).
 * Sites whose LANs reuse one private range stay apart through each site's own bastion. One message
 * per host of the later site, "file: key: what is wrong. Fix: ...". `fileOf`: each site's file.
 */
export function sharedMachineProblems(sites: SiteDefinition[], fileOf: (site: string) => string): string[] {
  const first = new Map<string, Machine>();
  const problems: string[] = [];
  for (const m of sites.flatMap(machinesOf)) {
    const other = first.get(m.key);
    if (!other) {
      first.set(m.key, m);
      continue;
    }
    if (other.site === m.site) continue; // one inventory's own duplicates are the inventory's check
    problems.push(
      `${fileOf(m.site)}: ${KEY}.hosts[${m.index}].address: ${m.name} is reached at ${m.shown}, as host ${other.name} of site '${other.site}' (${fileOf(other.site)}) is: ` +
        `from this machine that is one machine, on which both sites would install their own k3s cluster, each writing its config.yaml and join token over the other's. ` +
        `Fix: give '${m.site}' the addresses of its own machines (a copied site file keeps the old site's), or reach each site's LAN through its own bastion.`,
    );
  }
  return problems;
}
