// The join URL check (join-reach.ts) in a real bash against real TCP ports on this machine: a
// listening port passes with one connect, a closed one fails at once with the message, and the
// install script runs it before install.sh.
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { DIRECT_JOIN_WAIT_SECONDS, joinWaitSeconds, renderJoinReachCheck } from "../../components/k3s/join-reach";
import { InstallSpec, renderInstallScript } from "../../components/k3s/scripts";
import { LOG_CALL, Sandbox, sandbox } from "./support/shell";

let sb: Sandbox;
let server: net.Server | undefined;
let connections = 0;
beforeEach(() => {
  sb = sandbox();
  sb.fake("sleep", LOG_CALL);
  connections = 0;
});
afterEach(async () => {
  sb.cleanup();
  if (server) await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** A port that accepts connections (the kernel completes them while spawnSync blocks this process). */
async function listening(host = "127.0.0.1"): Promise<number> {
  server = net.createServer((s) => { connections++; s.destroy(); });
  await new Promise<void>((resolve) => server?.listen(0, host, resolve));
  return (server.address() as net.AddressInfo).port;
}
/** A port nothing listens on: the connect is refused. */
async function closed(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}
/** Lets the connections queued while bash ran reach the listener's callback. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

const config = () => path.join(sb.dir, "config.yaml");
const writeConfig = (server?: string) => fs.writeFileSync(config(), `node-name: ag1\n${server === undefined ? "" : `server: ${server}\n`}token-file: /etc/rancher/k3s/token\n`);
const check = (waitSeconds: number) => `${renderJoinReachCheck("ag1", waitSeconds).split("/etc/rancher/k3s/config.yaml").join(config())}\njoin_reachable\necho reached`;
const run = (script: string) => sb.run(["bash", "-c", `set -euo pipefail\n${script}`]);

describe("join_reachable against real ports", () => {
  test("a listening join URL passes with one connect and no wait", async () => {
    writeConfig(`https://127.0.0.1:${await listening()}`);
    const r = run(check(600));
    await settle();
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("reached\n");
    expect(connections).toBe(1);
    expect(sb.calls()).toEqual([]);
  });

  test("an IPv6 literal, a URL quoted by YAML and one with a trailing slash are understood", async () => {
    const v6 = await listening("::1").catch(() => undefined);
    if (v6 !== undefined) {
      writeConfig(`https://[::1]:${v6}`);
      expect(run(check(1)).stdout).toBe("reached\n");
      await new Promise((resolve) => server?.close(resolve));
    }
    const port = await listening();
    // Also as a hand-edited file may hold it: trailing blanks, a comment after the value, a CRLF line end.
    for (const url of [`"https://127.0.0.1:${port}"`, `'https://localhost:${port}/'`, `https://127.0.0.1:${port}   `, `"https://127.0.0.1:${port}"  # the VIP`, `https://127.0.0.1:${port}\r`]) {
      writeConfig(url);
      expect({ url, out: run(check(1)).stdout }).toEqual({ url, out: "reached\n" });
    }
  });

  test("a closed join URL fails fast, naming the node, the URL, the rule and a command to test it; it retried every 2 s until the bound", async () => {
    const port = await closed();
    writeConfig(`https://127.0.0.1:${port}`);
    const started = Date.now();
    const r = run(check(1));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`k3s-stacks: ag1 cannot reach its join URL https://127.0.0.1:${port}: no TCP connection to 127.0.0.1 port ${port} within 1s`);
    expect(r.stderr).toContain("Every node must reach TCP 6443 on the servers (k3s docs, Requirements, 'Inbound Rules for K3s Nodes')");
    expect(r.stderr).toContain(`test it on ag1 with: timeout 3 bash -c ': > /dev/tcp/127.0.0.1/${port}' && echo open`);
    expect(sb.calls().every((c) => c === "sleep 2")).toBe(true);
  });

  test("the test command in the message itself tells an open port from a closed one", async () => {
    const open = await listening();
    const shut = await closed();
    const cmd = (port: number) => sb.run(["bash", "-c", `timeout 3 bash -c ': > /dev/tcp/127.0.0.1/${port}' && echo open`]);
    expect(cmd(open).stdout).toBe("open\n");
    expect(cmd(shut).status).not.toBe(0);
  });

  test("a node without server: in config.yaml (it joins nobody) and one without config.yaml pass without a connect", async () => {
    writeConfig();
    expect(run(check(600)).stdout).toBe("reached\n");
    fs.rmSync(config());
    expect(run(check(600)).stdout).toBe("reached\n");
    expect(sb.calls()).toEqual([]);
  });
});

describe("the install script runs the check before install.sh", () => {
  const spec = (role: "agent" | "server"): InstallSpec => ({ node: "ag1", role, version: "v1.36.3+k3s1", installScriptUrl: "https://get.k3s.io", stagedScript: path.join(sb.dir, "install.sh") });
  const install = (role: "agent" | "server", joinWait?: number) =>
    renderInstallScript(spec(role), "K10token", "x-ag1-leave", joinWait).split("/etc/rancher/k3s").join(sb.dir);

  test.each(["agent", "server"] as const)("a %s whose join URL is closed fails in create and in a reinstall (update) before install.sh ran", async (role) => {
    fs.writeFileSync(path.join(sb.dir, "install.sh"), `echo "install.sh ran" >> "$CALLS"\n`);
    sb.fake("systemctl", LOG_CALL);
    writeConfig(`https://127.0.0.1:${await closed()}`);
    for (const phase of ["create", "update"]) {
      const r = sb.run(["bash", "-s", "--", phase], { input: install(role, 1) });
      expect({ phase, status: r.status }).toEqual({ phase, status: 1 });
      expect(r.stderr).toContain("ag1 cannot reach its join URL");
      expect(sb.calls().filter((c) => !c.startsWith("sleep"))).toEqual([]);
    }
  });

  test("without a join wait (the first server) nothing is checked", () => {
    expect(install("server")).not.toContain("join_reachable");
    expect(install("agent", 30)).toMatch(/\n *join_reachable\n *start_install\n/);
    expect(install("server", 30)).toMatch(/\n *join_reachable\n *run_install\n/);
  });
});

describe("joinWaitSeconds: never shorter than the node waited for its join URL before", () => {
  const limits = { activeSeconds: 240, readySeconds: 600 };
  test("the first server's own address answers when any node joins: a short bound for every role", () => {
    expect(joinWaitSeconds("agent", false, limits)).toBe(DIRECT_JOIN_WAIT_SECONDS);
    expect(joinWaitSeconds("server", false, limits)).toBe(DIRECT_JOIN_WAIT_SECONDS);
    expect(DIRECT_JOIN_WAIT_SECONDS).toBeLessThanOrEqual(30);
  });
  test("a VIP or endpoint that may come up later: a server as long as run_install waited for active, an agent as long as its membership waited for Ready", () => {
    expect(joinWaitSeconds("server", true, limits)).toBe(240);
    expect(joinWaitSeconds("agent", true, limits)).toBe(600);
  });
});
