import { ConfigRoot, keyPath } from "../../rules/key-path";
import { NodeRole } from "../types";
import { CloudConfig } from "./config";
import { planNodes, subnetIndex } from "./pools";

/** One cloud node's VM as its provider sees it, with the stack key of the pool that makes it. */
export interface CloudMachine {
  name: string;
  role: NodeRole;
  /**
   * The VM's inputs whose change gives the node a new VM under its name, as `field=value` pairs:
   * Hetzner `type` and `location` (location is ForceNew in the hcloud provider; hetzner-nodes.ts makes
   * the type a replacement), AWS `type` and `subnet` (subnet_id is ForceNew in the AWS provider;
   * aws-nodes.ts makes the instance type a replacement). The image, user data and SSH key apply to new
   * VMs only (ignoreChanges), so they are not in it.
   */
  machine: string;
  /** The pool's key, e.g. `k3s-stacks:cloud.pools[0]`. */
  key: string;
}

/** Every planned node's machine, servers first as planNodes orders them. `root`: the stack key or cloudNodeSpecs's argument. */
export function cloudMachines(config: CloudConfig, root: ConfigRoot = "cloud"): CloudMachine[] {
  return planNodes(config).map((n) => {
    const key = keyPath(root, ["pools", config.pools.indexOf(n.pool)]);
    if (config.provider === "hetzner") {
      return { name: n.name, role: n.role, key, machine: `type=${n.pool.type} location=${n.pool.location ?? config.hetzner?.location}` };
    }
    const a = config.aws;
    const subnets = a?.vpcId ? a.subnetIds : config.network.subnets.map((cidr, i) => `${cidr}@${a?.availabilityZones[i]}`);
    return { name: n.name, role: n.role, key, machine: `type=${n.pool.type} subnet=${subnets[subnetIndex(n.index, subnets.length)]}` };
  });
}
