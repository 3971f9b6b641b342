/** A throwaway CNCF registry (Debian's docker-registry) on loopback, counting the requests it serves. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface TestRegistry {
  /** `127.0.0.1:<port>` */
  address: string;
  /** Access-log lines seen so far (method and path). */
  requests: string[];
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startRegistry(): Promise<TestRegistry> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'skiff-core-registry-'));
  const port = await freePort();
  const config = path.join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: info',
      '  accesslog:',
      '    disabled: false',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${dir}/data`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
    ].join('\n'),
  );
  const requests: string[] = [];
  const proc: ChildProcess = spawn('docker-registry', ['serve', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const onLog = (d: Buffer) => {
    for (const m of d.toString().matchAll(/"(GET|HEAD|PUT|POST|PATCH|DELETE) (\/v2\/[^ ]*) HTTP/g))
      requests.push(`${m[1]} ${m[2]}`);
  };
  proc.stdout?.on('data', onLog);
  proc.stderr?.on('data', onLog);
  const until = Date.now() + 10_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/v2/`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > until || proc.exitCode !== null) throw new Error('docker-registry did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    address: `127.0.0.1:${port}`,
    requests,
    stop: async () => {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r(undefined) : proc.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
