/**
 * The provider plugins from toolchain/build.sh (real ones when on PATH, else the stand-ins in this
 * folder) driven by the real engine through the Automation API: a tiny program with
 * `random.RandomPassword` and `command.remote.Command` / `remote.CopyToRemote` against lab hosts,
 * one behind a bastion. Proves the lifecycle the k3s-stacks program relies on: create with stdin,
 * no-op re-run, preview runs nothing, update, replace on triggers, delete on destroy, secrets
 * kept out of state and logs, and the error format of a failed command.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EngineEvent, LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { startLab, TestLab } from "../hosts";
import { pulumiEnv, toolchainBin } from "../toolchain";

const REPO = path.resolve(__dirname, "..", "..", "..");
const LOG = "/root/pv/log"; // on host pv1: one line per command the provider ran
const COPY_DEST = "/opt/pv/nested/copied.txt"; // on host hidden, behind the bastion (parents created)

// The program under test (plain JS, so the project needs no compiler). Config: `connection` and
// `hiddenConnection` (secret objects), `note` (part of stdin), `trigger`, `copySource`, `fail`.
const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const random = require("@pulumi/random");
const command = require("@pulumi/command");
const cfg = new pulumi.Config();
const connection = cfg.requireSecretObject("connection");
const token = new random.RandomPassword("token", { length: 24, special: false });
const cmd = new command.remote.Command("cmd", {
  connection,
  stdin: pulumi.interpolate\`\${token.result}\\n\${cfg.require("note")}\\n\`,
  create: "mkdir -p /root/pv && cat > /root/pv/stdin && echo create >> ${LOG} && echo created-line",
  update: "cat > /root/pv/stdin && echo update >> ${LOG} && echo updated-line",
  delete: "echo delete >> ${LOG}",
  triggers: [cfg.require("trigger")],
});
const hidden = cfg.requireSecretObject("hiddenConnection");
const copy = new command.remote.CopyToRemote("copy", {
  connection: hidden,
  source: new pulumi.asset.FileAsset(cfg.require("copySource")),
  remotePath: "${COPY_DEST}",
});
const show = new command.remote.Command("show", {
  connection: hidden, create: "cat ${COPY_DEST}", logging: "none",
}, { dependsOn: [copy] });
if (cfg.getBoolean("fail")) {
  new command.remote.Command("boom", { connection, create: "echo boom-out; echo boom-err >&2; exit 3" });
  // Nothing listens on port 1: with dialErrorLimit 1 the provider gives up after its second try.
  const closed = pulumi.output(connection).apply((c) => ({ ...c, port: 1, dialErrorLimit: 1, perDialTimeout: 2 }));
  new command.remote.Command("unreachable", { connection: closed, create: "true" });
}
module.exports = { stdout: cmd.stdout, shown: show.stdout, tokenLength: token.result.apply((t) => t.length) };
`;

let lab: TestLab;
let work: string;
let stack: Stack;
let events: EngineEvent[] = [];
/** Everything the engine printed, and its events, over the whole file (never reset). */
const allPrinted: string[] = [];
const allEvents: EngineEvent[] = [];

function hostLog(): string[] {
  return (lab.readFile("pv1", LOG) ?? "").split("\n").filter((l) => l !== "");
}

/** Options for up/preview/destroy that keep the printed output and the engine events. */
function capture(): { onOutput: (s: string) => void; onEvent: (e: EngineEvent) => void } {
  return {
    onOutput: (s) => allPrinted.push(s),
    onEvent: (e) => {
      events.push(e);
      allEvents.push(e);
    },
  };
}

/**
 * Events without debug diagnostics. Those are excluded on purpose: @pulumi/pulumi's own debug
 * line "RegisterResource RPC finished ... resp: ..." carries resolved outputs, secrets in
 * plaintext included; the CLI prints it only with --debug, never by default.
 */
function nonDebug(list: EngineEvent[]): EngineEvent[] {
  // The SDK type omits "debug", but the engine does send it.
  return list.filter((e) => (e.diagnosticEvent?.severity as string | undefined) !== "debug");
}

/** Messages the provider logged (info and above) during one operation. */
function diagnostics(): string[] {
  return nonDebug(events).flatMap((e) => (e.diagnosticEvent ? [e.diagnosticEvent.message] : []));
}

beforeAll(async () => {
  const bin = toolchainBin();
  lab = startLab([{ name: "pv1" }, { name: "bastion" }, { name: "hidden", via: "bastion" }]);
  work = fs.mkdtempSync(path.join(os.tmpdir(), "k3s-providers-e2e-"));
  const project = path.join(work, "project");
  fs.mkdirSync(project);
  fs.mkdirSync(path.join(work, "state"));
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(project, "node_modules"));
  fs.writeFileSync(
    path.join(project, "Pulumi.yaml"),
    "name: providers-e2e\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n",
  );
  fs.writeFileSync(path.join(project, "index.js"), PROGRAM);
  fs.writeFileSync(path.join(work, "copy-source.txt"), "copied-content\n");
  const envVars = pulumiEnv({ bin, backendDir: path.join(work, "state"), homeDir: path.join(work, "home"), passphrase: "providers-e2e" });
  // build.sh's bin dir is <dir>/bin, the layout PulumiCommand.get expects of a root.
  const pulumiCommand = await PulumiCommand.get({ root: path.dirname(bin), skipVersionCheck: true });
  stack = await LocalWorkspace.createOrSelectStack({ stackName: "e2e", workDir: project }, { envVars, pulumiCommand });
  await stack.setAllConfig({
    connection: { value: JSON.stringify(lab.connection("pv1")), secret: true },
    hiddenConnection: { value: JSON.stringify(lab.connection("hidden")), secret: true },
    note: { value: "first" },
    trigger: { value: "t1" },
    copySource: { value: path.join(work, "copy-source.txt") },
  });
}, 900_000);

