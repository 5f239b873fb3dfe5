import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { MockState, installMocks } from "../../support/mocks";
import { setStackConfig } from "../../support/stack";
import { unpackScript } from "../../../components/remote/packed-script";
import { ConfigError } from "../../../components/rules/errors";

/** Distinctive secret values: any appearance outside a secret is a leak. */
export const SENTINEL = {
  token: "TOKEN-SENTINEL-7f3a9c",
  privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nKEY-SENTINEL-91c2e4\n-----END OPENSSH PRIVATE KEY-----\n",
  sudoPassword: "SUDO-SENTINEL-5d0e81",
  /** Passphrase of an SSH private key (ssh-keygen -N): the keys under test are encrypted with it. */
  keyPassword: "KEYPASS-SENTINEL-3e8b1f",
  datastore: "postgres://k3s:DB-SENTINEL-2b4c77@db.internal:5432/k3s",
  kubeconfigKey: "KUBE-SENTINEL-0a9d13",
};
/** Substrings that identify each sentinel (the private key spans lines). */
export const SENTINEL_MARKS = ["TOKEN-SENTINEL", "KEY-SENTINEL", "SUDO-SENTINEL", "DB-SENTINEL", "KUBE-SENTINEL", "KEYPASS-SENTINEL"];

/** What k3s writes to /etc/rancher/k3s/k3s.yaml, with a sentinel client key. */
export const K3S_YAML = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0EK
    server: https://127.0.0.1:6443
  name: default
contexts:
- context:
    cluster: default
    user: default
  name: default
current-context: default
kind: Config
users:
- name: default
  user:
    client-certificate-data: Q0VSVAo=
    client-key-data: ${SENTINEL.kubeconfigKey}
