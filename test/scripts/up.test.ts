// scripts/up.sh on a machine with no pulumi: Pulumi's installer (a stand-in served on loopback) puts
// the SDK's version in a user directory, up.sh says so and then runs that CLI; the local stack asks
// before it installs anything. The Go-module path runs in test/e2e/scenarios/install-pulumi.e2e.test.ts
// (it needs the built toolchain).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { Sandbox, sandbox } from "../k3s/support/shell";
import { FileServer, serveDirectory } from "./support/http-server";
import { REPO, pathWithoutPulumi, scratchProject } from "./support/project";

const SDK_VERSION = (JSON.parse(fs.readFileSync(path.join(REPO, "node_modules/@pulumi/pulumi/package.json"), "utf8")) as { version: string }).version;

/** Stand-in for Pulumi's installer: takes the real one's flags, installs a fake CLI reporting --version. */
const INSTALLER = `#!/bin/sh
# k3s-stacks test stand-in for https://get.pulumi.com/install.sh
printf 'installer %s\\n' "$*" >> "$CALLS"
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version=$2; shift 2 ;;
    --install-root) root=$2; shift 2 ;;
    --no-edit-path) shift ;;
    *) echo "installer stand-in: unknown option $1" >&2; exit 1 ;;
  esac
done
mkdir -p "$root/bin"
cp "$FAKE_PULUMI" "$root/bin/pulumi"
printf '%s\\n' "$version" > "$root/bin/VERSION"
printf '#!/bin/sh\\nexit 0\\n' > "$root/bin/pulumi-language-nodejs"
chmod 755 "$root/bin/pulumi" "$root/bin/pulumi-language-nodejs"
`;

/** Fake CLI: logs its path and arguments; `version` from the VERSION file beside it; the kubeconfig output from $STACK_KUBECONFIG. */
const FAKE_PULUMI = `#!/bin/bash
printf '%s %s\\n' "$0" "$*" >> "$CALLS"
case "$1 $2" in
  "version "*) echo "v$(cat "$(dirname "$0")/VERSION")" ;;
  "stack output") cat "$STACK_KUBECONFIG" ;;
esac
exit 0`;

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: k3s-sandbox, cluster: { server: "https://127.0.0.1:6443" } }]
users: [{ name: k3s-sandbox, user: { token: t } }]
contexts: [{ name: k3s-sandbox, context: { cluster: k3s-sandbox, user: k3s-sandbox } }]
current-context: k3s-sandbox
`;

let sb: Sandbox;
let server: FileServer;
let port: number;
let upSh: string;
const root = () => path.join(sb.dir, ".local/share/k3s-stacks/pulumi");

function up(args: string[], env: Record<string, string> = {}) {
  return sb.run(["bash", upSh, ...args], {
    env: {
      PATH: pathWithoutPulumi([sb.bin]),
      K3S_STACKS_PULUMI_INSTALLER_URL: `http://127.0.0.1:${port}/install.sh`,
      FAKE_PULUMI: path.join(sb.dir, "fake-pulumi"),
      STACK_KUBECONFIG: path.join(sb.dir, "kubeconfig.yaml"),
      // Never the build machine's Go: these tests cover the installer branch.
      GO: "/nonexistent/go",
      ...env,
    },
  });
}

beforeEach(async () => {
  sb = sandbox();
  upSh = scratchProject(path.join(sb.dir, "project"), { sandbox: "config: {}\n" });
  const www = path.join(sb.dir, "www");
  fs.mkdirSync(www);
  fs.writeFileSync(path.join(www, "install.sh"), INSTALLER);
  fs.writeFileSync(path.join(sb.dir, "fake-pulumi"), FAKE_PULUMI, { mode: 0o755 });
  fs.writeFileSync(path.join(sb.dir, "kubeconfig.yaml"), KUBECONFIG);
  server = await serveDirectory(www);
  port = server.port;
});

afterEach(async () => {
  await server.stop();
  sb.cleanup();
});

