import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConsoleSocket, MAX_SOCKET_PATH } from './console-socket.js';

/** usocket's client, the sending end a runtime would be: connects and writes data with descriptors. */
interface Sender {
  on(event: 'connected', listener: () => void): unknown;
  write(chunk: { data: Buffer; fds: number[] }): unknown;
  end(): void;
}
const { USocket } = createRequire(import.meta.url)('usocket') as {
  USocket: new (options: { path: string }) => Sender;
};

function send(socketPath: string, fds: number[]): Promise<void> {
  return new Promise((resolve) => {
    const client = new USocket({ path: socketPath });
    client.on('connected', () => {
      // runc and crun send the pty's name along with the descriptor.
      client.write({ data: Buffer.from('/dev/pts/0'), fds });
      client.end();
      resolve();
    });
  });
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'skiff-console-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ConsoleSocket', () => {
  it('receives the descriptor a runtime sends with SCM_RIGHTS, then removes its path', async () => {
    const file = path.join(dir, 'stands-for-a-pty');
    await writeFile(file, 'through the socket');
    const socket = await ConsoleSocket.open(path.join(dir, 'c.sock'));
    const sent = openSync(file, 'r');
    await send(socket.path, [sent]);
    const received = (await socket.master) as number;
    expect(received).not.toBe(sent);
    expect(fstatSync(received).ino).toBe(fstatSync(sent).ino);
    const buf = Buffer.alloc(64);
    expect(buf.subarray(0, readSync(received, buf, 0, 64, 0)).toString()).toBe('through the socket');
    closeSync(sent);
    closeSync(received);
    await socket.close();
    await expect(access(socket.path)).rejects.toThrow(/ENOENT/);
  });

  it('settles with undefined when closed before any console arrived', async () => {
    const socket = await ConsoleSocket.open(path.join(dir, 'idle.sock'));
    await socket.close();
    expect(await socket.master).toBeUndefined();
  });

  it('refuses a path too long for a unix socket, naming it', async () => {
    const long = path.join(dir, 'x'.repeat(MAX_SOCKET_PATH));
    await expect(ConsoleSocket.open(long)).rejects.toThrow(
      /longer than 107 bytes; use a shorter SKIFF_SCRATCH/,
    );
  });
});
