import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { busyboxTar, isAlive, mountsUnder, SKIFFD_BIN, SkiffdHarness, socketAnswers } from '@skiff/testing';
import { afterEach, describe, expect, it } from 'vitest';

describe('skiffd lifecycle', () => {
  const harnesses: SkiffdHarness[] = [];
  const started: number[] = [];

  afterEach(async () => {
    for (const pid of started.splice(0)) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {}
      for (let i = 0; i < 200; i++) {
        try {
          process.kill(pid, 0);
        } catch {
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    for (const h of harnesses.splice(0)) await h.cleanup();
  });

  it('is started once by concurrent CLI calls racing to start it', async () => {
    const h = new SkiffdHarness();
    harnesses.push(h);
    await h.prepare();
    const results = await Promise.all(Array.from({ length: 4 }, () => h.skiff(['version', '--json'])));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const startedLines = results.flatMap((r) =>
      r.stderr.split('\n').filter((l) => l.includes('skiffd started')),
    );
    expect(startedLines).toHaveLength(1);
    const pid = Number(/pid (\d+)/.exec(startedLines[0] ?? '')?.[1]);
    started.push(pid);
    const info = (await h.http('GET', '/info')).json<{ SkiffPid: number }>();
    expect(info.SkiffPid).toBe(pid);
    const pidFile = path.join(h.base, 'root', 'engines', h.engineName, 'skiffd.pid');
    expect(Number((await readFile(pidFile, 'utf8')).trim())).toBe(pid);
    expect((await h.skiff(['engine', 'stop'])).stdout).toBe(`skiffd (pid ${pid}) stopped\n`);
    expect(await socketAnswers(h.socketPath)).toBe(false);
  });

  it('refuses to start a second daemon on the same socket and shuts down cleanly on SIGTERM', async () => {
    const h = new SkiffdHarness();
    harnesses.push(h);
    await h.prepare();
    await h.start();
    const second = spawn(process.execPath, [SKIFFD_BIN, '--detached'], {
      env: h.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    second.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/already serves/);
    expect(await socketAnswers(h.socketPath)).toBe(true);
    expect(await h.stop()).toBe(0);
    expect(await socketAnswers(h.socketPath)).toBe(false);
  });

  it('leaves nothing behind after a SIGKILL: the next start cleans up what the killed engine ran', async () => {
    const h = new SkiffdHarness();
    harnesses.push(h);
    await h.prepare();
    await h.start();
    expect((await h.skiff(['import', await busyboxTar(), 'busybox'])).code).toBe(0);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await h.skiff(['run', '-d', 'busybox', 'sleep', '300']);
      expect(r.code, r.stderr).toBe(0);
      ids.push(r.stdout.trim());
    }
    const pids = await Promise.all(
      ids.map(
        async (id) =>
          (await h.http('GET', `/containers/${id}/json`)).json<{ State: { Pid: number } }>().State.Pid,
      ),
    );
    for (const pid of pids) expect(pid).toBeGreaterThan(0);

    h.daemon?.kill('SIGKILL');
    await new Promise((r) => h.daemon?.once('exit', r));
    // The containers outlive the killed engine until the next start finds them.
    expect(pids.every((pid) => isAlive(pid))).toBe(true);

    await h.start();
    const states = await Promise.all(
      ids.map(
        async (id) =>
          (await h.http('GET', `/containers/${id}/json`)).json<{
            State: { Status: string; ExitCode: number };
          }>().State,
      ),
    );
    for (const st of states) expect(st).toMatchObject({ Status: 'exited', ExitCode: 137 });
    expect(pids.some((pid) => isAlive(pid))).toBe(false);
    expect((await h.skiff(['rm', '-f', ...ids])).code).toBe(0);
    // The container service unmounts removed roots in the background (~50 ms after DELETE).
    const t0 = Date.now();
    while ((await mountsUnder(h.base)).length > 0 && Date.now() - t0 < 5000)
      await new Promise((r) => setTimeout(r, 50));
    expect(await mountsUnder(h.base)).toEqual([]);
    const runtimeState = path.join(h.base, 'scratch', h.engineName, 'runtime');
    expect((await readdir(runtimeState).catch(() => [])).filter((e) => !e.startsWith('.'))).toEqual([]);
    expect(await h.stop()).toBe(0);
    expect(await mountsUnder(h.base)).toEqual([]);
  });
});
