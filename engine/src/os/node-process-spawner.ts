import { spawn } from 'node:child_process';
import type { ChildExit, ProcessSpawner, SpawnedProcess, SpawnOptions } from './process-spawner.js';

/** child_process.spawn behind the `ProcessSpawner` port: the fallback without the native addon. */
export class NodeProcessSpawner implements ProcessSpawner {
  readonly kind = 'node';

  spawn(file: string, args: readonly string[], options: SpawnOptions = {}): SpawnedProcess {
    const child = spawn(file, args, {
      stdio: [...(options.stdio ?? ['pipe', 'pipe', 'pipe'])],
      env: options.env ?? process.env,
      detached: options.detached ?? false,
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    const exited = new Promise<ChildExit>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    const started = child.pid !== undefined;
    return {
      pid: child.pid ?? 0,
      stdin: started ? child.stdin : null,
      stdout: child.stdout,
      stderr: child.stderr,
      exited,
    };
  }
}
