/**
 * Loopback ports for tests that need one nobody listens on. Picking a free port and closing it
 * leaves it to the next `listen(0)` of any process on the machine (jest runs test files in parallel
 * workers), so "connection refused" would then be a connection. Here the port stays held for as
 * long as the test needs it, by a socket that never listens.
 */
import * as net from "net";

export interface RefusingPort {
  /** A port on 127.0.0.1 where a connect fails with ECONNREFUSED until `close`. */
  port: number;
  close(): void;
}

/**
 * The local port of an established loopback connection: bound by that socket, so neither an
 * explicit bind nor the kernel's choice for `listen(0)` can take it (EADDRINUSE), and with no
 * listener on it a SYN there is answered with a reset (ECONNREFUSED).
 */
export async function refusingPort(): Promise<RefusingPort> {
  const accepted: net.Socket[] = [];
  const server = net.createServer((s) => accepted.push(s));
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const client = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => client.once("error", reject).once("connect", resolve));
  const port = client.localPort;
  if (port === undefined) throw new Error("refusingPort: the loopback connection has no local port");
  return {
    port,
    close() {
      client.destroy();
      accepted.forEach((s) => s.destroy());
      server.close();
    },
  };
}
