import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildEngine, SKIFFD_BIN, SkiffdHarness, socketAnswers } from './skiffd-harness.js';

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
    await buildEngine();
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
    await buildEngine();
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
});
