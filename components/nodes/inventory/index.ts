import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, ConfigRoot, collectProblems, isArgument, keyPath, parseConfig, settingName } from "../../rules/errors";
import { KeyPassword, passwordWithoutKeyProblem, privateKeyProblems } from "../../remote/private-key";
import { localPathProblem, resolveLocalPath } from "../../rules/local-path";
import { nearest } from "../../rules/nearest";
import { duplicateValueProblems, nodeIpKeys, sshEndpointKey } from "../../rules/unique-hosts";
import { NodeSpec } from "../types";
import { ARCH_ALIASES, InventoryConfig, inventorySchema } from "./schema";

const KEY = "inventory";

/**
 * Where an inventory, the secret SSH key that may replace its privateKeyPath and the key's passphrase
 * are named: the stack's keys (`k3s-stacks:inventory`, the secrets `k3s-stacks:sshPrivateKey` and
 * `k3s-stacks:sshPrivateKeyPassword`) or a library function's arguments.
 */
export interface InventoryRoots {
  inventory: ConfigRoot;
  privateKey: ConfigRoot;
  privateKeyPassword: ConfigRoot;
}

export const STACK_INVENTORY_ROOTS: InventoryRoots = { inventory: KEY, privateKey: "sshPrivateKey", privateKeyPassword: "sshPrivateKeyPassword" };

/**
 * Parses an inventory (`k3s-stacks:inventory` unless `root` says otherwise) and checks what a schema
 * cannot: unique names and addresses, bastion references. Problems name `root`.
 */
export function parseInventoryConfig(raw: unknown, root: ConfigRoot = KEY): InventoryConfig {
  const inv = parseConfig(inventorySchema, raw, root);
  const duplicates = (values: Array<Array<{ key: string; shown: string }>>, what: string) => {
    const problems = duplicateValueProblems(values.map((v, i) => ({ at: keyPath(root, ["hosts", i, what]), name: `hosts[${i}]`, values: v })), `every host needs its own ${what}`);
    if (problems.length) throw new ConfigError(problems);
  };
  collectProblems([
    () => duplicates(inv.hosts.map((h) => [{ key: h.name, shown: h.name }]), "name"),
    () => duplicates(inv.hosts.map((h) => [sshEndpointKey(h.address, h.port ?? inv.port)]), "address"),
    () => duplicates(inv.hosts.map((h) => nodeIpKeys(h.internalAddress)), "internalAddress"),
    () => privateKeyPathProblems(root, inv.privateKeyPath),
    () => {
      const problems: string[] = [];
      inv.hosts.forEach((h, i) => {
        if (typeof h.bastion !== "string") return;
        const via = inv.hosts.find((o) => o.name === h.bastion);
        if (!via) problems.push(`${keyPath(root, ["hosts", i, "bastion"])}: '${h.bastion}' is not a host in this inventory. Fix: ${bastionFix(inv, h.name, h.bastion)}.`);
        else if (via.name === h.name || via.bastion) problems.push(`${keyPath(root, ["hosts", i, "bastion"])}: '${h.bastion}' cannot be a bastion (itself, or reached through another bastion). Fix: use a host SSH can reach directly.`);
        else if (via.gone && !h.gone) problems.push(`${keyPath(root, ["hosts", i, "bastion"])}: '${h.bastion}' is marked gone, so it cannot carry SSH to ${h.name}. Fix: give ${h.name} another bastion as {address, port, user}, or reach it directly.`);
      });
      if (problems.length) throw new ConfigError(problems);
    },
    () => goneProblems(root, inv),
  ]);
  return inv;
}

/**
 * The fix for a bastion string that names no host: another host with that address or a near name is named; a jump
 * host written as ssh -J / ProxyJump takes it, `[user@]host[:port]`, becomes the mapping this schema
 * takes (the inventory has no ssh_config to read the string), with its parts filled in.
 */
function bastionFix(inv: InventoryConfig, self: string, text: string): string {
  const others = inv.hosts.filter((o) => o.name !== self && !o.gone);
  const byAddress = others.find((o) => o.address === text);
  if (byAddress) return `name the host, bastion: ${byAddress.name}`;
  const jump = /^(?:([^@\s]+)@)?(\[[^\]]+\]|[^:@\s]+)(?::(\d+))?$/.exec(text);
  if (jump && (jump[1] !== undefined || jump[3] !== undefined || jump[2].includes(".") || jump[2].startsWith("["))) {
    const address = jump[2].replace(/^\[|\]$/g, "");
    const parts = [`address: ${address.includes(":") ? JSON.stringify(address) : address}`, ...(jump[3] ? [`port: ${jump[3]}`] : []), ...(jump[1] ? [`user: ${jump[1]}`] : [])];
    return `write a jump host that is not in the inventory as a mapping, bastion: { ${parts.join(", ")} }`;
  }
  const meant = nearest(text, others.map((o) => o.name));
  return meant ? `name the host meant, bastion: ${meant}, or give {address, port, user}` : "name another host, or give {address, port, user}";
}

