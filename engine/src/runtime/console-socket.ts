import { closeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { RuntimeError } from '../errors.js';

/** The part of usocket (native: Node cannot receive SCM_RIGHTS) this module uses. */
interface USocketLike {
  on(event: 'fds', listener: (fds: number[]) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  resume(): unknown;
  destroy(): void;
}

interface UServerLike {
  listen(path: string, backlog: number, callback: () => void): void;
  on(event: 'connection', listener: (socket: USocketLike) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  close(): void;
}

interface USocketModule {
  UServer: new () => UServerLike;
}

/** sockaddr_un.sun_path holds 108 bytes, the terminating NUL included. */
export const MAX_SOCKET_PATH = 107;

/**
 * The receiving end of an OCI runtime's `--console-socket`: the runtime connects once and sends
 * the container's terminal master as SCM_RIGHTS (runtime-spec, "Console socket"). Owning the
 * master, rather than letting the runtime relay it, is what makes the output complete: crun
 * 1.8's own relay stops at the process's exit and dumps what it had not read yet into its log.
 *
 * Lifecycle: `open` listens; `master` settles with the first descriptor received, or with
 * `undefined` once `close` is called first; `close` stops listening and removes the path. The
 * received descriptor belongs to the caller. The directory of `path` must be private to the
 * engine: whoever connects first is believed.
 */
export class ConsoleSocket {
  readonly master: Promise<number | undefined>;
  private settle!: (fd: number | undefined) => void;
  private readonly sockets = new Set<USocketLike>();
  private closed = false;
  private received = false;

  private constructor(
    private readonly server: UServerLike,
    readonly path: string,
  ) {
    this.master = new Promise((resolve) => {
      this.settle = resolve;
    });
    server.on('connection', (socket) => this.accept(socket));
  }

  static open(path: string): Promise<ConsoleSocket> {
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
      return Promise.reject(
        new RuntimeError(
          `console socket path ${path} is longer than ${MAX_SOCKET_PATH} bytes; use a shorter SKIFF_SCRATCH`,
        ),
      );
    }
    let server: UServerLike;
    try {
      const usocket = createRequire(import.meta.url)('usocket') as USocketModule;
      server = new usocket.UServer();
    } catch (err: unknown) {
      return Promise.reject(
        new RuntimeError('cannot load usocket, which receives TTY consoles (npm install)', { cause: err }),
      );
    }
    return new Promise((resolve, reject) => {
      server.on('error', (err) => reject(new RuntimeError(`console socket ${path}: ${err.message}`)));
      server.listen(path, 1, () => resolve(new ConsoleSocket(server, path)));
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.server.close();
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    this.settle(undefined);
    await rm(this.path, { force: true });
  }

  private accept(socket: USocketLike): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.on('error', () => this.drop(socket));
    socket.on('fds', (fds) => {
      const [fd, ...extra] = fds;
      for (const other of extra) closeSync(other);
      if (fd === undefined) return;
      if (this.closed || this.received) {
        closeSync(fd);
        return;
      }
      this.received = true;
      this.settle(fd);
      this.drop(socket);
    });
    // Reading is what receives the descriptor; the bytes sent with it (a pty name) are unused.
    socket.resume();
  }

  private drop(socket: USocketLike): void {
    this.sockets.delete(socket);
    socket.destroy();
  }
}
