import * as os from "os";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ConfigError, ConfigRoot, isArgument, keyPath, parseConfig, settingName } from "../../rules/errors";
import { Arch, NodeSpec } from "../types";
import { hostSchema } from "../inventory/schema";

const KEY = "local";

/**
 * `k3s-stacks:local`: the machine running `pulumi up` becomes a single k3s server. `name` is the
 * Kubernetes node name (default: this machine's host name up to the first dot, lowercased), with
 * optional `labels` and `taints` as for inventory hosts.
 */
export const localSchema = hostSchema.pick({ name: true, labels: true, taints: true }).partial({ name: true }).strict();

export type LocalConfig = z.output<typeof localSchema>;

/** Node.js `os.arch()` values k3s publishes binaries for, as k3s names its assets. */
const NODE_ARCHES: Record<string, Arch> = { x64: "amd64", arm64: "arm64", arm: "arm" };

/** What the local node needs to know about the machine; `os` by default, a test can give its own. */
export interface ThisMachine {
  hostname: string;
  /** `os.arch()` value. */
  arch: string;
  /** Login name of the user running Pulumi. */
  user: string;
}

export function thisMachine(): ThisMachine {
  return { hostname: os.hostname(), arch: os.arch(), user: os.userInfo().username };
}

/**
 * Parses a local node's settings (`k3s-stacks:local` unless `root` says otherwise) and resolves the
 * node name and arch for this machine, reporting every problem, each naming `root`.
 */
export function parseLocalConfig(raw: unknown, machine: ThisMachine = thisMachine(), root: ConfigRoot = KEY): LocalConfig & { name: string; arch: Arch } {
  const cfg = parseConfig(localSchema, raw ?? {}, root);
  const problems: string[] = [];
  const name = cfg.name ?? machine.hostname.split(".")[0].toLowerCase();
  if (cfg.name === undefined && !hostSchema.shape.name.safeParse(name).success) {
    problems.push(`${keyPath(root, ["name"])}: this machine's host name '${machine.hostname}' is not a valid Kubernetes node name. Fix: set ${settingName(root, ["name"])} to a lowercase DNS name (a-z, 0-9, '-', '.').`);
  }
  const arch = NODE_ARCHES[machine.arch];
  if (arch === undefined) {
    problems.push(`${keyPath(root, [])}: this machine is ${machine.arch}; k3s publishes binaries for amd64, arm64 and armhf only. Fix: use one of those machines, or ${isArgument(root) ? "another node source (inventoryNodeSpecs, cloudNodeSpecs)" : "another stack"}.`);
  }
  if (problems.length) throw new ConfigError(problems);
  return { ...cfg, name, arch };
}

/**
 * The one node of a local stack: this machine as a k3s server, its scripts run directly as the
 * current user (through sudo when that is not root). Never reboots and never edits the boot
 * command line: it is the user's own machine.
 */
export function localNodes(cfg: LocalConfig & { name: string; arch: Arch }, secrets: { sudoPassword?: pulumi.Input<string> } = {}, machine: ThisMachine = thisMachine()): NodeSpec[] {
  return [{
    name: cfg.name,
    role: "server",
    arch: cfg.arch,
    connection: {
      local: true,
      host: "127.0.0.1",
      user: machine.user,
      ...(machine.user !== "root" && secrets.sudoPassword !== undefined ? { sudoPassword: secrets.sudoPassword } : {}),
    },
    labels: cfg.labels,
    taints: cfg.taints,
    fixCgroups: false,
    allowReboot: false,
  }];
}
