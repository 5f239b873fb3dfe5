/**
 * Merges one cluster's kubeconfig into a user's kubeconfig file under a single name, the way
 * `kubectl config` would: other clusters, users, contexts and comments stay as written.
 *
 *   merge.ts --name k3s-homelab --from ~/.kube/k3s-homelab.yaml --into ~/.kube/config
 *   merge.ts --name k3s-homelab --into ~/.kube/config --remove
 *
 * Paths only on the command line: the kubeconfig itself is read from --from, never passed as text.
 * The result is written atomically with mode 0600 (it holds a client key).
 */
import * as fs from "fs";
import * as path from "path";
import { Document, YAMLMap, YAMLSeq, isMap, isSeq, parse, parseDocument } from "yaml";

/** The three named lists of a kubeconfig (Kubernetes `Config` object). */
const LISTS = ["clusters", "users", "contexts"] as const;

const EMPTY = "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\npreferences: {}\n";

interface Named { name?: string; cluster?: unknown; user?: unknown; context?: { cluster?: string; user?: string; namespace?: string } }

function readUser(text: string | undefined, what: string): Document {
  const doc = parseDocument(text && text.trim() !== "" ? text : EMPTY);
  if (doc.errors.length > 0) throw new Error(`${what} is not valid YAML (${doc.errors[0].message}). Fix: repair or move it aside, then run this again.`);
  if (!isMap(doc.contents)) throw new Error(`${what} is not a kubeconfig (not a mapping). Fix: move it aside, then run this again.`);
  return doc;
}

function list(doc: Document, key: string): YAMLSeq {
  const seq = doc.get(key);
  if (isSeq(seq)) return seq;
  if (seq !== undefined && seq !== null) throw new Error(`${key} in the kubeconfig is not a list. Fix: repair it, then run this again.`);
  const fresh = doc.createNode([]) as YAMLSeq;
  doc.set(key, fresh);
  return fresh;
}

/** Removes every entry called `name` from the three lists; returns how many went. */
function removeNamed(doc: Document, name: string): number {
  let removed = 0;
  for (const key of LISTS) {
    const seq = list(doc, key);
    const keep = seq.items.filter((item) => !(isMap(item) && (item as YAMLMap).get("name") === name));
    removed += seq.items.length - keep.length;
    seq.items = keep;
  }
  return removed;
}

/** The current context of `incoming` with its cluster and user, all renamed to `name`. */
function entriesOf(incoming: string, name: string): { cluster: Named; user: Named; context: Named } {
  const cfg = parse(incoming) as { "current-context"?: string; clusters?: Named[]; users?: Named[]; contexts?: Named[] } | null;
  const ctx = cfg?.contexts?.find((c) => c.name === cfg["current-context"]) ?? (cfg?.contexts?.length === 1 ? cfg.contexts[0] : undefined);
  const cluster = cfg?.clusters?.find((c) => c.name === ctx?.context?.cluster);
  const user = cfg?.users?.find((u) => u.name === ctx?.context?.user);
  if (!ctx || !cluster || !user) throw new Error("the stack's kubeconfig has no current context with its cluster and user. Fix: run pulumi up for the stack again.");
  const context = { cluster: name, user: name, ...(ctx.context?.namespace ? { namespace: ctx.context.namespace } : {}) };
  return { cluster: { name, cluster: cluster.cluster }, user: { name, user: user.user }, context: { name, context } };
}

/**
 * `existing` (a kubeconfig file's text, or undefined) with `incoming`'s current context merged in as
 * cluster, user and context `name`, replacing any earlier entries of that name; current-context
 * becomes `name`. Everything else, comments included, is kept. Returns the previous current-context.
 */
export function mergeKubeconfig(existing: string | undefined, incoming: string, name: string, what = "the kubeconfig"): { text: string; previousContext?: string } {
  const doc = readUser(existing, what);
  const previous = doc.get("current-context");
  const entries = entriesOf(incoming, name);
  removeNamed(doc, name);
  list(doc, "clusters").add(doc.createNode(entries.cluster));
  list(doc, "users").add(doc.createNode(entries.user));
  list(doc, "contexts").add(doc.createNode(entries.context));
  doc.set("current-context", name);
  return { text: doc.toString(), previousContext: typeof previous === "string" && previous !== name ? previous : undefined };
}

/** `existing` without cluster, user and context `name`; current-context is cleared when it was `name`. */
export function removeFromKubeconfig(existing: string, name: string, what = "the kubeconfig"): { text: string; removed: number } {
  const doc = readUser(existing, what);
  const removed = removeNamed(doc, name);
  if (doc.get("current-context") === name) doc.set("current-context", "");
  return { text: doc.toString(), removed };
}

/** Writes `text` to `file` atomically, mode 0600, creating its directory with mode 0700. */
export function writePrivate(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.k3s-stacks.${process.pid}`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

function arg(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

function main(args: string[]): number {
  const name = arg(args, "--name");
  const into = arg(args, "--into");
  const from = arg(args, "--from");
  const remove = args.includes("--remove");
  if (!name || !into || (!from && !remove)) {
    console.error("usage: merge.ts --name NAME --into FILE (--from FILE | --remove)");
    return 2;
  }
  const existing = fs.existsSync(into) ? fs.readFileSync(into, "utf8") : undefined;
  if (remove) {
    if (existing === undefined) return 0;
    const r = removeFromKubeconfig(existing, name, into);
    writePrivate(into, r.text);
    console.log(r.removed > 0 ? `removed context ${name} from ${into}` : `${into} had no context ${name}`);
    return 0;
  }
  const r = mergeKubeconfig(existing, fs.readFileSync(from!, "utf8"), name, into);
  writePrivate(into, r.text);
  console.log(`context ${name} is in ${into} (mode 0600) and is the current context${r.previousContext ? `; back to the previous one: kubectl config use-context ${r.previousContext}` : ""}`);
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    console.error(`kubeconfig: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
