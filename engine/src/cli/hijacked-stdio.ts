import type { Socket } from 'node:net';
import { FrameDecoder, StreamType } from '../api/protocol/multiplexed-stream.js';

export interface AttachStdioOptions {
  /** The container/exec has a TTY: output is one raw stream. */
  tty: boolean;
  /** Forward this process's stdin; its end half-closes the connection. */
  stdin: boolean;
}

function writeOut(stream: NodeJS.WriteStream, data: Buffer, socket: Socket): void {
  if (!stream.write(data)) {
    socket.pause();
    stream.once('drain', () => socket.resume());
  }
}

/**
 * Connects a hijacked attach/exec connection to this process's stdio: output demultiplexed to
 * stdout/stderr (raw with a TTY), stdin forwarded (raw mode when it is a terminal), and a
 * half-close when stdin ends — or at once without stdin, as the docker CLI's CloseWrite does.
 * Resolves when the engine closes the output.
 */
export function attachStdio(
  conn: { socket: Socket; head: Buffer },
  options: AttachStdioOptions,
): Promise<void> {
  const { socket } = conn;
  const decoder = options.tty ? undefined : new FrameDecoder();
  const onData = (chunk: Buffer) => {
    if (!decoder) {
      writeOut(process.stdout, chunk, socket);
      return;
    }
    for (const frame of decoder.push(chunk)) {
      if (frame.stream === StreamType.stderr || frame.stream === StreamType.systemError) {
        writeOut(process.stderr, frame.payload, socket);
      } else {
        writeOut(process.stdout, frame.payload, socket);
      }
    }
  };
  if (conn.head.length > 0) onData(conn.head);
  socket.on('data', onData);

  const stdin = process.stdin;
  let restoreRaw = false;
  if (options.stdin) {
    if (options.tty && stdin.isTTY) {
      stdin.setRawMode(true);
      restoreRaw = true;
    }
    stdin.pipe(socket, { end: false });
    stdin.once('end', () => socket.end());
  } else {
    socket.end();
  }

  return new Promise((resolve, reject) => {
    const finish = () => {
      if (options.stdin) {
        stdin.unpipe(socket);
        if (restoreRaw) stdin.setRawMode(false);
        stdin.pause();
      }
      resolve();
    };
    socket.once('end', finish);
    socket.once('close', finish);
    socket.once('error', (e) => {
      if (options.stdin && restoreRaw) stdin.setRawMode(false);
      reject(e);
    });
  });
}

/** Calls `resize` now and on every SIGWINCH while the returned stop function is not called. */
export function watchTerminalSize(resize: (rows: number, cols: number) => void): () => void {
  const out = process.stdout;
  if (!out.isTTY) return () => {};
  const fire = () => resize(out.rows, out.columns);
  fire();
  process.on('SIGWINCH', fire);
  return () => process.off('SIGWINCH', fire);
}
