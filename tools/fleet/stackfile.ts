import * as YAML from "yaml";
import { SITES_DIR } from "./paths";
import { SiteDefinition } from "./types";

/** First line of every generated stack file; how sync recognises files it owns. */
export function headerFor(site: string): string {
  return `# generated from ${SITES_DIR}/${site}.yaml — edit that file, then run \`npm run fleet:sync\`.`;
}
const HEADER_NOTE = "# Secrets (`pulumi config set --secret`) and the secrets-provider fields below are kept as they are.";

/** Top-level stack-file fields Pulumi's secrets providers write; sync must never drop them. */
const PROVIDER_FIELDS = ["secretsprovider", "encryptedkey", "encryptionsalt"];

export function stackFileName(site: string): string {
  return `Pulumi.${site}.yaml`;
}

export function isGenerated(text: string): boolean {
  return /^# generated from stacks\/sites\/[^\s]+\.yaml/.test(text);
}

function isSecure(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && "secure" in v;
}

/** What sync keeps from an existing stack file, and the plain config it would replace. */
export interface ExistingStackFile {
  provider: Record<string, unknown>;
  secure: Record<string, unknown>;
  plain: Record<string, unknown>;
}

export function readStackFile(text: string): ExistingStackFile {
  const doc = (YAML.parse(text) ?? {}) as Record<string, unknown>;
  const out: ExistingStackFile = { provider: {}, secure: {}, plain: {} };
  for (const f of PROVIDER_FIELDS) if (doc[f] !== undefined) out.provider[f] = doc[f];
  const config = (doc.config ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(config)) (isSecure(v) ? out.secure : out.plain)[k] = v;
  return out;
}

/**
 * Renders `Pulumi.<site>.yaml`: header, the secrets-provider fields and `secure:` values of the
 * existing file, and the site's plain config. Keys are sorted so output is stable.
 */
export function renderStackFile(site: SiteDefinition, existing?: ExistingStackFile): string {
  const body: Record<string, unknown> = {};
  for (const f of PROVIDER_FIELDS) if (existing?.provider[f] !== undefined) body[f] = existing.provider[f];
  const config: Record<string, unknown> = {};
  const secure = existing?.secure ?? {};
  for (const k of [...Object.keys(site.config), ...Object.keys(secure)].sort()) {
    // A value the operator encrypted is never replaced by plain text from a site file.
    config[k] = k in secure ? secure[k] : site.config[k];
  }
  body.config = config;
  return `${headerFor(site.name)}\n${HEADER_NOTE}\n${YAML.stringify(body, { lineWidth: 0, sortMapEntries: false })}`;
}

export type SyncAction =
  | { kind: "unchanged"; file: string }
  | { kind: "write"; file: string; text: string; reason: "missing" | "out of date" }
  | { kind: "conflict"; file: string; message: string };

/**
 * Decides what sync does for one site. A file without our header is only taken over when its
 * plain config already equals the site's (Pulumi drops comments when it rewrites a stack file);
 * otherwise it is someone else's stack and sync refuses to touch it.
 */
export function planSync(site: SiteDefinition, existingText: string | undefined): SyncAction {
  const file = stackFileName(site.name);
  if (existingText === undefined) return { kind: "write", file, text: renderStackFile(site), reason: "missing" };
  let existing: ExistingStackFile;
  try {
    existing = readStackFile(existingText);
  } catch (e) {
    return { kind: "conflict", file, message: `${file}: not valid YAML (${(e as Error).message.split("\n")[0]}). Fix: repair or delete it, then re-run sync.` };
  }
  const text = renderStackFile(site, existing);
  if (text === existingText) return { kind: "unchanged", file };
  if (!isGenerated(existingText)) {
    const same = JSON.stringify(sortKeys(existing.plain)) === JSON.stringify(sortKeys(site.config));
    if (!same) {
      return {
        kind: "conflict",
        file,
        message: `${file}: exists with hand-written config, and site file ${SITES_DIR}/${site.name}.yaml would overwrite it. Fix: rename the site, or move that config into the site file and delete ${file}'s plain config.`,
      };
    }
  }
  return { kind: "write", file, text, reason: "out of date" };
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v !== "object" || v === null) return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
}

/** Generated stack files whose site file is gone: the stack still exists until someone destroys it. */
export function orphans(stackFiles: Record<string, string>, sites: readonly string[]): string[] {
  const names = new Set(sites.map(stackFileName));
  return Object.entries(stackFiles)
    .filter(([file, text]) => !names.has(file) && isGenerated(text))
    .map(([file]) => file)
    .sort();
}