/**
 * A gone host is removed through the first live server, which runs kubectl for the rest: at least one
 * server must stay. Whether the first server may be gone (a handover) depends on the cluster's
 * datastore and registration address: plan/nodes.ts asks day-two/servers.ts firstServerHandover.
 */
function goneProblems(root: ConfigRoot, inv: InventoryConfig): void {
  const servers = inv.hosts.map((h, i) => ({ h, i })).filter(({ h }) => h.role === "server");
  if (servers.length > 0 && servers.every(({ h }) => h.gone)) {
    throw new ConfigError([
      `${keyPath(root, ["hosts", servers[0].i, "gone"])}: every server is marked gone, so nothing is left to run the cluster. ` +
        "Fix: set gone: false on the servers that still run, or, if all are lost, follow 'Replace the first server' in docs/day-two.md.",
    ]);
  }
}

/** Hosts that still run k3s (not marked gone). */
export function liveHosts(inv: InventoryConfig): InventoryConfig["hosts"] {
  return inv.hosts.filter((h) => !h.gone);
}

/** `id_ed25519.pub` is the public half OpenSSH writes next to the private key `id_ed25519` (ssh-keygen(1)). */
function privateKeyPathProblems(root: ConfigRoot, file: string | undefined): void {
  if (file === undefined || !file.endsWith(".pub")) return;
  throw new ConfigError([`${keyPath(root, ["privateKeyPath"])}: ${file} is a public key; SSH logs in with the private half. Fix: write ${file.slice(0, -".pub".length)} (the same path without .pub).`]);
}

/**
 * What a file holds instead of a private key, when it is recognisably something else: an OpenSSH
 * public key line (sshd(8) AUTHORIZED_KEYS format), a PEM public key or a certificate.
 */
function notAPrivateKey(content: string): string | undefined {
  const text = content.trimStart();
  if (/^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp\d+|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)(-cert-v01@openssh\.com)? /.test(text)) return "an OpenSSH public key";
  if (text.startsWith("-----BEGIN PUBLIC KEY-----") || text.startsWith("-----BEGIN RSA PUBLIC KEY-----")) return "a PEM public key";
  if (text.startsWith("-----BEGIN CERTIFICATE-----")) return "a certificate";
  return undefined;
}

/**
 * Reads an SSH private key file, expanding `~` (rules/local-path.ts, which refuses `~user` and `$VAR`);
 * a clear error when it cannot, when it holds a public key, or when it does not fit `password`
 * (remote/private-key.ts: no key at all, an encrypted key without a passphrase, a passphrase for a
 * plain key, a wrong one, a format the command provider cannot read),
 * naming the inventory's privateKeyPath and the secrets that can replace or unlock it as `roots` say.
 */
export function readPrivateKey(file: string, roots: InventoryRoots = STACK_INVENTORY_ROOTS, password: KeyPassword = { set: false }): string {
  const where = keyPath(roots.inventory, ["privateKeyPath"]);
  const unexpanded = localPathProblem(file);
  if (unexpanded) throw new ConfigError([`${where}: ${unexpanded}.`]);
  const full = resolveLocalPath(file, process.cwd());
  let content: string;
  try {
    content = fs.readFileSync(full, "utf8");
  } catch (e) {
    const secret = isArgument(roots.privateKey) ? `pass the key itself as ${settingName(roots.privateKey)}` : `set the secret ${keyPath(roots.privateKey, [])}`;
    // A space copied around the path is part of the file name here; say so instead of "ENOENT" alone.
    if (file !== file.trim()) throw new ConfigError([`${where}: '${file}' has spaces around it, so ${JSON.stringify(full)} is read, which does not exist. Fix: write '${file.trim()}'.`]);
    throw new ConfigError([`${where}: cannot read ${full} (${(e as NodeJS.ErrnoException).code}). Fix: point it at your SSH private key, or ${secret}, or leave both unset to use the SSH agent.`]);
  }
  const instead = notAPrivateKey(content);
  if (instead) {
    throw new ConfigError([`${where}: ${full} holds ${instead}, not a private key. Fix: point it at the private key that begins with '-----BEGIN OPENSSH PRIVATE KEY-----' (for ~/.ssh/id_ed25519.pub that is ~/.ssh/id_ed25519).`]);
  }
  const unsetKey = isArgument(roots.inventory) ? `leave out ${settingName(roots.inventory, ["privateKeyPath"])}` : `remove privateKeyPath from ${keyPath(roots.inventory, [])}`;
  const problems = privateKeyProblems(content, password, { key: where, file: full, password: roots.privateKeyPassword, unsetKey });
  if (problems.length) throw new ConfigError(problems);
  return content;
}

/** The passphrase setting as the key check reads it: its value only when it is plain text here (not an Output). */
export function keyPassword(password: pulumi.Input<string> | undefined): KeyPassword {
  return { set: password !== undefined, ...(typeof password === "string" ? { value: password } : {}) };
}

