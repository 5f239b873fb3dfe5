import * as net from "net";
import * as pulumi from "@pulumi/pulumi";
import { SshConnection, SshEndpoint } from "./types";

/** A machine to probe: its node name (for messages) and how SSH reaches it. */
export interface ReachTarget {
  name: string;
  connection: SshConnection;
}

/** Seconds one host may take to show its SSH banner (through its bastion, when it has one). */
export const REACHABILITY_TIMEOUT_SECONDS = 20;
/** Hosts probed at once. */
const CONCURRENCY = 32;

/** What the probe needs besides the nodes. */
export interface ReachabilityOptions {
  /** PEM private key for the bastions (plain: never logged); the SSH agent is used when absent. */
  privateKey?: string;
  /** Passphrase of an encrypted `privateKey` (plain: never logged). */
  privateKeyPassword?: string;
  timeoutSeconds?: number;
}

/** One node that did not answer: names the node, the address tried and the bastion. */
export interface Unreachable {
  node: string;
  address: string;
  bastion?: string;
  reason: string;
  /** No longer in the inventory: this run would dial it only to uninstall it. */
  removed?: boolean;
}

const hostPort = (e: { host: string; port?: number }) => `${e.host.includes(":") ? `[${e.host}]` : e.host}:${e.port ?? 22}`;

/** Resolves when `stream` sends an SSH identification line ("SSH-"), rejects on error or end. */
function awaitBanner(stream: NodeJS.ReadableStream, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = "";
    stream.on("data", (chunk: Buffer) => {
      seen += chunk.toString("latin1");
      if (seen.includes("SSH-")) resolve();
      else if (seen.length > 4096) reject(new Error(`${what} answered, but not with SSH`));
    });
    stream.on("error", reject);
    stream.on("end", () => reject(new Error(`${what} closed the connection before its SSH banner`)));
  });
}

function withTimeout<T>(work: Promise<T>, seconds: number, onTimeout: () => string, cleanup: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(onTimeout())), seconds * 1000);
  });
  return Promise.race([work, timeout]).finally(() => {
    clearTimeout(timer);
    cleanup();
  });
}

/** TCP to the host and its SSH banner. */
function probeDirect(host: string, port: number, seconds: number): Promise<void> {
  const socket = net.connect({ host, port });
  const work = new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    awaitBanner(socket, "the host").then(resolve, reject);
  });
  return withTimeout(work, seconds, () => `no answer within ${seconds}s (packets dropped, or the host is down)`, () => socket.destroy());
}

/**
 * SSH to the bastion, a TCP channel from it to the host (what pulumi-command does for `proxy`), and
 * the host's SSH banner over that channel. Bounded by our own timer: the provider's per-dial timeout
 * does not cover the bastion's connect to the host, which takes minutes when packets are dropped.
 */
async function probeViaBastion(host: string, port: number, bastion: SshEndpoint & { host: string }, login: Pick<ReachabilityOptions, "privateKey" | "privateKeyPassword">, seconds: number): Promise<void> {
  const key = login.privateKey;
  // Loaded here: only a bastion needs an SSH client, and every `pulumi up` and preview would pay for loading it.
  const { Client } = await import("ssh2");
  const client = new Client();
  let stage = "the bastion did not accept the SSH login";
  const work = new Promise<void>((resolve, reject) => {
    client.once("error", (e) => reject(new Error(`bastion: ${e.message}`)));
    client.once("ready", () => {
      stage = "the bastion could not open a connection to the host";
      client.forwardOut("127.0.0.1", 0, host, port, (err, stream) => {
        if (err) return reject(new Error(`the bastion could not connect to it: ${err.message}`));
        stage = "the host accepted the connection but sent no SSH banner";
        awaitBanner(stream, "the host").then(resolve, reject);
      });
    });
    client.connect({
      host: bastion.host,
      port: bastion.port ?? 22,
      username: bastion.user ?? "root",
      ...(key ? { privateKey: key, ...(login.privateKeyPassword !== undefined ? { passphrase: login.privateKeyPassword } : {}) } : { agent: process.env.SSH_AUTH_SOCK }),
      readyTimeout: seconds * 1000,
    });
  });
  return withTimeout(work, seconds, () => `no answer within ${seconds}s: ${stage}`, () => client.end());
}

