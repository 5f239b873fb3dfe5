import { gunzipSync } from "zlib";
import { gzipSync, strToU8 } from "fflate";

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
 */
export const PACKED_MARK = "K3S_STACKS_PACKED";

/** What the prologue prints when the host cannot decode: names the packages that fix it. */
const DECODE_FAILED =
  'echo "k3s-stacks: $(uname -n) cannot decode this step\'s script. Fix: install coreutils (base64) and gzip." >&2; exit 1';

/** Leading `#` lines of a script (the shebang aside): its title, kept plain. */
function headerOf(script: string): string[] {
  const lines = script.split("\n");
  const header: string[] = [];
  for (const line of lines.slice(lines[0]?.startsWith("#!") ? 1 : 0)) {
    if (!line.startsWith("#")) break;
    header.push(line);
  }
  return header;
}

/**
 * The stdin that runs `script` (a bash script taking the phase as $1) under `bash -s -- <phase>`:
 * compressed with a plain decoding prologue, or `script` itself when packing would not make it
 * smaller. Deterministic in `script`.
 */
export function packScript(script: string): string {
  const payload = Buffer.from(gzipSync(strToU8(script), { level: 9, mtime: 0 })).toString("base64");
  const packed = [
    ...headerOf(script),
    `s=$(set -o pipefail; base64 -d <<'${PACKED_MARK}' | gzip -dc`,
    payload,
    PACKED_MARK,
    `) || { ${DECODE_FAILED}; }`,
    // Not a pipefail pipeline: the step's status is the script's, even if it exits before reading all of it.
    'printf \'%s\\n\' "$s" | bash -s -- "$@"',
    "",
  ].join("\n");
  return packed.length < script.length ? packed : script;
}

const PAYLOAD = new RegExp(`<<'${PACKED_MARK}' \\| gzip -dc\\n([A-Za-z0-9+/=]+)\\n${PACKED_MARK}\\n`);

/**
 * The script a stdin runs: `stdin` decoded when packScript packed it, as it is otherwise. Lines
 * before the script (a sudo password and its marker) are kept in front. For tests, the policy pack
 * and anyone reading a step's stdin out of the state.
 */
export function unpackScript(stdin: string): string {
  const m = PAYLOAD.exec(stdin);
  if (!m) return stdin;
  const script = gunzipSync(Buffer.from(m[1], "base64")).toString("utf8");
  // The prologue starts with the script's header lines; what precedes them is not the script's.
  const header = headerOf(script);
  const start = stdin.lastIndexOf(header.length ? `${header.join("\n")}\ns=$(` : "s=$(", m.index);
  return `${stdin.slice(0, Math.max(0, start))}${script}`;
}
