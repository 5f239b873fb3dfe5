// The fixed command lines that run a script on stdin as root, and the sudo-password wrapper in a real shell.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { STDIN_MARK, localWrapperCommand, privilegeOf, wrapperCommand, wrapperStdin } from "../../components/remote/command";
import { scriptFrame } from "../../components/remote/shell";
import { Sandbox, sandbox } from "./support/shell";

const resolve = (o: pulumi.Input<string>) => new Promise<string>((r) => pulumi.output(o).apply((v) => r(v)));

describe("command lines", () => {
  test("root, NOPASSWD sudo and sudo with a password", () => {
    expect(wrapperCommand("root", "create")).toBe("bash -s -- create");
    expect(wrapperCommand("sudo", "delete")).toBe("sudo -n bash -s -- delete");
    expect(wrapperCommand("sudo-password", "update")).toBe(
      `sudo -S -p '' bash -c 'while IFS= read -r l; do [ "$l" = ${STDIN_MARK} ] && break; done; exec bash -s -- "$0"' update`,
    );
  });

  test("privilege follows the SSH user and the sudo password", () => {
    expect(privilegeOf({ host: "h" })).toBe("root");
    expect(privilegeOf({ host: "h", user: "root", sudoPassword: "x" })).toBe("root");
    expect(privilegeOf({ host: "h", user: "pi" })).toBe("sudo");
    expect(privilegeOf({ host: "h", user: "pi", sudoPassword: "x" })).toBe("sudo-password");
  });

  test("stdin is the script alone, or the password line and marker before it", async () => {
    expect(await resolve(wrapperStdin("root", "echo hi\n"))).toBe("echo hi\n");
    expect(await resolve(wrapperStdin("sudo", "echo hi\n", "pw"))).toBe("echo hi\n");
    expect(await resolve(wrapperStdin("sudo-password", "echo hi\n", "pw"))).toBe(`pw\n${STDIN_MARK}\necho hi\n`);
  });

  test("the password keeps its secrecy through wrapperStdin", async () => {
    expect(await pulumi.isSecret(pulumi.output(wrapperStdin("sudo-password", "echo hi\n", pulumi.secret("pw"))))).toBe(true);
  });
});

describe("running the wrappers in bash with a fake sudo", () => {
  let sb: Sandbox;
  /** A password that would leave a trace if the shell ever executed it. */
  let password: string;
  const script = () =>
    scriptFrame("probe", {
      "create|update": `echo "body ran as phase $phase"
tr '\\0' ' ' < /proc/$$/cmdline >> "$CALLS.argv"
echo >> "$CALLS.argv"`,
    });

  beforeEach(() => {
    sb = sandbox();
    password = `touch ${path.join(sb.dir, "PWNED")}`;
  });
  afterEach(() => sb.cleanup());

  /** sudo stand-in: logs its argv, skips its options, optionally reads the password like `sudo -S` (a line from stdin), then runs the command. */
  const fakeSudo = (readsPassword: boolean) =>
    sb.fake(
      "sudo",
      `printf '%s\\n' "$*" >> "$CALLS.argv"
while [ $# -gt 0 ]; do case "$1" in -S|-n) shift ;; -p) shift 2 ;; *) break ;; esac; done
${readsPassword ? 'IFS= read -r pw; printf "%s\\n" "$pw" > "$CALLS.password"' : ""}
exec "$@"`,
    );

  const run = async (privilege: "root" | "sudo" | "sudo-password", phase = "create") => {
    const stdin = await resolve(wrapperStdin(privilege, script(), password));
    return sb.run(["bash", "-c", wrapperCommand(privilege, phase)], { input: stdin });
  };
  const argv = () => fs.readFileSync(`${sb.log}.argv`, "utf8");

  test("sudo asks for the password: it gets the password line, the body runs, nothing else sees it", async () => {
    fakeSudo(true);
    const r = await run("sudo-password");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("body ran as phase create\n");
    expect(fs.readFileSync(`${sb.log}.password`, "utf8")).toBe(`${password}\n`);
    expect(argv()).not.toContain(password);
    expect(argv()).toContain("bash -s -- create");
    expect(fs.existsSync(path.join(sb.dir, "PWNED"))).toBe(false);
  });

  test("sudo does not ask (NOPASSWD or cached): the password line is skipped, never executed", async () => {
    fakeSudo(false);
    const r = await run("sudo-password", "update");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("body ran as phase update\n");
    expect(fs.existsSync(path.join(sb.dir, "PWNED"))).toBe(false);
    expect(argv()).not.toContain(password);
  });

  test("NOPASSWD sudo and root run the body with the phase", async () => {
    fakeSudo(false);
    expect((await run("sudo", "update")).stdout).toBe("body ran as phase update\n");
    expect(argv().split("\n")[0]).toBe("-n bash -s -- update");
    expect((await run("root")).stdout).toBe("body ran as phase create\n");
  });

  test("a phase the script does not handle does nothing (the no-op update)", async () => {
    fakeSudo(true);
    const r = await run("sudo-password", "noop");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("");
  });
});

describe("a local node's wrapper (localWrapperCommand)", () => {
  let sb: Sandbox;
  beforeEach(() => { sb = sandbox(); });
  afterEach(() => sb.cleanup());

  test("is the SSH wrapper started from an empty environment", () => {
    expect(localWrapperCommand("root", "create")).toBe("env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root bash -s -- create");
    expect(localWrapperCommand("sudo-password", "delete")).toMatch(/^env -i PATH=\S+ HOME=\/root sudo -S -p '' bash -c '.*' delete$/);
  });

  test("in bash: the body runs with the phase, and nothing of the caller's environment reaches it", () => {
    const body = scriptFrame("probe", { "create|update": 'echo "phase $phase token=${K3S_TOKEN:-unset} pass=${PULUMI_CONFIG_PASSPHRASE:-unset} path=$PATH"' });
    const r = sb.run(["sh", "-c", localWrapperCommand("root", "update")], { input: body, env: { K3S_TOKEN: "leak", PULUMI_CONFIG_PASSPHRASE: "leak" } });
    expect(r.stderr).toBe("");
    // The frame appends /opt/bin (install.sh's fallback) to the clean PATH.
    expect(r.stdout).toBe("phase update token=unset pass=unset path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/opt/bin\n");
  });
});
