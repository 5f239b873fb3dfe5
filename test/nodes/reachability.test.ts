// The SSH reachability check against real sockets on 127.0.0.1: an SSH server, a closed port, a host
// that accepts but never answers, and an ssh2 bastion whose connection to the host never completes.
import * as net from "net";
import { Server, utils } from "ssh2";
import { findUnreachable, unreachableMessage } from "../../components/remote/reachability";
import { NodeSpec } from "../../components/nodes/types";
import { refusingPort } from "../support/ports";
import { keyDir, sshKeygen } from "../support/ssh-keys";

// Key generation and an SSH handshake can be slow on a loaded machine; the bounds under test are ours.
jest.setTimeout(60_000);

const servers: Array<{ close(): void }> = [];
afterAll(() => servers.forEach((s) => s.close()));

function listen(onConnection: (s: net.Socket) => void): Promise<number> {
  const server = net.createServer(onConnection);
  servers.push(server);
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
}
const node = (name: string, port: number, bastion?: { port: number }): NodeSpec => ({
  name, role: "agent", arch: "amd64", labels: {}, taints: [], allowReboot: false, fixCgroups: false,
  connection: { host: "127.0.0.1", port, user: "root", ...(bastion ? { bastion: { host: "127.0.0.1", port: bastion.port, user: "ops" } } : {}) },
});

let sshPort: number;
let silentPort: number;
let closedPort: number;
let bastionPort: number;
// ssh2 1.17's generateKeyPairSync("ed25519") returns a key its own parser rejects about once in 200
// ("Malformed OpenSSH private key"); draw again rather than fail at random.
function ed25519Key(): { private: string; public: string } {
  for (;;) {
    const key = utils.generateKeyPairSync("ed25519");
    if (!(utils.parseKey(key.private) instanceof Error)) return key;
  }
}
const clientKey = ed25519Key();

beforeAll(async () => {
  const sockets: net.Socket[] = [];
  sshPort = await listen((s) => s.end("SSH-2.0-OpenSSH_9.6\r\n"));
  silentPort = await listen((s) => sockets.push(s)); // accepts, never speaks: like a dropped reply
  servers.push({ close: () => sockets.forEach((s) => s.destroy()) });
  // Held for the whole file: a port closed again could be taken by another jest worker's listener.
  const refusing = await refusingPort();
  servers.push(refusing);
  closedPort = refusing.port;
  // A bastion that logs in anyone with the key and forwards to sshPort, but leaves any other target hanging.
  const bastion = new Server({ hostKeys: [ed25519Key().private] }, (client) => {
    client.on("authentication", (ctx) => (ctx.method === "publickey" ? ctx.accept() : ctx.reject(["publickey"])));
    client.on("ready", () => client.on("tcpip", (accept, _reject, info) => {
      if (info.destPort !== sshPort) return; // dropped packets: the bastion's connect never finishes
      const channel = accept();
      const upstream = net.connect(sshPort, "127.0.0.1");
      upstream.pipe(channel).pipe(upstream);
    }));
    client.on("error", () => undefined);
  });
  servers.push(bastion);
  bastionPort = await new Promise((resolve) => bastion.listen(0, "127.0.0.1", () => resolve((bastion.address() as net.AddressInfo).port)));
});

test("a host that shows its SSH banner passes, directly and through a bastion", async () => {
  expect(await findUnreachable([node("ok", sshPort), node("behind", sshPort, { port: bastionPort })], { privateKey: clientKey.private, timeoutSeconds: 20 })).toEqual([]);
});

test("a closed port fails at once, naming the node and the address", async () => {
  const [u] = await findUnreachable([node("refused", closedPort)], { timeoutSeconds: 5 });
  expect(u).toMatchObject({ node: "refused", address: `127.0.0.1:${closedPort}` });
  expect(u.reason).toMatch(/ECONNREFUSED/);
});

test("silence is bounded by our own timer, direct and through a bastion, and the message names node, address and bastion", async () => {
  const started = Date.now();
  const failed = await findUnreachable([node("quiet", silentPort), node("edge", silentPort + 0, { port: bastionPort }), node("edge2", 1, { port: bastionPort })], { privateKey: clientKey.private, timeoutSeconds: 2 });
  // Three probes in parallel, each bounded at 2 s (plus scheduling on a loaded machine).
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(failed.map((u) => u.node)).toEqual(["edge", "edge2", "quiet"]);
  const edge2 = failed.find((u) => u.node === "edge2")!;
  expect(edge2).toMatchObject({ address: "127.0.0.1:1", bastion: `ops@127.0.0.1:${bastionPort}` });
  expect(edge2.reason).toBe("no answer within 2s: the bastion could not open a connection to the host");
  const text = unreachableMessage(failed);
  expect(text).toContain(`node edge2: SSH at 127.0.0.1:1 through bastion ops@127.0.0.1:${bastionPort}: no answer within 2s`);
  expect(text).toContain(`node quiet: SSH at 127.0.0.1:${silentPort}: no answer within 2s`);
  expect(text).toMatch(/Fix: .*set gone: true/);
});

test("local nodes and addresses known only at run time are not probed", async () => {
  const local: NodeSpec = { ...node("me", closedPort), connection: { host: "localhost", local: true } };
  expect(await findUnreachable([local], { timeoutSeconds: 1 })).toEqual([]);
});

test("a passphrase-protected key logs in to the bastion with its passphrase (ssh2 `passphrase`), and not without", async () => {
  const d = keyDir();
  try {
    const key = sshKeygen(d.dir, "ed25519", "bastion-pass-7");
    const behind = [node("behind", sshPort, { port: bastionPort })];
    expect(await findUnreachable(behind, { privateKey: key.text, privateKeyPassword: "bastion-pass-7", timeoutSeconds: 20 })).toEqual([]);
    const [u] = await findUnreachable(behind, { privateKey: key.text, timeoutSeconds: 20 });
    expect(u).toMatchObject({ node: "behind" });
    expect(u.reason).toMatch(/passphrase/);
  } finally {
    d.remove();
  }
});
