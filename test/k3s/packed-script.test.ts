// Scripts on stdin travel gzip+base64 encoded (components/remote/packed-script.ts): the same bytes on
// every machine, decoded on the host before anything runs, run with the same phase and status.
import { createHash } from "crypto";
import { gunzipSync } from "zlib";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { PACKED_MARK, packScript, unpackScript } from "../../components/remote/packed-script";
import { STDIN_MARK, wrapperCommand, wrapperStdin } from "../../components/remote/command";
import { scriptFrame } from "../../components/remote/shell";
import { renderConfigScript } from "../../components/k3s/scripts";
import { Sandbox, sandbox } from "./support/shell";

const SECRET = "TOKEN-SENTINEL-packed";
const config = renderConfigScript({
  host: { node: "pi-1", fixCgroups: false, allowReboot: false, arch: "arm64", network: { role: "agent", etcd: false, backend: "vxlan", clusterCidrs: ["10.42.0.0/16"], serviceCidrs: ["10.43.0.0/16"], embeddedRegistry: false } },
  role: "agent",
  files: [{ path: "/etc/rancher/k3s/config.yaml", content: "server: https://10.0.0.1:6443\n", mode: "0600" }],
});

/** A framed script large enough to be packed: prints its phase, records its process's command lines, exits with `status`. */
function probe(status = 0, padding = 40): string {
  return scriptFrame("probe on pi-1", {
    "create|update": `secret=${SECRET}
echo "ran $phase \${#secret}"
{ tr '\\0' ' ' < /proc/$$/cmdline; echo; tr '\\0' ' ' < /proc/$PPID/cmdline; echo; } >> "$CALLS.argv"
${Array.from({ length: padding }, (_, i) => `: "padding line ${i} that compresses well"`).join("\n")}
exit ${status}`,
  });
}

describe("packScript / unpackScript", () => {
  test("a rendered config script shrinks more than 2x and decodes to itself", () => {
    const packed = packScript(config);
    expect(packed.length * 2).toBeLessThan(config.length);
    expect(unpackScript(packed)).toBe(config);
  });

  test("the same script packs to the same bytes (fflate pinned, no timestamp): previews show real changes only", () => {
    expect(packScript(config)).toBe(packScript(`${config}`));
    // Pinned: a compressor upgrade that changes these bytes would re-run every step of every stack.
    const digest = createHash("sha256").update(packScript(probe())).digest("hex").slice(0, 16);
    expect(digest).toBe(PINNED_DIGEST);
  });

  test("a changed script changes its packed form, and its title stays readable", () => {
    const packed = packScript(config);
    expect(packScript(config.replace("10.0.0.1", "10.0.0.2"))).not.toBe(packed);
    expect(packed.split("\n")[0]).toBe("# k3s-stacks: prepare pi-1 and write its agent configuration");
    expect(packed).not.toContain("#!/usr/bin/env bash");
  });

  test("a script packing would not shrink travels as it is", () => {
    const small = scriptFrame("tiny", { create: "echo hi" });
    expect(packScript(small)).toBe(small);
    expect(unpackScript(small)).toBe(small);
  });

  test("lines in front of the packed script (sudo password, marker) are kept by unpackScript", () => {
    const stdin = `pw\n${STDIN_MARK}\n${packScript(config)}`;
    expect(unpackScript(stdin)).toBe(`pw\n${STDIN_MARK}\n${config}`);
  });
});

