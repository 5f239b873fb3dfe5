import * as fs from "fs";
import { z } from "zod";
import { ConfigError, keyPath, parseConfig } from "../rules/errors";
import { filled, mapping } from "../rules/issues";
import { endpointUrlProblem, registryHostProblem } from "../rules/address";
import { localPathProblem, resolveLocalPath } from "../rules/local-path";
import { rewritePatternProblem, rewriteReplacementProblem } from "./rewrite";

export const REGISTRIES_KEY = "registries";
/** Secret object {registry host: password}, set with `pulumi config set --secret --path`. */
export const REGISTRY_PASSWORDS_KEY = "registryPasswords";

/** A registries.yaml key: `*`, `_default` or a registry host[:port] (rules/address.ts registryHostProblem). */
const hostKey = z.string().superRefine((value, ctx) => {
  const problem = registryHostProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: `must be a registry host: ${problem}. Fix: write host[:port] without a scheme, such as docker.io or reg.local:5000`, input: value });
});
/**
 * Docker Hub's API hosts. k3s writes a mirror's hosts.toml under its key (certs.d/<key>/,
 * K3S:pkg/agent/containerd/config.go getHostConfigs), and containerd looks it up by the image's
 * registry name, which reference normalization makes docker.io for every Docker Hub image (also one
 * written index.docker.io/...): a mirror under these keys is never used. A `configs` entry may use
 * them (k3s's configForHost reads registry-1.docker.io's first for docker.io).
 */
const DOCKER_HUB_API_HOSTS = ["registry-1.docker.io", "index.docker.io"];
const mirrorKey = hostKey.superRefine((value, ctx) => {
  if (DOCKER_HUB_API_HOSTS.includes(value.toLowerCase())) {
    ctx.addIssue({ code: "custom", message: `names Docker Hub's API host, but containerd finds a mirror by the image's registry name, docker.io for every Docker Hub image, so this mirror would never be used. Fix: key it docker.io`, input: value });
  }
});
/** A mirror endpoint: an http(s) URL with a valid host (rules/address.ts endpointUrlProblem). */
const endpointUrl = z.string().superRefine((value, ctx) => {
  const problem = endpointUrlProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: `must be an http(s) URL: ${problem}`, input: value });
});

/** A rewrite pattern containerd can compile (rewrite.ts). */
const rewritePattern = z.string().superRefine((value, ctx) => {
  const problem = rewritePatternProblem(value);
  if (!problem) return;
  const closed = [")", "]", "}"].map((c) => value + c).find((v) => !rewritePatternProblem(v));
  const fix = closed ? `write '${closed}'` : "write it in RE2 syntax, which has no lookaround ((?=, (?!, (?<=, (?<!), backreferences (\\1) or atomic groups, and writes \\x{41} for \\u0041; such as ^library/(.*)";
  ctx.addIssue({ code: "custom", message: `is not a regular expression containerd can compile (Go regexp: ${problem}); it would skip the rule with only a log warning and pull images under their original names. Fix: ${fix}`, input: value });
});

/** Rewrite rules whose patterns compile and whose replacements name only groups their patterns have and leave a name (rewrite.ts). */
const rewriteRules = mapping(rewritePattern, z.string().meta({ examples: ["mirror/library/$1"] }), "regular expressions to replacements", "rewrite: {\"^library/(.*)\": \"mirror/library/$1\"}").superRefine((rules, ctx) => {
  for (const [pattern, replacement] of Object.entries(rules)) {
    const problem = rewritePatternProblem(pattern) ? undefined : rewriteReplacementProblem(pattern, replacement);
    if (problem) ctx.addIssue({ code: "custom", message: problem, path: [pattern], input: replacement });
  }
});

const mirrorSchema = z
  .object({
    /** Registries tried in order before the upstream (unless disableDefaultEndpoint). */
    endpoint: z.array(endpointUrl).optional(),
    /** Regex → replacement applied to image names pulled through this mirror. */
    rewrite: rewriteRules.optional(),
  })
  .strict()
  .meta({ examples: [{ endpoint: ["https://reg.local:5000"] }] });

