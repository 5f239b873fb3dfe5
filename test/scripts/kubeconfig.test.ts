// scripts/kubeconfig.sh in a real shell: a fake `pulumi` hands out the stack's kubeconfig, real
// kubectl reads the merged ~/.kube/config, and strace records every command line of the run.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { LOG_CALL, Sandbox, sandbox } from "../k3s/support/shell";
import { FileServer, serveDirectory } from "./support/http-server";

const SCRIPT = path.resolve(__dirname, "../../scripts/kubeconfig.sh");
const TOKEN = "KUBE-SENTINEL-token-4e1f";
const USER_CONFIG = `# my clusters
apiVersion: v1
kind: Config
clusters:
- cluster: { server: "https://work.example:6443" }
  name: work
- cluster: { server: "https://127.0.0.1:41234" }
  name: kind-dev
users:
- name: work
  user: { token: work-token }
- name: kind-dev
  user: { token: kind-token }
contexts:
- context: { cluster: work, user: work, namespace: team-a }
  name: work
- context: { cluster: kind-dev, user: kind-dev }
  name: kind-dev
current-context: work
`;

/** The stack output as the program exports it (names already k3s-<stack>). */
const stackKubeconfig = (server: string) => `apiVersion: v1
kind: Config
clusters:
- cluster: { server: "${server}" }
  name: k3s-demo
users:
- name: k3s-demo
  user: { token: ${TOKEN} }
contexts:
- context: { cluster: k3s-demo, user: k3s-demo }
  name: k3s-demo
current-context: k3s-demo
`;

interface Kubeconfig {
  clusters: { name: string; cluster: { server: string } }[];
  users: { name: string; user: Record<string, string> }[];
  contexts: { name: string; context: Record<string, string> }[];
  "current-context": string;
}

let sb: Sandbox;
let server: FileServer;
let port: number;
const kubeDir = () => path.join(sb.dir, ".kube");
const userConfig = () => path.join(kubeDir(), "config");
const mode = (f: string) => (fs.statSync(f).mode & 0o777).toString(8);
const read = () => parse(fs.readFileSync(userConfig(), "utf8")) as Kubeconfig;
const names = (k: Kubeconfig) => ({ clusters: k.clusters.map((c) => c.name), users: k.users.map((u) => u.name), contexts: k.contexts.map((c) => c.name) });

/** Runs the script under strace; returns its result and every command line executed during the run. */
function runScript(args: string[]): { status: number | null; stdout: string; stderr: string; commandLines: string } {
  const trace = path.join(sb.dir, "execve.trace");
  const r = sb.run(["strace", "-f", "-qq", "-e", "trace=execve", "-s", "65536", "-o", trace, "bash", SCRIPT, ...args], {
    env: { XDG_STATE_HOME: path.join(sb.dir, "state"), STACK_KUBECONFIG: path.join(sb.dir, "stack-output.yaml") },
  });
  return { ...r, commandLines: fs.readFileSync(trace, "utf8") };
}

beforeEach(async () => {
  sb = sandbox();
  // pulumi stand-in: logs its argv; `stack output kubeconfig --show-secrets` prints the stack's kubeconfig.
  sb.fake("pulumi", `${LOG_CALL}
if [ "$1 $2 $3" = "stack output kubeconfig" ]; then cat "$STACK_KUBECONFIG"; else exit 1; fi`);
  fs.mkdirSync(kubeDir(), { mode: 0o755 });
  fs.writeFileSync(userConfig(), USER_CONFIG, { mode: 0o644 });
  // The "API server": kubectl's GET /version answered from a file.
  const www = path.join(sb.dir, "www");
  fs.mkdirSync(www);
  fs.writeFileSync(path.join(www, "version"), '{"gitVersion":"v1.36.3+k3s1 (stand-in answer)"}');
  server = await serveDirectory(www);
  port = server.port;
});

afterEach(async () => {
  await server.stop();
  sb.cleanup();
});