describe("per-node values", () => {
  const forNode = (name: string) => config.replaceAll("pi-1", name);
  const payload = (stdin: string) => /\n(H4sI[A-Za-z0-9+/=]+)\n/.exec(stdin)?.[1];

  test("nodes that differ only in their values share one compressed body, and each decodes to its own script", () => {
    const [a, b] = [packScript(forNode("pi-1"), ["pi-1"]), packScript(forNode("pi-22"), ["pi-22"])];
    expect(payload(a)).toBeDefined();
    expect(payload(a)).toBe(payload(b));
    expect(unpackScript(a)).toBe(forNode("pi-1"));
    expect(unpackScript(b)).toBe(forNode("pi-22"));
    // The value is plain in the step's stdin, so a preview's diff names what changed.
    expect(b).toContain("'pi-22'");
  });

  test("values that are short, absent or multi-line are left in the body; packing stays exact", () => {
    for (const values of [["p"], ["not-in-it"], ["pi-1\nx"], [""]]) {
      const packed = packScript(config, values);
      expect(packed).toBe(packScript(config));
      expect(unpackScript(packed)).toBe(config);
    }
  });

  test("a value is taken out exactly where a RegExp with word boundaries (?<!\\w)…(?!\\w) would find it", () => {
    const body = (stdin: string) => gunzipSync(Buffer.from(payload(stdin)!, "base64")).toString("utf8");
    const edges = "a2 sha256sum xa2 a2_ _a2 a2-b a2a2 a2.a2 aa2a2 (a2)\na2";
    const script = `${config}# ${edges} ${edges}\n`;
    for (const value of ["a2", "a2a2", "aa"]) {
      const packed = packScript(script, [value]);
      const expected = script.replace(new RegExp(`(?<!\\w)${value}(?!\\w)`, "g"), "@K3S_STACKS_V0@");
      expect(body(packed)).toBe(expected === script ? script : expected);
      expect(unpackScript(packed)).toBe(script);
    }
  });

  test("a script that already holds a placeholder, or values inside each other, still decode exactly", () => {
    const tricky = `${config}# @K3S_STACKS_V0@ pi-1 pi-10 K3S_STACKS_V1@\n`;
    for (const values of [["pi-1", "pi-10"], ["pi-10", "pi-1"], ["K3S_STACKS", "pi-1"], ["@K3S", "S_V0@"]]) {
      expect(unpackScript(packScript(tricky, values))).toBe(tricky);
    }
  });
});

