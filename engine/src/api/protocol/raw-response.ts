import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

export type HeaderList = Record<string, string | number>;

/** Serialises a status line and headers, for responses written straight to a socket. */
export function rawHead(status: number, headers: HeaderList, statusText?: string): string {
  let head = `HTTP/1.1 ${status} ${statusText ?? STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  return `${head}\r\n`;
}

/** A complete response on a socket that left Node's HTTP machinery (upgrade requests); closes it after. */
export function writeRawResponse(socket: Duplex, status: number, headers: HeaderList, body?: Buffer): void {
  if (socket.destroyed) return;
  const all: HeaderList = { ...headers, 'Content-Length': body?.length ?? 0, Connection: 'close' };
  socket.write(rawHead(status, all));
  socket.end(body);
}