/**
 * `secrets` with the inventory's key resolved once: the key given (checked against its passphrase
 * when it is plain text here), else privateKeyPath's file read and checked, else none (the SSH agent).
 */
export function withInventoryKey(inv: InventoryConfig, secrets: InventorySecrets, roots: InventoryRoots = STACK_INVENTORY_ROOTS): InventorySecrets {
  const password = keyPassword(secrets.privateKeyPassword);
  if (typeof secrets.privateKey === "string") {
    const key = settingName(roots.privateKey);
    const unsetKey = isArgument(roots.privateKey) ? `leave out ${key}` : `run 'pulumi config rm ${key}'`;
    const problems = privateKeyProblems(secrets.privateKey, password, { key: keyPath(roots.privateKey, []), password: roots.privateKeyPassword, unsetKey });
    if (problems.length) throw new ConfigError(problems);
    return secrets;
  }
  if (secrets.privateKey !== undefined) return secrets;
  if (!inv.privateKeyPath) {
    if (password.set) throw new ConfigError([passwordWithoutKeyProblem(roots.privateKeyPassword, `neither ${settingName(roots.privateKey)} nor ${settingName(roots.inventory, ["privateKeyPath"])} is given (SSH uses the agent)`)]);
    return secrets;
  }
  return { ...secrets, privateKey: pulumi.secret(readPrivateKey(inv.privateKeyPath, roots, password)) };
}

/** Credentials that come from secret config rather than the inventory itself. */
export interface InventorySecrets {
  /** PEM private key (secret). */
  privateKey?: pulumi.Input<string>;
  /** Passphrase of an encrypted privateKey or privateKeyPath file (secret); only for an encrypted key. */
  privateKeyPassword?: pulumi.Input<string>;
  /** sudo password for non-root users (secret). */
  sudoPassword?: pulumi.Input<string>;
}

/** Turns inventory hosts (not marked gone) into nodes. Servers keep inventory order: the first one bootstraps the cluster. */
export function inventoryNodes(inv: InventoryConfig, secrets: InventorySecrets, roots: InventoryRoots = STACK_INVENTORY_ROOTS): NodeSpec[] {
  return allInventoryNodes(inv, secrets, roots).filter((_, i) => !inv.hosts[i].gone);
}

/** The hosts marked `gone: true`, as nodes (their connection is only kept, never dialled). */
export function goneInventoryNodes(inv: InventoryConfig, secrets: InventorySecrets, roots: InventoryRoots = STACK_INVENTORY_ROOTS): NodeSpec[] {
  return allInventoryNodes(inv, secrets, roots).filter((_, i) => inv.hosts[i].gone);
}

/** Where SSH reaches an inventory host and through which bastion, with the inventory's defaults filled in (no credentials). */
export interface HostEndpoints {
  endpoint: { host: string; port: number; user: string };
  bastion?: { host: string; port: number; user: string };
}

/**
 * The SSH endpoint of host `h` and of its bastion (another host by name, or an address of its own);
 * port and user default to the inventory's. Names were checked by the inventory schema.
 */
export function hostEndpoints(inv: InventoryConfig, h: InventoryConfig["hosts"][number]): HostEndpoints {
  const endpoint = (address: string, port?: number, user?: string) => ({ host: address, port: port ?? inv.port, user: user ?? inv.user });
  const via = typeof h.bastion === "string" ? inv.hosts.find((o) => o.name === h.bastion)! : h.bastion;
  return { endpoint: endpoint(h.address, h.port, h.user), ...(via ? { bastion: endpoint(via.address, via.port, via.user) } : {}) };
}

function allInventoryNodes(inv: InventoryConfig, secrets: InventorySecrets, roots: InventoryRoots): NodeSpec[] {
  const { privateKey, privateKeyPassword } = withInventoryKey(inv, secrets, roots);
  const key = { privateKey, ...(privateKeyPassword !== undefined ? { privateKeyPassword } : {}) };
  return inv.hosts.map((h) => {
    const { endpoint, bastion } = hostEndpoints(inv, h);
    const user = endpoint.user;
    return {
      name: h.name,
      role: h.role,
      arch: ARCH_ALIASES[h.arch],
      connection: {
        ...endpoint,
        ...key,
        ...(bastion ? { bastion: { ...bastion, ...key } } : {}),
        ...(user !== "root" && secrets.sudoPassword !== undefined ? { sudoPassword: secrets.sudoPassword } : {}),
      },
      internalAddress: h.internalAddress,
      externalAddress: h.externalAddress,
      flannelIface: h.flannelIface,
      labels: h.labels,
      taints: h.taints,
      fixCgroups: h.fixCgroups ?? inv.fixCgroups,
      allowReboot: h.allowReboot ?? inv.allowReboot,
      installPackages: h.installPackages ?? inv.installPackages,
      firewall: h.firewall ?? inv.firewall,
    };
  });
}