/**
 * k3s's registries.yaml names a file already on each node (`ca_file`, `cert_file`, `key_file`);
 * here a local file is read and written to every node, under our own key, so k3s's is refused with it.
 */
const nodeFileKey = (ours: string) =>
  z.unknown().superRefine((_, ctx) => {
    ctx.addIssue({ code: "custom", message: `is k3s's key for a file already on every node, but k3s-stacks reads a local file and writes it to the nodes. Fix: rename it to ${ours} and give the PEM file's path relative to the project` });
  }).optional();

const tlsSchema = z
  .object({
    /** Local PEM file (relative to the project) with the CA that signed the registry's certificate. */
    caFile: filled("a PEM file of the registry's CA, relative to the project, or remove the key").optional(),
    /** Local PEM files for client-certificate authentication. */
    certFile: filled("a PEM client certificate file, relative to the project, or remove the key").optional(),
    keyFile: filled("a PEM client key file, relative to the project, or remove the key").optional(),
    /** Skip verifying the registry's certificate. */
    insecureSkipVerify: z.boolean().optional(),
    /** k3s registries.yaml's own spelling of insecureSkipVerify (k3s docs "Private Registry Configuration"), as users copy it. */
    insecure_skip_verify: z.boolean().optional(),
    ca_file: nodeFileKey("caFile"),
    cert_file: nodeFileKey("certFile"),
    key_file: nodeFileKey("keyFile"),
  })
  .strict()
  .refine((t) => !t.certFile === !t.keyFile, { message: "certFile and keyFile go together. Fix: set both or neither" })
  .refine((t) => t.insecureSkipVerify === undefined || t.insecure_skip_verify === undefined, {
    message: "sets both insecureSkipVerify and k3s's spelling insecure_skip_verify. Fix: keep one of them",
  })
  .transform(({ insecure_skip_verify, ca_file: _ca, cert_file: _cert, key_file: _key, ...t }) => ({ ...t, insecureSkipVerify: t.insecureSkipVerify ?? insecure_skip_verify }));

const registryConfigSchema = z
  .object({
    /** Username; the password is the entry for this host in the secret k3s-stacks:registryPasswords. */
    auth: z.object({ username: filled("the registry user name") }).strict().optional(),
    tls: tlsSchema.optional(),
  })
  .strict();

export const registriesSchema = z
  .object({
    mirrors: mapping(mirrorKey, mirrorSchema, "registry hosts to their mirror settings", "mirrors: {docker.io: {endpoint: [\"https://reg.local:5000\"]}}").default({}),
    configs: mapping(hostKey, registryConfigSchema, "registry hosts to their auth and TLS settings", "configs: {reg.local:5000: {auth: {username: ci}}}").default({}),
    /** Share images between nodes with the embedded registry mirror (Spegel); mirrored hosts are shared. */
    embeddedMirror: z.boolean().default(false),
    /** Never fall back to the upstream registry (k3s `disable-default-registry-endpoint`). */
    disableDefaultEndpoint: z.boolean().default(false),
  })
  .strict();
export type RegistriesConfig = z.output<typeof registriesSchema>;

/** TLS material read from the local files the config names. */
export interface RegistryTlsFiles {
  ca?: string;
  cert?: string;
  /** Private key (kept secret). */
  key?: string;
  insecureSkipVerify?: boolean;
}

/** Registries settings validated and with local files read; passwords are still plain here. */
export interface RegistriesSettings {
  config: RegistriesConfig;
  tls: Record<string, RegistryTlsFiles>;
  /** host → password; wrap in pulumi.secret before use (registriesPlan does). */
  passwords: Record<string, string>;
}

/**
 * Validates `k3s-stacks:registries` with `k3s-stacks:registryPasswords` and reads the TLS files it
 * names (paths relative to `baseDir`). `passwordsSecret` says whether the passwords key was set with
 * --secret (`pulumi.runtime.isConfigSecret`). `embeddedRegistry`: the cluster's serverConfig turns on
 * k3s's embedded registry itself (`embedded-registry: true`), as embeddedMirror does. Throws one ConfigError listing every problem.
 */