describe("running a packed script in bash", () => {
  let sb: Sandbox;
  beforeEach(() => { sb = sandbox(); });
  afterEach(() => sb.cleanup());
  const argv = () => fs.readFileSync(`${sb.log}.argv`, "utf8");

  test("same output, phase and exit status as the plain script; the secret on no command line", () => {
    const script = probe(3);
    const packed = packScript(script);
    expect(packed).not.toContain(SECRET);
    for (const stdin of [script, packed]) {
      const r = sb.run(["bash", "-c", wrapperCommand("root", "update")], { input: stdin });
      expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 3, stdout: `ran update ${SECRET.length}\n`, stderr: "" });
    }
    expect(argv()).toContain("bash -s -- update");
    expect(argv()).not.toContain(SECRET);
  });

  test("with values holding shell syntax, bash runs exactly the plain script", () => {
    // & is the matched text in a bash 5.2 replacement unless quoted; quotes, $ and globs must stay literal.
    const values = ["n&1 'q' \"d\" $HOME *?[a] \\x", "pi-1"];
    const script = scriptFrame("probe on pi-1", {
      create: `cat <<'EOF'\n${values[0]}\nEOF\necho 'pi-1 done'\n${Array.from({ length: 40 }, (_, i) => `: "padding line ${i} that compresses well"`).join("\n")}`,
    });
    const packed = packScript(script, values);
    expect(unpackScript(packed)).toBe(script);
    expect(packed).not.toBe(packScript(script));
    const plain = sb.run(["bash", "-c", wrapperCommand("root", "create")], { input: script });
    const r = sb.run(["bash", "-c", wrapperCommand("root", "create")], { input: packed });
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: `${values[0]}\npi-1 done\n`, stderr: "" });
    expect(r.stdout).toBe(plain.stdout);
  });

  test("bash on the host reads the script byte for byte, however many newlines end it", () => {
    // A fake bash records what each `bash -s` reads, then runs it in the real bash.
    const reads = path.join(sb.dir, "reads");
    fs.mkdirSync(reads);
    sb.fake("bash", `if [ "$1" = -s ]; then f=${reads}/$(ls ${reads} | wc -l); cat > "$f"; exec ${whichOf("bash")} "$@" < "$f"; fi\nexec ${whichOf("bash")} "$@"`);
    const body = probe().replace(/\n+$/, "");
    for (const end of ["\n", "", "\n\n", "  \n\n\n"]) {
      fs.rmSync(reads, { recursive: true });
      fs.mkdirSync(reads);
      const script = `${body}${end}`;
      const stdin = packScript(script, ["pi-1"]);
      const r = sb.run(["bash", "-c", wrapperCommand("root", "create")], { input: stdin });
      expect({ end, status: r.status, stdout: r.stdout }).toEqual({ end, status: 0, stdout: `ran create ${SECRET.length}\n` });
      const read = fs.readdirSync(reads).map((f) => fs.readFileSync(path.join(reads, f), "utf8"));
      expect({ end, readExactly: read.includes(script), unpacked: unpackScript(stdin) === script }).toEqual({ end, readExactly: true, unpacked: true });
    }
    // The usual ending (every rendered script's) is still packed.
    expect(packScript(`${body}\n`)).toContain(PACKED_MARK);
  });

  test("a script that exits before reading all of itself keeps its status (no pipefail on the last pipe)", () => {
    // Larger than a pipe's buffer, so the writer is still writing when bash exits.
    const big = scriptFrame("early exit", { create: `echo early; exit 0\n${Array.from({ length: 20000 }, (_, i) => `echo ${i} ${(i * 7919) % 10007}`).join("\n")}` });
    const packed = packScript(big);
    expect(packed.length).toBeLessThan(big.length);
    const r = sb.run(["bash", "-c", wrapperCommand("root", "create")], { input: packed });
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 0, stdout: "early\n" });
  });

  test("a damaged payload runs nothing and says what fixes it", () => {
    const packed = packScript(probe()).replace(/\n(H4sI)/, "\nH4sJ");
    const r = sb.run(["bash", "-c", wrapperCommand("root", "create")], { input: packed });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/cannot decode this step's script\. Fix: install coreutils \(base64\) and gzip\./);
    expect(fs.existsSync(`${sb.log}.argv`)).toBe(false);
  });

  test("a host without gzip: nothing runs, the message names the package", () => {
    const tools = path.join(sb.dir, "tools");
    fs.mkdirSync(tools);
    for (const t of ["bash", "base64", "uname"]) fs.symlinkSync(whichOf(t), path.join(tools, t));
    const r = sb.run([path.join(tools, "bash"), "-s", "--", "create"], { input: packScript(probe()), env: { PATH: tools } });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("Fix: install coreutils (base64) and gzip");
  });

  test("behind the sudo-password wrapper: the password line is skipped, the packed script runs", () => {
    sb.fake("sudo", 'while [ $# -gt 0 ]; do case "$1" in -S|-n) shift ;; -p) shift 2 ;; *) break ;; esac; done\nexec "$@"');
    const stdin = `touch ${path.join(sb.dir, "PWNED")}\n${STDIN_MARK}\n${packScript(probe())}`;
    const r = sb.run(["bash", "-c", wrapperCommand("sudo-password", "create")], { input: stdin });
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 0, stdout: `ran create ${SECRET.length}\n` });
    expect(fs.existsSync(path.join(sb.dir, "PWNED"))).toBe(false);
  });
});

test("wrapperStdin puts the password in front of the packed script, which still ends with the decoder", async () => {
  const out = await new Promise<string>((r) => pulumi.output(wrapperStdin("sudo-password", packScript(config), "pw")).apply((v) => r(v)));
  expect(out.startsWith(`pw\n${STDIN_MARK}\n# k3s-stacks: prepare pi-1`)).toBe(true);
  expect(out).toContain(`\n${PACKED_MARK}\n`);
});

function whichOf(tool: string): string {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const p = path.join(dir, tool);
    if (fs.existsSync(p)) return p;
  }
  throw new Error(`${tool} not on PATH`);
}

const PINNED_DIGEST = "6685de4f7d1e98b0";