afterAll(() => {
  lab?.down();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

beforeEach(() => {
  events = [];
});

describe("RandomPassword + remote.Command + remote.CopyToRemote on the real engine", () => {
  let token = "";

  test("up creates: the command runs once with stdin, the copy lands behind the bastion", async () => {
    const up = await stack.up(capture());
    expect(up.summary.result).toBe("succeeded");
    expect(hostLog()).toEqual(["create"]);
    const stdin = lab.readFile("pv1", "/root/pv/stdin") ?? "";
    token = stdin.split("\n")[0];
    expect(token).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(stdin).toBe(`${token}\nfirst\n`);
    expect(up.outputs.stdout.value).toBe("created-line");
    expect(up.outputs.tokenLength).toEqual({ value: 24, secret: true });
    expect(lab.readFile("hidden", COPY_DEST)).toBe("copied-content\n");
    expect(up.outputs.shown.value).toBe("copied-content");
    // Output lines are logged by default, and not with logging: "none".
    expect(diagnostics().some((m) => m.includes("created-line"))).toBe(true);
    expect(diagnostics().some((m) => m.includes("copied-content"))).toBe(false);
  });

  test("the token and the SSH key are encrypted in the stored state", () => {
    // The state file of the file backend (exportStack() would decrypt: it runs --show-secrets).
    const state = fs.readFileSync(path.join(work, "state", ".pulumi", "stacks", "providers-e2e", "e2e.json"), "utf8");
    expect(state).toContain("created-line"); // sanity: the state is readable text
    expect(state).not.toContain(token);
    expect(state).not.toContain(lab.privateKey.split("\n")[1]);
  });

  test("a second up with expectNoChanges changes nothing and runs nothing", async () => {
    const up = await stack.up({ ...capture(), expectNoChanges: true });
    expect(Object.keys(up.summary.resourceChanges ?? {})).toEqual(["same"]);
    expect(hostLog()).toEqual(["create"]);
  });

  test("changing stdin: preview runs nothing, up runs `update` with the new stdin", async () => {
    await stack.setConfig("note", { value: "second" });
    const preview = await stack.preview(capture());
    expect(preview.changeSummary.update).toBe(1);
    expect(hostLog()).toEqual(["create"]);
    const up = await stack.up(capture());
    expect(up.summary.resourceChanges?.update).toBe(1);
    expect(hostLog()).toEqual(["create", "update"]);
    expect(lab.readFile("pv1", "/root/pv/stdin")).toBe(`${token}\nsecond\n`);
    expect(up.outputs.stdout.value).toBe("updated-line");
  });

  test("changing triggers replaces: create the new one, then delete the old one", async () => {
    await stack.setConfig("trigger", { value: "t2" });
    const up = await stack.up(capture());
    expect(up.summary.resourceChanges?.replace).toBe(1);
    expect(hostLog()).toEqual(["create", "update", "create", "delete"]);
    expect(up.outputs.stdout.value).toBe("created-line");
  });

  test("failures: `<err>: running \"<cmd>\":` with the combined output; dialErrorLimit bounds retries", async () => {
    await stack.setConfig("fail", { value: "true" });
    const failed = stack.up(capture());
    await expect(failed).rejects.toThrow(
      // stdout and stderr are separate SSH streams: their order in the message is not fixed.
      /Process exited with status 3: running "echo boom-out; echo boom-err >&2; exit 3":\s+(boom-out\s+boom-err|boom-err\s+boom-out)/,
    );
    await expect(failed).rejects.toThrow(/after 1 failed attempts: dial tcp [0-9.]+:1: connect: connection refused/);
    expect(diagnostics().filter((m) => /Dial 1\/1 failed: retrying/.test(m))).toHaveLength(1);
    await stack.removeConfig("fail");
  });

  test("destroy runs `delete`", async () => {
    const destroy = await stack.destroy(capture());
    expect(destroy.summary.result).toBe("succeeded");
    expect(hostLog()).toEqual(["create", "update", "create", "delete", "delete"]);
  });

  test("the token never appeared in the engine's output or its non-debug events", () => {
    expect(allPrinted.length).toBeGreaterThan(0);
    expect(allPrinted.join("")).not.toContain(token);
    expect(JSON.stringify(nonDebug(allEvents))).not.toContain(token);
  });
});
