/** A fixture image without a shell: one static HTTP server, for waits that must not exec anything. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { EngineApi } from '../engine-api.js';
import { FIXTURES_CACHE, REPO } from '../paths.js';

const run = promisify(execFile);

export const NOSHELL = 'skiff-test/noshell:1';

const SOURCE = path.join(REPO, 'testing/fixtures/noshell-server.cpp');

/** The statically linked server (g++ -static), built once per machine. */
async function noshellServer(): Promise<string> {
  const dir = path.join(FIXTURES_CACHE, 'fixtures');
  const { stdout } = await run('sha256sum', [SOURCE]);
  const bin = path.join(dir, `noshell-server-${stdout.slice(0, 12)}`);
  if (existsSync(bin)) return bin;
  await mkdir(dir, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  try {
    await run('g++', ['-static', '-O2', '-o', tmp, SOURCE]);
    await rename(tmp, bin);
  } finally {
    await rm(tmp, { force: true });
  }
  return bin;
}

/** Imports `skiff-test/noshell:1` (just `/server`) unless the engine has it. */
export async function provideNoshell(api: EngineApi): Promise<void> {
  if (await api.hasImage(NOSHELL)) return;
  const root = await mkdtemp(path.join(os.tmpdir(), 'noshell-root-'));
  try {
    await copyFile(await noshellServer(), path.join(root, 'server'));
    const { stdout } = await run('tar', ['--owner=0', '--group=0', '-C', root, '-cf', '-', 'server'], {
      encoding: 'buffer',
      maxBuffer: 64 << 20,
    });
    await api.importImage(stdout, NOSHELL, ['CMD ["/server", "8080"]', 'EXPOSE 8080']);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