`;

/** Resource types that run a node's scripts: over SSH, or on a local node. */
export const COMMAND_TYPES = ["command:remote:Command", "command:local:Command"];

/**
 * Provider-computed outputs the program reads. The token comes back plain on purpose: the real random
 * provider marks it secret, so a plain mock proves our own code keeps it secret.
 */
export function mockOutputs(type: string, name: string): Record<string, unknown> {
  if (type === "random:index/randomPassword:RandomPassword") return { result: SENTINEL.token };
  if (!COMMAND_TYPES.includes(type)) return {};
  if (name.endsWith("-kubeconfig")) return { stdout: K3S_YAML, stderr: "" };
  return { stdout: "", stderr: "" };
}

/** The SDK exports this (used by its own shutdown) without typing it. */
const runtime = pulumi.runtime as unknown as { waitForRPCs(): Promise<void> };

/** Lets every registration reach the mock monitor. */
export async function drain(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await runtime.waitForRPCs();
    await new Promise((r) => setImmediate(r));
  }
}

export interface StackRun {
  state: MockState;
  outputs: Record<string, unknown>;
}

/** Sets stack config (secrets registered as secret keys) and runs stacks/main.ts under mocks. */
export async function runStack(config: Record<string, unknown>, secrets: Record<string, string> = {}): Promise<StackRun> {
  const state = await installMocks({ outputs: (type, name) => mockOutputs(type, name) });
  setStackConfig(config, secrets);
  // Imported after the mocks so nothing in the program can capture the runtime earlier.
  const { main } = await import("../../../stacks/main");
  const outputs = await main();
  await drain();
  return { state, outputs };
}

/** A run that may be refused: its error message instead of its outputs. */
export interface UpResult {
  state: MockState;
  outputs: Record<string, unknown>;
  error?: string;
}

/**
 * Runs stacks/main.ts as an update after one whose outputs were `previous` (what the program's own
 * StackReference reads back; {} for a stack never updated), catching a refusal as `error`.
 */
export async function upAfter(previous: Record<string, unknown>, config: Record<string, unknown>, secrets: Record<string, string> = {}): Promise<UpResult> {
  const state = await installMocks({
    outputs: (type, name) => (type === "pulumi:pulumi:StackReference" ? { outputs: previous } : mockOutputs(type, name)),
  });
  setStackConfig(config, secrets);
  const { main } = await import("../../../stacks/main");
  try {
    const outputs = await main();
    await drain();
    return { state, outputs };
  } catch (e) {
    return { state, outputs: {}, error: (e as Error).message };
  }
}

const SIG = pulumi.runtime.specialSigKey;
const SECRET = pulumi.runtime.specialSecretSig;

function isSecretWrapper(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG] === SECRET;
}

/** A mock-registered input with secret wrappers removed and packed scripts (stdin) decoded. */
export function unwrap(v: unknown): unknown {
  if (isSecretWrapper(v)) return unwrap(v.value);
  if (typeof v === "string") return unpackScript(v);
  if (Array.isArray(v)) return v.map(unwrap);
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
  return v;
}

/** Whether a mock-registered input value arrived as a secret. */
export function arrivedSecret(v: unknown): boolean {
  return isSecretWrapper(v);
}

/** Every string in a registered input that is NOT inside a secret, with its path. */
export function plainStrings(v: unknown, at = ""): Array<{ path: string; value: string }> {
  if (isSecretWrapper(v)) return [];
  // Decoded: a secret inside a packed script is as plain as one in the open.
  if (typeof v === "string") return [{ path: at, value: unpackScript(v) }];
  if (Array.isArray(v)) return v.flatMap((x, i) => plainStrings(x, `${at}[${i}]`));
  if (typeof v === "object" && v !== null) return Object.entries(v).flatMap(([k, x]) => plainStrings(x, `${at}.${k}`));
  return [];
}

/** The body of the heredoc that writes `file` in a rendered script. */
export function heredocFor(script: string, file: string): string {
  const lines = script.split("\n");
  const at = lines.findIndex((l) => l.trim() === `tmp=$(mktemp '${file}.XXXXXX')`);
  if (at < 0) throw new Error(`script does not write ${file}`);
  const m = /<<'([A-Z0-9_]+)'$/.exec(lines[at + 1]);
  if (!m) throw new Error(`no heredoc after mktemp for ${file}`);
  const end = lines.indexOf(m[1], at + 2);
  return lines.slice(at + 2, end).join("\n");
}

/** config.yaml as the `-config` command's stdin writes it. */
export function configYamlOf(stdin: string): Record<string, unknown> {
  return parse(heredocFor(stdin, "/etc/rancher/k3s/config.yaml")) as Record<string, unknown>;
}

/** The registered (mock) inputs of a remote or local Command, secrets unwrapped. */
export function commandInputs(state: MockState, name: string): { stdin: string; create?: string; update?: string; delete?: string; raw: Record<string, unknown> } {
  const r = state.byName(name);
  if (!COMMAND_TYPES.includes(r.type)) throw new Error(`${name} is a ${r.type}`);
  const plain = unwrap(r.inputs) as Record<string, string>;
  return { stdin: plain.stdin, create: plain.create, update: plain.update, delete: plain.delete, raw: r.inputs };
}

export interface RenderedConfig {
  node: string;
  config: Record<string, unknown>;
  /** Whether the config command's stdin arrived as a secret. */
  stdinSecret: boolean;
}

/** Every node's rendered config.yaml, keyed by node name (from the `k3s-<node>-config` commands). */
export function renderedConfigs(state: MockState): Record<string, RenderedConfig> {
  const out: Record<string, RenderedConfig> = {};
  for (const r of state.resources.filter((x) => COMMAND_TYPES.includes(x.type))) {
    const m = /^k3s-(.+)-config$/.exec(r.name);
    if (!m) continue;
    out[m[1]] = { node: m[1], config: configYamlOf(unwrap(r.inputs.stdin) as string), stdinSecret: arrivedSecret(r.inputs.stdin) };
  }
  return out;
}

/** Sentinel marks found in `text`. */
export function marksIn(text: string): string[] {
  return SENTINEL_MARKS.filter((m) => text.includes(m));
}

/** Every place a sentinel occurs outside a secret: registered inputs, command lines. Empty when nothing leaks. */
export function leaks(state: MockState): string[] {
  const found: string[] = [];
  for (const r of state.resources) {
    for (const { path, value } of plainStrings(r.inputs)) {
      for (const m of marksIn(value)) found.push(`${r.type} ${r.name}${path}: ${m}`);
    }
  }
  return found;
}

/** Sentinel marks that do occur inside secret inputs (proves the scan above had something to find). */
export function marksInsideSecrets(state: MockState): Set<string> {
  const seen = new Set<string>();
  const walk = (v: unknown, inSecret: boolean): void => {
    if (isSecretWrapper(v)) return walk(v.value, true);
    if (typeof v === "string" && inSecret) marksIn(unpackScript(v)).forEach((m) => seen.add(m));
    else if (Array.isArray(v)) v.forEach((x) => walk(x, inSecret));
    else if (typeof v === "object" && v !== null) Object.values(v).forEach((x) => walk(x, inSecret));
  };
  state.resources.forEach((r) => walk(r.inputs, false));
  return seen;
}

/**
 * Runs the program on `config`, expects it to refuse with a ConfigError before registering any
 * resource (reading previous outputs through a StackReference aside), and returns the problem lines.
 */
export async function refusedProblems(state: MockState, config: Record<string, unknown>, secrets: Record<string, string> = {}): Promise<string[]> {
  setStackConfig(config, secrets);
  const { main } = await import("../../../stacks/main");
  const err = await main().then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  expect(state.resources.filter((r) => r.type !== "pulumi:pulumi:StackReference")).toEqual([]);
  return (err as ConfigError).problems;
}