export function parseRegistriesConfig(raw: unknown, rawPasswords: unknown, passwordsSecret: boolean, baseDir: string, embeddedRegistry = false): RegistriesSettings {
  const config = parseConfig(registriesSchema, raw ?? {}, REGISTRIES_KEY);
  const problems: string[] = [];
  const pwKey = keyPath(REGISTRY_PASSWORDS_KEY, []);
  let passwords: Record<string, string> = {};
  if (rawPasswords !== undefined) {
    const parsed = z.record(z.string(), z.string().min(1)).safeParse(rawPasswords);
    if (!parsed.success) problems.push(`${pwKey}: must be an object {registry host: password}. Fix: pulumi config set --secret --path '${pwKey}["reg.local:5000"]' <password>`);
    else if (!passwordsSecret) problems.push(`${pwKey}: holds passwords but is not a secret. Fix: pulumi config rm ${pwKey}, then pulumi config set --secret --path '${pwKey}["<host>"]' <password>`);
    else passwords = parsed.data;
  }
  for (const [host, c] of Object.entries(config.configs)) {
    if (c.auth && passwords[host] === undefined && !problems.some((p) => p.startsWith(pwKey))) {
      problems.push(`${keyPath(REGISTRIES_KEY, ["configs", host, "auth"])}: user '${c.auth.username}' has no password. Fix: pulumi config set --secret --path '${pwKey}["${host}"]' <password>`);
    }
  }
  for (const host of Object.keys(passwords)) {
    if (!config.configs[host]?.auth) {
      problems.push(`${pwKey}["${host}"]: no username for this host. Fix: set ${keyPath(REGISTRIES_KEY, ["configs", host, "auth", "username"])}, or remove the password`);
    }
  }
  if (config.embeddedMirror && Object.keys(config.mirrors).length === 0) {
    problems.push(`${keyPath(REGISTRIES_KEY, ["embeddedMirror"])}: the embedded mirror only shares registries listed under mirrors. Fix: add e.g. mirrors: {"docker.io": {}} (or "*": {} for all)`);
  }
  // k3s docs, "Private Registry Configuration", Default Endpoint Fallback: with the fallback off, a mirrored
  // registry is pulled only from its endpoints and the embedded mirror; with neither, from nowhere.
  if (config.disableDefaultEndpoint && !config.embeddedMirror && !embeddedRegistry) {
    for (const [host, m] of Object.entries(config.mirrors)) {
      if ((m.endpoint ?? []).length > 0) continue;
      problems.push(`${keyPath(REGISTRIES_KEY, ["mirrors", host])}: has no endpoint, and with disableDefaultEndpoint: true (and no embeddedMirror) containerd would pull ${host === "*" ? "every registry's" : `${host}'s`} images from nowhere${host === "*" || host === "docker.io" ? ", k3s's own (pause, CoreDNS) included, so no pod would start" : ""}. ` +
        `Fix: give it endpoint: ["https://<your mirror>"], set ${keyPath(REGISTRIES_KEY, ["embeddedMirror"])}: true to pull from the other nodes, or remove the entry`);
    }
  }
  const tls: Record<string, RegistryTlsFiles> = {};
  for (const [host, c] of Object.entries(config.configs)) {
    if (!c.tls) continue;
    const read = (field: "caFile" | "certFile" | "keyFile") => {
      const file = c.tls?.[field];
      if (!file) return undefined;
      const unexpanded = localPathProblem(file);
      if (unexpanded) {
        problems.push(`${keyPath(REGISTRIES_KEY, ["configs", host, "tls", field])}: ${unexpanded}`);
        return undefined;
      }
      try {
        return fs.readFileSync(resolveLocalPath(file, baseDir), "utf8");
      } catch (e) {
        problems.push(`${keyPath(REGISTRIES_KEY, ["configs", host, "tls", field])}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Fix: give the PEM file's path, relative to the project directory, from ~/ or absolute`);
        return undefined;
      }
    };
    tls[host] = { ca: read("caFile"), cert: read("certFile"), key: read("keyFile"), insecureSkipVerify: c.tls.insecureSkipVerify };
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { config, tls, passwords };
}
