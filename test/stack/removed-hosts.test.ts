// Which hosts `pulumi up` probes before anything is registered, under mocks with real sockets on
// 127.0.0.1: live hosts, and hosts of the last update's `nodeAddresses` output that are no longer in
// the inventory (their uninstall would dial them); not hosts marked gone, which nothing dials.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.mock factories cannot use imports
jest.mock("@pulumi/command", () => require("./support/recorder").recordingCommandModule());

import * as net from "net";
import { installMocks, MockState, valueOf } from "../support/mocks";
import { refusingPort } from "../support/ports";
import { setStackConfig } from "../support/stack";
import { COMMAND_TYPES, SENTINEL, drain, mockOutputs } from "./support/harness";

jest.setTimeout(60_000);

const servers: Array<{ close(): void }> = [];
afterAll(() => servers.forEach((s) => s.close()));
const listen = (onConnection: (s: net.Socket) => void): Promise<number> => {
  const server = net.createServer(onConnection);
  servers.push(server);
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
};

let sshPort: number;
let closedPort: number;
beforeAll(async () => {
  sshPort = await listen((s) => s.end("SSH-2.0-OpenSSH_9.6\r\n"));
  // Held for the whole file: a port closed again could be taken by another jest worker's listener.
  const refusing = await refusingPort();
  servers.push(refusing);
  closedPort = refusing.port;
});

// Every host dials 127.0.0.1 (a port of its own); its node-ip is a LAN address, as on a real machine.
let nextIp = 10;
const host = (name: string, role: string, port: number, extra: Record<string, unknown> = {}) => ({ name, role, arch: "amd64", address: "127.0.0.1", port, internalAddress: `192.168.1.${nextIp++}`, ...extra });

async function up(hosts: unknown[], previousAddresses: Record<string, unknown>): Promise<{ state: MockState; error?: string }> {
  const previous = { k3sVersion: "v1.36.3+k3s1", serverNames: ["s1"], datastore: "sqlite", nodeAddresses: previousAddresses };
  const state = await installMocks({
    outputs: (type, name) => (type === "pulumi:pulumi:StackReference" ? { outputs: previous } : mockOutputs(type, name)),
  });
  setStackConfig({
    "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1" },
    "k3s-stacks:inventory": { hosts, reachabilityTimeout: 2 },
  }, { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey });
  const { main } = await import("../../stacks/main");
  try {
    await main();
    await drain();
    return { state };
  } catch (e) {
    return { state, error: (e as Error).message };
  }
}
const at = (port: number, bastion?: number) => ({ host: "127.0.0.1", port, user: "root", ...(bastion ? { bastion: { host: "127.0.0.1", port: bastion, user: "ops" } } : {}) });

test("a host removed from the inventory that does not answer fails the up by name, before any command is registered", async () => {
  const r = await up([host("s1", "server", sshPort)], { s1: at(sshPort), old: at(closedPort) });
  expect(r.error).toContain(`node old (removed from k3s-stacks:inventory; its uninstall would run on it over SSH): SSH at 127.0.0.1:${closedPort}:`);
  expect(r.error).toMatch(/Fix: a removed host is uninstalled over SSH.*put its entry back in k3s-stacks:inventory \(same name, role and arch\) with gone: true/);
  expect(r.error).not.toContain("node s1");
  expect(r.state.resources.filter((x) => COMMAND_TYPES.includes(x.type))).toEqual([]);
});

test("a removed host that answers is left to its uninstall; a host marked gone is never probed", async () => {
  const r = await up(
    [host("s1", "server", sshPort), host("dead", "agent", closedPort, { gone: true })],
    { s1: at(sshPort), old: at(sshPort), dead: at(closedPort) },
  );
  expect(r.error).toBeUndefined();
  expect(r.state.byName("k3s-dead-install").type).toBe("command:remote:Command");
});

test("live and removed hosts fail together, each with its own fix; the bastion is named", async () => {
  const r = await up([host("s1", "server", sshPort), host("a1", "agent", closedPort)], { s1: at(sshPort), old: at(closedPort, closedPort) });
  expect(r.error).toContain("2 nodes are not reachable");
  expect(r.error).toContain(`node a1: SSH at 127.0.0.1:${closedPort}:`);
  expect(r.error).toContain(`node old (removed from k3s-stacks:inventory; its uninstall would run on it over SSH): SSH at 127.0.0.1:${closedPort} through bastion ops@127.0.0.1:${closedPort}: `);
  expect(r.error).toMatch(/Fix: bring the host .*\nFix: a removed host/);
});

test("the nodeAddresses output is plain: addresses, ports and users of the live hosts, no key", async () => {
  const state = await installMocks({ outputs: (type, name) => mockOutputs(type, name) });
  setStackConfig({
    "k3s-stacks:cluster": { k3sVersion: "v1.36.3+k3s1" },
    "k3s-stacks:inventory": { hosts: [host("s1", "server", 2222), host("e", "agent", 22, { bastion: "s1", user: "ops" }), host("d", "agent", 23, { gone: true })] },
  }, { "k3s-stacks:sshPrivateKey": SENTINEL.privateKey });
  const { main } = await import("../../stacks/main");
  const outputs = await main();
  await drain();
  expect(state.resources.length).toBeGreaterThan(0);
  expect(await valueOf(outputs.nodeAddresses as never)).toEqual({
    s1: { host: "127.0.0.1", port: 2222, user: "root" },
    e: { host: "127.0.0.1", port: 22, user: "ops", bastion: { host: "127.0.0.1", port: 2222, user: "root" } },
  });
});