test("no pulumi on PATH: the installer puts the SDK's version in ~/.local/share, up.sh says so, then uses it", () => {
  expect(pathWithoutPulumi([sb.bin]).split(":").some((d) => fs.existsSync(path.join(d, "pulumi")))).toBe(false);
  const r = up(["sandbox", "--yes"]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const url = `http://127.0.0.1:${port}/install.sh`;
  expect(r.stdout).toContain(`up.sh: installing pulumi v${SDK_VERSION} into ${root()}/bin with Pulumi's installer (${url})`);
  expect(r.stdout).toContain(`up.sh: installed pulumi v${SDK_VERSION} in ${root()}/bin (Pulumi's installer from ${url}).`);
  expect(r.stdout).toContain(`up.sh: using pulumi v${SDK_VERSION} (${root()}/bin/pulumi)`);
  const pulumi = `${root()}/bin/pulumi`;
  expect(sb.calls()).toEqual([
    `installer --version ${SDK_VERSION} --install-root ${root()} --no-edit-path`,
    `${pulumi} version`,
    `${pulumi} version`,
    `${pulumi} stack select --create --secrets-provider passphrase sandbox`,
    `${pulumi} up --stack sandbox --parallel 64 --yes`,
    `${pulumi} stack output kubeconfig --show-secrets --stack sandbox`,
  ]);
  // ... and kubectl is set up at the end.
  const kube = parse(fs.readFileSync(path.join(sb.dir, ".kube/config"), "utf8")) as { "current-context": string };
  expect(kube["current-context"]).toBe("k3s-sandbox");
});

test("a second run installs nothing and uses the installed CLI; --no-kubeconfig skips the merge", () => {
  expect(up(["sandbox", "--yes"]).status).toBe(0);
  sb.calls();
  const r = up(["sandbox", "--yes", "--no-kubeconfig"]);
  expect(r.status).toBe(0);
  expect(r.stdout).not.toContain("installed pulumi");
  const calls = sb.calls();
  expect(calls.filter((c) => c.startsWith("installer"))).toEqual([]);
  expect(calls).toContain(`${root()}/bin/pulumi up --stack sandbox --parallel 64 --yes`);
  expect(calls.some((c) => c.includes("stack output"))).toBe(false);
});

test("an older pulumi on PATH is not used: the SDK's version is installed and runs instead", () => {
  sb.fake("pulumi", 'printf "old %s\\n" "$*" >> "$CALLS"; [ "$1" = version ] && echo v3.100.0; exit 0');
  const r = up(["sandbox", "--yes", "--no-kubeconfig"]);
  expect(r.status).toBe(0);
  expect(r.stdout).toContain(`${sb.bin}/pulumi is pulumi v3.100.0, older than the SDK this project uses (v${SDK_VERSION}); installing a newer one for this user`);
  const calls = sb.calls();
  expect(calls.filter((c) => c.startsWith("old ")).every((c) => c === "old version")).toBe(true);
  expect(calls).toContain(`${root()}/bin/pulumi up --stack sandbox --parallel 64 --yes`);
});

test("installer unreachable and no Go: stops, naming what to install", () => {
  const r = up(["sandbox", "--yes"], { K3S_STACKS_PULUMI_INSTALLER_URL: "http://127.0.0.1:1/install.sh" });
  expect(r.status).toBe(2);
  expect(r.stderr).toContain(`up.sh: the pulumi CLI is missing, http://127.0.0.1:1/install.sh is unreachable and there is no Go toolchain to build it. Fix: install pulumi v${SDK_VERSION} or newer`);
  expect(sb.calls()).toEqual([]);
});

describe("the local stack asks before it installs k3s here", () => {
  // The scratch project's Pulumi.local.yaml is a symlink to the repo's: replaced, never written through.
  const localFile = () => path.join(path.dirname(path.dirname(upSh)), "Pulumi.local.yaml");
  const writeLocalStack = (text: string) => {
    fs.rmSync(localFile());
    fs.writeFileSync(localFile(), text);
  };
  // Each test starts from the shipped settings only: scripts/up.sh local (README's first command) adds
  // its encryptionsalt, and maybe a stored sudoPassword, to the checkout's file, which an appended key
  // then landed under (invalid YAML) or which made up.sh skip its sudo question.
  beforeEach(() => {
    const shipped = parse(fs.readFileSync(path.join(REPO, "Pulumi.local.yaml"), "utf8")) as { config?: Record<string, unknown> };
    const plain = Object.entries(shipped.config ?? {}).filter(([, v]) => !(typeof v === "object" && v !== null && "secure" in v));
    writeLocalStack(stringify({ config: Object.fromEntries(plain) }));
  });
  test("without a terminal and without --yes it refuses before setting anything up: no pulumi call, no CLI install", () => {
    const r = up(["local"], { K3S_STACKS_PULUMI_INSTALLER_URL: "http://127.0.0.1:1/install.sh" });
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/the 'local' stack installs k3s v1\.36\.3\+k3s1 on THIS machine \(.+\) as a single-node server \(sqlite\)/);
    // the destroy that finds up.sh's stack (its file backend and passphrase), and the firewall named
    expect(r.stdout).toContain("'scripts/pulumi.sh destroy --stack local' uninstalls k3s and undoes the preparation.");
    expect(r.stderr).not.toContain("cgroup v1");
    expect(r.stdout).toContain("ufw/firewalld are told to let k3s be (pod and service ranges trusted, no port opened)");
    expect(r.stderr).toContain("no terminal to ask whether to install k3s on this machine, and nothing is installed without a yes. Fix: run it in a terminal and answer, or run 'scripts/up.sh local --yes' to install without asking.");
    expect(sb.calls()).toEqual([]);
    expect(r.stdout).not.toContain("using pulumi");
  });

  // Host preparation refuses a host without systemd: up.sh stops before asking, with --yes too.
  test.each([[["local"]], [["local", "--yes"]]])("on a machine without systemd (%j) it stops before asking or setting up, in one line naming why", (args) => {
    const r = up(args, { SYSTEMD: "no", K3S_STACKS_PULUMI_INSTALLER_URL: "http://127.0.0.1:1/install.sh" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^up\.sh: this machine does not run systemd \(no \/run\/systemd\/system\), and k3s-stacks runs k3s as a systemd service \(k3s's install\.sh knows only systemd and openrc\), so nothing is installed\. Fix: run scripts\/up\.sh local on a Linux machine booted with systemd .*\n$/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stdout).not.toContain("installs k3s");
    expect(sb.calls()).toEqual([]);
  });

  // The install could only stop at host preparation: up.sh stops first, with --yes and without a
  // terminal too, and its last words are the fixes, not an invitation to pass --yes.
  test.each([[["local"]], [["local", "--yes"]]])("on a machine booted with cgroup v1 (%j) it stops before asking or setting up, naming the fixes", (args) => {
    const r = up(args, { CGROUP_FS: "tmpfs", K3S_STACKS_PULUMI_INSTALLER_URL: "http://127.0.0.1:1/install.sh" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^up\.sh: this machine boots cgroup v1 \(\/sys\/fs\/cgroup is not cgroup2fs\), and the kubelet of k3s v1\.36\.3\+k3s1 refuses to start on it .*so nothing is installed\. Fix, one of:\n/);
    expect(r.stderr).toMatch(/ {2}- (boot this machine with cgroup v2: add systemd\.unified_cgroup_hierarchy=1|boot a kernel with cgroup v2).*run scripts\/up\.sh local again;\n/);
    expect(r.stderr).toContain("  - or set k3s-stacks:cluster.k3sVersion in Pulumi.local.yaml to a release before v1.35, e.g. v1.34.6+k3s1.\n");
    expect(r.stderr).not.toMatch(/--yes|no terminal/);
    expect(r.stdout).not.toContain("installs k3s");
    expect(sb.calls()).toEqual([]);
  });

  // The opt-out is read from the stack file as YAML, as the program reads it: text in a comment, or
  // under another key, is no setting (a grep for 'fail-cgroupv1=false' took both for the opt-out).
  const localStack = (cluster: string) => writeLocalStack(`config:\n  k3s-stacks:cluster:\n    k3sVersion: v1.36.3+k3s1\n    datastore: sqlite\n${cluster}  k3s-stacks:local: {}\n`);
  const warned = () => up(["local"], { CGROUP_FS: "tmpfs", K3S_STACKS_PULUMI_INSTALLER_URL: "http://127.0.0.1:1/install.sh" }).stderr.includes("this machine boots cgroup v1");
  test.each([
    ["a commented-out entry", "    # serverConfig: { kubelet-arg: [fail-cgroupv1=false] }\n"],
    ["another key's value", "    serverConfig:\n      node-label: [fail-cgroupv1=false]\n"],
    ["agentConfig's entry that serverConfig's kubelet-arg replaces", "    agentConfig: { kubelet-arg: [fail-cgroupv1=false] }\n    serverConfig: { kubelet-arg: [max-pods=200] }\n"],
  ])("on cgroup v1, %s is no opt-out: it still warns", (_what, cluster) => {
    localStack(cluster);
    expect(warned()).toBe(true);
  });

  test.each([
    ["serverConfig", "    serverConfig:\n      kubelet-arg:\n        - fail-cgroupv1=false\n"],
    ["agentConfig, which servers take too", "    agentConfig: { kubelet-arg: [\"--fail-cgroupv1=False\"] }\n"],
  ])("the kubelet-arg entry fail-cgroupv1=false in %s is the opt-out: no warning", (_what, cluster) => {
    localStack(cluster);
    expect(warned()).toBe(false);
  });

  test("the YAML the cgroup v1 message shows, put in the stack file as it says, is the opt-out: up.sh goes ahead", () => {
    const stderr = up(["local"], { CGROUP_FS: "tmpfs" }).stderr;
    const block = /kubelet-arg list \(create the keys that are missing\), then run scripts\/up\.sh local again:\n((?: {6}.*\n)+)/.exec(stderr)?.[1] ?? "";
    const told = parse(block.replace(/^ {6}/gm, "")) as { config: Record<string, Record<string, unknown>> };
    const stack = parse(fs.readFileSync(localFile(), "utf8")) as { config: Record<string, Record<string, unknown>> };
    Object.assign(stack.config["k3s-stacks:cluster"], told.config["k3s-stacks:cluster"]);
    writeLocalStack(stringify(stack));
    sb.fake("sudo", "exit 0");
    const r = up(["local", "--yes", "--no-kubeconfig"], { CGROUP_FS: "tmpfs" });
    expect(r.stderr).not.toContain("cgroup v1");
    expect(r.status).toBe(0);
  });

  // As a user whose sudo wants a password this script cannot type (no terminal).
  const asUserWithoutSudo = () => {
    sb.fake("id", '[ "$1" = -u ] && echo 1000 || echo ana');
    sb.fake("sudo", 'echo "sudo $*" >> "$CALLS"; exit 1');
  };
  test("not root and sudo wants a password: stops before setting anything up, naming up.sh's own way to store it", () => {
    asUserWithoutSudo();
    const r = up(["local", "--yes"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("up.sh: installing k3s here needs sudo, and sudo did not let ana in. Fix: run as a user with sudo rights in a terminal, or store the sudo password as a secret of the stack with up.sh's state and passphrase: scripts/pulumi.sh stack select --create --secrets-provider passphrase local && scripts/pulumi.sh config set --secret k3s-stacks:sudoPassword --stack local");
    expect(sb.calls()).toEqual(["sudo -n -v"]);
  });

  test("a stored sudo password is not asked for again: sudo is left to the program", () => {
    writeLocalStack(`${fs.readFileSync(localFile(), "utf8")}  k3s-stacks:sudoPassword:\n    secure: v1:AAAA\n`);
    asUserWithoutSudo();
    const r = up(["local", "--yes", "--no-kubeconfig"]);
    expect(r.status).toBe(0);
    expect(sb.calls().filter((c) => c.startsWith("sudo"))).toEqual([]);
  });

  test("a stack file without a k3s version is named, not a Node.js stack trace", () => {
    writeLocalStack("config:\n  k3s-stacks:local: {}\n");
    const r = up(["local", "--yes"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("up.sh: Pulumi.local.yaml sets no k3s version. Fix: put it under config: -> k3s-stacks:cluster: -> k3sVersion:, e.g. k3sVersion: v1.36.3+k3s1\n");
    expect(sb.calls()).toEqual([]);
  });

  test("--yes goes ahead to pulumi up --yes", () => {
    // Run as a user other than root, up.sh asks sudo first (sudo -v): the same outcome for every user.
    sb.fake("sudo", "exit 0");
    const r = up(["local", "--yes", "--no-kubeconfig"]);
    expect(r.status).toBe(0);
    expect(sb.calls()).toContain(`${root()}/bin/pulumi up --stack local --parallel 64 --yes`);
  });
});

describe("up.sh's own arguments", () => {
  const upScript = path.join(REPO, "scripts", "up.sh");
  test("--help prints the usage and does nothing else (no npm, no CLI install)", () => {
    const r = spawnSync("bash", [upScript, "--help"], { encoding: "utf8", env: { PATH: "/usr/bin:/bin", HOME: "/nonexistent" } });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: scripts\/up\.sh STACK/);
    expect(r.stderr).toBe("");
  });

  test("an option before the stack is refused with the usage", () => {
    const r = spawnSync("bash", [upScript, "--yes", "homelab"], { encoding: "utf8", env: { PATH: "/usr/bin:/bin", HOME: "/nonexistent" } });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/the stack comes first, before '--yes'\.\nusage: scripts\/up\.sh STACK/);
  });
});
