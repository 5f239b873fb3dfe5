// The bytes each resource adds to the Pulumi state, from what the mock monitor saw registered: its
// inputs, and its outputs as the real command provider stores them (every input again, plus stdout
// and stderr, here empty). A secret is counted as the ciphertext the state keeps (AES-GCM: JSON of
// the value plus a 16-byte tag, base64, in Pulumi's secret envelope). Compact JSON, without the
// engine's per-resource metadata (URN, parent, dependencies): a deterministic lower bound.
import * as pulumi from "@pulumi/pulumi";

const SIG = pulumi.runtime.specialSigKey;
const SECRET = pulumi.runtime.specialSecretSig;
const COMMANDS = ["command:remote:Command", "command:local:Command"];
/** `{"4dabf18193072939515e22adb298388d":"1b47061264138c4ac30d75fd1eb44270","ciphertext":"v1:<nonce>:"}` */
const ENVELOPE = 96;

function isSecret(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG] === SECRET;
}

/** JSON bytes of a registered value as the state stores it. */
export function valueBytes(v: unknown): number {
  if (isSecret(v)) return ENVELOPE + Math.ceil((Buffer.byteLength(JSON.stringify(plain(v.value))) + 16) / 3) * 4;
  if (Array.isArray(v)) return 2 + v.reduce((n: number, x) => n + valueBytes(x) + 1, 0);
  if (typeof v === "object" && v !== null) {
    return 2 + Object.entries(v).reduce((n, [k, x]) => n + Buffer.byteLength(JSON.stringify(k)) + 2 + valueBytes(x), 0);
  }
  return Buffer.byteLength(JSON.stringify(v) ?? "null");
}

function plain(v: unknown): unknown {
  if (isSecret(v)) return plain(v.value);
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** Inputs plus outputs of one resource, in state bytes. */
export function resourceStateBytes(r: { type: string; inputs: Record<string, unknown> }): number {
  const inputs = valueBytes(r.inputs);
  // The command provider's outputs repeat every input and add stdout and stderr.
  return COMMANDS.includes(r.type) ? 2 * inputs + '"stdout":"","stderr":""'.length : 2 * inputs;
}

/** Total state bytes, and per step kind (the name's last dash-separated word: config, install, ...). */
export function stateBytes(resources: Array<{ type: string; name: string; inputs: Record<string, unknown> }>): { total: number; bySteps: Record<string, { count: number; bytes: number }> } {
  const bySteps: Record<string, { count: number; bytes: number }> = {};
  let total = 0;
  for (const r of resources) {
    const bytes = resourceStateBytes(r);
    total += bytes;
    if (!COMMANDS.includes(r.type)) continue;
    const step = /-([a-z]+)$/.exec(r.name)?.[1] ?? r.name;
    bySteps[step] ??= { count: 0, bytes: 0 };
    bySteps[step].count++;
    bySteps[step].bytes += bytes;
  }
  return { total, bySteps };
}
