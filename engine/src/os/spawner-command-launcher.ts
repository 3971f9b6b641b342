import type { Readable } from 'node:stream';
import type { CommandLauncher } from '@skiff/net';
import type { ProcessSpawner } from './process-spawner.js';

async function collect(stream: Readable | null): Promise<string> {
  if (!stream) return '';
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

/**
 * `@skiff/net`'s way of running `ip` and `iptables`, over the engine's spawner: with the native
 * one, a network operation no longer forks the whole engine. Rejects only when the binary could
 * not be started (ENOENT…), as the contract says; any exit status resolves.
 */
export function spawnerCommandLauncher(spawner: ProcessSpawner): CommandLauncher {
  return async (file, args, input) => {
    const child = spawner.spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    if (child.pid === 0) await child.exited;
    // A command that exits without reading its input closes the pipe under us: not an error.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
    const [exit, stdout, stderr] = await Promise.all([
      child.exited,
      collect(child.stdout),
      collect(child.stderr),
    ]);
    return { stdout, stderr, exitCode: exit.code ?? 128, signal: exit.signal };
  };
}
