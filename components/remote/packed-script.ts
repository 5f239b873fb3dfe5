import { gunzipSync } from "zlib";
import { gzipSync, strToU8 } from "fflate";
import { shq } from "./shell";

/**
 * Scripts travel gzip-compressed and base64-encoded on stdin. The engine stores every step's stdin
 * twice (inputs, and the command provider's outputs) and rewrites the whole checkpoint after each
 * step, so the size of the scripts is what a bring-up waits on; a config script shrinks about 3x.
 *
 * The compressor is fflate (pure JavaScript, version pinned), with no timestamp: the same script
 * gives the same bytes on every machine, so `pulumi preview` shows a step as changed exactly when
 * its script changed. Node's bundled zlib would not: its output depends on the CPU (it hashes with
 * CRC32 instructions where present) and on the Node version.
 *
 * On the host, the plain prologue below decodes with base64 (coreutils, or busybox) and gzip, then
 * runs the script in bash with the same arguments. Everything is decoded before anything runs: a
 * damaged payload fails the step and runs nothing (gzip checks its CRC). The script's header
 * comments (its title) stay readable in the prologue, so a preview's diff still names the step.
 *
 * Per-node values (the node's name and known addresses, its configuration hash) are taken out of the
 * compressed body and put back by the prologue, so every node with the same settings shares one body,
 * compressed once: at 300 nodes about 30 distinct bodies instead of 2,100 scripts (bench/cluster-eval.ts).
 */
export const PACKED_MARK = "K3S_STACKS_PACKED";

/** What the prologue prints when the host cannot decode: names the packages that fix it. */
const DECODE_FAILED =
  'echo "k3s-stacks: $(uname -n) cannot decode this step\'s script. Fix: install coreutils (base64) and gzip." >&2; exit 1';

/** Leading `#` lines of a script (the shebang aside): its title, kept plain. Read line by line: scripts are tens of KB. */
function headerOf(script: string): string[] {
  const header: string[] = [];
  for (let start = 0, first = true; start < script.length; first = false) {
    const end = script.indexOf("\n", start);
    const line = script.slice(start, end < 0 ? script.length : end);
    if (!(first && line.startsWith("#!"))) {
      if (!line.startsWith("#")) break;
      header.push(line);
    }
    if (end < 0) break;
    start = end + 1;
  }
  return header;
}

/** Where the i-th per-node value stood in a body; restored on the host before the script runs. */
const placeholder = (i: number): string => `@K3S_STACKS_V${i}@`;

/** Shortest value worth taking out: shorter ones match inside other words and save nothing. */
const MIN_VALUE_LENGTH = 2;

/** Whether `c` is a word character as a RegExp's `\w` means it: [A-Za-z0-9_]. */
const isWordChar = (c: string | undefined): boolean => c !== undefined && /^\w$/.test(c);

/**
 * `text` with every occurrence of `value` that stands as a word of its own (no word character just
 * before or after it) replaced by `by`, left to right, as a global RegExp with `(?<!\w)` and `(?!\w)`
 * would; undefined when there is none. An indexOf scan: a RegExp compiled per node and value was a
 * measurable part of a 300-node evaluation (bench/cluster-eval.ts).
 */
function replaceWord(text: string, value: string, by: string): string | undefined {
  let out = "";
  let last = 0;
  for (let at = text.indexOf(value); at >= 0; ) {
    if (!isWordChar(text[at - 1]) && !isWordChar(text[at + value.length])) {
      out += text.slice(last, at) + by;
      last = at + value.length;
      at = text.indexOf(value, last);
    } else {
      at = text.indexOf(value, at + 1);
    }
  }
  return last === 0 ? undefined : out + text.slice(last);
}

/** `body` with each placeholder put back, last value first: the inverse of templateOf. */
function restore(body: string, values: Array<[string, string]>): string {
  for (let i = values.length - 1; i >= 0; i--) body = body.replaceAll(values[i][0], values[i][1]);
  return body;
}

/**
 * `script` with each value replaced by its placeholder where it stands as a word of its own (not
 * inside a longer word: `a2` in `sha256sum` stays, so the bodies of nodes a1 and a2 still match), and
 * the pairs that were replaced. Values that are short, multi-line or absent are left in; when putting
 * the values back would not give `script` exactly (a placeholder already in it, or formed by a
 * replacement), nothing is taken out.
 */
