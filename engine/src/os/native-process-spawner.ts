import { Socket } from 'node:net';
import { constants as osConstants } from 'node:os';
import type { OsAddon } from './os-addon.js';
import type {
  ChildExit,
  ProcessSpawner,
  SpawnedProcess,
  SpawnOptions,
  StdioKind,
} from './process-spawner.js';

const KIND: Record<StdioKind, number> = { ignore: 0, pipe: 1, inherit: 2 };

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(osConstants.signals).map(([name, n]) => [n, name as NodeJS.Signals]),
);

function envList(env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out.push(`${k}=${v}`);
  return out;
}

/** The parent's end of a pipe as a stream; libuv drives it like child_process's own pipes. */
function pipeStream(fd: number, direction: 'read' | 'write'): Socket | null {
  if (fd < 0) return null;
  return new Socket({ fd, readable: direction === 'read', writable: direction === 'write' });
}

/**
 * posix_spawn(3) through Skiff's addon: the child's pipes come back as sockets over the parent's
 * ends, and its exit is seen on the event loop through a pidfd (no thread, no SIGCHLD handler).
 * The binary is looked up in the engine's own PATH (posix_spawnp), not in `env.PATH`.
 */
export class NativeProcessSpawner implements ProcessSpawner {
  readonly kind = 'native';

  constructor(private readonly addon: OsAddon) {}

  spawn(file: string, args: readonly string[], options: SpawnOptions = {}): SpawnedProcess {
    const stdio = options.stdio ?? ['pipe', 'pipe', 'pipe'];
    let spawned: ReturnType<OsAddon['spawn']>;
    try {
      spawned = this.addon.spawn(
        file,
        [file, ...args],
        envList(options.env ?? process.env),
        stdio.map((k) => KIND[k]),
        options.detached ?? false,
        options.cwd ?? null,
      );
    } catch (err: unknown) {
      const failed = Promise.reject(err);
      failed.catch(() => undefined);
      return { pid: 0, stdin: null, stdout: null, stderr: null, exited: failed };
    }
    const exited = new Promise<ChildExit>((resolve) => {
      this.addon.watchExit(spawned.pidfd, (code, signal) =>
        resolve(
          signal > 0 ? { code: null, signal: SIGNAL_NAMES.get(signal) ?? 'SIGKILL' } : { code, signal: null },
        ),
      );
    });
    return {
      pid: spawned.pid,
      stdin: pipeStream(spawned.stdin, 'write'),
      stdout: pipeStream(spawned.stdout, 'read'),
      stderr: pipeStream(spawned.stderr, 'read'),
      exited,
    };
  }
}
