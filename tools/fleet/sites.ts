import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import * as YAML from "yaml";
import { ConfigError, PROJECT, parseConfig } from "../../components/rules/errors";
import { defaultMessage, describeIssue, mapping } from "../../components/rules/issues";
import { planStack } from "../../components/plan/plan-stack";
import { readStackFile, stackFileName } from "./stackfile";
import { SITES_DIR } from "./paths";
import { FleetMeta, SiteDefinition } from "./types";
import { ENVIRONMENTS } from "../../policy/environment-names";
import { sharedMachineProblems } from "./site-machines";
import { snapshotLocationProblems } from "./snapshot-locations";

export { SITES_DIR } from "./paths";
export const DEFAULTS_FILE = "_defaults.yaml";

/** A stack name we accept for a site: what Pulumi allows, kept lowercase so file names stay portable. */
const SITE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Config keys that hold secrets: they belong in `pulumi config set --secret`, never in a site file. */
const SECRET_KEY = /(password|secret|token|privatekey|datastoreendpoint|passphrase|accesskey)/i;

const fleetSchema = z
  .object({
    ring: z.number().int().min(0).default(0),
    canary: z.boolean().default(false),
    environment: z.enum(ENVIRONMENTS).default("site"),
    labels: z.record(z.string(), z.string()).default({}),
  })
  .strict();

const siteFileSchema = z
  .object({
    /** Rollout metadata (not stack config). */
    fleet: mapping(z.string(), z.unknown(), "rollout settings", "fleet: { ring: 1, environment: prod }").optional(),
    /** `k3s-stacks:cluster`. */
    cluster: mapping(z.string(), z.unknown(), "k3s-stacks:cluster settings", "cluster: { k3sVersion: v1.36.3+k3s1 }").optional(),
    /** `k3s-stacks:inventory`. */
    inventory: mapping(z.string(), z.unknown(), "k3s-stacks:inventory settings", "inventory: { user: pi, hosts: [{ name: pi-1, address: 192.168.1.11, role: server, arch: arm64 }] }").optional(),
    /** Any other plain stack config, by fully qualified key (`k3s-stacks:addons`, `hcloud:location`, ...). */
    config: mapping(z.string(), z.unknown(), "stack config keys to values", "config: { k3s-stacks:upgrade: { agentBatchSize: 2 } }").optional(),
  })
  .strict();

type SiteFile = z.infer<typeof siteFileSchema>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Merges `over` onto `base`: objects merge key by key, anything else (lists included) replaces,
 * and `null` removes the key, so a site can drop a default.
 */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else out[k] = deepMerge(base[k], v);
  }
  return out;
}

function parseYaml(file: string, text: string): unknown {
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) throw new ConfigError(doc.errors.map((e) => `${file}: ${e.message.split("\n")[0]}`));
  return doc.toJS() ?? {};
}

function readSiteFile(file: string, text: string): SiteFile {
  const result = siteFileSchema.safeParse(parseYaml(file, text), { reportInput: true, error: defaultMessage });
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.flatMap((i) =>
        i.code === "unrecognized_keys"
          ? [`${file}: unknown top-level key(s) ${i.keys.join(", ")}. Fix: use fleet, cluster, inventory or config.`]
          : describeIssue(`${file}: ${String(i.path[0] ?? "")}`, { ...i, path: i.path.slice(1) }),
      ),
    );
  }
  return result.data;
}

/**
 * Builds one site from the defaults and its own file: merges, validates the fleet block and the
 * extra config keys, then plans the merged stack config with the program's own planner
 * (components/plan planStack), so a site passes exactly when its stack would plan. `secretKeys`:
 * the `k3s-stacks:` keys the site's stack file holds as `secure:` values (set, not readable here);
 * `root`: the project directory relative file paths in the config resolve against.
 * The previous outputs are not read: those checks run at `pulumi preview`/`up`.
 */