function templateOf(script: string, values: readonly string[]): { body: string; values: Array<[string, string]> } {
  let body = script;
  const taken: Array<[string, string]> = [];
  for (const value of values) {
    if (value.length < MIN_VALUE_LENGTH || value.includes("\n")) continue;
    const p = placeholder(taken.length);
    const replaced = replaceWord(body, value, p);
    if (replaced === undefined) continue;
    body = replaced;
    taken.push([p, value]);
  }
  return restore(body, taken) === script ? { body, values: taken } : { body: script, values: [] };
}

/** Compressed bodies by content: nodes with the same settings share one (bounded, for long-lived processes). */
const payloads = new Map<string, string>();
const MAX_PAYLOADS = 512;

function payloadOf(body: string): string {
  let payload = payloads.get(body);
  if (payload === undefined) {
    payload = Buffer.from(gzipSync(strToU8(body), { level: 9, mtime: 0 })).toString("base64");
    if (payloads.size >= MAX_PAYLOADS) payloads.clear();
    payloads.set(body, payload);
  }
  return payload;
}

/**
 * The stdin that runs `script` (a bash script taking the phase as $1) under `bash -s -- <phase>`:
 * compressed with a plain decoding prologue, or `script` itself when packing would not make it
 * smaller. `values` are the script's per-node values (node name, addresses, configuration hash): they travel
 * plain in the prologue, and the compressed body is shared by every node with the same settings.
 * Deterministic in `script` and `values`; the host runs exactly `script` (a script that does not end
 * in exactly one newline is never packed).
 */
export function packScript(script: string, values: readonly string[] = []): string {
  // The prologue's $(...) drops every trailing newline and printf puts one back: only a script that
  // ends in exactly one newline (as every rendered one does) comes out byte for byte, so any other
  // travels as it is.
  if (!/(^|[^\n])\n$/.test(script)) return script;
  const template = templateOf(script, values);
  const packed = [
    ...headerOf(script),
    `s=$(set -o pipefail; base64 -d <<'${PACKED_MARK}' | gzip -dc`,
    payloadOf(template.body),
    PACKED_MARK,
    `) || { ${DECODE_FAILED}; }`,
    // Last value first, as restore() does; quoted, so the value is literal (no & under patsub_replacement).
    ...template.values.map(([p, v]) => `s=\${s//'${p}'/${shq(v)}}`).reverse(),
    // Not a pipefail pipeline: the step's status is the script's, even if it exits before reading all of it.
    'printf \'%s\\n\' "$s" | bash -s -- "$@"',
    "",
  ].join("\n");
  return packed.length < script.length ? packed : script;
}

const PAYLOAD = new RegExp(`<<'${PACKED_MARK}' \\| gzip -dc\\n([A-Za-z0-9+/=]+)\\n${PACKED_MARK}\\n[^\\n]*\\n((?:s=\\$\\{s//[^\\n]*\\n)*)`);
/** One prologue line putting a value back (packScript): its placeholder and its shell-quoted value. */
const RESTORE_LINE = /^s=\$\{s\/\/'([^']*)'\/('(?:[^']|'\\'')*')\}$/;

/**
 * The script a stdin runs: `stdin` decoded when packScript packed it, as it is otherwise. Lines
 * before the script (a sudo password and its marker) are kept in front. For tests, the policy pack
 * and anyone reading a step's stdin out of the state.
 */
export function unpackScript(stdin: string): string {
  const m = PAYLOAD.exec(stdin);
  if (!m) return stdin;
  const values = m[2]
    .split("\n")
    .filter(Boolean)
    .map((line): [string, string] => {
      const r = RESTORE_LINE.exec(line);
      if (!r) throw new Error(`k3s-stacks: unreadable value line in a packed script: ${line}`);
      return [r[1], r[2].slice(1, -1).replaceAll("'\\''", "'")];
    })
    .reverse();
  const script = restore(gunzipSync(Buffer.from(m[1], "base64")).toString("utf8"), values);
  // The prologue starts with the script's header lines; what precedes them is not the script's.
  const header = headerOf(script);
  const start = stdin.lastIndexOf(header.length ? `${header.join("\n")}\ns=$(` : "s=$(", m.index);
  return `${stdin.slice(0, Math.max(0, start))}${script}`;
}
