import { keyPath } from "../rules/key-path";
import { keyPassword } from "./inventory";
import { duplicateValueProblems, sshEndpointKey } from "../rules/unique-hosts";
import { memoParseKey, passwordWithoutKeyProblem, privateKeyProblems } from "../remote/private-key";

/** A list of a library user's nodes as written (before the schema's defaults and secret wrapping), and the argument it is. */
export interface NodeList {
  nodes: unknown[];
  root: { arg: string };
}

type Raw = Record<string, unknown> | undefined;
const record = (v: unknown): Raw => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/**
 * The inventory's rule across hosts (nodes/inventory parseInventoryConfig applies the same function),
 * on K3sCluster's or ClusterAddons's nodes: no two on one SSH address and port. Two nodes sharing a
 * node-ip are the cluster's address rules' to report (rules/node-addresses.ts). Hosts that are Outputs
 * are not judged.
 */
function uniqueProblems(lists: NodeList[]): string[] {
  const entries = lists.flatMap(({ nodes, root }) => nodes.map((n, i) => {
    const c = record(record(n)?.connection);
    const host = text(c?.host);
    return { at: keyPath(root, [i, "connection", "host"]), name: keyPath(root, [i]), values: host === undefined ? [] : [sshEndpointKey(host, typeof c?.port === "number" ? c.port : 22)] };
  }));
  return duplicateValueProblems(entries, "every node needs its own connection.host, or another connection.port (one machine, one node)");
}

/**
 * A node's SSH key and passphrase given as plain text, checked as the stack checks its
 * sshPrivateKey and sshPrivateKeyPassword (plan/ssh-key.ts, remote/private-key.ts): an encrypted key
 * needs its passphrase, a plain key refuses one, a wrong one is refused, a passphrase without a key
 * (SSH uses the agent) is refused; on the node's connection and its bastion's. Keys that are Outputs
 * are checked by key presence only. One verdict per distinct key and passphrase: trying a passphrase
 * costs the key's KDF rounds, and a cluster's nodes usually share one key.
 */
function keyProblems(lists: NodeList[]): string[] {
  const parseKey = memoParseKey();
  const problems: string[] = [];
  const check = (endpoint: Raw, at: (field: string) => string) => {
    if (!endpoint) return;
    const key = endpoint.privateKey;
    const password = endpoint.privateKeyPassword;
    const passwordRoot = { arg: at("privateKeyPassword") };
    if (key === undefined) {
      if (password !== undefined) problems.push(passwordWithoutKeyProblem(passwordRoot, `${at("privateKey")} is not given (SSH uses the agent)`));
      return;
    }
    if (typeof key !== "string") return;
    problems.push(...privateKeyProblems(key, keyPassword(password as string | undefined), { key: at("privateKey"), password: passwordRoot, unsetKey: `leave out ${at("privateKey")}` }, parseKey));
  };
  for (const { nodes, root } of lists) {
    nodes.forEach((n, i) => {
      const c = record(record(n)?.connection);
      check(c, (field) => keyPath(root, [i, "connection", field]));
      check(record(c?.bastion), (field) => keyPath(root, [i, "connection", "bastion", field]));
    });
  }
  return problems;
}

/**
 * The checks across a library user's live node lists that a per-node schema cannot make, as "key:
 * what is wrong. Fix: ..." lines. Hosts gone for good are left out: nothing dials them, and their
 * replacement may take the same address.
 */
export function nodeListProblems(lists: NodeList[]): string[] {
  return [...uniqueProblems(lists), ...keyProblems(lists)];
}