export function buildSite(name: string, defaultsText: string, siteText: string, file = `${SITES_DIR}/${name}.yaml`, opts: { secretKeys?: ReadonlySet<string>; root?: string } = {}): SiteDefinition {
  const problems: string[] = [];
  if (!SITE_NAME.test(name)) {
    problems.push(`${file}: '${name}' is not a usable stack name. Fix: rename the file to lowercase letters, digits and '-'.`);
  }
  const defaults = readSiteFile(`${SITES_DIR}/${DEFAULTS_FILE}`, defaultsText);
  const own = readSiteFile(file, siteText);
  const merged = deepMerge(defaults, own) as SiteFile;
  let fleet: FleetMeta = { ring: 0, canary: false, environment: "site", labels: {} };
  try {
    fleet = parseConfig(fleetSchema, merged.fleet ?? {}, `${file}: fleet`);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems.push(...e.problems);
  }

  const config: Record<string, unknown> = {};
  if (merged.cluster !== undefined) config["k3s-stacks:cluster"] = merged.cluster;
  if (merged.inventory !== undefined) config["k3s-stacks:inventory"] = merged.inventory;
  for (const [key, value] of Object.entries(merged.config ?? {})) {
    if (!/^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+$/.test(key)) {
      problems.push(`${file}: config.${key}: not a fully qualified config key. Fix: write it as <namespace>:<name>, e.g. k3s-stacks:addons.`);
    } else if (key === "k3s-stacks:cluster" || key === "k3s-stacks:inventory") {
      problems.push(`${file}: config.${key}: set it in the top-level '${key.split(":")[1]}' block instead.`);
    } else if (SECRET_KEY.test(key.split(":")[1])) {
      problems.push(`${file}: config.${key}: looks like a secret and must not be plain text. Fix: remove it and run 'pulumi config set --secret --stack ${name} ${key} <value>'.`);
    } else {
      config[key] = value;
    }
  }
  const missing = ["k3s-stacks:cluster", "k3s-stacks:inventory"].filter((key) => config[key] === undefined);
  for (const key of missing) problems.push(`${file}: no '${key.split(":")[1]}' block here or in ${DEFAULTS_FILE}. Fix: add one.`);
  if (missing.length === 0) {
    const prefix = `${PROJECT}:`;
    const values = Object.fromEntries(Object.entries(config).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
    try {
      planStack({ values, secretKeys: opts.secretKeys ?? new Set(), baseDir: opts.root ?? process.cwd() }, undefined);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(...e.problems.map((p) => `${file}: ${p}`));
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return { name, fleet, config };
}

/** The `k3s-stacks:` keys a site's existing stack file holds as `secure:` values (by name without the project). */
function secureKeys(root: string, site: string): Set<string> {
  const file = path.join(root, stackFileName(site));
  if (!fs.existsSync(file)) return new Set();
  const prefix = `${PROJECT}:`;
  return new Set(Object.keys(readStackFile(fs.readFileSync(file, "utf8")).secure).filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)));
}

/** Loads every site under `<root>/stacks/sites`, reporting the problems of all files at once. */
export function loadSites(root: string): SiteDefinition[] {
  const dir = path.join(root, SITES_DIR);
  const defaultsPath = path.join(dir, DEFAULTS_FILE);
  const defaultsText = fs.existsSync(defaultsPath) ? fs.readFileSync(defaultsPath, "utf8") : "{}";
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && !f.startsWith("_")).sort() : [];
  const sites: SiteDefinition[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  const fileOf = new Map<string, string>();
  for (const f of files) {
    const name = f.replace(/\.ya?ml$/, "");
    if (seen.has(name)) {
      problems.push(`${SITES_DIR}/${f}: site '${name}' is defined twice (.yaml and .yml). Fix: keep one file.`);
      continue;
    }
    seen.add(name);
    fileOf.set(name, `${SITES_DIR}/${f}`);
    try {
      sites.push(buildSite(name, defaultsText, fs.readFileSync(path.join(dir, f), "utf8"), `${SITES_DIR}/${f}`, { secretKeys: secureKeys(root, name), root }));
    } catch (e) {
      if (e instanceof ConfigError) problems.push(...e.problems);
      else throw e;
    }
  }
  // Checks across sites, once each site plans on its own.
  if (!problems.length) {
    const file = (site: string) => fileOf.get(site) ?? `${SITES_DIR}/${site}.yaml`;
    problems.push(...snapshotLocationProblems(sites, file), ...sharedMachineProblems(sites, file));
  }
  if (problems.length) throw new ConfigError(problems);
  return sites;
}