test("merges the stack as context k3s-demo, keeps every other entry and comment, mode 0600, and kubectl uses it", () => {
  fs.writeFileSync(path.join(sb.dir, "stack-output.yaml"), stackKubeconfig(`http://127.0.0.1:${port}`));
  const r = runScript(["demo"]);
  expect(r.stderr).not.toMatch(/error/i);
  expect(r.status).toBe(0);
  expect(r.stdout).toContain("context k3s-demo is in");
  expect(r.stdout).toContain("kubectl config use-context work");

  const merged = read();
  expect(names(merged)).toEqual({ clusters: ["work", "kind-dev", "k3s-demo"], users: ["work", "kind-dev", "k3s-demo"], contexts: ["work", "kind-dev", "k3s-demo"] });
  const before = parse(USER_CONFIG) as Kubeconfig;
  for (const key of ["clusters", "users", "contexts"] as const) expect(merged[key].slice(0, 2)).toEqual(before[key]);
  expect(fs.readFileSync(userConfig(), "utf8").startsWith("# my clusters\n")).toBe(true);
  expect(merged["current-context"]).toBe("k3s-demo");
  expect(mode(userConfig())).toBe("600");
  expect(mode(path.join(kubeDir(), "k3s-demo.yaml"))).toBe("600");
  expect(fs.readFileSync(path.join(kubeDir(), "k3s-demo.yaml"), "utf8")).toBe(stackKubeconfig(`http://127.0.0.1:${port}`));

  const kubectl = spawnSync("kubectl", ["--kubeconfig", userConfig(), "--context", "k3s-demo", "get", "--raw", "/version"], { encoding: "utf8", env: { ...process.env, HOME: sb.dir } });
  expect(kubectl.stderr).toBe("");
  expect(kubectl.stdout).toContain("stand-in answer");
});

test("a second run replaces only that context: no duplicates, the new server, others untouched", () => {
  fs.writeFileSync(path.join(sb.dir, "stack-output.yaml"), stackKubeconfig("https://10.0.0.1:6443"));
  expect(runScript(["demo"]).status).toBe(0);
  fs.writeFileSync(path.join(sb.dir, "stack-output.yaml"), stackKubeconfig("https://10.0.0.2:6443"));
  const r = runScript(["demo"]);
  expect(r.status).toBe(0);
  const merged = read();
  expect(names(merged)).toEqual({ clusters: ["work", "kind-dev", "k3s-demo"], users: ["work", "kind-dev", "k3s-demo"], contexts: ["work", "kind-dev", "k3s-demo"] });
  expect(merged.clusters[2].cluster.server).toBe("https://10.0.0.2:6443");
  expect(merged.contexts[0]).toEqual({ name: "work", context: { cluster: "work", user: "work", namespace: "team-a" } });
});

test("the kubeconfig is never on a command line, nor printed", () => {
  fs.writeFileSync(path.join(sb.dir, "stack-output.yaml"), stackKubeconfig("https://10.0.0.1:6443"));
  const r = runScript(["demo"]);
  expect(r.status).toBe(0);
  // The trace did record the run: pulumi, node and the merge script's arguments are in it.
  expect(r.commandLines).toContain('"stack", "output", "kubeconfig", "--show-secrets", "--stack", "demo"');
  expect(r.commandLines).toContain("scripts/kubeconfig/merge.ts");
  expect(r.commandLines).not.toContain(TOKEN);
  expect(r.stdout + r.stderr).not.toContain(TOKEN);
  expect(sb.calls()).toEqual(["pulumi stack output kubeconfig --show-secrets --stack demo"]);
});

test("no ~/.kube yet: created 0700, config 0600 with the one context", () => {
  fs.rmSync(kubeDir(), { recursive: true });
  fs.writeFileSync(path.join(sb.dir, "stack-output.yaml"), stackKubeconfig("https://10.0.0.1:6443"));
  expect(runScript(["demo"]).status).toBe(0);
  expect(mode(kubeDir())).toBe("700");
  expect(mode(userConfig())).toBe("600");
  expect(names(read())).toEqual({ clusters: ["k3s-demo"], users: ["k3s-demo"], contexts: ["k3s-demo"] });
});

test("a stack without the output fails with the fix and leaves ~/.kube/config as it was", () => {
  fs.writeFileSync(path.join(sb.dir, "stack-output.yaml"), "");
  const r = runScript(["demo"]);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("stack demo has no kubeconfig output. Fix: run scripts/up.sh demo first.");
  expect(fs.readFileSync(userConfig(), "utf8")).toBe(USER_CONFIG);
  expect(fs.readdirSync(kubeDir())).toEqual(["config"]);
});

test("--remove drops the context and its file, nothing else", () => {
  fs.writeFileSync(path.join(sb.dir, "stack-output.yaml"), stackKubeconfig("https://10.0.0.1:6443"));
  expect(runScript(["demo"]).status).toBe(0);
  const r = runScript(["demo", "--remove"]);
  expect(r.status).toBe(0);
  expect(r.stdout).toContain("removed context k3s-demo");
  const left = read();
  expect(names(left)).toEqual({ clusters: ["work", "kind-dev"], users: ["work", "kind-dev"], contexts: ["work", "kind-dev"] });
  expect(fs.existsSync(path.join(kubeDir(), "k3s-demo.yaml"))).toBe(false);
});
