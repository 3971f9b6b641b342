import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive } from '@skiff/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { ContainerEngineFixture } from './engine-fixture.js';

const support = fileURLToPath(new URL('./support/', import.meta.url));
let fx: ContainerEngineFixture | undefined;
let child: ReturnType<typeof spawn> | undefined;

afterEach(async () => {
  if (child?.exitCode === null) child.kill('SIGKILL');
  await fx?.teardown();
});

interface ChildReport {
  pid: number;
  ids: Record<'running' | 'autoRemove' | 'limited' | 'paused' | 'always' | 'created' | 'exited', string>;
  pids: Record<string, number>;
}

function startChild(base: string, engineName: string): Promise<ChildReport> {
  child = spawn(
    process.execPath,
    [
      '--import',
      path.join(support, 'ts-register.mjs'),
      path.join(support, 'engine-child.ts'),
      base,
      engineName,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    child!.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child!.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)) as ChildReport);
    });
    child!.once('exit', (code) => reject(new Error(`engine child exited with ${code}: ${err}`)));
  });
}

/** Processes whose command line mentions the engine's directory: crun, container inits, anything it left. */
async function processesUnder(base: string): Promise<string[]> {
  const found: string[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(base)) found.push(`${name}: ${cmdline.replaceAll('\0', ' ')}`);
  }
  return found;
}

async function mountsUnder(base: string): Promise<string[]> {
  const mounts = await readFile('/proc/mounts', 'utf8');
  return mounts.split('\n').filter((l) => l.split(' ')[1]?.startsWith(base));
}

describe('crash recovery', () => {
  it('cleans up after an engine killed with SIGKILL while containers run', { timeout: 120_000 }, async () => {
    const first = new ContainerEngineFixture();
    await first.setup();
    await first.service.close();
    fx = first;
    const report = await startChild(first.base, first.engineName);
    for (const k of ['running', 'autoRemove', 'limited', 'paused', 'always'] as const) {
      expect(isAlive(report.pids[k]!), k).toBe(true);
    }
    expect(await mountsUnder(first.base)).not.toEqual([]);
    child!.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    // The containers outlive their engine: that is what recovery is for.
    expect(isAlive(report.pids.running!)).toBe(true);
    expect((await first.runtime.list()).length).toBeGreaterThanOrEqual(4);

    const svc = await first.restart();
    for (const k of ['running', 'autoRemove', 'limited', 'paused', 'always'] as const) {
      expect(isAlive(report.pids[k]!), `${k} init still alive`).toBe(false);
    }
    // Only the restart-policy container runs again, as a new process under the new engine.
    const always = await svc.inspect(report.ids.always);
    expect(always.state.status).toBe('running');
    expect(always.state.pid).not.toBe(report.pids.always);
    expect((await first.runtime.list()).map((s) => s.id)).toEqual([report.ids.always]);
    expect(await processesUnder(first.base)).toHaveLength(1);
    const cgroups: string[] = [];
    for (const parent of first.cgroupParents()) {
      for (const e of await readdir(parent, { withFileTypes: true }).catch(() => [])) {
        if (e.isDirectory() && e.name !== report.ids.always) cgroups.push(e.name);
      }
    }
    expect(cgroups).toEqual([]);

    await expect(svc.inspect(report.ids.autoRemove)).rejects.toThrow(/No such container/);
    for (const k of ['running', 'limited', 'paused'] as const) {
      const info = await svc.inspect(report.ids[k]);
      expect(info.state.status, k).toBe('exited');
      expect(info.state.exitCode).toBe(137);
      expect(info.state.error).toMatch(/engine stopped/);
    }
    expect((await svc.inspect(report.ids.created)).state.status).toBe('created');
    expect((await svc.inspect(report.ids.exited)).state.exitCode).toBe(0);
    const scratch = path.join(first.base, 'scratch', 'containers');
    const kept = Object.entries(report.ids)
      .filter(([k]) => k !== 'autoRemove')
      .map(([, id]) => id)
      .sort();
    expect((await readdir(scratch)).sort()).toEqual(kept);
    for (const id of kept.filter((i) => i !== report.ids.always)) {
      expect(await readdir(path.join(scratch, id))).not.toContain('bundle');
    }

    // The recovered containers work again, and removing them leaves nothing at all.
    const again = svc.wait(report.ids.exited, 'next-exit');
    await svc.start(report.ids.exited);
    expect((await again).statusCode).toBe(0);
    for (const id of kept) await svc.remove(id, { force: true, removeVolumes: true });
    await svc.close();
    expect(await first.leftovers()).toEqual([]);
    expect(await mountsUnder(first.base)).toEqual([]);
    expect(await readdir(path.join(first.base, 'root', 'volumes'))).toEqual([]);
  });
});
