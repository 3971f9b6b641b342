import type { OutputChunk, StdioSession } from '../../containers/container-service.js';
import type { Logger } from '../../logger.js';
import type { HijackedConnection } from '../http-exchange.js';
import { encodeFrames, StreamType } from './multiplexed-stream.js';
import { abortable, writeChunk } from './stream-write.js';

/**
 * Connects a container's (or exec's) live stdio to a hijacked connection:
 * - output → the client, framed unless the session has a TTY;
 * - client bytes → stdin; the client's half-close (FIN) closes stdin, and output keeps flowing;
 * - output end → `beforeEnd` (exec records its exit code there, clients inspect right after EOF)
 *   → the connection is ended;
 * - client disconnect → the session is detached; the process keeps running.
 */
export async function bridgeStdio(
  session: StdioSession,
  conn: HijackedConnection,
  log: Logger,
  beforeEnd?: () => Promise<unknown>,
): Promise<void> {
  const gone = new AbortController();
  const onClose = () => gone.abort();
  conn.output.once('close', onClose);
  conn.output.on('error', (err) => log.debug({ err }, 'client connection error'));

  const stdin = session.stdin;
  if (stdin) {
    stdin.on('error', (err) => log.debug({ err }, 'stdin closed by the process'));
    conn.input.pipe(stdin);
  } else {
    // Nobody reads stdin: drain it so the client's FIN and any stray bytes are consumed.
    conn.input.resume();
  }

  let cutOff = false;
  try {
    try {
      for await (const chunk of abortable<OutputChunk>(session.output, gone.signal)) {
        const data = session.tty
          ? chunk.data
          : encodeFrames(chunk.stream === 'stderr' ? StreamType.stderr : StreamType.stdout, chunk.data);
        if (!(await writeChunk(conn.output, data, gone.signal))) break;
      }
    } catch (err) {
      // The session refused to queue more for this client (it stopped reading): cut the
      // connection rather than end it cleanly, so the client cannot take it for the end of output.
      cutOff = true;
      log.warn({ err }, 'attached client cut off');
      conn.output.destroy();
    }
    if (!gone.signal.aborted && !cutOff && beforeEnd) await beforeEnd();
  } finally {
    conn.output.off('close', onClose);
    if (stdin) conn.input.unpipe(stdin);
    if (gone.signal.aborted || cutOff) session.detach();
    else conn.end();
  }
}
