/** Small pieces for servers in the test process: listen on a free loopback port, close at once. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on 127.0.0.1 at a free port; resolves with `127.0.0.1:<port>`. */
export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes the server and every connection it still has. */
export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A loopback port that was free a moment ago (for programs that take a port, not a socket). */
export async function freePort(): Promise<number> {
  const s = createServer();
  const host = await listen(s);
  await closeServer(s);
  return Number(host.split(':')[1]);
}