/**
 * Probes every node (not local ones, not addresses known only at run time), and the `removed` ones
 * too, all in parallel; returns those that failed.
 */
export async function findUnreachable(nodes: ReachTarget[], opts: ReachabilityOptions = {}, removed: ReachTarget[] = []): Promise<Unreachable[]> {
  const seconds = opts.timeoutSeconds ?? REACHABILITY_TIMEOUT_SECONDS;
  const gone = new Set(removed);
  const targets = [...nodes, ...removed].filter((n) => !n.connection.local && typeof n.connection.host === "string" && (!n.connection.bastion || typeof n.connection.bastion.host === "string"));
  const failed: Unreachable[] = [];
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const node = targets[next++];
      const c = node.connection;
      const host = c.host as string;
      const port = c.port ?? 22;
      const bastion = c.bastion ? { ...c.bastion, host: c.bastion.host as string } : undefined;
      try {
        if (bastion) await probeViaBastion(host, port, bastion, opts, seconds);
        else await probeDirect(host, port, seconds);
      } catch (e) {
        failed.push({
          node: node.name,
          address: hostPort({ host, port }),
          bastion: bastion ? `${bastion.user ?? "root"}@${hostPort(bastion)}` : undefined,
          reason: (e as Error).message,
          ...(gone.has(node) ? { removed: true } : {}),
        });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, targets.length) }, worker));
  return failed.sort((a, b) => a.node.localeCompare(b.node));
}

/** One line per unreachable node, with the fix for each kind (live, removed from the inventory). */
export function unreachableMessage(list: Unreachable[]): string {
  const line = (u: Unreachable) =>
    `  - node ${u.node}${u.removed ? " (removed from k3s-stacks:inventory; its uninstall would run on it over SSH)" : ""}: ` +
    `SSH at ${u.address}${u.bastion ? ` through bastion ${u.bastion}` : ""}: ${u.reason}.`;
  const fixes = [
    ...(list.some((u) => !u.removed)
      ? ["bring the host (and its bastion) back or correct its address/port in k3s-stacks:inventory; a host that is gone for good: set gone: true on it (README, \"A host that is gone for good\")."]
      : []),
    ...(list.some((u) => u.removed)
      ? [`a removed host is uninstalled over SSH, so it must answer: bring it back, or, if it is gone for good, put its entry back in k3s-stacks:inventory (same name, role and arch) with gone: true and run pulumi up: the first server removes it from the cluster without SSH to it (README, "A host that is gone for good").`]
      : []),
  ];
  return `k3s-stacks: ${list.length === 1 ? "a node is" : `${list.length} nodes are`} not reachable; nothing was changed:\n${list.map(line).join("\n")}\n` +
    fixes.map((f) => `Fix: ${f}`).join("\n");
}

/**
 * Fails the run before any resource is registered when a node does not answer SSH within the bound,
 * naming each such node, the address tried and its bastion; every node is probed in parallel. `removed`
 * are nodes of the last successful update that are no longer in the inventory (removed.ts): their
 * uninstall dials them, which the provider bounds only loosely behind a bastion (README, "Unreachable
 * hosts"). Only on `pulumi up` (not preview, which may run where the hosts are out of reach).
 */
export async function checkReachable(nodes: ReachTarget[], opts: ReachabilityOptions = {}, removed: ReachTarget[] = []): Promise<void> {
  const failed = await findUnreachable(nodes, opts, removed);
  if (failed.length > 0) throw new pulumi.RunError(unreachableMessage(failed));
}
